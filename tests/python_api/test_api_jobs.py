"""Client and Job against the real agent and real Blender renders of examples/shot.blend."""

import os
import threading
import time

import pytest

import brm
from conftest import SHOT, blender_processes

pytestmark = pytest.mark.usefixtures("blender")


def test_submit_follow_wait_and_find_every_frame(client, tmp_path):
    out = tmp_path / "renders"
    # The default path: every renderable view layer of the .blend (beauty, fx) is its own
    # output, <output>/<layer>/ (issue 19.2).
    job = client.submit(SHOT, frames="1-24", output=out, name="py-e2e")
    assert isinstance(job, brm.Job) and job.id >= 1
    followed = list(job.logs(follow=True))  # ends by itself when the job ends
    status = job.wait(timeout=300)
    assert status.state is brm.JobState.DONE and status.ok
    assert (status.frames_done, status.frames_total, status.frames_missing) == (48, 48, [])
    assert status.output_dir == str(out)
    assert status.name == "py-e2e"
    assert len(status.files) == 48
    for layer in ("beauty", "fx"):
        for f in range(1, 25):
            p = out / layer / ("shot.%04d.png" % f)
            assert p.is_file() and p.stat().st_size > 0, p
    # No line lost or repeated: consecutive sequence numbers from 1, and exactly what a
    # fresh read of the whole log gives afterwards.
    seqs = [line.seq for line in followed]
    assert seqs == list(range(1, len(seqs) + 1))
    again = list(job.logs())
    assert [(l.seq, l.stream, l.text) for l in again] == [(l.seq, l.stream, l.text) for l in followed]
    assert all(isinstance(l, brm.LogLine) and l.time.year >= 2024 for l in followed)
    notes = [l.text for l in followed if l.stream is brm.Stream.BRM]
    assert any("48/48 frames" in t for t in notes), notes
    assert any(l.stream is brm.Stream.RENDER for l in followed)
    # Resuming from a position gives exactly the rest.
    reader = job.logs(after=seqs[9])
    rest = list(reader)
    assert [l.seq for l in rest] == seqs[10:]
    assert reader.next_seq >= seqs[-1]
    # brm's notes only.
    assert [l.text for l in job.logs(stream="brm")] == notes
    assert all(l.stream is brm.Stream.BRM for l in job.logs(stream=brm.Stream.BRM))
    # Listing.
    listed = client.jobs()
    assert [j.id for j in listed] == [job.id] and listed[0].state is brm.JobState.DONE
    assert client.job(job.id) == job


def test_cancel_stops_the_render_and_leaves_no_process(client, tmp_path):
    job = client.submit(SHOT, layers="beauty", frames="1-2000", output=tmp_path / "out")
    deadline = time.time() + 120
    snapshot = None
    for line in job.logs(follow=True):
        if line.text.startswith("running: ") and snapshot is None:
            snapshot = line.text.split(" -b ", 1)[1].split(" ", 1)[0]
        if line.stream is brm.Stream.RENDER and snapshot:
            break
        assert time.time() < deadline, "the render did not start"
    assert snapshot and blender_processes(snapshot), "Blender should be rendering"
    job.cancel(grace=2)
    status = job.wait(timeout=60)
    assert status.state is brm.JobState.CANCELLED
    assert status.frames_missing, "a cancelled 2000-frame job has frames missing"
    assert blender_processes(snapshot) == []
    job.cancel()  # idempotent
    assert job.state() is brm.JobState.CANCELLED


def test_pause_resume_and_retry(client, tmp_path):
    first = client.submit(SHOT, layers="beauty", frames="1-2000", output=tmp_path / "a")  # holds the CPU slot
    second = client.submit(SHOT, layers="beauty", frames="1-2", output=tmp_path / "b")
    assert second.pause() is brm.JobState.PAUSED
    assert second.state() is brm.JobState.PAUSED
    first.cancel(grace=1)
    first.wait(timeout=60)
    time.sleep(0.5)
    assert second.state() is brm.JobState.PAUSED  # a paused job starts nothing
    assert second.resume() in (brm.JobState.QUEUED, brm.JobState.RUNNING)
    assert second.wait(timeout=120, check=True).frames_done == 2
    with pytest.raises(brm.InvalidArgumentError, match="only queued or running"):
        second.pause()
    first.retry()
    assert first.state() in (brm.JobState.QUEUED, brm.JobState.RUNNING)
    first.cancel(grace=1)
    with pytest.raises(brm.JobFailedError, match="cancelled"):
        first.wait(timeout=60, check=True)


def test_wait_timeout_raises_and_the_job_goes_on(client, tmp_path):
    job = client.submit(SHOT, layers="beauty", frames="1-2000", output=tmp_path / "out")
    t0 = time.monotonic()
    with pytest.raises(brm.BrmTimeoutError) as e:
        job.wait(timeout=0.3)
    assert time.monotonic() - t0 < 5
    assert isinstance(e.value, TimeoutError)
    assert not job.state().is_final
    job.cancel(grace=1)
    job.wait(timeout=60)


def test_errors(client, tmp_path):
    with pytest.raises(brm.FrameSyntaxError, match="at byte 1"):
        client.submit(SHOT, frames="1:10")
    with pytest.raises(brm.NotFoundError) as e:
        client.submit(tmp_path / "missing.blend", frames="1")
    assert "missing.blend" in str(e.value)
    with pytest.raises(brm.InvalidArgumentError):
        client.submit(SHOT, method="telepathy")
    with pytest.raises(brm.NotFoundError) as e:
        client.job(4242)
    assert "4242" in str(e.value)
    ghost = brm.Job(client, 4243)
    for call in (ghost.status, ghost.cancel, ghost.retry, ghost.pause, lambda: list(ghost.logs())):
        with pytest.raises(brm.NotFoundError):
            call()
    with pytest.raises(ValueError):
        client.submit(SHOT, env={"BAD\0": "x"})
    assert client.jobs() == []  # nothing half-submitted


def test_closed_client(home):
    c = brm.Client()
    c.close()
    c.close()
    with pytest.raises(brm.BrmError, match="closed"):
        c.jobs()


def test_one_client_from_two_threads(client, tmp_path):
    """One thread follows the log while another waits and a third lists jobs: all on the
    same Client at once; the follower still gets every line exactly once."""
    job = client.submit(SHOT, layers="beauty", frames="1-12", output=tmp_path / "out")
    seen, waited, errors = [], [], []

    def follow():
        try:
            seen.extend(line.seq for line in job.logs(follow=True, poll_interval=0.05))
        except BaseException as e:  # noqa: B902
            errors.append(e)

    def wait():
        try:
            waited.append(job.wait(timeout=300))
        except BaseException as e:  # noqa: B902
            errors.append(e)

    threads = [threading.Thread(target=follow), threading.Thread(target=wait)]
    for t in threads:
        t.start()
    polls = 0
    while any(t.is_alive() for t in threads):
        assert [j.id for j in client.jobs()] == [job.id]
        polls += 1
        time.sleep(0.05)
    for t in threads:
        t.join()
    assert not errors, errors
    assert waited[0].state is brm.JobState.DONE and waited[0].frames_done == 12
    assert seen == list(range(1, len(seen) + 1)) and seen[-1] == max(l.seq for l in job.logs())
    assert polls > 1


def test_two_clients_submitting_from_two_threads(home, tmp_path):
    ids, errors = [], []

    def submit(i):
        try:
            with brm.Client() as c:
                ids.append(c.submit(SHOT, layers="beauty", frames="%d" % (i + 1), output=tmp_path / str(i)).id)
        except BaseException as e:  # noqa: B902
            errors.append(e)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    with brm.Client() as c:
        assert sorted(ids) == sorted(j.id for j in c.jobs())
        for i in ids:
            assert c.job(i).wait(timeout=120).ok


def agent_pid(home):
    import json
    import subprocess

    from conftest import AGENT

    out = subprocess.run([AGENT, "agent", "status", "--json"], env=dict(os.environ, BRM_HOME=str(home)),
                         stdout=subprocess.PIPE, universal_newlines=True, timeout=60).stdout
    return json.loads(out).get("pid")


def test_following_survives_the_agent_being_killed(client, home, tmp_path):
    """SIGKILL the agent while following: the render goes on, the next poll starts a new
    agent, and the follower still gets every line exactly once."""
    import signal

    job = client.submit(SHOT, layers="beauty", frames="1-24", output=tmp_path / "out")
    reader = job.logs(follow=True, poll_interval=0.05)
    seqs, killed = [], False
    for line in reader:
        seqs.append(line.seq)
        if not killed and line.stream is brm.Stream.RENDER and "Fra:" in line.text:
            pid = agent_pid(home)
            assert pid, "no agent pid"
            os.kill(pid, signal.SIGKILL)
            killed = True
    assert killed
    status = job.wait(timeout=300)
    assert status.ok and status.frames_done == 24, status
    assert seqs == list(range(1, len(seqs) + 1))
    assert [l.seq for l in job.logs()] == seqs
    assert agent_pid(home) != pid


def test_client_options_home_and_no_autostart(home, tmp_path):
    other = tmp_path / "other-home"
    with pytest.raises(brm.UnavailableError) as e:
        brm.Client(home=str(other), autostart=False)
    assert "agent.sock" in str(e.value) and "other-home" in str(e.value)
    with pytest.raises(brm.UnavailableError) as e:
        brm.Client(home=str(other), agent=str(tmp_path / "no" / "brm"))
    assert str(tmp_path / "no" / "brm") in str(e.value)
    try:
        with brm.Client(home=str(other), connect_timeout=30) as c:
            assert c.jobs() == []
            job = c.submit(SHOT, layers="beauty", frames="1", output=tmp_path / "out")
            assert c.job(job.id).wait(timeout=120).ok
        with brm.Client() as c:  # BRM_HOME's agent knows nothing of it
            assert c.jobs() == []
    finally:
        from conftest import stop_agent

        stop_agent(other)
