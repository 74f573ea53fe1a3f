"""Fixtures for testing brm's mayapy scripts under the fake Maya (tests/fakes)."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAKE_BIN = os.path.join(ROOT, "tests", "fakes", "maya2025", "bin")
STANDIN = os.path.join(ROOT, "tests", "fakes", "maya_standin")
SCRIPTS = os.path.join(ROOT, "maya_plugin", "scripts")
CUSTOM = os.path.join(SCRIPTS, "brm_render_custom.py")
BASIC = os.path.join(SCRIPTS, "brm_render_basic.py")

NASTY = "it's \"beauty\"; rm -rf $(x)"

SCENE_TEMPLATE = """//Maya ASCII 2025 scene
//Name: shot.ma
requires maya "2025";
createNode transform -s -n "persp";
createNode camera -s -n "perspShape" -p "persp";
\tsetAttr -k off ".v" no;
createNode transform -n "renderCam";
createNode camera -n "renderCamShape" -p "renderCam";
{layers}
select -ne :defaultRenderGlobals;
\tsetAttr ".ren" -type "string" "{renderer}";
\tsetAttr ".fs" 1;
\tsetAttr ".ef" 24;
"""


def write_scene(directory, renderer="arnold", setup_layers=("beauty",), legacy_layers=()):
    lines = []
    for name in setup_layers:
        lines.append('createNode renderSetupLayer -n "%s";' % name)
        lines.append('createNode renderLayer -n "rs_%s";' % name)
    for name in legacy_layers:
        lines.append('createNode renderLayer -n "%s";' % name)
    path = os.path.join(str(directory), "shot.ma")
    with open(path, "w") as f:
        f.write(SCENE_TEMPLATE.format(layers="\n".join(lines), renderer=renderer))
    return path


def write_empty_scene(directory):
    """A scene the stand-in cannot learn layers from: it then trusts the task."""
    path = os.path.join(str(directory), "empty.ma")
    with open(path, "w") as f:
        f.write("//Maya ASCII 2025 scene\n")
    return path


class Result(object):
    def __init__(self, proc, calls_path, record_path):
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.calls = read_jsonl(calls_path)
        self.records = read_jsonl(record_path)
        self.events = [
            json.loads(line[len("@brm "):]) for line in self.stdout.splitlines() if line.startswith("@brm ")
        ]

    def called(self, name):
        return [c for c in self.calls if c["call"] == name]

    def fatal(self):
        return [e for e in self.events if e["event"] == "error" and e.get("fatal")]


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def task_dict(scene, out_dir, **overrides):
    task = {
        "schema": 1,
        "scene": scene,
        "project": None,
        "layer": "rs_beauty",
        "layer_display": "beauty",
        "frames": [1, 7, 13],
        "camera": None,
        "renderer": None,
        "output_dir": os.path.join(str(out_dir), "beauty"),
        "image_name": "shot010",
        "padding": 4,
        "gpu_device": 0,
    }
    task.update(overrides)
    # What brm's renderer registry sends (src/renderer/arnold.rs; checked against the task
    # file brm writes by the Rust test task_file_carries_the_registrys_script_settings).
    task.setdefault(
        "renderer_settings",
        {"arnold": [["defaultArnoldRenderOptions.renderDevice", 0 if task["gpu_device"] is None else 1]]},
    )
    return task


@pytest.fixture
def run_script(tmp_path):
    """run_script(script, task_dict_or_text, env=None) -> Result, via the fake mayapy."""

    def run(script, task, env=None, timeout=60):
        task_path = tmp_path / "task.json"
        if isinstance(task, (dict, list)):
            task_path.write_text(json.dumps(task))
        else:
            task_path.write_text(task)
        calls = str(tmp_path / "calls.jsonl")
        record = str(tmp_path / "record.jsonl")
        for p in (calls, record):
            if os.path.exists(p):
                os.remove(p)
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("BRM_FAKE")}
        full_env.update({"BRM_FAKE_CALLS": calls, "BRM_FAKE_RECORD": record, "CUDA_VISIBLE_DEVICES": "GPU-0000"})
        full_env.update(env or {})
        proc = subprocess.run(
            [os.path.join(FAKE_BIN, "mayapy"), script, str(task_path)],
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
            cwd=str(tmp_path),
        )
        return Result(proc, calls, record)

    return run


def render_env(tmp_path, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRM_FAKE")}
    env["BRM_FAKE_RECORD"] = str(tmp_path / "record.jsonl")
    env.update(extra or {})
    return env


sys.path.insert(0, SCRIPTS)
