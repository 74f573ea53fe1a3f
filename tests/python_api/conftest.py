"""Fixtures for the tests of the `brm` Python package (python/brm) against the REAL libbrm,
the real agent (`brm agent`, real sockets and SQLite) and real Blender renders.

The package is imported from python/ (or, with BRM_PY_INSTALLED=1, as installed by pip);
the library is debug/libbrm.so in cargo's target folder (`cargo metadata`, so
CARGO_TARGET_DIR counts) unless BRM_LIBRARY says otherwise, and the agent debug/brm there
unless BRM_AGENT does. Build both first: `cargo build --lib --bins`.
Each test that talks to an agent gets its own BRM_HOME, so its own agent, stopped afterwards.
"""

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON_DIR = os.path.join(ROOT, "python")


def cargo_target_dir():
    """Where cargo builds this checkout, as cargo says (CARGO_TARGET_DIR, .cargo/config)."""
    import json

    out = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps",
                          "--manifest-path", os.path.join(ROOT, "Cargo.toml")],
                         stdout=subprocess.PIPE, universal_newlines=True, check=True)
    return json.loads(out.stdout)["target_directory"]


TARGET = cargo_target_dir()
LIB = os.environ.get("BRM_LIBRARY") or os.path.join(TARGET, "debug", "libbrm.so")
AGENT = os.environ.get("BRM_AGENT") or os.path.join(TARGET, "debug", "brm")
SHOT = os.path.join(ROOT, "examples", "shot.blend")
TESTDATA_MAYA = os.path.join(ROOT, "..", "shared", "testdata", "maya")
FAKE_NVIDIA_SMI = os.path.join(ROOT, "tests", "fixtures", "detect", "nvidia-smi")
FAKE_MAYA_ROOTS = os.path.join(ROOT, "tests", "fakes")

for path, what in ((LIB, "libbrm"), (AGENT, "the brm agent")):
    if not os.path.isfile(path):
        raise RuntimeError(
            "%s not found at %s: build it with `cargo build --lib --bins` (tests need the real "
            "library and agent)" % (what, path)
        )

os.environ["BRM_LIBRARY"] = LIB
os.environ["BRM_AGENT"] = AGENT
if os.environ.get("BRM_PY_INSTALLED") != "1":
    sys.path.insert(0, PYTHON_DIR)


def stop_agent(home):
    env = dict(os.environ, BRM_HOME=str(home))
    subprocess.run([AGENT, "agent", "stop"], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=60)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private BRM_HOME with no GPUs (renders on the CPU) and the fake Maya of
    tests/fakes; its agent is stopped at the end of the test."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("BRM_HOME", str(h))
    monkeypatch.setenv("BRM_NO_NVML", "1")
    monkeypatch.setenv("BRM_NVIDIA_SMI", str(tmp_path / "no-nvidia-smi"))
    monkeypatch.setenv("BRM_MAYA_ROOTS", FAKE_MAYA_ROOTS)
    monkeypatch.setenv("MAYA_LOCATION", "")
    monkeypatch.setenv("BRM_AGENT_IDLE_S", "60")
    monkeypatch.setenv("BRM_TICK_MS", "10")
    yield h
    stop_agent(h)


@pytest.fixture
def client(home):
    import brm

    with brm.Client() as c:
        yield c


@pytest.fixture(scope="session")
def blender():
    """Real Blender (scripts/ensure-blender.sh installs it)."""
    exe = os.environ.get("BRM_BLENDER") or shutil.which("blender")
    if not exe:
        raise RuntimeError("Blender is needed for these tests: run bash scripts/ensure-blender.sh")
    return exe


def blender_processes(marker):
    """PIDs of live processes whose command line contains `marker` (a snapshot path)."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            with open("/proc/%s/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
        except OSError:
            continue
        if marker in cmd:
            pids.append(int(pid))
    return pids
