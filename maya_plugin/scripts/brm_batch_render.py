"""The brm Batch Render window: pick layers, type frames, pick GPUs, Submit, watch the log.

Open it from **Render > Batch Render (brm)...**, the brm shelf button, or::

    import brm_batch_render; brm_batch_render.show()

Built only on the brm* commands of the plug-in (brmLayers, brmFrames, brmInfo, brmSubmit,
brmJobs, brmLog, brmCancel, brmRetry), so it shows exactly what MEL and Python users get.
It never blocks Maya's main thread: jobs and logs are polled by a QTimer (each poll is a few
short, non-blocking calls to the local agent), scene changes arrive by scriptJob events.
Settings are Maya optionVars (brmBatchRender*), kept between sessions. Interactive sessions
only: in batch mode or mayapy ``show()`` refuses with a message.
"""

import os

import maya.cmds as cmds

import brm_window_data as data
from brm_qt import QtCore, QtGui, QtWidgets, Qt, checked, wrapInstance

try:  # Maya's dockable-window mixin (workspace control); absent outside Maya
    from maya.app.general.mayaMixin import MayaQWidgetDockableMixin
except ImportError:  # pragma: no cover - every Maya 2022+ has it
    class MayaQWidgetDockableMixin(object):
        def show(self, *args, **kwargs):
            QtWidgets.QWidget.show(self)

WINDOW_NAME = "brmBatchRenderWindow"
TITLE = "Batch Render (brm)"
OPTION_PREFIX = "brmBatchRender_"
POLL_MS = 1000          # jobs and the followed log
LAYER_POLL_MS = 2000    # layers, besides the scriptJob events
LOG_BATCH = 500         # log lines per poll
LOG_KEEP = 5000         # lines kept in the log view
PREVIEW_WIDTH = 256     # the preview pane (brm makes previews at most this wide)

_window = None


def maya_main_window():
    """Maya's main window as a QWidget (the window's parent), or None outside Maya."""
    try:
        from maya import OpenMayaUI
        ptr = OpenMayaUI.MQtUtil.mainWindow()
    except Exception:
        return None
    return wrapInstance(int(ptr), QtWidgets.QWidget) if ptr else None


def show():
    """Open (or raise) the one Batch Render window."""
    global _window
    if cmds.about(batch=True):
        raise RuntimeError("The brm Batch Render window needs an interactive Maya session "
                           "(this is batch mode or mayapy); use brmSubmit or `brm render` instead")
    if cmds.pluginInfo("brm", q=True, loaded=True) is False:
        cmds.loadPlugin("brm", quiet=True)
    if _window is None or not _alive(_window):
        _window = BatchRenderWindow(parent=maya_main_window())
    _window.show(dockable=True, floating=True, area="right")
    _window.raise_()
    _window.refresh_all()
    return _window


def _alive(widget):
    try:
        widget.objectName()
        return True
    except RuntimeError:  # the C++ object was deleted
        return False


class OptionVars(object):
    """Settings remembered between sessions, as Maya optionVars."""

    def get(self, key, default):
        name = OPTION_PREFIX + key
        if not cmds.optionVar(exists=name):
            return default
        value = cmds.optionVar(q=name)
        return type(default)(value) if default is not None else value

    def set(self, key, value):
        name = OPTION_PREFIX + key
        if isinstance(value, bool) or isinstance(value, int):
            cmds.optionVar(intValue=(name, int(value)))
        else:
            cmds.optionVar(stringValue=(name, str(value)))


class BatchRenderWindow(MayaQWidgetDockableMixin, QtWidgets.QWidget):
    def __init__(self, parent=None):
        super(BatchRenderWindow, self).__init__(parent=parent)
        self.setObjectName(WINDOW_NAME)
        self.setWindowTitle(TITLE)
        self.setWindowFlags(Qt.Window)
        self.options = OptionVars()
        self.gpus = []
        self.frames_ok = True
        self.followed_job = None
        self.log_after = "0"
        self._jobs = {}
        self._paused = set()
        self._script_jobs = []
        self._layer_state = None
        # The renderer and final-state lists are brm's own (the plug-in's brmInfo).
        data.load_brm_lists(getattr(cmds, "brmInfo", None))
        self._build()
        self._load_settings()
        self.poll_timer = QtCore.QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.poll)
        self.layer_timer = QtCore.QTimer(self)
        self.layer_timer.setInterval(LAYER_POLL_MS)
        self.layer_timer.timeout.connect(self.refresh_layers)
        self.poll_timer.start()
        self.layer_timer.start()
        self._add_script_jobs()
        self.resize(620, 720)

    # ---- building -------------------------------------------------------------------------
    def _build(self):
        root = QtWidgets.QVBoxLayout(self)
        self.tabs = QtWidgets.QTabWidget()
        root.addWidget(self.tabs)
        self.tabs.addTab(self._build_submit(), "Submit")
        self.tabs.addTab(self._build_jobs(), "Jobs")

    def _build_submit(self):
        page = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(page)
        self.scene_label = QtWidgets.QLabel()
        self.scene_label.setObjectName("sceneLabel")
        self.scene_label.setWordWrap(True)
        lay.addWidget(self.scene_label)
        self.scene_message = QtWidgets.QLabel()
        self.scene_message.setObjectName("sceneMessage")
        self.scene_message.setWordWrap(True)
        self.scene_message.setStyleSheet("color: #e0a040;")
        lay.addWidget(self.scene_message)

        box = QtWidgets.QGroupBox("Render layers")
        bl = QtWidgets.QVBoxLayout(box)
        self.layer_list = QtWidgets.QListWidget()
        self.layer_list.setObjectName("layerList")
        self.layer_list.setMaximumHeight(150)
        self.layer_list.itemChanged.connect(lambda *_: self._update_submit_state())
        bl.addWidget(self.layer_list)
        lay.addWidget(box)

        form = QtWidgets.QFormLayout()
        self.frames_edit = QtWidgets.QLineEdit()
        self.frames_edit.setObjectName("framesEdit")
        self.frames_edit.setPlaceholderText("the scene's frame range (per-layer ranges kept)")
        self.frames_edit.textChanged.connect(self.validate_frames)
        self.frames_info = QtWidgets.QLabel()
        self.frames_info.setObjectName("framesInfo")
        self.frames_info.setWordWrap(True)
        fcol = QtWidgets.QVBoxLayout()
        fcol.addWidget(self.frames_edit)
        fcol.addWidget(self.frames_info)
        form.addRow("Frames", fcol)

        self.gpu_list = QtWidgets.QListWidget()
        self.gpu_list.setObjectName("gpuList")
        self.gpu_list.setMaximumHeight(90)
        self.gpu_note = QtWidgets.QLabel()
        self.gpu_note.setObjectName("gpuNote")
        gcol = QtWidgets.QVBoxLayout()
        gcol.addWidget(self.gpu_list)
        gcol.addWidget(self.gpu_note)
        form.addRow("GPUs", gcol)

        self.method_combo = QtWidgets.QComboBox()
        self.method_combo.setObjectName("methodCombo")
        for value, label in data.METHODS:
            self.method_combo.addItem(label, value)
        form.addRow("Method", self.method_combo)
        self.renderer_combo = QtWidgets.QComboBox()
        self.renderer_combo.setObjectName("rendererCombo")
        for r in data.RENDERERS:
            self.renderer_combo.addItem(r or "The scene's renderer", r)
        form.addRow("Renderer", self.renderer_combo)
        self.camera_combo = QtWidgets.QComboBox()
        self.camera_combo.setObjectName("cameraCombo")
        self.camera_combo.setEditable(True)
        form.addRow("Camera", self.camera_combo)

        orow = QtWidgets.QHBoxLayout()
        self.output_edit = QtWidgets.QLineEdit()
        self.output_edit.setObjectName("outputEdit")
        browse = QtWidgets.QPushButton("Browse...")
        browse.clicked.connect(self.browse_output)
        orow.addWidget(self.output_edit)
        orow.addWidget(browse)
        form.addRow("Output folder", orow)

        nrow = QtWidgets.QHBoxLayout()
        self.chunk_spin = QtWidgets.QSpinBox()
        self.chunk_spin.setObjectName("chunkSpin")
        self.chunk_spin.setRange(0, 100000)
        self.chunk_spin.setSpecialValueText("auto")
        self.priority_spin = QtWidgets.QSpinBox()
        self.priority_spin.setObjectName("prioritySpin")
        self.priority_spin.setRange(-100, 100)
        nrow.addWidget(QtWidgets.QLabel("Frames per render process"))
        nrow.addWidget(self.chunk_spin)
        nrow.addSpacing(16)
        nrow.addWidget(QtWidgets.QLabel("Priority"))
        nrow.addWidget(self.priority_spin)
        nrow.addStretch(1)
        form.addRow("", nrow)
        lay.addLayout(form)

        self.submit_button = QtWidgets.QPushButton("Submit")
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setDefault(True)
        self.submit_button.clicked.connect(self.submit)
        self.submit_status = QtWidgets.QLabel()
        self.submit_status.setObjectName("submitStatus")
        self.submit_status.setWordWrap(True)
        srow = QtWidgets.QHBoxLayout()
        srow.addWidget(self.submit_status, 1)
        srow.addWidget(self.submit_button)
        lay.addLayout(srow)
        lay.addStretch(1)
        return page

    def _build_jobs(self):
        page = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(page)
        self.job_tree = QtWidgets.QTreeWidget()
        self.job_tree.setObjectName("jobTree")
        self.job_tree.setColumnCount(6)
        self.job_tree.setHeaderLabels(["Job", "Name", "State", "Progress", "Frames", "ETA"])
        self.job_tree.setRootIsDecorated(False)
        self.job_tree.setColumnWidth(0, 50)
        self.job_tree.setColumnWidth(1, 150)
        self.job_tree.setColumnWidth(3, 140)
        self.job_tree.itemSelectionChanged.connect(self._follow_selected)
        lay.addWidget(self.job_tree, 2)

        brow = QtWidgets.QHBoxLayout()
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.retry_button = QtWidgets.QPushButton("Retry")
        self.retry_button.setObjectName("retryButton")
        self.retry_button.clicked.connect(self.retry_selected)
        self.pause_button = QtWidgets.QPushButton("Pause")
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.clicked.connect(self.pause_selected)
        self.open_button = QtWidgets.QPushButton("Open output folder")
        self.open_button.setObjectName("openButton")
        self.open_button.clicked.connect(self.open_output_folder)
        for b in (self.cancel_button, self.retry_button, self.pause_button, self.open_button):
            brow.addWidget(b)
        brow.addStretch(1)
        lay.addLayout(brow)

        lrow = QtWidgets.QHBoxLayout()
        self.log_title = QtWidgets.QLabel("Log")
        self.render_output_check = QtWidgets.QCheckBox("Show the render output")
        self.render_output_check.setObjectName("renderOutputCheck")
        self.render_output_check.toggled.connect(self._restart_log)
        lrow.addWidget(self.log_title, 1)
        lrow.addWidget(self.render_output_check)
        lay.addLayout(lrow)
        self.log_view = QtWidgets.QPlainTextEdit()
        self.log_view.setObjectName("logView")
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_KEEP)
        self.log_view.setLineWrapMode(QtWidgets.QPlainTextEdit.NoWrap)
        font = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.FixedFont)
        self.log_view.setFont(font)
        # The latest frame of the selected job beside its log (brm makes the preview when a
        # frame is verified; the window only shows the file).
        body = QtWidgets.QHBoxLayout()
        body.addWidget(self.log_view, 3)
        side = QtWidgets.QVBoxLayout()
        self.preview_label = QtWidgets.QLabel("")
        self.preview_label.setObjectName("previewLabel")
        self.preview_label.setFixedSize(PREVIEW_WIDTH, PREVIEW_WIDTH * 9 // 16)
        self.preview_label.setAlignment(Qt.AlignCenter)
        self.preview_label.setFrameShape(QtWidgets.QFrame.StyledPanel)
        self.preview_caption = QtWidgets.QLabel("")
        self.preview_caption.setObjectName("previewCaption")
        self.preview_caption.setWordWrap(True)
        self.viewer_button = QtWidgets.QPushButton("Open in viewer")
        self.viewer_button.setObjectName("viewerButton")
        self.viewer_button.clicked.connect(self.open_in_viewer)
        side.addWidget(self.preview_label)
        side.addWidget(self.preview_caption)
        side.addWidget(self.viewer_button)
        side.addStretch(1)
        body.addLayout(side)
        lay.addLayout(body, 3)
        self._preview_shown = False  # (path, mtime, size) shown; None: no preview
        self.jobs_status = QtWidgets.QLabel()
        self.jobs_status.setObjectName("jobsStatus")
        self.jobs_status.setWordWrap(True)
        lay.addWidget(self.jobs_status)
        self._update_job_buttons()
        return page

    # ---- settings -------------------------------------------------------------------------
    def _load_settings(self):
        o = self.options
        self.frames_edit.setText(o.get("frames", ""))
        _select_data(self.method_combo, o.get("method", "auto"))
        _select_data(self.renderer_combo, o.get("renderer", ""))
        self.camera_combo.setEditText(o.get("camera", ""))
        self.output_edit.setText(o.get("outputDir", ""))
        self.chunk_spin.setValue(o.get("chunk", 0))
        self.priority_spin.setValue(o.get("priority", 0))
        self.render_output_check.setChecked(bool(o.get("showRenderOutput", 0)))
        saved = o.get("gpus", "")
        self._saved_gpus = [int(x) for x in saved.split(",") if x.strip().isdigit()] if saved else None

    def save_settings(self):
        o = self.options
        o.set("frames", self.frames_edit.text().strip())
        o.set("method", self.method_combo.currentData())
        o.set("renderer", self.renderer_combo.currentData())
        o.set("camera", self.camera_combo.currentText().strip())
        o.set("outputDir", self.output_edit.text().strip())
        o.set("chunk", self.chunk_spin.value())
        o.set("priority", self.priority_spin.value())
        o.set("showRenderOutput", self.render_output_check.isChecked())
        o.set("gpus", data.gpu_flag(self.selected_gpus()))

    # ---- scene, layers, GPUs --------------------------------------------------------------
    def _add_script_jobs(self):
        # Refresh at once after a save, an open, a new scene or a render layer edit (Render
        # Setup edits change the legacy layers, which fire renderLayerChange).
        for event in ("SceneSaved", "SceneOpened", "NewSceneOpened", "renderLayerChange"):
            try:
                self._script_jobs.append(cmds.scriptJob(event=[event, self._scene_changed]))
            except Exception:
                pass

    def _scene_changed(self):
        # scriptJob callbacks must return at once: refresh on the next event loop turn.
        QtCore.QTimer.singleShot(0, lambda: self.refresh_layers(force=True))

    def refresh_all(self):
        self.refresh_gpus()
        self.refresh_layers(force=True)
        self.poll()

    def refresh_layers(self, force=False):
        scene = cmds.file(q=True, sceneName=True) or ""
        try:
            # Cheap walks of Maya's nodes (no file read): fine every LAYER_POLL_MS.
            rows = [r.split("\t") for r in cmds.brmLayers(frameRanges=True) or []]
            renderable = set(cmds.brmLayers(renderable=True) or [])
        except RuntimeError as e:
            self.scene_message.setText(_strip_command(str(e)))
            return
        names = [r[0] for r in rows]
        ranges = dict((r[0], data.range_text(*(r[1:3] + ["", ""])[:2])) for r in rows)
        state = (scene, tuple(names), tuple(sorted(renderable)), tuple(sorted(ranges.items())))
        if state == self._layer_state and not force:
            self._update_scene_message(scene, renderable)  # saved / modified may have changed
            return
        new_scene = self._layer_state is None or self._layer_state[0] != scene
        self._layer_state = state
        previous = {}
        for i in range(self.layer_list.count()):
            it = self.layer_list.item(i)
            previous[it.data(Qt.UserRole)] = checked(it.checkState())
        self.layer_list.blockSignals(True)
        self.layer_list.clear()
        for name in names:
            label = name + ranges.get(name, "")
            it = QtWidgets.QListWidgetItem(label if name in renderable else "%s  (not renderable)" % label)
            it.setData(Qt.UserRole, name)
            it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
            on = name in renderable
            if not new_scene and name in previous and on:
                on = previous[name]
            it.setCheckState(Qt.Checked if on else Qt.Unchecked)
            if name not in renderable:
                it.setForeground(QtGui.QBrush(QtGui.QColor("#888888")))
            self.layer_list.addItem(it)
        self.layer_list.blockSignals(False)
        self.scene_label.setText("Scene: %s" % (scene or "untitled (never saved)"))
        if new_scene:
            self._refresh_cameras(scene)
            if not self.output_edit.text().strip():
                self.output_edit.setPlaceholderText(self.default_output_dir())
        self._update_scene_message(scene, renderable)
        self._update_submit_state()

    def _update_scene_message(self, scene, renderable):
        msgs = []
        if not scene:
            msgs.append("This scene has never been saved: it renders as it is now (brm exports a "
                        "copy), named 'untitled'. Save it to give the renders a name.")
        elif cmds.file(q=True, modified=True):
            msgs.append("Unsaved changes: brm renders the scene as it is in Maya now, not the file on disk.")
        if not renderable:
            msgs.append("No layer is renderable: switch one on in Render Setup (or tick one below).")
        self.scene_message.setText("\n".join(msgs))

    def _refresh_cameras(self, scene):
        current = self.camera_combo.currentText()
        self.camera_combo.blockSignals(True)
        self.camera_combo.clear()
        self.camera_combo.addItem("")
        cams = []
        if scene:
            try:
                import json
                info = json.loads(cmds.brmLayers(json=True) or "{}")
                cams = (info.get("file") or {}).get("cameras") or []
            except (RuntimeError, ValueError):
                cams = []
        for c in cams:
            self.camera_combo.addItem(c)
        self.camera_combo.setEditText(current)
        self.camera_combo.lineEdit().setPlaceholderText("the scene's renderable camera")
        self.camera_combo.blockSignals(False)

    def default_output_dir(self):
        """The Maya project's images folder (what Render Settings uses)."""
        try:
            root = cmds.workspace(q=True, rootDirectory=True) or ""
            rule = cmds.workspace(fileRuleEntry="images") or "images"
            return os.path.normpath(os.path.join(root, rule))
        except Exception:
            return ""

    def refresh_gpus(self):
        try:
            self.gpus = data.parse_gpus(cmds.brmInfo(gpus=True) or [])
        except RuntimeError as e:
            self.gpus = []
            self.gpu_note.setText(str(e))
            return
        chosen, note = data.default_gpu_selection(self.gpus)
        if self.gpu_list.count():  # showing again: keep what the artist ticked
            self._saved_gpus = self.selected_gpus()
        if self._saved_gpus is not None:
            known = set(g.index for g in self.gpus)
            chosen = [i for i in self._saved_gpus if i in known] or chosen
        self.gpu_list.clear()
        for g in self.gpus:
            it = QtWidgets.QListWidgetItem(g.label())
            it.setData(Qt.UserRole, g.index)
            it.setFlags(it.flags() | Qt.ItemIsUserCheckable)
            it.setCheckState(Qt.Checked if g.index in chosen else Qt.Unchecked)
            it.setToolTip(g.uuid)
            self.gpu_list.addItem(it)
        self.gpu_note.setText(note or "Untick all to let brm pick the idle GPU with most free memory.")

    def selected_gpus(self):
        return [self.gpu_list.item(i).data(Qt.UserRole) for i in range(self.gpu_list.count())
                if checked(self.gpu_list.item(i).checkState())]

    def selected_layers(self):
        return [self.layer_list.item(i).data(Qt.UserRole) for i in range(self.layer_list.count())
                if checked(self.layer_list.item(i).checkState())]

    # ---- frames ---------------------------------------------------------------------------
    def validate_frames(self, text=None):
        spec = (self.frames_edit.text() if text is None else text).strip()
        if not spec:
            self.frames_ok = True
            self.frames_info.setStyleSheet("")
            self.frames_info.setText("The scene's frame range, per-layer ranges kept.")
        else:
            try:
                count = cmds.brmFrames(spec, count=True)
                compact = cmds.brmFrames(spec, compact=True)
                self.frames_ok = True
                self.frames_info.setStyleSheet("")
                self.frames_info.setText(data.frames_summary(count, compact))
            except RuntimeError as e:
                self.frames_ok = False
                self.frames_info.setStyleSheet("color: #e05050;")
                self.frames_info.setText(_strip_command(str(e)))
        self._update_submit_state()

    def _update_submit_state(self):
        ok = self.frames_ok and bool(self.selected_layers())
        self.submit_button.setEnabled(ok)
        if not self.selected_layers():
            self.submit_status.setText("Tick at least one render layer.")
        elif not self.frames_ok:
            self.submit_status.setText("Fix the frame set.")
        else:
            self.submit_status.setText("")

    # ---- submit ---------------------------------------------------------------------------
    def submit_flags(self):
        flags = {"layer": self.selected_layers()}
        spec = self.frames_edit.text().strip()
        if spec:
            flags["frames"] = spec
        gpus = data.gpu_flag(self.selected_gpus())
        if gpus:
            flags["gpu"] = gpus
        if self.method_combo.currentData() != "auto":
            flags["method"] = self.method_combo.currentData()
        if self.renderer_combo.currentData():
            flags["renderer"] = self.renderer_combo.currentData()
        cam = self.camera_combo.currentText().strip()
        if cam:
            flags["camera"] = cam
        out = self.output_edit.text().strip() or self.output_edit.placeholderText().strip()
        if out:
            flags["outputDir"] = out
        if self.chunk_spin.value():
            flags["chunk"] = self.chunk_spin.value()
        if self.priority_spin.value():
            flags["priority"] = self.priority_spin.value()
        return flags

    def submit(self):
        self.validate_frames()
        if not self.submit_button.isEnabled():
            return None
        try:
            job = cmds.brmSubmit(**self.submit_flags())
        except RuntimeError as e:
            self.submit_status.setStyleSheet("color: #e05050;")
            self.submit_status.setText(_strip_command(str(e)))
            return None
        self.submit_status.setStyleSheet("")
        self.submit_status.setText("Submitted job %s." % job)
        self.save_settings()
        self.poll()
        self.tabs.setCurrentIndex(1)
        self.select_job(job)
        return job

    def browse_output(self):
        start = self.output_edit.text().strip() or self.output_edit.placeholderText()
        picked = cmds.fileDialog2(fileMode=3, caption="Output folder", startingDirectory=start)
        if picked:
            self.output_edit.setText(picked[0])

    # ---- jobs -----------------------------------------------------------------------------
    def poll(self):
        try:
            jobs = data.parse_jobs(cmds.brmJobs(json=True))
        except RuntimeError as e:
            self.jobs_status.setText(_strip_command(str(e)))
            return
        self.jobs_status.setText("")
        seen = set()
        for pos, job in enumerate(jobs):
            jid = str(job.get("id"))
            seen.add(jid)
            item = self._jobs.get(jid)
            if item is None:
                item = QtWidgets.QTreeWidgetItem([jid, "", "", "", "", ""])
                item.setData(0, Qt.UserRole, jid)
                self.job_tree.insertTopLevelItem(min(pos, self.job_tree.topLevelItemCount()), item)
                bar = QtWidgets.QProgressBar()
                bar.setRange(0, 100)
                bar.setTextVisible(True)
                self.job_tree.setItemWidget(item, 3, bar)
                self._jobs[jid] = item
            item.setData(0, Qt.UserRole + 1, job)
            item.setText(1, job.get("name") or "")
            item.setText(2, job.get("state") or "")
            item.setText(4, "%d/%d" % (job.get("frames_done") or 0, job.get("frames_total") or 0))
            item.setText(5, data.eta_text(job))
            self.job_tree.itemWidget(item, 3).setValue(data.progress_percent(job))
        for jid in list(self._jobs):
            if jid not in seen:
                item = self._jobs.pop(jid)
                self.job_tree.takeTopLevelItem(self.job_tree.indexOfTopLevelItem(item))
        self._update_job_buttons()
        self._update_preview()
        self.poll_log()

    def _update_preview(self):
        """Show the selected job's latest preview; reload when brm made a newer one."""
        job = self.selected_job()
        path = (job or {}).get("preview")
        stamp = None
        if path and os.path.isfile(path):
            stamp = (path, os.path.getmtime(path), os.path.getsize(path))
        self.viewer_button.setEnabled(bool(job and (job.get("preview_source") or path)))
        if stamp == self._preview_shown and stamp is not None:
            return
        self._preview_shown = stamp
        if stamp is None:
            self.preview_label.setPixmap(QtGui.QPixmap())
            self.preview_label.setText("No frame yet" if job else "")
            self.preview_caption.setText("")
            return
        pix = QtGui.QPixmap(path)
        if pix.isNull():
            self.preview_label.setText("Preview unreadable")
            return
        self.preview_label.setPixmap(pix.scaled(self.preview_label.size(), Qt.KeepAspectRatio,
                                                Qt.FastTransformation if pix.width() < 16
                                                else Qt.SmoothTransformation))
        source = job.get("preview_source") or ""
        self.preview_caption.setText(os.path.basename(source) if source else "latest frame")

    def open_in_viewer(self):
        """The full frame in Maya's FCheck when there is one, else the desktop's viewer."""
        job = self.selected_job()
        target = job and (job.get("preview_source") or job.get("preview"))
        if not target:
            return
        fcheck = data.fcheck_path(os.environ)
        if fcheck:
            QtCore.QProcess.startDetached(fcheck, [target])
        else:
            self.open_url(QtCore.QUrl.fromLocalFile(target))

    def select_job(self, job_id):
        item = self._jobs.get(str(job_id))
        if item is not None:
            self.job_tree.setCurrentItem(item)

    def selected_job(self):
        items = self.job_tree.selectedItems()
        return items[0].data(0, Qt.UserRole + 1) if items else None

    def _follow_selected(self):
        job = self.selected_job()
        jid = str(job["id"]) if job else None
        if jid != self.followed_job:
            self.followed_job = jid
            self._restart_log()
        self._update_job_buttons()

    def _restart_log(self, *_):
        self.log_after = "0"
        self.log_view.clear()
        self.log_title.setText("Log of job %s" % self.followed_job if self.followed_job else "Log")
        self.poll_log()

    def poll_log(self):
        if not self.followed_job:
            return
        show_output = self.render_output_check.isChecked()
        try:
            lines = cmds.brmLog(self.followed_job, after=self.log_after, max=LOG_BATCH, seq=True) or []
        except RuntimeError as e:
            self.jobs_status.setText(_strip_command(str(e)))
            return
        text = []
        for line in lines:
            seq, body = data.split_log_line(line)
            self.log_after = seq or self.log_after
            if data.is_note(body) or (show_output and not data.is_protocol(body)):
                text.append(body)
        if text:
            self.log_view.appendPlainText("\n".join(text))
            sb = self.log_view.verticalScrollBar()
            sb.setValue(sb.maximum())

    def _update_job_buttons(self):
        job = self.selected_job()
        state = job.get("state") if job else None
        self.cancel_button.setEnabled(state in ("queued", "running", "paused"))
        self.retry_button.setEnabled(state in ("failed", "cancelled"))
        self.open_button.setEnabled(bool(job and job.get("output_dir")))
        can_pause = hasattr(cmds, "brmPause")
        self.pause_button.setText("Resume" if self._is_paused(job) else "Pause")
        self.pause_button.setEnabled(can_pause and state in ("queued", "running", "paused"))
        self.pause_button.setToolTip("Paused: no new renders start; running ones finish their frames"
                                     if can_pause else "Needs the brmPause command (a newer brm plug-in)")

    def _is_paused(self, job):
        # A paused job reads "running" until its running renders finish their chunk.
        if not job or job.get("state") in data.FINAL_STATES:
            return False
        return job.get("state") == "paused" or str(job.get("id")) in self._paused

    def cancel_selected(self):
        job = self.selected_job()
        if job:
            self._job_command(cmds.brmCancel, str(job["id"]))

    def retry_selected(self):
        job = self.selected_job()
        if job:
            self._job_command(cmds.brmRetry, str(job["id"]))

    def pause_selected(self):
        job = self.selected_job()
        if job and hasattr(cmds, "brmPause"):
            jid = str(job["id"])
            if self._is_paused(job):
                self._paused.discard(jid)
                self._job_command(lambda j: cmds.brmPause(j, resume=True), jid)
            else:
                self._paused.add(jid)
                self._job_command(cmds.brmPause, jid)

    def _job_command(self, command, job_id):
        try:
            command(job_id)
        except RuntimeError as e:
            self.jobs_status.setText(_strip_command(str(e)))
        self.poll()

    def open_output_folder(self):
        job = self.selected_job()
        if job and job.get("output_dir"):
            self.open_url(QtCore.QUrl.fromLocalFile(job["output_dir"]))

    def open_url(self, url):
        QtGui.QDesktopServices.openUrl(url)

    # ---- closing --------------------------------------------------------------------------
    def closeEvent(self, event):
        self.save_settings()
        super(BatchRenderWindow, self).closeEvent(event)

    def shutdown(self):
        """Stop polling and remove the scriptJobs (the window is being deleted)."""
        self.poll_timer.stop()
        self.layer_timer.stop()
        for j in self._script_jobs:
            try:
                cmds.scriptJob(kill=j, force=True)
            except Exception:
                pass
        self._script_jobs = []


def _select_data(combo, value):
    i = combo.findData(value)
    if i >= 0:
        combo.setCurrentIndex(i)


def _strip_command(message):
    """Maya's RuntimeError text, without its 'Error: ' prefix."""
    for p in ("Error: ", "RuntimeError: "):
        if message.startswith(p):
            message = message[len(p):]
    return message.strip()


def close():
    """Close and delete the window (module reload, tests)."""
    global _window
    if _window is not None and _alive(_window):
        _window.save_settings()
        _window.shutdown()
        _window.close()
        _window.deleteLater()
    _window = None
