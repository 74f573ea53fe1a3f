"""ctypes binding of the stand-in host library (tests/maya_standin/host/host_capi.cpp)."""

import ctypes
import json
import os

_lib = None
_pump = None
script_editor = []   # (kind, text) of every Script Editor message, for tests


def lib():
    global _lib
    if _lib is None:
        path = os.environ.get("BRM_MAYA_HOST_LIB")
        if not path or not os.path.exists(path):
            raise RuntimeError("BRM_MAYA_HOST_LIB must name the built libmaya_standin_host.so "
                               "(cmake --build build/maya; see tests/window/conftest.py)")
        _lib = ctypes.CDLL(path)
        c = ctypes.c_char_p
        for name in ("msh_last_error", "msh_commands_json", "msh_result_json", "msh_take_messages_json",
                     "msh_current_file", "msh_file_trace_json", "msh_get_attr", "msh_list_nodes_json"):
            getattr(_lib, name).restype = c
        _lib.msh_fire_timers.argtypes = [ctypes.c_float]
        _lib.msh_run.argtypes = [c, ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(c)]
        _lib.msh_init()
    return _lib


def _s(b):
    return b.decode("utf-8", "replace") if b is not None else ""


def _b(s):
    return s.encode("utf-8")


def last_error():
    return _s(lib().msh_last_error())


def load_plugin(path):
    if not lib().msh_load_plugin(_b(path)):
        raise RuntimeError("loadPlugin: " + last_error())
    _drain()


def unload_plugin():
    ok = lib().msh_unload_plugin()
    _drain()
    if not ok:
        raise RuntimeError("unloadPlugin: " + last_error())


def commands():
    return json.loads(_s(lib().msh_commands_json()))


def _drain():
    msgs = json.loads(_s(lib().msh_take_messages_json()))
    for kind, text in msgs:
        script_editor.append((kind, text))
        print("%s: %s" % (kind, text))
    return msgs


INT, DOUBLE, STRING, FLAG = 0, 1, 2, 3


def run(name, args):
    """Run a command with [(kind, text)] args; its result as Python, or RuntimeError with the
    command's error message (what maya.cmds raises)."""
    n = len(args)
    kinds = (ctypes.c_int * n)(*[k for k, _ in args])
    texts = (ctypes.c_char_p * n)(*[_b(t) for _, t in args])
    ok = lib().msh_run(_b(name), n, kinds, texts)
    msgs = _drain()
    if not ok:
        errors = [t for k, t in msgs if k == "error"]
        raise RuntimeError("\n".join(errors) if errors else "Error while running %s" % name)
    return json.loads(_s(lib().msh_result_json()))


def fire_timers(elapsed=0.1):
    n = lib().msh_fire_timers(elapsed)
    _drain()
    return n


def timer_count():
    return lib().msh_timer_count()


def open_scene(path):
    lib().msh_open_scene(_b(path or ""))


def current_file():
    return _s(lib().msh_current_file())


def save_as(path):
    ok = lib().msh_save_as(_b(path))
    _drain()
    return bool(ok)


def file_trace():
    return json.loads(_s(lib().msh_file_trace_json()))


def _edit(ok):
    if not ok:
        raise RuntimeError(last_error())


def create_node(type_, name):
    _edit(lib().msh_create_node(_b(type_), _b(name)))


def set_attr(plug, value):
    _edit(lib().msh_set_attr(_b(plug), _b(str(value))))


def get_attr(plug):
    return _s(lib().msh_get_attr(_b(plug)))


def connect_attr(src, dst):
    _edit(lib().msh_connect_attr(_b(src), _b(dst)))


def delete_node(name):
    _edit(lib().msh_delete_node(_b(name)))


def rename_node(old, new):
    _edit(lib().msh_rename_node(_b(old), _b(new)))


def list_nodes(type_=""):
    return json.loads(_s(lib().msh_list_nodes_json(_b(type_))))


def start_idle_pump(interval_ms=100):
    """Fire the plug-in's timer callbacks from the Qt event loop (Maya's idle loop)."""
    global _pump
    from brm_qt import QtCore
    if _pump is None:
        _pump = QtCore.QTimer()
        _pump.setInterval(interval_ms)
        _pump.timeout.connect(lambda: fire_timers(interval_ms / 1000.0))
        _pump.start()
    return _pump


def stop_idle_pump():
    global _pump
    if _pump is not None:
        _pump.stop()
        _pump = None
