"""brm.detect() and brm.inspect() through the real libbrm."""

import os

import pytest

import brm
from conftest import FAKE_MAYA_ROOTS, FAKE_NVIDIA_SMI, SHOT, TESTDATA_MAYA


def test_detect_reports_gpus_cpus_memory_maya_blender(monkeypatch, tmp_path):
    monkeypatch.setenv("BRM_NO_NVML", "1")
    monkeypatch.setenv("BRM_NVIDIA_SMI", FAKE_NVIDIA_SMI)  # two RTX A6000, real CSV layout
    monkeypatch.setenv("BRM_MAYA_ROOTS", FAKE_MAYA_ROOTS)
    monkeypatch.setenv("MAYA_LOCATION", "")
    r = brm.detect()
    assert isinstance(r, brm.SystemReport)
    assert r.brm_version == brm.version()
    assert r.gpu_source == "nvidia-smi"
    assert [g.index for g in r.gpus] == [0, 1]
    g1 = r.gpus[1]
    assert isinstance(g1, brm.Gpu)
    assert g1.uuid == "GPU-7d1e0b2a-5c4f-4e2d-9a8b-1c2d3e4f5a6b"
    assert g1.name == "NVIDIA RTX A6000" and g1.memory_total_mib == 49140
    assert g1.memory_free_mib == 49000 and g1.utilization_percent == 0
    assert r.cpus.logical >= 1 and r.memory.total_bytes > 0
    assert [m.version for m in r.maya] == ["2025"]
    assert r.maya[0].mayapy.endswith("maya2025/bin/mayapy")
    assert r.maya[0].source == "BRM_MAYA_ROOTS"
    assert r.raw["schema"] == 1


def test_detect_without_gpus_says_why(monkeypatch, tmp_path):
    monkeypatch.setenv("BRM_NO_NVML", "1")
    monkeypatch.setenv("BRM_NVIDIA_SMI", str(tmp_path / "absent"))
    r = brm.detect()
    assert r.gpus == [] and r.gpu_source == "none"
    assert r.gpu_reason


def test_inspect_maya_layers_overrides_renderer_range():
    s = brm.inspect(os.path.join(TESTDATA_MAYA, "layers__layers.ma"))
    assert isinstance(s, brm.SceneInfo)
    assert s.format == "ma" and s.renderer == "arnold"
    assert (s.start_frame, s.end_frame, s.frame_range) == (1.0, 10.0, "1-10")
    by_name = {layer.name: layer for layer in s.layers}
    assert by_name["masterLayer"].node == "defaultRenderLayer"
    assert by_name["renderSetupLayer2"].overrides == {"start_frame": 20.0, "end_frame": 30.0}
    assert by_name["renderSetupLayer4"].overrides == {"end_frame": 20.0}
    assert by_name["layerDefaultFrames"].overrides == {}
    assert by_name["notRenderableLayer"].renderable is False
    assert "notRenderableLayer" not in [layer.name for layer in s.renderable_layers]
    assert "mtoa" in [p.name for p in s.required_plugins]
    assert "camera1" in s.cameras
    assert s.maya_version == "2023"


def test_inspect_blend_says_what_brm_scene_inspect_says(home, blender):
    """Issue 22.6: the Python API reads a .blend as the CLI does (through Blender)."""
    import json
    import subprocess

    from conftest import AGENT

    s = brm.inspect(SHOT)
    assert s.format == "blend" and s.renderer == "cycles"
    assert s.frame_range == "1-24"
    assert [layer.name for layer in s.renderable_layers] == ["beauty", "fx"]
    assert s.cameras == ["camera"] and s.blender_version == "3.4"
    cli = json.loads(subprocess.run([AGENT, "scene", "inspect", SHOT, "--json"], check=True,
                                    stdout=subprocess.PIPE, universal_newlines=True).stdout)
    assert s.raw == cli


def test_inspect_missing_scene_is_not_found(tmp_path):
    missing = tmp_path / "nope.ma"
    with pytest.raises(brm.NotFoundError) as e:
        brm.inspect(missing)
    assert str(missing) in str(e.value)
    assert isinstance(e.value, LookupError) and e.value.code == 7


def test_inspect_refuses_a_file_that_is_not_a_scene(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(brm.BrmError) as e:
        brm.inspect(bad)
    assert "notes.txt" in str(e.value)


def test_name_lists_come_from_libbrm():
    names = [r.name for r in brm.renderers()]
    assert names[:2] == ["redshift", "arnold"] and "mayaHardware2" in names
    rs = brm.renderers()[0]
    assert isinstance(rs, brm.Renderer) and "rs" in rs.aliases and rs.host == "maya"
    assert [r.host for r in brm.renderers() if r.name == "blender"] == ["blender"]
    assert brm.methods()[0] == "auto" and "mayapy-custom" in brm.methods()
    assert brm.methods("maya") == ["auto", "mayapy-custom", "render", "mayapy-basic"]
    assert brm.methods("blender") == ["auto", "blender"]
    with pytest.raises(brm.InvalidArgumentError, match="unknown host 'nuke'"):
        brm.methods("nuke")
    assert [s.name for s in brm.job_states()] == [s.value for s in brm.JobState]
    assert [s.code for s in brm.job_states()] == list(range(6))
    assert brm.final_states() == tuple(s.value for s in brm.JobState if s.is_final)
    assert brm.task_states() == [s.value for s in brm.TaskState]
