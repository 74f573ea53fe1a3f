"""Build the brm Blender example scene: examples/shot.blend.

Run (from the repository root):
    blender -b --factory-startup --python examples/make_example_scene.py

Why this scene exists: Maya is not available on our build machines, Blender is. The example
gives brm a real renderer to drive end to end (tests, the start-up amortization benchmark of
DESIGN section 8): a small animated shot that renders a frame in well under a second on two CPU
cores, so a 24-frame job is dominated by process start-up and scene load, which is exactly
what chunking must amortize.

The scene: a ground plane, a cube that moves and turns, a sphere that bobs, a camera that
dollies, one sun light; animation over frames 1-24; Cycles on CPU with very few samples at
160x90; PNG output; two view layers, "beauty" and "fx" (fx shows only the sphere), so
layer selection can be exercised. Everything is procedural: no textures, no external files.
"""

import math
import os
import sys

import bpy

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "shot.blend")


def clear_scene():
    bpy.ops.wm.read_factory_settings(use_empty=True)


def material(name, rgba):
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    bsdf = mat.node_tree.nodes.get("Principled BSDF")
    if bsdf is not None:
        bsdf.inputs["Base Color"].default_value = rgba
        bsdf.inputs["Roughness"].default_value = 0.5
    return mat


def key_location(obj, frame, loc):
    obj.location = loc
    obj.keyframe_insert(data_path="location", frame=frame)


def build():
    clear_scene()
    scene = bpy.context.scene
    scene.name = "shot"
    scene.frame_start = 1
    scene.frame_end = 24
    scene.frame_step = 1
    scene.render.fps = 24

    # Objects (added through bpy.data, not bpy.ops, so no UI context is needed).
    coll = scene.collection

    def add_mesh(name, mesh):
        obj = bpy.data.objects.new(name, mesh)
        coll.objects.link(obj)
        return obj

    import bmesh

    def mesh_from(builder, name):
        me = bpy.data.meshes.new(name)
        bm = bmesh.new()
        builder(bm)
        bm.to_mesh(me)
        bm.free()
        return me

    ground = add_mesh("ground", mesh_from(lambda bm: bmesh.ops.create_grid(bm, x_segments=1, y_segments=1, size=6.0), "ground"))
    ground.data.materials.append(material("grey", (0.6, 0.6, 0.6, 1.0)))

    cube = add_mesh("cube", mesh_from(lambda bm: bmesh.ops.create_cube(bm, size=1.0), "cube"))
    cube.data.materials.append(material("orange", (0.9, 0.35, 0.05, 1.0)))
    key_location(cube, 1, (-2.0, 0.0, 0.5))
    key_location(cube, 24, (2.0, 0.0, 0.5))
    cube.rotation_euler = (0.0, 0.0, 0.0)
    cube.keyframe_insert(data_path="rotation_euler", frame=1)
    cube.rotation_euler = (0.0, 0.0, math.pi)
    cube.keyframe_insert(data_path="rotation_euler", frame=24)

    sphere = add_mesh(
        "sphere",
        mesh_from(lambda bm: bmesh.ops.create_uvsphere(bm, u_segments=24, v_segments=12, radius=0.6), "sphere"),
    )
    for poly in sphere.data.polygons:
        poly.use_smooth = True
    sphere.data.materials.append(material("blue", (0.1, 0.3, 0.9, 1.0)))
    key_location(sphere, 1, (0.0, 1.5, 0.6))
    key_location(sphere, 12, (0.0, 1.5, 1.8))
    key_location(sphere, 24, (0.0, 1.5, 0.6))

    # Camera, dollying in a little.
    cam_data = bpy.data.cameras.new("camera")
    cam = bpy.data.objects.new("camera", cam_data)
    coll.objects.link(cam)
    cam.rotation_euler = (math.radians(65.0), 0.0, 0.0)
    key_location(cam, 1, (0.0, -8.0, 4.0))
    key_location(cam, 24, (0.0, -6.5, 3.5))
    scene.camera = cam

    # One sun light.
    sun_data = bpy.data.lights.new("sun", type="SUN")
    sun_data.energy = 3.0
    sun = bpy.data.objects.new("sun", sun_data)
    sun.rotation_euler = (math.radians(40.0), math.radians(10.0), math.radians(30.0))
    coll.objects.link(sun)

    # World: flat grey background.
    world = bpy.data.worlds.new("world")
    world.use_nodes = True
    bg = world.node_tree.nodes.get("Background")
    if bg is not None:
        bg.inputs["Color"].default_value = (0.05, 0.05, 0.06, 1.0)
    scene.world = world

    # Render settings: Cycles CPU, tiny and fast.
    render = scene.render
    render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = 4
    scene.cycles.preview_samples = 4
    scene.cycles.use_denoising = False
    scene.cycles.max_bounces = 2
    if hasattr(scene.cycles, "use_adaptive_sampling"):
        scene.cycles.use_adaptive_sampling = False
    render.resolution_x = 160
    render.resolution_y = 90
    render.resolution_percentage = 100
    render.image_settings.file_format = "PNG"
    render.image_settings.color_mode = "RGBA"
    render.use_file_extension = True
    render.filepath = "//render/shot.####"

    # View layers: "beauty" (everything) and "fx" (the sphere only).
    beauty = scene.view_layers[0]
    beauty.name = "beauty"
    fx = scene.view_layers.new("fx")
    # The sphere lives in collection "fx_only", the ground and cube in "set"; "set" is
    # excluded from the fx view layer, so fx renders the sphere alone.
    fx_coll = bpy.data.collections.new("fx_only")
    coll.children.link(fx_coll)
    coll.objects.unlink(sphere)
    fx_coll.objects.link(sphere)
    rest = bpy.data.collections.new("set")
    coll.children.link(rest)
    for obj in (ground, cube):
        coll.objects.unlink(obj)
        rest.objects.link(obj)
    fx.layer_collection.children["set"].exclude = True

    bpy.ops.wm.save_as_mainfile(filepath=OUT, compress=True)
    print("brm example: saved", OUT)


if __name__ == "__main__":
    try:
        build()
    except Exception as exc:  # a failure must fail the blender process, not just print
        print("brm example: error:", exc, file=sys.stderr)
        sys.exit(1)
