"""brm level 1 render: mayapy + this script.  Run as `mayapy brm_render_custom.py <task.json>`.

Why a script at all when Maya has `Render`: inside one mayapy process brm controls every
setting that decides where the images go and which GPU renders them, and it reports each
finished frame on stdout as soon as the file exists (`@brm` lines), so brm never guesses.

Task file (schema 1, written by brm's plan module; CONTRACTS.md):
    {"schema": 1, "scene": "/abs/snapshot.ma", "project": null, "layer": "rs_beauty",
     "layer_display": "beauty", "frames": [1, 7, 13], "camera": null, "renderer": null,
     "output_dir": "/abs/out/beauty", "image_name": "shot010", "padding": 4, "gpu_device": 0}

stdout protocol, one line per event, always flushed:
    @brm {"event":"frame_start","frame":7}
    @brm {"event":"frame_done","frame":7,"files":["/abs/out/beauty/shot010.0007.exr"]}
    @brm {"event":"error","message":"...","fatal":true}        (then exit status 1)

What it does, in order:
  1. opens the snapshot (never saves it: the user's scene and the snapshot stay untouched on
     disk) and the project, if any (`cmds.workspace`);
  2. switches to the render layer: Render Setup API (`renderSetup.instance().switchToLayer`)
     when Maya runs in Render Setup mode, else legacy `editRenderLayerGlobals`;
  3. sets the renderer (or keeps the scene's);
  4. points the renderer at GPU device 0. brm pins each render to one GPU with
     CUDA_VISIBLE_DEVICES, so inside this process that GPU is device 0 — any other index
     would be invalid (Redshift then falls back to every GPU, or fails):
       Redshift: `rsPreference(SelectedCudaDevices="0,")` + MEL `redshiftSelectCudaDevices({0})`
                 (brm also sets REDSHIFT_GPUDEVICES=0 in the environment);
       Arnold:   `defaultArnoldRenderOptions.renderDevice` = GPU (1) when gpu_device is set,
                 CPU (0) when it is null; the pinned GPU is the only one Arnold can see;
       V-Ray:    nothing to set per device: the CUDA pinning leaves V-Ray GPU one device; the
                 CPU/GPU engine choice is a look decision and stays the scene's;
       others:   nothing (CPU renderers, or renderers that honour CUDA_VISIBLE_DEVICES);
  5. sets the output: images file rule = output_dir, image prefix = image_name (also
     Redshift's and V-Ray's own prefix attributes), name.#.ext, padding;
  6. renders frame by frame with the renderer's own batch call:
       Arnold:   `cmds.arnoldRender(batch=True[, camera=…])`
       Redshift: `cmds.rsRender(render=True, blocking=True, animation=True[, camera=…])`
       others:   MEL `mayaBatchRenderProcedure(0, "", "", "<renderer>", "")`, Maya's own batch
                 render entry point (what `Render` runs), with the renderer name quoted by
                 `mel_quote`;
     each with startFrame = endFrame = the frame and animation on, so exactly one frame
     renders per call; then globs `<output_dir>/<image_name>.<padded frame>.*` and prints
     `frame_done` with the files (an empty result is an error: the renderer said nothing
     useful, brm must not count the frame).

Layer names, paths and camera names travel as data: they are passed to Python calls as
arguments, never formatted into code; the only MEL string built from data goes through
`mel_quote`.
"""

import os
import sys

import brm_task
from brm_task import TaskError, emit, report_frame

# ----------------------------------------------------------------------------- protocol


def mel_quote(text):
    """`text` as a MEL string literal: backslash, double quote and control characters
    escaped, so any value is one MEL string and nothing else."""
    out = ['"']
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# ----------------------------------------------------------------------------- task


# ----------------------------------------------------------------------------- maya steps

# brm sends the canonical renderer name (Maya's `currentRenderer` value) from its renderer
# registry (src/renderer/ in brm): this script keeps no name table of its own.


def open_scene(cmds, task):
    scene = task["scene"]
    if not os.path.isfile(scene):
        raise TaskError("the scene %s does not exist: was the snapshot deleted?" % scene)
    project = task.get("project")
    if project:
        if not os.path.isdir(project):
            raise TaskError("the Maya project %s does not exist" % project)
        cmds.workspace(project, openWorkspace=True)
        cmds.workspace(directory=project)
    cmds.file(scene, open=True, force=True, prompt=False)


def is_default_layer(task):
    return task["layer"] in ("defaultRenderLayer", "masterLayer") or task["layer_display"] == "masterLayer"


def switch_layer(cmds, task):
    """Makes the task's layer current; checks that Maya agrees."""
    default = is_default_layer(task)
    expected = "defaultRenderLayer" if default else task["layer"]
    if cmds.mayaHasRenderSetup():
        import maya.app.renderSetup.model.renderSetup as renderSetup

        rs = renderSetup.instance()
        try:
            layer = rs.getDefaultRenderLayer() if default else rs.getRenderLayer(task["layer_display"])
        except Exception as e:
            raise TaskError(
                "the scene has no Render Setup layer %r (%s): check the layer name" % (task["layer_display"], e)
            )
        rs.switchToLayer(layer)
    else:
        cmds.editRenderLayerGlobals(currentRenderLayer=expected)
    current = cmds.editRenderLayerGlobals(query=True, currentRenderLayer=True)
    if current != expected:
        raise TaskError("switching to layer %r left %r current" % (expected, current))


def choose_renderer(cmds, task):
    if task.get("renderer"):
        renderer = task["renderer"]
        cmds.setAttr("defaultRenderGlobals.currentRenderer", renderer, type="string")
        return renderer
    return cmds.getAttr("defaultRenderGlobals.currentRenderer")


def has_attr(cmds, node, attr):
    return cmds.objExists(node) and cmds.attributeQuery(attr, node=node, exists=True)


def select_device(cmds, mel, renderer, task):
    """Points the renderer at device 0 of the pinned GPU (see the module doc).

    Attribute settings come as data from brm's renderer registry (`renderer_settings`, by
    canonical renderer name, already chosen for this slot); only Redshift's own device
    procedure is called here by name."""
    for attr, value in (task.get("renderer_settings") or {}).get(renderer, []):
        node, _, name = attr.partition(".")
        if has_attr(cmds, node, name):
            cmds.setAttr(attr, value)
    gpu_device = task.get("gpu_device")
    if gpu_device is None:
        return
    device = int(gpu_device)
    if renderer == "redshift":
        if hasattr(cmds, "rsPreference"):
            cmds.rsPreference(varName="SelectedCudaDevices", stringValue="%d," % device)
        mel.eval("redshiftSelectCudaDevices({%d});" % device)


def set_output(cmds, renderer, task):
    out_dir = task["output_dir"]
    if not os.path.isdir(out_dir):
        os.makedirs(out_dir)
    cmds.workspace(fileRule=["images", out_dir])
    cmds.setAttr("defaultRenderGlobals.imageFilePrefix", task["image_name"], type="string")
    cmds.setAttr("defaultRenderGlobals.animation", 1)
    cmds.setAttr("defaultRenderGlobals.outFormatControl", 0)
    cmds.setAttr("defaultRenderGlobals.putFrameBeforeExt", 1)
    cmds.setAttr("defaultRenderGlobals.periodInExt", 1)
    cmds.setAttr("defaultRenderGlobals.extensionPadding", task["padding"])
    if renderer == "redshift" and has_attr(cmds, "redshiftOptions", "imageFilePrefix"):
        cmds.setAttr("redshiftOptions.imageFilePrefix", task["image_name"], type="string")
    if renderer == "vray" and has_attr(cmds, "vraySettings", "fileNamePrefix"):
        cmds.setAttr("vraySettings.fileNamePrefix", task["image_name"], type="string")


def set_camera(cmds, task):
    camera = task.get("camera")
    if not camera:
        return None
    if not cmds.objExists(camera):
        raise TaskError("the scene has no camera %r" % camera)
    return camera


def render_frame(cmds, mel, renderer, camera, frame):
    cmds.currentTime(frame)
    cmds.setAttr("defaultRenderGlobals.startFrame", frame)
    cmds.setAttr("defaultRenderGlobals.endFrame", frame)
    cmds.setAttr("defaultRenderGlobals.byFrameStep", 1)
    extra = {"camera": camera} if camera else {}
    if renderer == "arnold":
        cmds.arnoldRender(batch=True, **extra)
    elif renderer == "redshift":
        cmds.rsRender(render=True, blocking=True, animation=True, **extra)
    else:
        if camera:
            for other in cmds.ls(type="camera") or []:
                cmds.setAttr(other + ".renderable", False)
            cmds.setAttr(camera + ".renderable", True)
        mel.eval('mayaBatchRenderProcedure(0, "", "", %s, "")' % mel_quote(renderer))


def run(task):
    import maya.standalone

    maya.standalone.initialize(name="python")
    try:
        from maya import cmds, mel

        open_scene(cmds, task)
        switch_layer(cmds, task)
        renderer = choose_renderer(cmds, task)
        select_device(cmds, mel, renderer, task)
        set_output(cmds, renderer, task)
        camera = set_camera(cmds, task)
        for frame in task["frames"]:
            emit("frame_start", frame=frame)
            render_frame(cmds, mel, renderer, camera, frame)
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
