"""Test helper: `blender -b --python write_png.py -- OUT.png R G B` writes a 4x4 PNG of one colour,
or, with `--probe FILE.png`, prints `PIXEL r g b` of its centre (0-255)."""
import sys

import bpy

args = sys.argv[sys.argv.index("--") + 1:]
if args[0] == "--probe":
    img = bpy.data.images.load(args[1])
    w, h = img.size
    i = ((h // 2) * w + w // 2) * 4
    px = img.pixels[i:i + 3]
    print("PIXEL %d %d %d" % tuple(round(c * 255) for c in px))
else:
    out, rgb = args[0], [float(c) for c in args[1:4]]
    img = bpy.data.images.new("c", 4, 4)
    img.pixels = (rgb + [1.0]) * 16
    img.filepath_raw = out
    img.file_format = "PNG"
    img.save()
