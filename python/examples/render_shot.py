"""Render frames 1-24 of a scene with brm, print live progress, wait, count the frames."""
import sys, time, brm
with brm.Client() as client:
    job = client.submit(sys.argv[1], frames="1-24", output=sys.argv[2])
    while not job.status().is_final:
        st = job.status()
        print("job %d %s: %d/%d frames, ETA %s" % (job.id, st.state, st.frames_done, st.frames_total, st.eta))
        time.sleep(1)
    st = job.wait()
    print("%s: %d frames in %s" % (st.state, len(st.files), st.output_dir))
    sys.exit(0 if st.ok and len(st.files) == 24 else 1)
