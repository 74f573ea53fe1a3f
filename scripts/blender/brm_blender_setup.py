"""brm's Blender setup script: select the view layer and the Cycles device before rendering.

brm runs (never through a shell):
    blender -b SCENE --python brm_blender_setup.py -o DIR/NAME.#### -f FRAMES \
        -- --cycles-device CUDA|CPU --view-layer NAME --source-dir DIR

Blender runs this script when it reaches `--python`, after loading SCENE and before the
render flag (`-f`/`-a`, which brm puts last). Everything after `--` is data for scripts:
the view layer name arrives through sys.argv, never spliced into code, so any name (quotes,
spaces, `;$()`) is safe. Cycles itself also reads `--cycles-device`.

What it does, in the scene Blender loaded (the file on disk is never saved):
- `--view-layer NAME`: render only that view layer (`use` off for the others). A name the
  scene does not have is fatal: brm must not render the wrong layer under the right name.
- `--cycles-device CPU|CUDA|OPTIX|...`: for Cycles scenes, render on that device. The GPU
  was pinned by brm through CUDA_VISIBLE_DEVICES, so "all GPUs Blender sees" is one card.
- `--source-dir DIR`: the folder of the artist's own .blend. brm renders a snapshot kept
  elsewhere, so `//`-relative paths (images, linked libraries, sounds, clips, caches) are
  rebased onto DIR, where they were meant to resolve.

Failures print a machine-readable line for brm and exit non-zero before any frame renders:
    @brm {"event":"error","message":"...","fatal":true}
"""

import json
import os
import sys

import bpy


def brm_event(**fields):
    sys.stdout.write("@brm " + json.dumps(fields, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def fail(message):
    brm_event(event="error", message=message, fatal=True)
    sys.stderr.write("brm_blender_setup: error: " + message + "\n")
    sys.stderr.flush()
    # os._exit: Blender would otherwise report the exception and go on to render.
    os._exit(2)


def parse_args(argv):
    """The options after `--` (unknown ones are left to Blender and Cycles)."""
    args = argv[argv.index("--") + 1:] if "--" in argv else []
    opts = {"view_layer": None, "cycles_device": None, "source_dir": None}
    i = 0
    while i < len(args):
        key = args[i]
        if key in ("--view-layer", "--cycles-device", "--source-dir"):
            if i + 1 >= len(args):
                fail("option %s needs a value" % key)
            opts[key[2:].replace("-", "_")] = args[i + 1]
            i += 2
        else:
            i += 1
    return opts


def select_view_layer(scene, name):
    names = [vl.name for vl in scene.view_layers]
    if name not in names:
        fail(
            "scene %r has no view layer %r; its view layers: %s"
            % (scene.name, name, ", ".join(repr(n) for n in names) or "none")
        )
    for vl in scene.view_layers:
        vl.use = vl.name == name
    # Render only this layer even if the file enables "render single layer" elsewhere.
    if hasattr(scene.render, "use_single_layer"):
        scene.render.use_single_layer = False


def select_cycles_device(scene, device):
    if scene.render.engine != "CYCLES":
        return
    device = device.upper()
    if device == "CPU":
        scene.cycles.device = "CPU"
        return
    backend = device.split("+")[0]
    try:
        prefs = bpy.context.preferences.addons["cycles"].preferences
        prefs.compute_device_type = backend
        prefs.get_devices()
        usable = 0
        for dev in prefs.devices:
            dev.use = dev.type == backend or ("+CPU" in device and dev.type == "CPU")
            usable += 1 if dev.use and dev.type == backend else 0
    except Exception as exc:  # noqa: BLE001 - any failure here means no usable GPU
        fail("cannot use Cycles device %s: %s" % (backend, exc))
    if usable == 0:
        fail(
            "no %s device is visible to Blender (CUDA_VISIBLE_DEVICES=%r); "
            "check the NVIDIA driver or render on CPU" % (backend, os.environ.get("CUDA_VISIBLE_DEVICES"))
        )
    scene.cycles.device = "GPU"


def rebase_relative_paths(source_dir):
    """Make `//` paths absolute against the artist's folder instead of the snapshot's."""
    collections = [bpy.data.images, bpy.data.sounds, bpy.data.movieclips, bpy.data.cache_files, bpy.data.fonts]
    for coll in collections:
        for item in coll:
            path = getattr(item, "filepath", "")
            if path.startswith("//") and not getattr(item, "library", None):
                item.filepath = bpy.path.abspath(path, start=source_dir)
    for lib in bpy.data.libraries:
        if lib.filepath.startswith("//"):
            lib.filepath = bpy.path.abspath(lib.filepath, start=source_dir)
            try:
                lib.reload()
            except Exception as exc:  # noqa: BLE001 - a missing library is the scene's problem
                sys.stderr.write("brm_blender_setup: warning: cannot reload library %s: %s\n" % (lib.filepath, exc))


def main():
    opts = parse_args(sys.argv)
    scene = bpy.context.scene
    if opts["source_dir"] is not None:
        rebase_relative_paths(opts["source_dir"])
    if opts["view_layer"] is not None:
        select_view_layer(scene, opts["view_layer"])
    if opts["cycles_device"] is not None:
        select_cycles_device(scene, opts["cycles_device"])


main()
