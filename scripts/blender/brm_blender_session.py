"""brm's warm Blender session: load the scene once, then render chunk after chunk on request.

brm runs (never through a shell):
    blender -b SCENE --python brm_blender_session.py \
        -- --cycles-device CUDA|CPU [--view-layer NAME] [--source-dir DIR]

Blender loads SCENE, then runs this script. It first applies exactly what a cold render's
setup script applies (`brm_blender_setup.py`: view layer, Cycles device, `//` paths rebased),
lists the files the scene depends on (`@brm {"event":"dependencies","files":[...]}`, brm
checks them before each reuse), announces that the scene is loaded, and reads requests from stdin, one JSON object a line:

    {"op":"render","chunk":N,"output":"DIR/NAME.####","runs":[[START,END,STEP],...]}
    {"op":"quit"}

Each run renders like `-o OUTPUT -s START -e END -j STEP -a` would (the same
`bpy.ops.render.render(animation=True)` that `-a` calls, so the same output names and the
same "Fra:"/"Saved:" lines brm's Blender parser reads), with Blender's Persistent Data on so
render data is kept between chunks. After a request:

    @brm {"event":"chunk_done","chunk":N,"ok":true}

End of stdin (the agent went away) or `quit` ends the session. Requests are data: a layer
or path is never spliced into code. The scene file on disk is never saved.
"""

import json
import os
import sys

import bpy

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Importing the setup script applies it to the loaded scene (it reads the same `--` options).
import brm_blender_setup  # noqa: E402,F401


def brm_event(**fields):
    sys.stdout.write("@brm " + json.dumps(fields, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _resolve(path, item, source_dir):
    """An item's file path as an absolute path of the real file: `//` against the library
    it comes from, else against the artist's folder (the snapshot's is not where it lives)."""
    lib = getattr(item, "library", None)
    if path.startswith("//"):
        if lib is not None:
            return os.path.normpath(bpy.path.abspath(path, library=lib))
        start = source_dir or os.path.dirname(bpy.data.filepath)
        return os.path.normpath(bpy.path.abspath(path, start=start))
    return os.path.normpath(os.path.abspath(path))


def list_dependencies(source_dir):
    """Every external file the loaded scene reads (issue 19): anything in bpy.data with a
    file path (images, libraries, sounds, clips, cache files, volumes, fonts, texts), image
    sequences' and UDIM tiles' folders too (a frame or tile added changes the folder)."""
    files = set()
    for name in dir(bpy.data):
        coll = getattr(bpy.data, name, None)
        if not isinstance(coll, bpy.types.bpy_prop_collection):
            continue
        for item in coll:
            path = getattr(item, "filepath", None)
            if not isinstance(path, str) or not path or path == "<builtin>":
                continue
            if getattr(item, "packed_file", None) is not None:
                continue
            if name == "texts" and getattr(item, "is_in_memory", True):
                continue
            full = _resolve(path, item, source_dir)
            files.add(full)
            if getattr(item, "source", "") in ("SEQUENCE", "TILED") or "<UDIM>" in path:
                folder = os.path.dirname(full)
                files.add(folder)
                try:
                    for entry in os.listdir(folder):
                        files.add(os.path.join(folder, entry))
                except OSError:
                    pass
                files.discard(full) if "<UDIM>" in full else None
    return sorted(files)


def render_runs(scene, output, runs):
    saved = (scene.frame_start, scene.frame_end, scene.frame_step, scene.render.filepath)
    try:
        scene.render.filepath = output
        for start, end, step in runs:
            # Start first: setting it pushes the end up, and the end is clamped to >= start.
            scene.frame_start = start
            scene.frame_end = end
            scene.frame_step = max(1, step)
            bpy.ops.render.render(animation=True)
    finally:
        # Only the in-memory scene changed; put it back so the next chunk starts clean.
        scene.frame_start, scene.frame_end = saved[0], saved[1]
        scene.frame_step, scene.render.filepath = saved[2], saved[3]


def main():
    scene = bpy.context.scene
    # Blender's own "Persistent Data" (Render > Performance): keep the render data (Cycles'
    # device, kernels, scene export) between renders, what a session is for. Each chunk is a
    # separate render call; without it each call rebuilds them (about 10% of this example's
    # time). Pixels are unchanged (checked on examples/shot.blend: all 24 frames identical).
    if hasattr(scene.render, "use_persistent_data"):
        scene.render.use_persistent_data = True
    try:
        source_dir = brm_blender_setup.parse_args(sys.argv)["source_dir"]
        brm_event(event="dependencies", files=list_dependencies(source_dir))
    except Exception as exc:  # noqa: BLE001 - brm then never reuses this session for another job
        brm_event(event="dependencies", complete=False, message=str(exc))
    brm_event(event="session_ready", scene=bpy.data.filepath, pid=os.getpid())
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
        except ValueError as exc:
            brm_event(event="error", message="bad session request: %s" % exc, fatal=True)
            os._exit(2)
        if req.get("op") == "quit":
            break
        chunk = req.get("chunk")
        try:
            render_runs(scene, req["output"], req["runs"])
        except Exception as exc:  # noqa: BLE001 - reported to brm, which re-runs the chunk cold
            brm_event(event="chunk_done", chunk=chunk, ok=False, message=str(exc))
            continue
        brm_event(event="chunk_done", chunk=chunk, ok=True)
    sys.stdout.flush()
    # os._exit: skip Blender's own shutdown (nothing to save; faster to hand the GPU back).
    os._exit(0)


main()
