"""Writes one small image per format brm checks for completeness (tests/frame_complete.rs):
PNG, JPEG, TIFF and scan-line OpenEXR with several codecs, as Blender writes render frames."""
import bpy, sys
out = sys.argv[sys.argv.index("--") + 1]
img = bpy.data.images.new("t", 64, 40, float_buffer=True)
img.pixels = [((i // 4) % 7) / 7.0 for i in range(64 * 40 * 4)]
s = bpy.context.scene
st = s.render.image_settings
for name, fmt, extra in [
    ("a.png", "PNG", {}), ("a.jpg", "JPEG", {}), ("a.tif", "TIFF", {}),
    ("zip.exr", "OPEN_EXR", {"exr_codec": "ZIP"}), ("piz.exr", "OPEN_EXR", {"exr_codec": "PIZ"}),
    ("dwaa.exr", "OPEN_EXR", {"exr_codec": "DWAA"}), ("none.exr", "OPEN_EXR", {"exr_codec": "NONE"}),
]:
    st.file_format = fmt
    for k, v in extra.items():
        setattr(st, k, v)
    img.save_render(out + "/" + name, scene=s)
print("GEN_DONE")
