"""Qt for brm's Maya UI: PySide6 in Maya 2025 and later, PySide2 in Maya 2022-2024.

Maya ships exactly one binding (2025 moved to Qt 6 / PySide6), so the window imports Qt only
through this module and uses the API the two share. ``BRM_QT=PySide2`` or ``PySide6`` picks
one where both are importable (tests).
"""

import os

_wanted = os.environ.get("BRM_QT", "")
_order = ["PySide2", "PySide6"] if _wanted == "PySide2" else ["PySide6", "PySide2"]

QtCore = QtGui = QtWidgets = None
wrapInstance = getCppPointer = None
QT_BINDING = ""
for _name in _order:
    try:
        if _name == "PySide6":
            from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F811
            from shiboken6 import getCppPointer, wrapInstance  # noqa: F811
        else:
            from PySide2 import QtCore, QtGui, QtWidgets  # noqa: F811
            from shiboken2 import getCppPointer, wrapInstance  # noqa: F811
        QT_BINDING = _name
        break
    except ImportError:
        continue
if not QT_BINDING:
    raise ImportError("brm's window needs PySide6 (Maya 2025+) or PySide2 (Maya 2022-2024); neither imports here")

Qt = QtCore.Qt
QT_VERSION = QtCore.qVersion()


def exec_dialog(dialog):
    """QDialog.exec() (PySide6) / exec_() (PySide2)."""
    return dialog.exec() if hasattr(dialog, "exec") else dialog.exec_()


def checked(state):
    """True when a check state (enum or int, both bindings) is Checked."""
    try:
        return state == Qt.Checked or int(state) == int(Qt.Checked)
    except TypeError:
        return getattr(state, "value", state) == getattr(Qt.Checked, "value", 2)
