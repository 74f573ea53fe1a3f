"""brm_render_basic.py (level 3) under the fake mayapy and the stand-in `maya` package."""

import os

import pytest

from conftest import BASIC, NASTY, task_dict, write_empty_scene, write_scene


def test_renders_with_mayas_own_render_call(tmp_path, run_script):
    scene = write_scene(tmp_path, renderer="arnold")
    task = task_dict(scene, tmp_path, frames=[4, 5])
    r = run_script(BASIC, task)
    assert r.returncode == 0, r.stdout + r.stderr
    renders = r.called("cmds.render")
    # First renderable camera (persp's shape is renderable in this scene), the task's layer.
    assert [(c["args"], c["kwargs"]) for c in renders] == [(["persp"], {"layer": "rs_beauty"})] * 2
    assert {"currentRenderLayer": "rs_beauty"} in [c["kwargs"] for c in r.called("cmds.editRenderLayerGlobals")]
    assert r.events == [
        {"event": "frame_start", "frame": 4},
        {"event": "frame_done", "frame": 4, "files": [os.path.join(task["output_dir"], "shot010.0004.exr")]},
        {"event": "frame_start", "frame": 5},
        {"event": "frame_done", "frame": 5, "files": [os.path.join(task["output_dir"], "shot010.0005.exr")]},
    ]
    assert r.records[-1]["level"] == "basic" and r.records[-1]["frames"] == [4, 5]
    assert not [c for c in r.called("cmds.file") if c["kwargs"].get("save")]


def test_camera_renderer_and_master_layer(tmp_path, run_script):
    scene = write_scene(tmp_path)
    task = task_dict(scene, tmp_path, frames=[1], camera="renderCam", renderer="redshift",
                     layer="masterLayer", layer_display="masterLayer")
    r = run_script(BASIC, task)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [(c["args"], c["kwargs"]) for c in r.called("cmds.render")] == [
        (["renderCam"], {"layer": "defaultRenderLayer"})
    ]
    sets = {c["args"][0]: c["args"][1] for c in r.called("cmds.setAttr")}
    assert sets["defaultRenderGlobals.currentRenderer"] == "redshift"
    assert "Saved file '%s' in 0.01s." % os.path.join(task["output_dir"], "shot010.0001.exr") in r.stdout


def test_layer_names_with_quotes_and_shell_metacharacters_arrive_intact(tmp_path, run_script):
    scene = write_empty_scene(tmp_path)
    task = task_dict(scene, tmp_path, layer=NASTY, layer_display=NASTY, frames=[1], image_name=NASTY)
    r = run_script(BASIC, task)
    assert r.returncode == 0, r.stdout + r.stderr
    assert {"currentRenderLayer": NASTY} in [c["kwargs"] for c in r.called("cmds.editRenderLayerGlobals")]
    assert r.called("cmds.render")[0]["kwargs"] == {"layer": NASTY}
    done = [e for e in r.events if e["event"] == "frame_done"]
    assert done[0]["files"] == [os.path.join(task["output_dir"], NASTY + ".0001.exr")]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda t: t.update(scene="/no/such/scene.ma"), "does not exist"),
        (lambda t: t.update(layer="nope"), "Object 'nope' not found"),
        (lambda t: t.update(schema=7), "not a schema-1 brm task"),
        (lambda t: t.update(camera="ghost"), "Camera 'ghost' does not exist"),
    ],
)
def test_errors_print_one_fatal_line_and_exit_non_zero(tmp_path, run_script, mutate, message):
    scene = write_scene(tmp_path)
    task = task_dict(scene, tmp_path)
    mutate(task)
    r = run_script(BASIC, task)
    assert r.returncode == 1, r.stdout + r.stderr
    assert len(r.fatal()) == 1 and message in r.fatal()[0]["message"], r.stdout


def test_licence_failure_injected_for_basic_only(tmp_path, run_script):
    scene = write_scene(tmp_path, renderer="redshift")
    env = {"BRM_FAKE_FAIL": "licence", "BRM_FAKE_FAIL_LEVEL": "basic"}
    r = run_script(BASIC, task_dict(scene, tmp_path, frames=[1]), env=env)
    assert r.returncode == 1
    assert "Error: [Redshift] License error: (RLM) All licenses in use (-22) //" in r.stdout
    assert r.records[-1]["exit"] == 1
