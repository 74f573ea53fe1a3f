"""Render frames 1-24 of a scene with brm: live progress, wait, check every frame is there.

usage: python render_shot.py [SCENE [OUTPUT]]

Without SCENE it renders brm's example scene (examples/shot.blend of the brm source tree this
file is in); without OUTPUT the frames go to ./renders/render_shot. Exit 0 when every frame
of every layer rendered, 1 otherwise, 2 on a usage error.
"""
import os
import sys
import time

import brm

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "shot.blend")

if len(sys.argv) > 3 or (len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help")):
    print(__doc__.strip(), file=sys.stderr if len(sys.argv) > 3 else sys.stdout)
    sys.exit(2 if len(sys.argv) > 3 else 0)
scene = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(EXAMPLE)
output = sys.argv[2] if len(sys.argv) > 2 else os.path.join("renders", "render_shot")
if not os.path.isfile(scene):
    print("render_shot.py: no scene %s; give one: python render_shot.py SCENE [OUTPUT]" % scene,
          file=sys.stderr)
    sys.exit(2)

with brm.Client() as client:
    job = client.submit(scene, frames="1-24", output=output)
    while not job.status().is_final:
        st = job.status()
        print("job %d %s: %d/%d frames, ETA %s" % (job.id, st.state, st.frames_done, st.frames_total, st.eta))
        time.sleep(1)
    st = job.wait()
    print("%s: %d frames in %s" % (st.state, len(st.files), st.output_dir))
    if st.frames_missing:
        missing = brm.frames(",".join(str(f) for f in st.frames_missing)).compact()
        print("missing frames: %s" % missing, file=sys.stderr)
    sys.exit(0 if st.ok and len(st.files) == st.frames_total else 1)
