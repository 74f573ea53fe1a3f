"""Misuse of the Python API gets the message style of ``brm.frames(123)`` (issue 22.7): a
wrong type is a TypeError naming the argument and what it takes, a bad value an
InvalidArgumentError (a ValueError) saying what to give, and nothing reaches the agent."""
import pytest

import brm
from conftest import SHOT


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(frames=5), TypeError, "frames must be a frame spec string ('1-24'), a FrameSet or frame numbers"),
    (dict(frames=[1, "x"]), TypeError, "every frame in frames must be an int, not str"),
    (dict(frames=[]), brm.InvalidArgumentError, "frames is empty"),
    (dict(priority=1.5), TypeError, "priority must be an int, not float"),
    (dict(priority=2 ** 40), brm.InvalidArgumentError, "priority must be from -2147483648 to 2147483647"),
    (dict(chunk=-1), brm.InvalidArgumentError, "chunk must be from 0 to"),
    (dict(chunk="4"), TypeError, "chunk must be an int, not str"),
    (dict(gpu=True), TypeError, "gpu must be 'auto', 'cpu', an index, indices or a UUID, not bool"),
    (dict(gpu=-1), brm.InvalidArgumentError, "gpu must be 0 or more, not -1"),
    (dict(layers=3), TypeError, "layers must be a name or a list of names, not int"),
    (dict(layers=["beauty", 2]), TypeError, "every name in layers must be a string, not int"),
    (dict(task_timeout="10"), TypeError, "task_timeout must be a number of seconds, not str"),
    (dict(silence_timeout=-5), brm.InvalidArgumentError, "silence_timeout must be 0 or more seconds"),
    (dict(env=["A=1"]), TypeError, "env must be a mapping of names to values"),
    (dict(env={"A": 1}), TypeError, "env names and values must be strings, not str: int"),
    (dict(cold="yes"), TypeError, "cold must be True or False, not str"),
])
def test_submit_arguments_are_checked_before_anything_is_sent(client, kwargs, error, words):
    with pytest.raises(error) as e:
        client.submit(SHOT, **kwargs)
    assert words in str(e.value)
    assert client.jobs() == []


def test_job_ids_are_checked(client):
    with pytest.raises(brm.InvalidArgumentError) as e:
        client.job(-1)
    assert "job id must be from 1 to" in str(e.value) and "not -1" in str(e.value)
    assert "18446744073709551615" not in str(e.value)
    with pytest.raises(TypeError, match="job id must be an int, not str"):
        client.job("abc")
    with pytest.raises(TypeError, match="job id must be an int, not bool"):
        client.job(True)


def test_a_failed_job_names_its_missing_frames_compactly(client, tmp_path):
    job = client.submit(SHOT, layers="beauty", frames="1-200", output=tmp_path / "out")
    job.cancel(grace=1)
    with pytest.raises(brm.JobFailedError) as e:
        job.wait(timeout=120, check=True)
    text = str(e.value)
    assert "ended cancelled" in text, text
    assert "[" not in text, text  # 1-200 or 2-200, never a 200-element list
    with pytest.raises(TypeError, match="timeout must be a number of seconds"):
        job.wait(timeout="soon")


def test_missing_frames_in_messages_are_compact():
    from brm import _check

    assert _check.compact(range(1, 201)) == "1-200"
    assert _check.compact([1, 2, 3, 7, 9, 11]) == "1-3,7-11x2"
    assert _check.compact([]) == ""


def test_priority_retry_frames_and_after_from_python(client, tmp_path):
    """Issue 22.14 through the C ABI: Job.set_priority, Job.retry(frames=...), submit(after=)."""
    import os

    from conftest import TESTDATA_MAYA

    cube = os.path.join(TESTDATA_MAYA, "cube__cube.ma")
    first = client.submit(cube, frames="1-3", gpu="cpu", output=tmp_path / "a")
    second = client.submit(cube, frames="1", gpu="cpu", output=tmp_path / "b", after=first)
    assert second.status().raw.get("after") == first.id
    assert second.set_priority(7) in (brm.JobState.QUEUED, brm.JobState.RUNNING)
    assert second.status().raw["priority"] == 7
    with pytest.raises(TypeError, match="priority must be an int"):
        second.set_priority("high")
    assert first.wait(timeout=120, check=True).ok
    assert second.wait(timeout=120, check=True).ok
    # Issue 20.3: the latest frame's preview, made by the agent off the render's thread.
    import time
    deadline = time.monotonic() + 30
    while first.status().preview is None:
        assert time.monotonic() < deadline, first.status()
        time.sleep(0.05)
    st = first.status()
    assert st.preview.endswith(".png") and os.path.isfile(st.preview), st.preview
    assert st.raw["preview_source"].endswith(".0003.exr"), st.raw
    assert first.retry(frames="2") == 1
    st = first.wait(timeout=120, check=True)
    assert st.frames_done == 3
    with pytest.raises(brm.InvalidArgumentError, match="has no frame 9"):
        first.retry(frames=[9])
    with pytest.raises(brm.NotFoundError, match="no job 4242"):
        client.submit(cube, frames="1", gpu="cpu", output=tmp_path / "c", after=4242)
