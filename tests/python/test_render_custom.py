"""brm_render_custom.py (level 1) under the fake mayapy and the stand-in `maya` package."""

import os
import sys

import pytest

from conftest import CUSTOM, NASTY, STANDIN, task_dict, write_empty_scene, write_scene


def kwargs_of(result, name):
    return [c["kwargs"] for c in result.called(name)]


def set_attrs(result):
    """{attribute: last value set}"""
    values = {}
    for c in result.called("cmds.setAttr"):
        values[c["args"][0]] = c["args"][1]
    return values


def test_arnold_on_gpu_renders_every_frame_with_brm_lines(tmp_path, run_script):
    scene = write_scene(tmp_path, renderer="arnold")
    task = task_dict(scene, tmp_path, renderer="arnold")
    r = run_script(CUSTOM, task)
    assert r.returncode == 0, r.stdout + r.stderr
    out_dir = task["output_dir"]
    expected = [
        {"event": "frame_start", "frame": 1},
        {"event": "frame_done", "frame": 1, "files": [os.path.join(out_dir, "shot010.0001.exr")]},
        {"event": "frame_start", "frame": 7},
        {"event": "frame_done", "frame": 7, "files": [os.path.join(out_dir, "shot010.0007.exr")]},
        {"event": "frame_start", "frame": 13},
        {"event": "frame_done", "frame": 13, "files": [os.path.join(out_dir, "shot010.0013.exr")]},
    ]
    assert r.events == expected
    for e in expected[1::2]:
        assert os.path.getsize(e["files"][0]) > 0
    # Arnold's own batch call, one per frame, with the frame range narrowed to that frame.
    assert kwargs_of(r, "cmds.arnoldRender") == [{"batch": True}] * 3
    attrs = set_attrs(r)
    assert attrs["defaultArnoldRenderOptions.renderDevice"] == 1  # GPU
    assert attrs["defaultRenderGlobals.currentRenderer"] == "arnold"
    assert attrs["defaultRenderGlobals.imageFilePrefix"] == "shot010"
    assert attrs["defaultRenderGlobals.extensionPadding"] == 4
    assert attrs["defaultRenderGlobals.putFrameBeforeExt"] == 1
    assert attrs["defaultRenderGlobals.animation"] == 1
    assert attrs["defaultRenderGlobals.startFrame"] == 13 and attrs["defaultRenderGlobals.endFrame"] == 13
    assert {"fileRule": ["images", out_dir]} in kwargs_of(r, "cmds.workspace")
    # The scene is opened, never saved.
    opens = r.called("cmds.file")
    assert opens[0]["args"] == [scene]
    assert opens[0]["kwargs"] == {"open": True, "force": True, "prompt": False}
    assert not [c for c in opens if c["kwargs"].get("save")]
    # Real Arnold log lines reached stdout (what brm's Rust parser reads).
    assert "[mtoa.session]     Initializing at frame 7.000000" in r.stdout
    # The invocation record.
    assert [rec["event"] for rec in r.records] == ["start", "end"]
    assert r.records[1]["frames"] == [1, 7, 13] and r.records[1]["level"] == "custom"


def test_arnold_cpu_when_no_gpu(tmp_path, run_script):
    scene = write_scene(tmp_path, renderer="arnold")
    r = run_script(CUSTOM, task_dict(scene, tmp_path, gpu_device=None, frames=[2]))
    assert r.returncode == 0, r.stdout + r.stderr
    assert set_attrs(r)["defaultArnoldRenderOptions.renderDevice"] == 0


def test_redshift_uses_device_zero_and_its_own_prefix(tmp_path, run_script):
    scene = write_scene(tmp_path, renderer="redshift")
    task = task_dict(scene, tmp_path, frames=[5, 6])  # renderer null: the scene's (redshift)
    r = run_script(CUSTOM, task)
    assert r.returncode == 0, r.stdout + r.stderr
    assert kwargs_of(r, "cmds.rsPreference") == [{"varName": "SelectedCudaDevices", "stringValue": "0,"}]
    assert [c["args"] for c in r.called("mel.call")][0] == ["redshiftSelectCudaDevices", [0]]
    assert kwargs_of(r, "cmds.rsRender") == [{"render": True, "blocking": True, "animation": True}] * 2
    attrs = set_attrs(r)
    assert "defaultRenderGlobals.currentRenderer" not in attrs  # kept the scene's renderer
    assert attrs["redshiftOptions.imageFilePrefix"] == "shot010"
    assert [e["frame"] for e in r.events if e["event"] == "frame_done"] == [5, 6]
    assert "Rendering frame 5 (1/1)..." in r.stdout


def test_redshift_wrong_device_is_fatal(tmp_path, run_script):
    scene = write_scene(tmp_path, renderer="redshift")
    r = run_script(CUSTOM, task_dict(scene, tmp_path, gpu_device=1))
    assert r.returncode == 1
    assert "Invalid device id: 1" in r.stdout
    assert len(r.fatal()) == 1 and "Invalid device id" in r.fatal()[0]["message"]
    assert not [e for e in r.events if e["event"] == "frame_start"]


def test_other_renderers_go_through_mayas_batch_procedure(tmp_path, run_script):
    scene = write_scene(tmp_path, renderer="arnold")
    r = run_script(CUSTOM, task_dict(scene, tmp_path, renderer="mayaSoftware", frames=[3], camera="renderCam"))
    assert r.returncode == 0, r.stdout + r.stderr
    calls = [c["args"] for c in r.called("mel.call") if c["args"][0] == "mayaBatchRenderProcedure"]
    assert calls == [["mayaBatchRenderProcedure", 0, "", "", "mayaSoftware", ""]]
    attrs = set_attrs(r)
    assert attrs["defaultRenderGlobals.currentRenderer"] == "mayaSoftware"
    assert attrs["renderCam.renderable"] is True and attrs["perspShape.renderable"] is False
    assert "Finished Rendering %s." % os.path.join(task_dict(scene, tmp_path)["output_dir"], "shot010.0003.exr") in r.stdout


def test_render_setup_layer_and_project(tmp_path, run_script):
    scene = write_scene(tmp_path, setup_layers=("beauty", "spec"))
    project = tmp_path / "proj"
    project.mkdir()
    r = run_script(CUSTOM, task_dict(scene, tmp_path, layer="rs_spec", layer_display="spec", project=str(project)))
    assert r.returncode == 0, r.stdout + r.stderr
    assert [c["args"] for c in r.called("renderSetup.getRenderLayer")] == [["spec"]]
    assert [c["args"] for c in r.called("renderSetup.switchToLayer")] == [["spec"]]
    ws = r.called("cmds.workspace")
    assert ws[0]["args"] == [str(project)] and ws[0]["kwargs"] == {"openWorkspace": True}


def test_master_layer_uses_the_default_layer(tmp_path, run_script):
    scene = write_scene(tmp_path)
    r = run_script(CUSTOM, task_dict(scene, tmp_path, layer="defaultRenderLayer", layer_display="masterLayer"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.called("renderSetup.getDefaultRenderLayer")
    assert not r.called("renderSetup.getRenderLayer")


@pytest.mark.parametrize("legacy", [False, True])
def test_layer_names_with_quotes_and_shell_metacharacters_arrive_intact(tmp_path, run_script, legacy):
    scene = write_empty_scene(tmp_path)  # the stand-in trusts the task's layer
    env = {"BRM_FAKE_LEGACY_LAYERS": "1"} if legacy else {}
    task = task_dict(
        scene, tmp_path, layer="rs_" + NASTY, layer_display=NASTY, image_name=NASTY, frames=[1], renderer="arnold"
    )
    r = run_script(CUSTOM, task, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    if legacy:
        assert {"currentRenderLayer": "rs_" + NASTY} in kwargs_of(r, "cmds.editRenderLayerGlobals")
    else:
        assert [c["args"] for c in r.called("renderSetup.getRenderLayer")] == [[NASTY]]
    assert set_attrs(r)["defaultRenderGlobals.imageFilePrefix"] == NASTY
    done = [e for e in r.events if e["event"] == "frame_done"]
    assert done[0]["files"] == [os.path.join(task["output_dir"], NASTY + ".0001.exr")]
    assert not os.path.exists(tmp_path / "x")


def test_renderer_names_reach_mel_as_one_string(tmp_path, run_script):
    scene = write_empty_scene(tmp_path)
    weird = 'my"renderer\\ $(x); `y`\nz'
    r = run_script(CUSTOM, task_dict(scene, tmp_path, renderer=weird, frames=[1], layer="defaultRenderLayer",
                                     layer_display="masterLayer"))
    calls = [c["args"] for c in r.called("mel.call") if c["args"][0] == "mayaBatchRenderProcedure"]
    assert calls == [["mayaBatchRenderProcedure", 0, "", "", weird, ""]]


def test_mel_quote_round_trips_through_mel_parsing():
    sys.path.insert(0, STANDIN)
    try:
        import brm_render_custom as script
        from maya import mel
    finally:
        sys.path.remove(STANDIN)
    for text in ["", "plain", NASTY, 'a"b', "back\\slash\\", "tab\tnew\nline\rcr", "ünïcödé", '\\"']:
        quoted = script.mel_quote(text)
        assert quoted.startswith('"') and quoted.endswith('"')
        name, args = mel._parse_call("f(%s)" % quoted)
        assert (name, args) == ("f", [text])
    assert script.mel_quote('a"b') == '"a\\"b"'
    assert script.mel_quote("a\\b") == '"a\\\\b"'


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda t: t.update(scene="/no/such/scene.ma"), "does not exist"),
        (lambda t: t.update(layer="rs_nope", layer_display="nope"), "no Render Setup layer 'nope'"),
        (lambda t: t.update(schema=2), "schema 2"),
        (lambda t: t.update(frames=[]), "no frames"),
        (lambda t: t.update(frames=[1.5]), "not a whole number"),
        (lambda t: t.pop("output_dir"), "lacks 'output_dir'"),
        (lambda t: t.update(camera="noSuchCam"), "no camera 'noSuchCam'"),
    ],
)
def test_errors_print_one_fatal_line_and_exit_non_zero(tmp_path, run_script, mutate, message):
    scene = write_scene(tmp_path)
    task = task_dict(scene, tmp_path)
    mutate(task)
    r = run_script(CUSTOM, task)
    assert r.returncode == 1, r.stdout + r.stderr
    fatal = r.fatal()
    assert len(fatal) == 1 and message in fatal[0]["message"], r.stdout
    assert not [e for e in r.events if e["event"] == "frame_done"]


def test_unreadable_task_file(tmp_path, run_script):
    r = run_script(CUSTOM, "{not json")
    assert r.returncode == 1
    assert "cannot read the task file" in r.fatal()[0]["message"]


def test_maya_exception_mid_render_is_fatal(tmp_path, run_script):
    scene = write_scene(tmp_path, renderer="redshift")
    # The stand-in's MEL refuses a device index the pinned environment does not have.
    r = run_script(CUSTOM, task_dict(scene, tmp_path, gpu_device=3), env={"CUDA_VISIBLE_DEVICES": "GPU-a,GPU-b"})
    assert r.returncode == 1
    assert r.fatal()[0]["message"].startswith("MelError")


def test_negative_frames_and_missing_output_dir(tmp_path, run_script):
    scene = write_scene(tmp_path)
    task = task_dict(scene, tmp_path, frames=[-2, 0], output_dir=str(tmp_path / "a" / "b" / "c"))
    r = run_script(CUSTOM, task)
    assert r.returncode == 0, r.stdout + r.stderr
    done = [e for e in r.events if e["event"] == "frame_done"]
    assert [os.path.basename(e["files"][0]) for e in done] == ["shot010.-002.exr", "shot010.0000.exr"]


def test_crash_after_one_frame_reports_one_frame(tmp_path, run_script):
    scene = write_scene(tmp_path)
    r = run_script(CUSTOM, task_dict(scene, tmp_path), env={"BRM_FAKE_FAIL": "crash-after:1"})
    assert r.returncode == -11  # SIGSEGV
    assert [e["frame"] for e in r.events if e["event"] == "frame_done"] == []  # died before globbing
    assert os.path.exists(os.path.join(task_dict(scene, tmp_path)["output_dir"], "shot010.0001.exr"))
    assert r.records[-1]["event"] == "end" and r.records[-1]["signal"] == 11
