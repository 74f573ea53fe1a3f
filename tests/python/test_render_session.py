"""The mayapy session mode of brm_render_custom.py (issue 13) under the fake mayapy and the
stand-in `maya` package: the scene is opened once, chunks arrive on stdin as JSON lines."""

import json
import os
import subprocess
import time

from conftest import CUSTOM, FAKE_BIN, NASTY, task_dict, write_empty_scene, write_scene


def session(tmp_path, task, requests, env=None, timeout=60):
    task_path = tmp_path / "task.json"
    task_path.write_text(json.dumps(task))
    calls = str(tmp_path / "calls.jsonl")
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("BRM_FAKE")}
    full_env.update({"BRM_FAKE_CALLS": calls, "CUDA_VISIBLE_DEVICES": "GPU-0000"})
    full_env.update(env or {})
    stdin = "".join(json.dumps(r) + "\n" for r in requests)
    t0 = time.monotonic()
    proc = subprocess.run(
        [os.path.join(FAKE_BIN, "mayapy"), CUSTOM, "--session", str(task_path)],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=str(tmp_path),
    )
    events = [json.loads(l[len("@brm "):]) for l in proc.stdout.splitlines() if l.startswith("@brm ")]
    with open(calls) as f:
        opens = [c for c in map(json.loads, f) if c["call"] == "cmds.file" and c["kwargs"].get("open")]
    return proc, events, opens, time.monotonic() - t0


def test_one_scene_load_then_chunk_after_chunk(tmp_path):
    scene = write_empty_scene(tmp_path)  # the stand-in trusts the task's layer
    task = task_dict(scene, tmp_path, layer="rs_" + NASTY, layer_display=NASTY, renderer="arnold")
    other_out = str(tmp_path / "second-job")
    reqs = [
        {"op": "render", "chunk": 1, "runs": [[1, 3, 1]], "output_dir": task["output_dir"], "image_name": "a", "padding": 4},
        {"op": "render", "chunk": 2, "runs": [[10, 6, 4]], "output_dir": other_out, "image_name": "b", "padding": 3},
    ]
    proc, events, opens, _ = session(tmp_path, task, reqs, env={"BRM_FAKE_LOAD_SECONDS": "0.5"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(opens) == 1, "the scene is opened once per session"
    assert [e["event"] for e in events[:2]] == ["dependencies", "session_ready"]
    assert events[0]["files"] == [scene]
    done = [(e["event"], e.get("frame"), e.get("chunk")) for e in events if e["event"] in ("frame_done", "chunk_done")]
    assert done == [
        ("frame_done", 1, None), ("frame_done", 2, None), ("frame_done", 3, None), ("chunk_done", None, 1),
        ("frame_done", 10, None), ("frame_done", 6, None), ("chunk_done", None, 2),
    ]
    assert all(e["ok"] for e in events if e["event"] == "chunk_done")
    assert os.path.getsize(os.path.join(task["output_dir"], "a.0002.exr")) > 0
    assert os.path.getsize(os.path.join(other_out, "b.006.exr")) > 0


def test_a_failing_chunk_says_so_and_bad_runs_are_refused(tmp_path):
    scene = write_scene(tmp_path, renderer="arnold")
    task = task_dict(scene, tmp_path, renderer="arnold")
    reqs = [
        {"op": "render", "chunk": 1, "runs": [[1, 2, 0]]},
        {"op": "render", "chunk": 2, "runs": [[4, 4, 1]]},
        {"op": "quit"},
        {"op": "render", "chunk": 3, "runs": [[5, 5, 1]]},
    ]
    proc, events, _, _ = session(tmp_path, task, reqs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    chunks = [e for e in events if e["event"] == "chunk_done"]
    assert [(c["chunk"], c["ok"]) for c in chunks] == [(1, False), (2, True)]
    assert "bad step" in chunks[0]["message"]


def test_a_missing_layer_is_fatal_before_ready(tmp_path):
    scene = write_scene(tmp_path, renderer="arnold")
    task = task_dict(scene, tmp_path, layer="rs_nosuch", layer_display="nosuch")
    proc, events, _, _ = session(tmp_path, task, [{"op": "render", "chunk": 1, "runs": [[1, 1, 1]]}])
    assert proc.returncode == 1
    assert not [e for e in events if e["event"] == "session_ready"]
    assert [e for e in events if e["event"] == "error" and e.get("fatal")]


def test_the_session_lists_the_referenced_file_and_textures(tmp_path):
    """Issue 19: before `session_ready` the session says which files its scene reads, so brm
    can see a changed reference or texture before reusing it."""
    ref = tmp_path / "assets" / "chair.ma"
    ref.parent.mkdir()
    ref.write_text("//Maya ASCII 2025 scene\n")
    tex = tmp_path / "tex" / "wood.png"
    tex.parent.mkdir()
    tex.write_bytes(b"png")
    scene = tmp_path / "shot.ma"
    scene.write_text(
        "//Maya ASCII 2025 scene\n"
        'file -rdi 1 -ns "chair" -rfn "chairRN" -typ "mayaAscii" "%s";\n'
        'file -r -ns "chair" -dr 1 -rfn "chairRN" -typ "mayaAscii" "%s";\n'
        'createNode file -n "woodFile";\n'
        '\tsetAttr ".ftn" -type "string" "%s";\n' % (ref, ref, tex)
    )
    task = task_dict(str(scene), tmp_path, renderer="arnold")
    proc, events, _, _ = session(tmp_path, task, [{"op": "quit"}])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    kinds = [e["event"] for e in events]
    assert kinds.index("dependencies") < kinds.index("session_ready")
    deps = next(e for e in events if e["event"] == "dependencies")
    assert sorted(deps["files"]) == sorted({str(scene), str(ref), str(tex)})
