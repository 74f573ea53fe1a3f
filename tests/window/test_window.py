"""The Batch Render window: real Qt, the real plug-in, the real library and agent."""

import glob
import os
import time

import pytest

from conftest import scene


def _open_window(qtbot):
    import brm_batch_render
    w = brm_batch_render.show()
    qtbot.waitExposed(w)
    return w


def _layers(w):
    from brm_qt import Qt, checked
    return [(w.layer_list.item(i).data(Qt.UserRole), checked(w.layer_list.item(i).checkState()))
            for i in range(w.layer_list.count())]


def _job_row(w, job):
    item = w._jobs.get(str(job))
    return None if item is None else [item.text(c) for c in range(6)]


def _render_processes(job_id):
    """Processes rendering for this job (their command line names its task files)."""
    needle = os.path.join(os.environ["BRM_HOME"], "state", "jobs", str(job_id)) + os.sep
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if needle in cmd:
            found.append((pid, cmd))
    return found


def test_one_window_parented_to_maya_and_dockable(maya, qtbot):
    import brm_batch_render
    from maya import OpenMayaUI
    from maya.app.general import mayaMixin
    w = _open_window(qtbot)
    assert w.parent() is not None and w.parent().objectName() == OpenMayaUI.main_window.objectName()
    assert brm_batch_render.show() is w
    assert mayaMixin.controls["brmBatchRenderWindowWorkspaceControl"]["dockable"] is True
    assert w.windowTitle() == "Batch Render (brm)"


def test_renderer_and_method_choices_and_final_states_are_brms_own(maya, qtbot):
    import brm_window_data
    from brm_qt import Qt
    w = _open_window(qtbot)
    combo = w.renderer_combo
    offered = [combo.itemData(i, Qt.UserRole) for i in range(combo.count())]
    # The registry's Maya renderers (brmInfo -renderers, from libbrm), after the scene's own.
    assert offered == ["", "redshift", "arnold", "vray", "renderman", "mayaSoftware", "mayaHardware2"]
    assert brm_window_data.FINAL_STATES == ("done", "failed", "cancelled")
    # brm's methods for a Maya scene (brmInfo -methods, from libbrm): never Blender's.
    methods = w.method_combo
    assert [methods.itemData(i, Qt.UserRole) for i in range(methods.count())] == [
        "auto", "mayapy-custom", "render", "mayapy-basic"]


def test_layers_of_the_open_scene_with_renderable_flags(maya, qtbot):
    maya.file(scene("layers__layers.ma"), open=True)
    w = _open_window(qtbot)
    assert _layers(w) == [("masterLayer", True), ("layerFrameRange1", True), ("renderSetupLayer2", True),
                          ("layerDefaultFrames", True), ("renderSetupLayer4", True), ("notRenderableLayer", False)]
    assert w.layer_list.item(2).text() == "renderSetupLayer2  frames 20-30"   # per-layer override
    assert w.layer_list.item(4).text() == "renderSetupLayer4  frames ...-20"
    assert w.layer_list.item(5).text() == "notRenderableLayer  frames 5-...  (not renderable)"
    assert "layers__layers.ma" in w.scene_label.text()
    assert w.scene_message.text() == ""


def test_unsaved_layer_edits_show_in_brmLayers_and_the_window(maya, qtbot):
    """Add a Render Setup layer and switch another off without saving: both show at once."""
    from maya.app.renderSetup.model import renderSetup
    maya.file(scene("layers__layers.ma"), open=True)
    w = _open_window(qtbot)
    rs = renderSetup.instance()
    rs.createRenderLayer("fxLive")
    rs.getRenderLayer("renderSetupLayer2").setRenderable(False)
    assert maya.brmLayers() == ["masterLayer", "layerFrameRange1", "renderSetupLayer2", "layerDefaultFrames",
                                "renderSetupLayer4", "notRenderableLayer", "fxLive"]
    assert "renderSetupLayer2" not in maya.brmLayers(renderable=True)
    qtbot.waitUntil(lambda: ("fxLive", True) in _layers(w), timeout=30000)
    assert ("renderSetupLayer2", False) in _layers(w)
    rs.getRenderLayer("layerDefaultFrames").setName("beautyRenamed")
    qtbot.waitUntil(lambda: ("beautyRenamed", True) in _layers(w), timeout=30000)
    assert "layerDefaultFrames" not in [n for n, _ in _layers(w)]
    assert "beautyRenamed" in maya.brmLayers(renderable=True)
    # a frame range override edited in Render Setup, not saved: shows within a poll
    maya.setAttr("startFrame1.attrValue", 21)
    qtbot.waitUntil(lambda: w.layer_list.item(2).text().startswith("renderSetupLayer2  frames 21-30"), timeout=30000)
    assert "Unsaved changes" in w.scene_message.text()
    assert maya.file(q=True, modified=True)
    # nothing was written to the artist's scene
    assert not [t for t in __import__("maya._host", fromlist=["x"]).file_trace() if t.startswith(("save", "setCurrentFile"))]


def test_frames_validated_as_you_type(maya, qtbot):
    maya.file(scene("cube__cube.ma"), open=True)
    w = _open_window(qtbot)
    w.frames_edit.clear()
    qtbot.keyClicks(w.frames_edit, "1-100x5")
    assert w.frames_info.text() == "21 frames: 1-96x5,100"
    assert w.submit_button.isEnabled()
    w.frames_edit.setText("1:10")
    assert "':'" in w.frames_info.text() and "hint" in w.frames_info.text()
    assert not w.submit_button.isEnabled()
    w.frames_edit.setText("")
    assert "scene's frame range" in w.frames_info.text()
    assert w.submit_button.isEnabled()


def test_gpus_with_memory_gpu0_is_mayas_batch_gpus_preselected(maya, qtbot):
    from brm_qt import checked
    maya.file(scene("cube__cube.ma"), open=True)
    w = _open_window(qtbot)
    texts = [w.gpu_list.item(i).text() for i in range(w.gpu_list.count())]
    assert len(texts) == 2
    assert texts[0].startswith("GPU 0: ") and "Maya's GPU" in texts[0] and "GiB free of" in texts[0]
    assert "Maya's GPU" not in texts[1]
    assert [checked(w.gpu_list.item(i).checkState()) for i in range(2)] == [False, True]
    assert w.selected_gpus() == [1]
    from brm_qt import Qt
    import brm_batch_render
    w.gpu_list.item(0).setCheckState(Qt.Checked)
    assert brm_batch_render.show() is w and w.selected_gpus() == [0, 1]   # kept when shown again
    assert w.submit_flags()["gpu"] == "0,1"


def test_untitled_scene_and_no_renderable_layer_are_explained(maya, qtbot):
    w = _open_window(qtbot)
    assert "never been saved" in w.scene_message.text()
    maya.setAttr("defaultRenderLayer.renderable", False)
    qtbot.waitUntil(lambda: "No layer is renderable" in w.scene_message.text(), timeout=30000)
    assert not w.submit_button.isEnabled()
    assert "Tick at least one render layer" in w.submit_status.text()


def test_submit_watch_done_frames_on_disk(maya, qtbot, tmp_path):
    from brm_qt import Qt
    maya.file(scene("cube__cube.ma"), open=True)
    w = _open_window(qtbot)
    w.frames_edit.setText("1-3")
    w.output_edit.setText(str(tmp_path / "out"))
    w.chunk_spin.setValue(2)
    qtbot.mouseClick(w.submit_button, Qt.LeftButton)
    assert w.tabs.currentIndex() == 1
    job = w.followed_job
    assert job and job.isdigit()
    qtbot.waitUntil(lambda: (_job_row(w, job) or [""] * 6)[2] == "done", timeout=120000)
    row = _job_row(w, job)
    assert row[4] == "3/3"
    assert maya.brmJob(job, q=True, tasks=True)[0] == 2          # chunk 2: frames 1-2, 3
    assert maya.brmJob(job, q=True, outputDir=True) == str(tmp_path / "out")
    assert w.job_tree.itemWidget(w._jobs[job], 3).value() == 100
    assert len(glob.glob(str(tmp_path / "out" / "*" / "*.000[1-3].*"))) == 3
    # the notes stream by default; the render output on demand
    lines = lambda: w.log_view.toPlainText().splitlines()
    qtbot.waitUntil(lambda: any("frame 1" in l or "frames 1-2" in l for l in lines()), timeout=10000)
    assert lines() and all(l.startswith("[brm]") for l in lines())
    w.render_output_check.setChecked(True)
    qtbot.waitUntil(lambda: any(not l.startswith("[brm]") for l in lines()), timeout=10000)
    assert not any(l.startswith("@brm ") for l in lines())     # brm's frame events stay hidden
    # open the output folder of the selected job
    opened = []
    w.open_url = lambda url: opened.append(url.toLocalFile())
    qtbot.mouseClick(w.open_button, Qt.LeftButton)
    assert opened == [str(tmp_path / "out")]
    # the artist's scene was exported, never saved over
    from maya import _host
    assert any(t.startswith("exportAll ") for t in _host.file_trace())
    assert not [t for t in _host.file_trace() if t.startswith(("save", "setCurrentFile"))]


def test_cancel_from_the_window_leaves_no_render_process(maya, qtbot, tmp_path, monkeypatch):
    from brm_qt import Qt
    monkeypatch.setenv("BRM_FAKE_FRAME_SECONDS", "1")
    maya.file(scene("layers__layers.ma"), open=True)
    w = _open_window(qtbot)
    for i in range(w.layer_list.count()):
        it = w.layer_list.item(i)
        it.setCheckState(Qt.Checked if it.data(Qt.UserRole) == "layerFrameRange1" else Qt.Unchecked)
    w.frames_edit.setText("1-40")
    w.output_edit.setText(str(tmp_path / "out"))
    job = w.submit()
    assert job
    qtbot.waitUntil(lambda: (_job_row(w, job) or [""] * 6)[2] == "running" and bool(_render_processes(job)), timeout=60000)
    # Pause: no new renders start (the running one finishes its frames); Resume goes on
    assert w.pause_button.isEnabled() and w.pause_button.text() == "Pause"
    qtbot.mouseClick(w.pause_button, Qt.LeftButton)
    assert w.pause_button.text() == "Resume"
    qtbot.waitUntil(lambda: "job paused" in w.log_view.toPlainText(), timeout=10000)
    qtbot.mouseClick(w.pause_button, Qt.LeftButton)
    assert w.pause_button.text() == "Pause"
    qtbot.waitUntil(lambda: "job resumed" in w.log_view.toPlainText(), timeout=10000)
    assert w.cancel_button.isEnabled()
    qtbot.mouseClick(w.cancel_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: (_job_row(w, job) or [""] * 6)[2] == "cancelled", timeout=60000)
    deadline = time.time() + 15
    while _render_processes(job) and time.time() < deadline:
        qtbot.wait(200)
    assert _render_processes(job) == []
    assert w.retry_button.isEnabled()


def test_settings_remembered_between_sessions(maya, qtbot, tmp_path):
    import brm_batch_render
    maya.file(scene("cube__cube.ma"), open=True)
    w = _open_window(qtbot)
    w.frames_edit.setText("1-10x2")
    w.method_combo.setCurrentIndex(w.method_combo.findData("render"))
    w.priority_spin.setValue(7)
    w.output_edit.setText(str(tmp_path / "renders"))
    brm_batch_render.close()
    maya.save_prefs()
    maya.reset()              # a new Maya session reads the saved optionVars
    w = _open_window(qtbot)
    assert w.frames_edit.text() == "1-10x2"
    assert w.method_combo.currentData() == "render"
    assert w.priority_spin.value() == 7
    assert w.output_edit.text() == str(tmp_path / "renders")


def test_menu_entry_and_shelf_button_interactive_only(maya, qtbot):
    import brm_batch_render
    import brm_menu
    assert brm_menu.install() is True
    ui = maya.ui()
    item = ui["brmBatchRenderMenuItem"]
    assert item["parent"] == "mainRenderMenu" and item["label"] == "Batch Render (brm)..."
    assert ui["brmBatchRenderShelfButton"]["parent"] == "brm"
    exec(item["command"], {})
    assert brm_batch_render._window is not None and brm_batch_render._window.isVisible()
    brm_menu.install()  # again: replaced, not doubled
    assert sum(1 for v in maya.ui().values() if v.get("label") == "Batch Render (brm)...") == 1
    brm_batch_render.close()
    maya.reset(batch=True)    # maya -batch / mayapy
    assert brm_menu.install() is False
    assert maya.ui() == {}    # no menu, no shelf built
    with pytest.raises(RuntimeError, match="interactive Maya session"):
        brm_batch_render.show()


def test_user_setup_installs_the_menu_deferred(maya, qtbot):
    import runpy
    from conftest import REPO
    runpy.run_path(os.path.join(REPO, "maya_plugin", "scripts", "userSetup.py"))
    assert "brmBatchRenderMenuItem" not in maya.ui()      # deferred: Maya's UI first
    qtbot.waitUntil(lambda: "brmBatchRenderMenuItem" in maya.ui(), timeout=30000)


def test_the_binding_asked_for_is_the_one_used():
    """scripts/test.sh runs this suite once with PySide6 and once with PySide2 (BRM_QT)."""
    import brm_qt
    wanted = os.environ.get("BRM_QT")
    assert wanted, "set BRM_QT=PySide6 or PySide2 (scripts/test.sh does)"
    assert brm_qt.QT_BINDING == wanted
    assert brm_qt.QtWidgets.__name__ == wanted + ".QtWidgets"


def test_after_a_save_the_window_refreshes_and_the_file_has_the_new_layer(maya, qtbot, tmp_path):
    import json
    import shutil
    from maya.app.renderSetup.model import renderSetup
    path = str(tmp_path / "shot.ma")
    shutil.copy(scene("layers__layers.ma"), path)
    maya.file(path, open=True)
    w = _open_window(qtbot)
    renderSetup.instance().createRenderLayer("fxSaved")
    qtbot.waitUntil(lambda: "Unsaved changes" in w.scene_message.text(), timeout=30000)
    live = json.loads(maya.brmLayers(json=True))
    assert [l["saved"] for l in live["layers"] if l["name"] == "fxSaved"] == [False]
    maya.file(save=True)                       # SceneSaved: the window refreshes at once
    qtbot.waitUntil(lambda: w.scene_message.text() == "", timeout=30000)
    live = json.loads(maya.brmLayers(json=True))
    assert [l["saved"] for l in live["layers"] if l["name"] == "fxSaved"] == [True]
    assert "fxSaved" in maya.brmLayers(path)   # the file on disk has it now


def test_brmWatch_timers_fire_from_the_qt_event_loop(maya, qtbot, tmp_path):
    from maya import _host
    maya.file(scene("cube__cube.ma"), open=True)
    job = maya.brmSubmit(frames="1", outputDir=str(tmp_path / "out"))
    maya.brmWatch(job, interval=0.1)
    assert _host.timer_count() == 1
    qtbot.waitUntil(lambda: _host.timer_count() == 0, timeout=120000)   # the watch ends with the job
    assert any(k == "info" and "job %s done" % job in t for k, t in _host.script_editor)


def test_the_jobs_tab_shows_the_latest_frame_and_opens_it_in_fcheck(maya, qtbot, tmp_path, monkeypatch):
    """Issue 20.3: the selected job's latest frame (brm's preview of an EXR frame, tone-mapped)
    beside its log, refreshed as frames arrive; "Open in viewer" opens the full frame in
    Maya's FCheck when there is one."""
    from brm_qt import Qt
    maya.file(scene("cube__cube.ma"), open=True)
    w = _open_window(qtbot)
    assert w.preview_label.text() == "" and not w.viewer_button.isEnabled()
    w.frames_edit.setText("1-4")
    w.output_edit.setText(str(tmp_path / "out"))
    w.chunk_spin.setValue(2)
    qtbot.mouseClick(w.submit_button, Qt.LeftButton)
    job = w.followed_job

    def shown():
        pm = w.preview_label.pixmap()
        return pm is not None and not pm.isNull()

    qtbot.waitUntil(shown, timeout=60000)
    qtbot.waitUntil(lambda: (_job_row(w, job) or [""] * 6)[2] == "done", timeout=120000)
    # The last chunk's frame replaces the first one's.
    qtbot.waitUntil(lambda: ".0004." in w.preview_caption.text(), timeout=30000)
    assert shown() and w.viewer_button.isEnabled()
    assert w._preview_shown[0].endswith(".png")
    # FCheck of the running Maya: a stand-in that records what it was asked to open.
    maya_dir = tmp_path / "maya2025"
    (maya_dir / "bin").mkdir(parents=True)
    opened = tmp_path / "fcheck.txt"
    fcheck = maya_dir / "bin" / "fcheck"
    fcheck.write_text("#!/bin/sh\nprintf '%%s\\n' \"$@\" > '%s'\n" % opened)
    fcheck.chmod(0o755)
    monkeypatch.setenv("MAYA_LOCATION", str(maya_dir))
    qtbot.mouseClick(w.viewer_button, Qt.LeftButton)
    qtbot.waitUntil(opened.exists, timeout=10000)
    qtbot.waitUntil(lambda: opened.read_text().strip() != "", timeout=10000)
    target = opened.read_text().strip()
    assert ".0004." in target and target.endswith(".exr") and target.startswith(str(tmp_path / "out")), target
