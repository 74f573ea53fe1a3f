"""The README's screenshot of the window, taken here: a running job and its log.

Runs in every window test run (the picture goes to the test's tmp dir); with
BRM_SCREENSHOT_DIR set (scripts/window_screenshot.sh) it writes the committed PNGs.
"""

import os

from conftest import scene


def _maya_look(app):
    """Maya's own look: the Fusion style with its dark palette (what the window sits in)."""
    from brm_qt import QtGui, QtWidgets
    app.setStyle(QtWidgets.QStyleFactory.create("Fusion"))
    p = QtGui.QPalette()
    c = QtGui.QColor
    for role, color in (("Window", "#444444"), ("WindowText", "#dddddd"), ("Base", "#2b2b2b"),
                        ("AlternateBase", "#373737"), ("Text", "#dddddd"), ("Button", "#5d5d5d"),
                        ("ButtonText", "#eeeeee"), ("Highlight", "#5285a6"), ("HighlightedText", "#ffffff"),
                        ("ToolTipBase", "#ffffdc"), ("ToolTipText", "#000000")):
        p.setColor(getattr(QtGui.QPalette, role), c(color))
    app.setPalette(p)


def test_screenshot_of_a_running_job_and_its_log(maya, qtbot, tmp_path, monkeypatch, qapp):
    import brm_batch_render
    from brm_qt import Qt
    out_dir = os.environ.get("BRM_SCREENSHOT_DIR") or str(tmp_path)
    monkeypatch.setenv("BRM_FAKE_FRAME_SECONDS", "0.5")
    _maya_look(qapp)
    maya.file(scene("layers__layers.ma"), open=True)
    w = brm_batch_render.show()
    w.resize(760, 820)
    qtbot.waitExposed(w)
    w.frames_edit.setText("1-48")
    # the default output folder: the Maya project's images folder
    project = "/tmp/brm_demo/projects/sq010_sh020" if os.environ.get("BRM_SCREENSHOT_DIR") else str(tmp_path / "proj")
    maya._state["workspace"] = project
    w.output_edit.setText("")
    w.refresh_layers(force=True)
    w._layer_state = None
    w.refresh_layers()
    for i in range(w.layer_list.count()):
        it = w.layer_list.item(i)
        it.setCheckState(Qt.Checked if it.data(Qt.UserRole) in ("layerFrameRange1", "renderSetupLayer2")
                         else Qt.Unchecked)
    w.chunk_spin.setValue(12)
    qtbot.wait(200)
    submit_png = os.path.join(out_dir, "batch_render_submit.png")
    assert w.grab().save(submit_png)
    job = w.submit()
    assert job
    w.render_output_check.setChecked(True)
    qtbot.waitUntil(lambda: w._jobs.get(job) is not None and w._jobs[job].text(5) != "", timeout=60000)
    qtbot.waitUntil(lambda: w.log_view.blockCount() > 12, timeout=30000)
    qtbot.wait(300)
    jobs_png = os.path.join(out_dir, "batch_render_jobs.png")
    assert w.grab().save(jobs_png)
    assert w._jobs[job].text(2) == "running"
    maya.brmCancel(job)
    for png in (submit_png, jobs_png):
        from brm_qt import QtGui
        img = QtGui.QImage(png)
        assert img.width() >= 700 and img.height() >= 700
