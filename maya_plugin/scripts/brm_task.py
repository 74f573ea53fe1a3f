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


def main(argv, run):
    """Run `run(task)` for the task file named in argv; errors become a fatal `@brm` line."""
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
