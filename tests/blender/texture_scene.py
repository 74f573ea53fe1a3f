"""Test helper (issue 19): `blender -b --python texture_scene.py -- OUT.blend TEX.png`.
A plane with an Image Texture node loading TEX.png (`//`-relative), a camera looking at it,
Workbench rendering the texture colour, 16x16 PNG output."""
import sys

import bpy

out, tex = sys.argv[sys.argv.index("--") + 1:][:2]
bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene
bpy.ops.mesh.primitive_plane_add(size=4)
plane = bpy.context.object
mat = bpy.data.materials.new("tex")
mat.use_nodes = True
node = mat.node_tree.nodes.new("ShaderNodeTexImage")
node.image = bpy.data.images.load(tex)
bsdf = mat.node_tree.nodes["Principled BSDF"]
mat.node_tree.links.new(node.outputs["Color"], bsdf.inputs["Base Color"])
plane.data.materials.append(mat)
bpy.ops.object.camera_add(location=(0, 0, 3))
scene.camera = bpy.context.object
scene.render.engine = "BLENDER_WORKBENCH"
scene.display.shading.light = "FLAT"
scene.display.shading.color_type = "TEXTURE"
scene.render.resolution_x = scene.render.resolution_y = 16
scene.render.resolution_percentage = 100
scene.render.image_settings.file_format = "PNG"
scene.frame_start, scene.frame_end = 1, 2
bpy.ops.wm.save_as_mainfile(filepath=out, relative_remap=True)
