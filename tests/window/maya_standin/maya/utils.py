"""Stand-in maya.utils: executeDeferred runs on the next turn of the Qt event loop, as in Maya."""

_pending = []


def executeDeferred(fn, *args):
    try:
        from brm_qt import QtCore
        QtCore.QTimer.singleShot(0, lambda: fn(*args))
    except ImportError:
        _pending.append((fn, args))
