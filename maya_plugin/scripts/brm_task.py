"""What brm's mayapy render scripts share: the task file (schema 1) and the `@brm` lines.

brm_render_custom.py (level 1) and brm_render_basic.py (level 3) are run as
`mayapy <script> <task.json>`; Python puts their folder first on sys.path, so they import this
module from beside them. The task file is written by brm's planner (src/plan), the lines are
read by its progress parser (src/progress/brm.rs):

    @brm {"event":"frame_start","frame":7}
    @brm {"event":"frame_done","frame":7,"files":[...]}
    @brm {"event":"error","message":"...","fatal":true}     (then exit status 1)
"""

import glob
import json
import os
import sys
import traceback

SCHEMA = 1


class TaskError(Exception):
    """The task cannot be rendered; the message says what and what to do."""


def emit(event, **fields):
    """Print one `@brm` line (compact JSON, ASCII-safe) and flush it at once."""
    payload = {"event": event}
    payload.update(fields)
    sys.stdout.write("@brm " + json.dumps(payload, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def load_task(path):
    """Reads and checks the task file."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            task = json.load(f)
    except (OSError, ValueError) as e:
        raise TaskError("cannot read the task file %s: %s" % (path, e))
    if not isinstance(task, dict):
        raise TaskError("the task file %s does not hold a JSON object" % path)
    if task.get("schema") != SCHEMA:
        raise TaskError(
            "the task file %s is not a schema-%d brm task (it has schema %r): use the brm that "
            "wrote it" % (path, SCHEMA, task.get("schema"))
        )
    for key in ("scene", "layer", "frames", "output_dir", "image_name", "padding"):
        if task.get(key) in (None, ""):
            raise TaskError("the task file %s lacks %r" % (path, key))
    frames = task["frames"]
    if not isinstance(frames, list) or not frames:
        raise TaskError("the task file %s has no frames to render" % path)
    for f in frames:
        if isinstance(f, bool) or not isinstance(f, (int, float)) or int(f) != f:
            raise TaskError("the task file %s has a frame that is not a whole number: %r" % (path, f))
    task["frames"] = [int(f) for f in frames]
    task["padding"] = int(task["padding"])
    task.setdefault("layer_display", task["layer"])
    task.setdefault("project", None)
    task.setdefault("camera", None)
    task.setdefault("renderer", None)
    task.setdefault("gpu_device", None)
    return task


def padded(frame, padding):
    """The frame as it appears in file names: zero-padded to `padding` characters, sign
    included (printf "%0*d"; -3 with padding 4 is "-003"), as brm expects them."""
    return "%0*d" % (padding, int(frame))


def output_files(task, frame):
    """Files the renderer wrote for `frame`: `<output_dir>/<image_name>.<padded>.*`
    (a negative frame may also be written "-0003"; both spellings are accepted), searched one level deeper too for
    renderers that add a sub-folder per AOV."""
    out_dir = task["output_dir"]
    names = {padded(frame, task["padding"]), ("-" if frame < 0 else "") + str(abs(frame)).zfill(task["padding"])}
    found = []
    for number in sorted(names):
        pattern = glob.escape(task["image_name"]) + "." + number + ".*"
        found.extend(glob.glob(os.path.join(glob.escape(out_dir), pattern)))
        found.extend(glob.glob(os.path.join(glob.escape(out_dir), "*", pattern)))
    files = []
    for path in sorted(set(found)):
        if os.path.isfile(path) and os.path.getsize(path) > 0:
            files.append(os.path.abspath(path))
    return files


def report_frame(task, frame):
    """After rendering `frame`: find its files and print `frame_done`, or fail the task when
    the renderer wrote nothing (brm's verification would not find the frame either)."""
    files = output_files(task, frame)
    if not files:
        raise TaskError(
            "frame %d rendered but no file %s.%s.* appeared in %s: check the renderer's "
            "output settings and log"
            % (frame, task["image_name"], padded(frame, task["padding"]), task["output_dir"])
        )
    emit("frame_done", frame=frame, files=files)


def frames_of_runs(runs):
    """A session request's arithmetic runs `[[start, end, step], ...]` as frames (data only:
    each value must be a whole number, the step positive)."""
    frames = []
    for run in runs:
        if not isinstance(run, list) or len(run) != 3:
            raise TaskError("bad run in the session request: %r" % (run,))
        start, end, step = run
        for v in run:
            if isinstance(v, bool) or not isinstance(v, int):
                raise TaskError("bad run in the session request: %r" % (run,))
        if step < 1:
            raise TaskError("bad step in the session request: %r" % (run,))
        down = end < start
        f = start
        while (f >= end) if down else (f <= end):
            frames.append(f)
            f = f - step if down else f + step
    return frames


def scene_dependencies():
    """Every file the open Maya scene reads (issue 19): `cmds.file(query=True, list=True)`
    (the scene, references, textures Maya knows), the references, and each file-texture
    node's fileTextureName; absolute paths. Raises when Maya cannot say (brm then never
    reuses the session for another job)."""
    from maya import cmds

    files = set()
    for path in cmds.file(query=True, list=True, withoutCopyNumber=True) or []:
        files.add(path)
    for path in cmds.file(query=True, reference=True, withoutCopyNumber=True) or []:
        files.add(path)
    for node in cmds.ls(type="file") or []:
        path = cmds.getAttr(node + ".fileTextureName")
        if path:
            files.add(path)
    return sorted(os.path.abspath(p) for p in files if p)


def report_dependencies(list_files=scene_dependencies):
    try:
        emit("dependencies", files=list_files())
    except Exception as e:  # noqa: BLE001 - reported; brm keeps the session to this job
        emit("dependencies", complete=False, message="%s: %s" % (type(e).__name__, e))


def session(task, setup, render, stdin=None):
    """Warm session (issue 13): `setup(task)` once (opens the scene: the long part), then
    `@brm dependencies` (the files the scene reads), `@brm session_ready`, then one chunk per request line read from stdin:

        {"op":"render","chunk":N,"runs":[[S,E,STEP],...],
         "output_dir":"...","image_name":"...","padding":4}

    `render(task, frames)` renders them (frame events as in a cold render), then
    `@brm chunk_done`. A chunk that fails reports `ok: false` (brm ends the session and
    re-runs the rest cold). `quit` or end of input ends the session."""
    stdin = stdin or sys.stdin
    ctx = setup(task)
    report_dependencies()
    emit("session_ready", scene=task["scene"], pid=os.getpid())
    for line in stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError as e:
            raise TaskError("bad session request: %s" % e)
        if not isinstance(req, dict) or req.get("op") == "quit":
            break
        chunk = req.get("chunk")
        try:
            for key in ("output_dir", "image_name", "padding"):
                if req.get(key) not in (None, ""):
                    task[key] = req[key]
            task["padding"] = int(task["padding"])
            render(ctx, task, frames_of_runs(req.get("runs") or []))
        except Exception as e:  # noqa: BLE001 - reported; brm re-runs the chunk cold
            emit("chunk_done", chunk=chunk, ok=False, message="%s: %s" % (type(e).__name__, e))
            continue
        emit("chunk_done", chunk=chunk, ok=True)


def main(argv, run, session_mode=None):
    """Run `run(task)` for the task file named in argv; errors become a fatal `@brm` line.
    `--session <task.json>` runs `session_mode(task)` instead, when the script has one."""
    if session_mode is not None and len(argv) == 3 and argv[1] == "--session":
        argv = [argv[0], argv[2]]
        run = session_mode
    if len(argv) != 2:
        emit("error", message="usage: mayapy %s <task.json>" % os.path.basename(argv[0]), fatal=True)
        return 2
    try:
        run(load_task(argv[1]))
    except TaskError as e:
        emit("error", message=str(e), fatal=True)
        return 1
    except Exception as e:  # Maya raises RuntimeError for most failures
        traceback.print_exc()
        emit("error", message="%s: %s" % (type(e).__name__, e), fatal=True)
        return 1
    return 0
