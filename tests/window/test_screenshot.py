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


DEMO = os.environ.get("BRM_DEMO_ROOT", "/tmp/brm_demo")


def _demo_project(monkeypatch):
    """A shot's project as a studio lays it out (BRM_DEMO_ROOT, default /tmp/brm_demo):
    projects/sq010_sh020 with its lighting scene (the shared test scene, its reference path
    made the project's own), Maya under autodesk/ (a copy of the fake Maya) and brm's module
    scripts under modules/brm (a link to this checkout's), snapshots in the project's .brm folder."""
    import shutil

    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    project = os.path.join(DEMO, "projects", "sq010_sh020")
    shutil.rmtree(DEMO, ignore_errors=True)
    os.makedirs(os.path.join(project, "scenes"))
    os.makedirs(os.path.join(DEMO, "modules", "brm"))
    shot = os.path.join(project, "scenes", "sq010_sh020_lighting_v012.ma")
    with open(scene("layers__layers.ma"), encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    text = text.replace("D:/deadline-clients/deadline-cloud-for-maya/job_bundle_output_tests/layers/scene/"
                        "scene_file_to_reference.mb", project + "/assets/set/sq010_set_v003.mb")
    with open(shot, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)
    shutil.copytree(os.path.join(repo, "tests", "fakes"), os.path.join(DEMO, "autodesk"), symlinks=True)
    os.symlink(os.path.join(repo, "maya_plugin", "scripts"), os.path.join(DEMO, "modules", "brm", "scripts"))
    monkeypatch.setenv("BRM_MAYA_ROOTS", os.path.join(DEMO, "autodesk"))
    monkeypatch.setenv("BRM_SCRIPTS_DIR", os.path.join(DEMO, "modules", "brm", "scripts"))
    monkeypatch.setenv("BRM_SNAPSHOT_DIR", os.path.join(project, ".brm", "snapshots"))
    return project, shot


def test_screenshot_of_a_running_job_and_its_log(maya, qtbot, tmp_path, monkeypatch, qapp):
    import brm_batch_render
    from brm_qt import Qt
    out_dir = os.environ.get("BRM_SCREENSHOT_DIR") or str(tmp_path)
    monkeypatch.setenv("BRM_FAKE_FRAME_SECONDS", "0.5")
    _maya_look(qapp)
    if os.environ.get("BRM_SCREENSHOT_DIR"):
        # The committed pictures show a neutral demo project, not this machine's folders.
        project, shot = _demo_project(monkeypatch)
    else:
        project, shot = str(tmp_path / "proj"), scene("layers__layers.ma")
    maya.file(shot, open=True)
    w = brm_batch_render.show()
    w.resize(1040, 820)
    qtbot.waitExposed(w)
    w.frames_edit.setText("1-48")
    # the default output folder: the Maya project's images folder
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
    # The latest frame beside the log (issue 20.3).
    qtbot.waitUntil(lambda: w.preview_label.pixmap() is not None and not w.preview_label.pixmap().isNull(),
                    timeout=60000)
    qtbot.wait(300)
    jobs_png = os.path.join(out_dir, "batch_render_jobs.png")
    assert w.grab().save(jobs_png)
    assert w._jobs[job].text(2) == "running"
    maya.brmCancel(job)
    for png in (submit_png, jobs_png):
        from brm_qt import QtGui
        img = QtGui.QImage(png)
        assert img.width() >= 700 and img.height() >= 700
