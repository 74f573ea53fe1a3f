"""Stand-in for Autodesk Maya's `maya` Python package, for brm's tests only.

It imitates just what brm's mayapy scripts use (maya.standalone, maya.cmds, maya.mel,
maya.app.renderSetup), keeps the scene state a real session would have, records every call
(BRM_FAKE_CALLS) and "renders" by writing image files and printing real renderer log lines
(see ../_brm_fake.py). It is put first on sys.path by the fake `mayapy`.
"""
