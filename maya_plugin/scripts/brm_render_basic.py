"""brm level 3 render: the smallest thing that can work.  `mayapy brm_render_basic.py <task.json>`

brm falls back to this when both the custom script (level 1) and Maya's `Render` (level 2)
failed before any frame: it uses nothing but Maya's own `render` command, so it depends on no
renderer-specific command or preference. Same task file and the same `@brm` stdout lines as
brm_render_custom.py (see there and CONTRACTS.md):

    @brm {"event":"frame_start","frame":7}
    @brm {"event":"frame_done","frame":7,"files":[...]}
    @brm {"event":"error","message":"...","fatal":true}     (then exit status 1)

Steps: open the scene, make the layer current (`editRenderLayerGlobals`; Render Setup layers
have legacy nodes `rs_<name>` that this accepts too), point the images file rule and prefix at
the task's output, then per frame `currentTime` + `cmds.render(camera, layer=…)` and glob the
written files. Names travel as data (call arguments), never as code.
"""

import glob
import json
import os
import sys
import traceback


def emit(event, **fields):
    payload = {"event": event}
    payload.update(fields)
    sys.stdout.write("@brm " + json.dumps(payload, separators=(",", ":")) + "\n")
    sys.stdout.flush()


class TaskError(Exception):
    pass


def padded(frame, padding):
    """printf "%0*d": -3 with padding 4 is "-003" (what brm expects)."""
    return "%0*d" % (padding, int(frame))


def load_task(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            task = json.load(f)
    except (OSError, ValueError) as e:
        raise TaskError("cannot read the task file %s: %s" % (path, e))
    if not isinstance(task, dict) or task.get("schema") != 1:
        raise TaskError("the task file %s is not a schema-1 brm task" % path)
    for key in ("scene", "layer", "frames", "output_dir", "image_name", "padding"):
        if task.get(key) in (None, "", []):
            raise TaskError("the task file %s lacks %r" % (path, key))
    task["frames"] = [int(f) for f in task["frames"]]
    task["padding"] = int(task["padding"])
    return task


def first_renderable_camera(cmds):
    for shape in cmds.ls(type="camera") or []:
        if cmds.getAttr(shape + ".renderable"):
            parents = cmds.listRelatives(shape, parent=True) or [shape]
            return parents[0]
    raise TaskError("the scene has no renderable camera: set one renderable or pass a camera")


def files_for(task, frame):
    pattern = glob.escape(task["image_name"]) + "." + padded(frame, task["padding"]) + ".*"
    base = glob.escape(task["output_dir"])
    found = glob.glob(os.path.join(base, pattern)) + glob.glob(os.path.join(base, "*", pattern))
    return [os.path.abspath(p) for p in sorted(set(found)) if os.path.isfile(p) and os.path.getsize(p) > 0]


def run(task):
    import maya.standalone

    maya.standalone.initialize(name="python")
    try:
        from maya import cmds

        if not os.path.isfile(task["scene"]):
            raise TaskError("the scene %s does not exist" % task["scene"])
        if task.get("project"):
            cmds.workspace(task["project"], openWorkspace=True)
        cmds.file(task["scene"], open=True, force=True, prompt=False)
        layer = task["layer"]
        if layer == "masterLayer":
            layer = "defaultRenderLayer"
        cmds.editRenderLayerGlobals(currentRenderLayer=layer)
        if task.get("renderer"):
            cmds.setAttr("defaultRenderGlobals.currentRenderer", task["renderer"], type="string")
        if not os.path.isdir(task["output_dir"]):
            os.makedirs(task["output_dir"])
        cmds.workspace(fileRule=["images", task["output_dir"]])
        cmds.setAttr("defaultRenderGlobals.imageFilePrefix", task["image_name"], type="string")
        cmds.setAttr("defaultRenderGlobals.animation", 1)
        cmds.setAttr("defaultRenderGlobals.putFrameBeforeExt", 1)
        cmds.setAttr("defaultRenderGlobals.extensionPadding", task["padding"])
        camera = task.get("camera") or first_renderable_camera(cmds)
        for frame in task["frames"]:
            emit("frame_start", frame=frame)
            cmds.currentTime(frame)
            cmds.setAttr("defaultRenderGlobals.startFrame", frame)
            cmds.setAttr("defaultRenderGlobals.endFrame", frame)
            cmds.render(camera, layer=layer)
            files = files_for(task, frame)
            if not files:
                raise TaskError(
                    "frame %d rendered but no file %s.%s.* appeared in %s"
                    % (frame, task["image_name"], padded(frame, task["padding"]), task["output_dir"])
                )
            emit("frame_done", frame=frame, files=files)
    finally:
        try:
            maya.standalone.uninitialize()
        except Exception:
            pass


def main(argv):
    if len(argv) != 2:
        emit("error", message="usage: mayapy brm_render_basic.py <task.json>", fatal=True)
        return 2
    try:
        run(load_task(argv[1]))
    except TaskError as e:
        emit("error", message=str(e), fatal=True)
        return 1
    except Exception as e:
        traceback.print_exc()
        emit("error", message="%s: %s" % (type(e).__name__, e), fatal=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
