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

import os
import sys

import brm_task
from brm_task import TaskError, emit, report_frame


def first_renderable_camera(cmds):
    for shape in cmds.ls(type="camera") or []:
        if cmds.getAttr(shape + ".renderable"):
            parents = cmds.listRelatives(shape, parent=True) or [shape]
            return parents[0]
    raise TaskError("the scene has no renderable camera: set one renderable or pass a camera")


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
            report_frame(task, frame)
    finally:
        try:
            maya.standalone.uninitialize()
        except Exception:
            pass


def main(argv):
    return brm_task.main(argv, run)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
