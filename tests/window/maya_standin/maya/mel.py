"""Stand-in maya.mel: the global MEL variables of Maya's UI the brm module reads."""

import re

GLOBALS = {"gMainRenderMenu": "mainRenderMenu", "gShelfTopLevel": "ShelfLayout", "gMainWindow": "MayaWindow"}


def eval(text):
    m = re.match(r"^\s*\$\w+\s*=\s*\$(\w+)\s*;?\s*$", text)
    if m and m.group(1) in GLOBALS:
        return GLOBALS[m.group(1)]
    raise RuntimeError("stand-in maya.mel cannot evaluate: %s" % text)
