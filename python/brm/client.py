"""``brm.Client`` and ``brm.Job``: submitting renders to the per-user agent and following them.

A :class:`Client` is a connection to ``brm agent`` (started on first use, like ssh-agent);
renders belong to the agent, not to this process, so they go on when the script or Maya
exits. One client may be shared by several threads: libbrm serialises its calls, and every
long call (``wait``, log following) is made of short slices so other threads get their turn.
"""

import collections
import ctypes
import datetime as _dt
import enum
import json
import os
import threading
import time
import weakref
from ctypes import c_uint32, c_uint64, c_void_p
from dataclasses import dataclass, field
from typing import Any, Deque, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from . import _check, _native
from .errors import BrmError, BrmTimeoutError, JobFailedError
from .frameset import FrameSet

#: The longest single ``brm_wait`` slice, in milliseconds: between slices other threads
#: using the same client get the connection (libbrm holds it for the length of a call).
_WAIT_SLICE_MS = 250


class JobState(str, enum.Enum):
    """Where a job is in its life (the strings of ``brm status``, the numbers of
    ``brm_job_state``)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PAUSED = "paused"

    @property
    def is_final(self) -> bool:
        """Finished for good: nothing more runs unless the job is retried."""
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)

    @classmethod
    def from_code(cls, code: int) -> "JobState":
        return _STATE_BY_CODE[code]

    def __str__(self) -> str:
        return self.value


class TaskState(str, enum.Enum):
    """Where a task (one layer's chunk of frames) is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    def __str__(self) -> str:
        return self.value


# The job documents as this reader knows them: the keys it reads and the states. They are
# the properties and enums of ``schema/brm.schema.json`` (generated from brm's Rust types);
# tests/schema_readers.rs fails when they differ or when ``from_json`` skips one.

#: Every key of a job summary (``brm_jobs_json``; ``$defs.JobSummary``).
JOB_FIELDS = (
    "after", "error", "eta_s", "finished_ms", "frames_done", "frames_failed", "frames_total",
    "id", "log_path", "name", "output_dir", "output_dirs", "paused_since_ms",
    "paused_total_ms", "preview", "preview_source", "priority", "progress", "scene", "schema",
    "source_scene", "started_ms", "state", "submitted_ms", "tasks_done", "tasks_failed",
    "tasks_running", "tasks_total", "warnings",
)  # fmt: skip
#: What a job's detail (``brm_job_json``; ``$defs.JobDetail``) adds to the summary.
DETAIL_FIELDS = ("files", "frames_done_list", "frames_missing", "layers", "previews", "tasks")
#: Every key of a task in a job's detail (``$defs.TaskSummary``).
TASK_FIELDS = (
    "attempts", "error", "eta_s", "frames", "frames_done", "frames_finished",
    "frames_reported", "index", "layer", "level", "output_dir", "state", "warm_chunks",
)  # fmt: skip
#: The job states, in ``brm_job_state`` order (``$defs.JobState``).
JOB_STATES = tuple(s.value for s in JobState)
#: The task states (``$defs.TaskState``).
TASK_STATES = tuple(s.value for s in TaskState)
#: The states a job ends in for good (``JobState.is_final``).
FINAL_STATES = tuple(s.value for s in JobState if s.is_final)


_STATE_BY_CODE = {
    0: JobState.QUEUED,
    1: JobState.RUNNING,
    2: JobState.DONE,
    3: JobState.FAILED,
    4: JobState.CANCELLED,
    5: JobState.PAUSED,
}


class Stream(enum.IntEnum):
    """Which log a line comes from."""

    #: The renderer's output (stdout and stderr).
    RENDER = 0
    #: brm's own notes: task started, fallback, retries, verification.
    BRM = 1


StreamArg = Union[None, int, str, Stream]


def _stream_code(stream: StreamArg) -> int:
    if stream is None or stream == "all":
        return _native.LOG_ALL_STREAMS
    if isinstance(stream, str):
        names = {"render": Stream.RENDER, "brm": Stream.BRM, "notes": Stream.BRM}
        if stream not in names:
            raise ValueError(
                "unknown log stream %r; use 'render', 'brm' (brm's notes), 'all' or None"
                % stream
            )
        return int(names[stream])
    return int(stream)


def _time(ms: Optional[int]) -> Optional[_dt.datetime]:
    if not ms:
        return None
    return _dt.datetime.fromtimestamp(ms / 1000.0, tz=_dt.timezone.utc)


@dataclass(frozen=True)
class LogLine:
    """One line of a job's log. ``seq`` numbers are consecutive per job: pass the last one
    as ``after=`` to continue exactly where you stopped (no line lost or repeated, also
    across agent restarts)."""

    seq: int
    stream: Stream
    #: When brm read the line (UTC).
    time: _dt.datetime
    text: str
    #: ``time`` as Unix milliseconds.
    time_ms: int = 0

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class TaskStatus:
    """One task of a job (one layer's chunk of frames), from :meth:`Job.status`."""

    index: int
    layer: str
    state: TaskState
    #: The method level it renders with ("render", "mayapy-custom", ...).
    level: str
    frames: List[int]
    #: Frames verified on disk.
    frames_done: List[int]
    attempts: int
    output_dir: str
    error: Optional[str]
    #: Frames finished, counted as the job counts them (verified plus reported).
    frames_finished: int = 0
    #: Frames the renderer reported finished that brm has not verified yet.
    frames_reported: List[int] = field(default_factory=list)
    #: Seconds left for this task (``None``: unknown).
    eta_s: Optional[int] = None
    #: Attempts that rendered in a warm session.
    warm_chunks: int = 0

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "TaskStatus":
        return cls(
            index=int(d.get("index", 0)),
            layer=d.get("layer", ""),
            state=TaskState(d.get("state", "queued")),
            level=d.get("level", ""),
            frames=list(d.get("frames") or []),
            frames_done=list(d.get("frames_done") or []),
            attempts=int(d.get("attempts", 0)),
            output_dir=d.get("output_dir", ""),
            error=d.get("error"),
            frames_finished=int(d.get("frames_finished", 0)),
            frames_reported=list(d.get("frames_reported") or []),
            eta_s=d.get("eta_s"),
            warm_chunks=int(d.get("warm_chunks", 0)),
        )


@dataclass(frozen=True)
class JobStatus:
    """A job's status (``brm status JOB --json``). From :meth:`Client.jobs` the per-frame
    lists (``frames_missing``, ``frames_done_list``, ``files``) and ``layers`` are empty;
    :meth:`Job.status` fills them."""

    id: int
    name: str
    state: JobState
    #: 0..1
    progress: float
    frames_total: int
    frames_done: int
    frames_failed: int
    tasks_total: int
    tasks_running: int
    tasks_done: int
    tasks_failed: int
    priority: int
    scene: str
    source_scene: str
    #: Where the images go (layer subfolders inside).
    output_dir: str
    log_path: str
    submitted: Optional[_dt.datetime]
    started: Optional[_dt.datetime]
    finished: Optional[_dt.datetime]
    #: Why the job failed, when it did.
    error: Optional[str]
    warnings: List[str]
    layers: List[str] = field(default_factory=list)
    #: Frames asked for and not (yet) verified on disk.
    frames_missing: List[int] = field(default_factory=list)
    frames_done_list: List[int] = field(default_factory=list)
    #: The verified image files.
    files: List[str] = field(default_factory=list)
    #: Estimated time left: the engine's estimate from the renderer's percent and measured
    #: frame times (``None`` while unknown and once the job is no longer running).
    eta: Optional[_dt.timedelta] = None
    #: A small PNG of the latest frame verified (over the layers), ``None`` until one is
    #: made; ``previews`` maps each layer to its own.
    preview: Optional[str] = None
    previews: Dict[str, str] = field(default_factory=dict)
    #: The job this one waits for (``after=``), if any.
    after: Optional[int] = None
    #: ``eta`` as the engine sent it: whole seconds, ``None`` while unknown.
    eta_s: Optional[int] = None
    #: The distinct output folders of its tasks (one per layer in a Maya project).
    output_dirs: List[str] = field(default_factory=list)
    #: Since when the job is paused (Unix ms; 0: not paused), and how long it was paused
    #: before (ms): its running time excludes both.
    paused_since_ms: int = 0
    paused_total_ms: int = 0
    #: The full frame ``preview`` shows.
    preview_source: Optional[str] = None
    #: The tasks (from :meth:`Job.status`; empty from :meth:`Client.jobs`).
    tasks: List[TaskStatus] = field(default_factory=list)
    #: The version of the job document's shape (``x-brm-job-schema``).
    schema: int = 1
    raw: Dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the job is done with every frame verified."""
        return self.state is JobState.DONE

    @property
    def is_final(self) -> bool:
        return self.state.is_final

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "JobStatus":
        state = JobState(d.get("state", "queued"))
        done, total = int(d.get("frames_done", 0)), int(d.get("frames_total", 0))
        started = d.get("started_ms") or 0
        eta = None
        if "eta_s" in d:
            # The engine's own estimate (renderer percent and measured frame times); null
            # means it honestly does not know yet.
            if d["eta_s"] is not None:
                eta = _dt.timedelta(seconds=float(d["eta_s"]))
        elif state is JobState.RUNNING and started and 0 < done < total:
            elapsed = max(time.time() * 1000.0 - started, 0.0)
            eta = _dt.timedelta(milliseconds=elapsed * (total - done) / done)
        return cls(
            id=int(d["id"]),
            name=d.get("name", ""),
            state=state,
            progress=float(d.get("progress", 0.0)),
            frames_total=total,
            frames_done=done,
            frames_failed=int(d.get("frames_failed", 0)),
            tasks_total=int(d.get("tasks_total", 0)),
            tasks_running=int(d.get("tasks_running", 0)),
            tasks_done=int(d.get("tasks_done", 0)),
            tasks_failed=int(d.get("tasks_failed", 0)),
            priority=int(d.get("priority", 0)),
            scene=d.get("scene", ""),
            source_scene=d.get("source_scene", ""),
            output_dir=d.get("output_dir", ""),
            log_path=d.get("log_path", ""),
            submitted=_time(d.get("submitted_ms")),
            started=_time(started),
            finished=_time(d.get("finished_ms")),
            error=d.get("error"),
            warnings=list(d.get("warnings") or []),
            layers=list(d.get("layers") or []),
            frames_missing=list(d.get("frames_missing") or []),
            frames_done_list=list(d.get("frames_done_list") or []),
            files=list(d.get("files") or []),
            eta=eta,
            preview=d.get("preview"),
            previews=dict((p.get("layer", ""), p.get("path", "")) for p in d.get("previews") or []),
            after=d.get("after"),
            eta_s=d.get("eta_s"),
            output_dirs=list(d.get("output_dirs") or []),
            paused_since_ms=int(d.get("paused_since_ms") or 0),
            paused_total_ms=int(d.get("paused_total_ms") or 0),
            preview_source=d.get("preview_source"),
            tasks=[TaskStatus.from_json(t) for t in d.get("tasks") or []],
            schema=int(d.get("schema") or 1),
            raw=d,
        )


class Client:
    """A connection to the per-user brm agent; a context manager.

    >>> with brm.Client() as c:
    ...     job = c.submit("shot.blend", frames="1-24")
    ...     job.wait()

    ``home`` is like ``BRM_HOME`` (all of brm's per-user files under one folder), ``agent``
    the ``brm`` executable to start (default ``BRM_AGENT``, else beside libbrm, else the Maya
    module's ``bin/brm``), ``autostart=False`` fails instead of starting an agent,
    ``connect_timeout`` is in seconds. ``options`` passes further keys of
    ``brm_client_new``'s JSON as they are.
    """

    def __init__(
        self,
        home: Optional[str] = None,
        agent: Optional[str] = None,
        autostart: bool = True,
        connect_timeout: Optional[float] = None,
        options: Optional[Mapping[str, Any]] = None,
    ):
        lib = _native.load()
        opts: Dict[str, Any] = dict(options or {})
        if home is not None:
            opts["home"] = os.fspath(home)
        agent = agent if agent is not None else _module_agent()
        if agent is not None:
            opts["agent_path"] = os.fspath(agent)
        if not autostart:
            opts["autostart"] = False
        if connect_timeout is not None:
            opts["connect_timeout_ms"] = int(connect_timeout * 1000)
        out = c_void_p()
        lib.call(
            "brm_client_new",
            json.dumps(opts).encode("utf-8") if opts else None,
            ctypes.byref(out),
        )
        self._lib = lib
        self._ptr = out
        self._cond = threading.Condition()
        self._busy = 0
        self._closed = False
        self._finalizer = weakref.finalize(
            self, _native.handle_finalizer(lib, "brm_client_free"), out.value
        )

    # -- plumbing ---------------------------------------------------------------------------

    def _call(self, name: str, *args: Any) -> None:
        """Call a ``brm_`` function taking this client first, unless closed; ``close()``
        waits for calls in flight on other threads."""
        with self._cond:
            if self._closed:
                raise BrmError("this brm.Client is closed; make a new one")
            self._busy += 1
        try:
            self._lib.call(name, self._ptr, *args)
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def _string(self, name: str, *args: Any) -> str:
        out = c_void_p()
        self._call(name, *(args + (ctypes.byref(out),)))
        return self._lib.take_string(out)

    def close(self) -> None:
        """Disconnect (renders keep running in the agent). Waits for calls in flight on
        other threads; calling it again does nothing."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            while self._busy:
                self._cond.wait()
        self._finalizer()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- jobs -------------------------------------------------------------------------------

    def submit(
        self,
        scene: Union[str, "os.PathLike[str]"],
        layers: Union[None, str, Iterable[str]] = None,
        frames: Union[None, str, FrameSet, Iterable[int]] = None,
        gpu: Union[None, str, int, Iterable[int]] = None,
        method: Optional[str] = None,
        renderer: Optional[str] = None,
        output: Union[None, str, "os.PathLike[str]"] = None,
        camera: Optional[str] = None,
        chunk: Optional[int] = None,
        priority: Optional[int] = None,
        env: Optional[Mapping[str, str]] = None,
        name: Optional[str] = None,
        order: Optional[str] = None,
        task_timeout: Optional[int] = None,
        silence_timeout: Optional[int] = None,
        source_scene: Union[None, str, "os.PathLike[str]"] = None,
        cold: bool = False,
        after: Union[None, int, "Job"] = None,
    ) -> "Job":
        """Submit a render and return its :class:`Job` at once (the render runs in the agent).

        - ``scene``: ``.ma``, ``.mb`` or ``.blend``; snapshotted first, so it may change after.
        - ``layers``: a name or names (Render Setup, ``rs_`` node or ``"masterLayer"``);
          default all renderable layers.
        - ``frames``: a spec (``"1-100x5"``), a :class:`FrameSet` or ints; default the
          scene's range.
        - ``gpu``: ``"auto"`` (default: idle card with most free memory, GPU 0 left to the
          artist), ``"cpu"``, an index, indices or a ``"GPU-…"`` UUID.
        - ``method``: ``"auto"``, ``"mayapy-custom"``, ``"render"``, ``"mayapy-basic"``,
          ``"blender"``. ``renderer``: e.g. ``"arnold"`` (default the scene's).
        - ``output``: the output folder; ``camera``; ``chunk``: frames per task (default
          automatic); ``priority``: higher first; ``order``: ``"sequential"`` or
          ``"interleaved"``; ``task_timeout``/``silence_timeout`` in seconds.
        - ``env``: variables for the render on top of this process's environment, which
          travels with the job (licence servers, plug-in paths).
        - ``cold``: never render in a warm session (each chunk loads the scene itself).
        - ``after``: a job (or its id) this one waits for: it starts once that one is done,
          and fails, saying why, when that one fails or is cancelled.

        Raises :class:`~brm.FrameSyntaxError` for bad frames, :class:`~brm.NotFoundError`
        for a missing scene or layer, :class:`~brm.InvalidArgumentError` for a bad option.
        """
        # Every argument is checked before anything reaches the agent (`_check`).
        layer_list = None if layers is None else _check.names(layers, "layers")
        frame_spec = None if frames is None else _check.frames(frames)
        gpu_spec = None if gpu is None else _check.gpu(gpu)
        if chunk is not None:
            chunk = _check.integer(chunk, "chunk", 0, _check.U32_MAX,
                                   " (0 = automatic, else frames per task)")
        if priority is not None:
            priority = _check.integer(priority, "priority", *_check.I32)
        timeouts = [None if t is None else _check.seconds(t, w)
                    for t, w in ((task_timeout, "task_timeout"), (silence_timeout, "silence_timeout"))]
        if env is not None:
            _check.env(env)
        _check.flag(cold, "cold")
        after_id = None if after is None else (after.id if isinstance(after, Job) else _check.job_id(after))
        lib = self._lib
        out = c_void_p()
        lib.call("brm_job_spec_new", ctypes.byref(out))
        spec = out
        try:
            enc = _native.encode
            lib.call("brm_job_spec_set_scene", spec, enc(scene, "scene"))
            if source_scene is not None:
                lib.call("brm_job_spec_set_source_scene", spec, enc(source_scene, "source_scene"))
            if name is not None:
                lib.call("brm_job_spec_set_name", spec, enc(name, "name"))
            for layer in layer_list or []:
                lib.call("brm_job_spec_add_layer", spec, enc(layer, "layer"))
            if frame_spec is not None:
                lib.call("brm_job_spec_set_frames", spec, enc(frame_spec, "frames"))
            if gpu_spec is not None:
                lib.call("brm_job_spec_set_gpu", spec, enc(gpu_spec, "gpu"))
            for setter, value, what in (
                ("brm_job_spec_set_method", method, "method"),
                ("brm_job_spec_set_renderer", renderer, "renderer"),
                ("brm_job_spec_set_output_dir", output, "output"),
                ("brm_job_spec_set_camera", camera, "camera"),
                ("brm_job_spec_set_order", order, "order"),
            ):
                if value is not None:
                    lib.call(setter, spec, enc(value, what))
            if chunk is not None:
                lib.call("brm_job_spec_set_chunk_size", spec, c_uint32(chunk))
            if priority is not None:
                lib.call("brm_job_spec_set_priority", spec, priority)
            if any(t is not None for t in timeouts):
                # Whole seconds; a part of a second rounds up (a limit is never shorter).
                lib.call(
                    "brm_job_spec_set_timeouts",
                    spec,
                    *(c_uint64(int(-(-(t or 0) // 1))) for t in timeouts),
                )
            if cold:
                lib.call("brm_job_spec_set_cold", spec, c_uint32(1))
            if after_id is not None:
                lib.call("brm_job_spec_set_after", spec, c_uint64(after_id))
            for k, v in (env or {}).items():
                lib.call("brm_job_spec_set_env", spec, enc(k, "env name"), enc(v, "env value"))
            job_id = c_uint64()
            self._call("brm_submit", spec, ctypes.byref(job_id))
        finally:
            lib.cdll.brm_job_spec_free(spec)
        return Job(self, job_id.value)

    def jobs(self) -> List[JobStatus]:
        """Every job the agent knows, oldest first."""
        return [JobStatus.from_json(d) for d in json.loads(self._string("brm_jobs_json"))]

    def job(self, job_id: int) -> "Job":
        """The job with this id; raises :class:`~brm.NotFoundError` when there is none."""
        job = Job(self, _check.job_id(job_id))
        job.state()
        return job

    def cleanup(self) -> int:
        """Apply snapshot retention now; returns how many snapshots were deleted."""
        n = c_uint32()
        self._call("brm_cleanup_snapshots", ctypes.byref(n))
        return n.value


class Job:
    """A submitted job (cheap: an id and its client). Every method asks the agent now."""

    def __init__(self, client: Client, job_id: int):
        self.client = client
        self.id = job_id

    def __repr__(self) -> str:
        return "<brm.Job %d>" % self.id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Job) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    def state(self) -> JobState:
        """The state only (``brm_job_status``: no frame lists, cheaper than :meth:`status`)."""
        info = _native.JobInfo_()
        info.struct_size = ctypes.sizeof(_native.JobInfo_)
        self.client._call("brm_job_status", c_uint64(self.id), ctypes.byref(info))
        return JobState.from_code(info.state)

    def status(self) -> JobStatus:
        """State, frames done/total, ETA, missing frames, output folder, files."""
        return JobStatus.from_json(json.loads(self.client._string("brm_job_json", c_uint64(self.id))))

    def logs(
        self,
        after: int = 0,
        follow: bool = False,
        stream: StreamArg = None,
        batch: int = 1000,
        poll_interval: float = 0.2,
    ) -> "LogReader":
        """The log lines after sequence number ``after``, as an iterator of :class:`LogLine`.

        ``follow=False`` stops at the end of what is logged now; ``follow=True`` waits for
        new lines and ends when the job has finished and every line was given. ``stream``:
        ``None``/``"all"``, ``"render"`` (:attr:`Stream.RENDER`) or ``"brm"``
        (:attr:`Stream.BRM`, brm's notes only, without transferring the render's output).
        The iterator's ``next_seq`` is the ``after`` to continue from.
        """
        return LogReader(self, after, follow, _stream_code(stream), batch, poll_interval)

    def wait(self, timeout: Optional[float] = None, check: bool = False) -> JobStatus:
        """Wait until the job has finished (``timeout`` seconds at most, ``None`` = no
        limit) and return its final status.

        Raises :class:`~brm.BrmTimeoutError` when the time runs out (the job goes on). With
        ``check=True``, a job that did not end ``done`` raises :class:`~brm.JobFailedError`.
        In Maya's UI thread keep ``timeout`` short (or wait in a thread): the artist's
        session must never freeze on a render.
        """
        deadline = None if timeout is None else time.monotonic() + _check.seconds(timeout, "timeout")
        state = c_uint32()
        while True:
            slice_ms = _WAIT_SLICE_MS
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BrmTimeoutError(
                        "job %d still not finished after %gs (it goes on; wait again or "
                        "cancel it)" % (self.id, timeout),
                        "brm_wait",
                    )
                slice_ms = max(1, min(slice_ms, int(left * 1000)))
            try:
                self.client._call("brm_wait", c_uint64(self.id), c_uint32(slice_ms), ctypes.byref(state))
                break
            except BrmTimeoutError:
                continue
        status = self.status()
        if check and status.state is not JobState.DONE:
            detail = status.error or ("missing frames %s" % _check.compact(status.frames_missing))
            raise JobFailedError("job %d ended %s: %s" % (self.id, status.state, detail), "brm_wait")
        return status

    def cancel(self, grace: Optional[float] = None) -> None:
        """Cancel: TERM to the renders' process groups, KILL after ``grace`` seconds
        (default the agent's). Idempotent."""
        ms = 0 if grace is None else max(1, int(_check.seconds(grace, "grace") * 1000))
        self.client._call("brm_cancel", c_uint64(self.id), c_uint32(ms))

    def retry(self, frames: Union[None, str, FrameSet, Iterable[int]] = None) -> int:
        """Queue a failed or cancelled job's unfinished frames again; with ``frames``, render
        those frames of a finished job again (done, failed or cancelled), whether their files
        exist or not, in every layer that has them. Returns how many frames were queued
        (0 when unknown: a retry without ``frames``)."""
        if frames is None:
            self.client._call("brm_retry", c_uint64(self.id))
            return 0
        n = c_uint32()
        self.client._call("brm_retry_frames", c_uint64(self.id),
                          _native.encode(_check.frames(frames), "frames"), ctypes.byref(n))
        return n.value

    def set_priority(self, priority: int) -> JobState:
        """A new priority for this queued, running or paused job (higher runs first; tasks
        not started yet go by it). Returns the job's state."""
        p = _check.integer(priority, "priority", *_check.I32)
        st = c_uint32()
        self.client._call("brm_set_priority", c_uint64(self.id), ctypes.c_int32(p), ctypes.byref(st))
        return JobState.from_code(st.value)

    def pause(self) -> JobState:
        """Start no new tasks of this job (running ones finish) until :meth:`resume`."""
        st = c_uint32()
        self.client._call("brm_pause", c_uint64(self.id), ctypes.byref(st))
        return JobState.from_code(st.value)

    def resume(self) -> JobState:
        """Resume a paused job."""
        st = c_uint32()
        self.client._call("brm_resume", c_uint64(self.id), ctypes.byref(st))
        return JobState.from_code(st.value)


class LogReader:
    """Iterator over a job's log lines (see :meth:`Job.logs`). ``next_seq`` is where it
    stands: the ``after=`` that continues without losing or repeating a line."""

    def __init__(self, job: Job, after: int, follow: bool, stream: int, batch: int, poll: float):
        if batch < 1:
            raise ValueError("batch must be at least 1 line")
        self.job = job
        self.next_seq = int(after)
        self.follow = follow
        self._stream = stream
        self._batch = batch
        self._poll = poll
        self._pending: Deque[LogLine] = collections.deque()
        self._done = False

    def __iter__(self) -> "LogReader":
        return self

    def __next__(self) -> LogLine:
        while not self._pending:
            if self._done:
                raise StopIteration
            got, complete = self._fetch()
            if complete:
                self._done = True
            elif not got:
                if not self.follow:
                    self._done = True
                else:
                    time.sleep(self._poll)
        return self._pending.popleft()

    def _fetch(self) -> Tuple[bool, bool]:
        client = self.job.client
        lib = client._lib
        out = c_void_p()
        client._call(
            "brm_poll_logs_stream",
            c_uint64(self.job.id),
            c_uint64(self.next_seq),
            c_uint32(self._batch),
            c_uint32(self._stream),
            ctypes.byref(out),
        )
        batch = out
        try:
            n = lib.cdll.brm_log_batch_len(batch)
            line = _native.LogLine_()
            lines = []
            for i in range(n):
                lib.call("brm_log_batch_line", batch, i, ctypes.byref(line))
                text = ctypes.string_at(line.text, line.text_len).decode("utf-8", "replace")
                lines.append(
                    LogLine(
                        seq=line.seq,
                        stream=Stream(line.stream) if line.stream in (0, 1) else line.stream,
                        time=_time(line.time_ms) or _dt.datetime.fromtimestamp(0, _dt.timezone.utc),
                        text=text,
                        time_ms=line.time_ms,
                    )
                )
            self.next_seq = lib.cdll.brm_log_batch_next_seq(batch)
            complete = bool(lib.cdll.brm_log_batch_complete(batch))
        finally:
            lib.cdll.brm_log_batch_free(batch)
        self._pending.extend(lines)
        return bool(lines), complete


def _module_agent() -> Optional[str]:
    """In a Maya module (``<module>/scripts/brm``), its ``bin/brm``, unless ``BRM_AGENT``
    says otherwise: libbrm looks beside itself and in ``../bin``, which from the module's
    ``scripts/brm/libbrm.so.0`` (static plug-in builds) is not the module's ``bin/``."""
    if os.environ.get("BRM_AGENT"):
        return None
    here = os.path.dirname(os.path.abspath(__file__))
    exe = os.path.join(os.path.dirname(os.path.dirname(here)), "bin", "brm")
    if os.path.basename(os.path.dirname(here)) == "scripts" and os.access(exe, os.X_OK):
        return exe
    return None
