"""The stand-in Maya session: scene, render globals, workspace, current layer and time.

Not part of the real `maya` package; shared by the stand-in modules.
"""

import json
import os
import time

import _brm_fake

STATE = {
    "initialized": False,
    "scene": None,  # path of the open scene
    "scene_info": None,
    "layer": "defaultRenderLayer",
    "time": 1.0,
    "workspace": None,
    "file_rules": {"images": "images"},
    "attrs": {},
}


def record(name, args, kwargs):
    """Append the call to BRM_FAKE_CALLS (JSON lines: {"call", "args", "kwargs"})."""
    path = os.environ.get("BRM_FAKE_CALLS")
    if not path:
        return
    line = json.dumps({"call": name, "args": list(args), "kwargs": kwargs}, default=str) + "\n"
    with open(path, "a", encoding="utf-8") as f:
        f.write(line)


def require_initialized():
    if not STATE["initialized"]:
        raise RuntimeError(
            "maya.standalone.initialize() has not been called: Maya commands are not available"
        )


def scene():
    info = STATE["scene_info"]
    if info is None:
        info = _brm_fake.read_scene("")
    return info


def default_attrs(info):
    renderer = info["renderer"] or "arnold"
    return {
        "defaultRenderGlobals.currentRenderer": renderer,
        "defaultRenderGlobals.imageFilePrefix": info["prefix"] or "",
        "defaultRenderGlobals.animation": False,
        "defaultRenderGlobals.startFrame": info["start"] if info["start"] is not None else 1.0,
        "defaultRenderGlobals.endFrame": info["end"] if info["end"] is not None else 1.0,
        "defaultRenderGlobals.byFrameStep": 1.0,
        "defaultRenderGlobals.extensionPadding": 1,
        "defaultRenderGlobals.putFrameBeforeExt": False,
        "defaultRenderGlobals.periodInExt": 0,
        "defaultRenderGlobals.outFormatControl": 0,
        "defaultRenderGlobals.imageFormat": 51,
        "defaultArnoldRenderOptions.renderDevice": 0,
        "redshiftOptions.imageFilePrefix": "",
        "vraySettings.fileNamePrefix": "",
    }


def open_scene(path):
    if _brm_fake.load_seconds() > 0:
        time.sleep(_brm_fake.load_seconds())
    info = _brm_fake.read_scene(path)
    STATE["scene"] = path
    STATE["scene_info"] = info
    STATE["layer"] = "defaultRenderLayer"
    STATE["attrs"] = default_attrs(info)
    cameras = info["cameras"] or {"persp": True}
    for cam, renderable in cameras.items():
        STATE["attrs"][cam + ".renderable"] = renderable
        STATE["attrs"][cam + "Shape.renderable"] = renderable
    for node, path in info.get("textures", []):
        STATE["attrs"][node + ".fileTextureName"] = path
    STATE["time"] = STATE["attrs"]["defaultRenderGlobals.startFrame"]


def images_dir():
    rule = STATE["file_rules"].get("images", "images")
    if os.path.isabs(rule):
        return rule
    root = STATE["workspace"] or os.getcwd()
    return os.path.join(root, rule)


def render(renderer, camera=None):
    """Render like a batch render: startFrame..endFrame when animation is on, else the current
    frame, into <images rule>/<prefix>.<padded frame>.exr."""
    require_initialized()
    attrs = STATE["attrs"]
    renderer = _brm_fake.canonical_renderer(renderer or attrs["defaultRenderGlobals.currentRenderer"])
    if camera is not None:
        key = camera + ".renderable"
        if key not in attrs:
            raise RuntimeError("Camera '%s' does not exist." % camera)
    if attrs["defaultRenderGlobals.animation"]:
        start = float(attrs["defaultRenderGlobals.startFrame"])
        end = float(attrs["defaultRenderGlobals.endFrame"])
        step = float(attrs["defaultRenderGlobals.byFrameStep"]) or 1.0
        frames = []
        f = start
        while f <= end + 1e-9:
            frames.append(f)
            f += step
    else:
        frames = [float(STATE["time"])]
    prefix = attrs["defaultRenderGlobals.imageFilePrefix"]
    if renderer == "redshift" and attrs.get("redshiftOptions.imageFilePrefix"):
        prefix = attrs["redshiftOptions.imageFilePrefix"]
    if renderer == "vray" and attrs.get("vraySettings.fileNamePrefix"):
        prefix = attrs["vraySettings.fileNamePrefix"]
    if not prefix:
        prefix = os.path.splitext(os.path.basename(STATE["scene"] or "untitled"))[0]
    padding = int(attrs["defaultRenderGlobals.extensionPadding"]) or 1
    jobs = []
    for f in frames:
        frame = int(round(f)) if abs(f - round(f)) < 1e-9 else f
        name = "%s.%s.exr" % (prefix, _brm_fake.pad(frame, padding))
        jobs.append((frame, os.path.join(images_dir(), name)))
    _brm_fake.render_frames(_brm_fake.current(), renderer, jobs)
    return [p for _, p in jobs]
