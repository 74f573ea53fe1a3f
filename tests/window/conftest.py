"""The Batch Render window under real Qt, driven by pytest-qt, against the real plug-in.

The process plays Maya: tests/window/maya_standin/maya is its `maya` package, whose cmds
hands the brm* commands to the real plug-in loaded by the stand-in host library (ctypes),
which talks to the real libbrm and a real agent rendering with the fake Maya of tests/fakes.
Needs the plug-in build (cmake -S maya_plugin -B build/maya -DBRM_STANDIN=ON && cmake --build
build/maya) and a display (xvfb-run); scripts/test.sh runs it with PySide6 and PySide2.
Missing pieces fail the run; nothing is skipped.
"""

import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("BRM_MAYA_BUILD", os.path.join(REPO, "build", "maya"))
TESTDATA = os.path.abspath(os.environ.get("BRM_TESTDATA", os.path.join(REPO, "..", "shared", "testdata", "maya")))


def _cargo_target_dir():
    """Where cargo builds this checkout, as cargo says (CARGO_TARGET_DIR, .cargo/config)."""
    import json

    out = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps",
                          "--manifest-path", os.path.join(REPO, "Cargo.toml")],
                         stdout=subprocess.PIPE, universal_newlines=True, check=True)
    return json.loads(out.stdout)["target_directory"]


AGENT = os.environ.get("BRM_AGENT_EXE") or os.path.join(_cargo_target_dir(), "debug", "brm")

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "maya_standin"))
sys.path.insert(0, os.path.join(REPO, "maya_plugin", "scripts"))


def _need(path, what):
    if not os.path.exists(path):
        pytest.exit("window tests: %s not found at %s (build it: cmake -S maya_plugin -B build/maya "
                    "-DBRM_STANDIN=ON && cmake --build build/maya)" % (what, path), returncode=2)
    return path


@pytest.fixture(scope="session")
def maya_session(tmp_path_factory):
    """One 'Maya' per test process: environment, host library, plug-in loaded, agent home."""
    root = tmp_path_factory.mktemp("maya")
    env = {
        "BRM_HOME": str(root / "home"),
        "TEST_TMP": str(root / "tmp"),
        "BRM_NO_NVML": "1",
        "BRM_NVIDIA_SMI": os.path.join(REPO, "tests", "fixtures", "detect", "nvidia-smi"),
        "BRM_MAYA_ROOTS": os.path.join(REPO, "tests", "fakes"),
        "BRM_AGENT": _need(AGENT, "the brm agent (cargo build --bin brm)"),
        "BRM_AGENT_IDLE_S": "30",
        "MAYA_LOCATION": "",
        "BRM_MAYA_HOST_LIB": _need(os.path.join(BUILD, "maya-standin", "lib", "libmaya_standin_host.so"),
                                   "the stand-in host library"),
        "BRM_MAYA_PLUGIN": _need(os.path.join(BUILD, "plug-ins", "2024", "brm.so"), "the brm plug-in"),
        "BRM_TEST_MAYA_PREFS": str(root / "userPrefs.json"),
    }
    os.environ.update(env)
    os.makedirs(env["TEST_TMP"], exist_ok=True)
    _need(os.path.join(TESTDATA, "cube__cube.ma"), "the shared Maya test scenes (../shared/testdata/maya)")
    from maya import _host, cmds
    cmds.loadPlugin("brm")
    yield env
    import brm_batch_render
    brm_batch_render.close()
    _host.stop_idle_pump()
    subprocess.call([AGENT, "agent", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _host.unload_plugin()


@pytest.fixture
def maya(maya_session, qtbot, tmp_path):
    """A fresh interactive session on top: Maya's main window, the idle pump, a new scene."""
    from brm_qt import QtWidgets
    from maya import OpenMayaUI, _host, cmds
    cmds.reset(batch=False)
    main = QtWidgets.QMainWindow()
    main.setObjectName("MayaWindow")
    qtbot.addWidget(main)
    OpenMayaUI.main_window = main
    _host.start_idle_pump()
    cmds.file(new=True, force=True)
    yield cmds
    import brm_batch_render
    brm_batch_render.close()
    OpenMayaUI.main_window = None


def scene(name):
    return os.path.join(TESTDATA, name)
