"""Stand-in `maya` package for the Batch Render window tests: a Python process plays Maya.

Unlike tests/fakes/maya_standin (a Python imitation for the mayapy render scripts), the
plug-in's commands here are the REAL brm plug-in, loaded by the stand-in host library
(tests/maya_standin, libmaya_standin_host.so) through ctypes: `cmds.brmSubmit(...)` becomes
a real command invocation parsed by the stand-in MArgDatabase and run by the plug-in against
the real libbrm and agent. Only Maya's own commands the window uses (about, file, optionVar,
scriptJob, menuItem, workspace, ...) are imitated, in cmds.py. `_host.start()` begins a
session; its idle pump fires the plug-in's MTimerMessage callbacks from the Qt event loop as
Maya's idle loop does.
"""
