"""Stand-in for maya.standalone: initialize() loads the stand-in session."""

from maya import _session


def initialize(name="python"):
    _session.record("standalone.initialize", [], {"name": name})
    _session.STATE["initialized"] = True


def uninitialize():
    _session.record("standalone.uninitialize", [], {})
    _session.STATE["initialized"] = False
