"""The fake `Render` / `mayapy` themselves: argument handling, outputs, failure injection and
invocation records, which brm's Rust tests rely on."""

import os
import select
import signal
import subprocess
import time

import pytest

from conftest import CUSTOM, FAKE_BIN, read_jsonl, render_env, task_dict, write_scene

RENDER = os.path.join(FAKE_BIN, "Render")


def render(tmp_path, args, extra_env=None, timeout=60):
    return subprocess.run(
        [RENDER] + args, capture_output=True, text=True, env=render_env(tmp_path, extra_env),
        timeout=timeout, cwd=str(tmp_path),
    )


def records(tmp_path):
    return read_jsonl(str(tmp_path / "record.jsonl"))


def test_renders_frames_of_a_layer_with_the_real_flags(tmp_path):
    scene = write_scene(tmp_path, renderer="redshift")
    rd = tmp_path / "out"
    p = render(tmp_path, ["-r", "redshift", "-rl", "rs_beauty", "-s", "1", "-e", "5", "-b", "2", "-rd", str(rd),
                          "-im", "shot", "-pad", "4", "-gpu", "{0}", "-cam", "renderCam", "-x", "64", "-y", "32",
                          "-proj", str(tmp_path), "-verb", scene])
    assert p.returncode == 0, p.stdout + p.stderr
    assert sorted(os.listdir(rd)) == ["shot.0001.exr", "shot.0003.exr", "shot.0005.exr"]
    assert all(os.path.getsize(rd / n) > 0 for n in os.listdir(rd))
    assert "Rendering frame 3 (2/3)..." in p.stdout
    assert "Saved file '%s' in 0.01s." % (rd / "shot.0005.exr") in p.stdout
    rec = records(tmp_path)
    assert [r["event"] for r in rec] == ["start", "end"]
    assert rec[1]["frames"] == [1, 3, 5] and rec[1]["exit"] == 0 and rec[1]["exe"] == "Render"


def test_defaults_come_from_the_scene(tmp_path):
    scene = write_scene(tmp_path, renderer="arnold")
    p = render(tmp_path, ["-s", "2", "-e", "2", scene])
    assert p.returncode == 0, p.stdout + p.stderr
    assert os.listdir(tmp_path / "images") == ["shot.0002.exr"]
    assert "| [mtoa.session]     Initializing at frame 2.000000" in p.stdout


def test_help(tmp_path):
    p = render(tmp_path, ["-help"])
    assert p.returncode == 0 and p.stdout.startswith("Usage: Render [options] filename")


@pytest.mark.parametrize(
    "args, message",
    [
        (["-bogus", "1", "SCENE"], "Error: Invalid flag '-bogus'"),
        (["-s", "one", "SCENE"], "Error: Invalid value 'one' for flag -s"),
        (["-pad"], "Error: Flag -pad needs a value"),
        ([], "Usage: Render"),
    ],
)
def test_bad_command_lines_exit_206(tmp_path, args, message):
    scene = write_scene(tmp_path)
    p = render(tmp_path, [scene if a == "SCENE" else a for a in args])
    assert p.returncode == 206
    assert message in p.stdout
    assert "Usage: Render [options] filename" in p.stdout


def test_missing_scene_and_unknown_layer_exit_211(tmp_path):
    p = render(tmp_path, [str(tmp_path / "nope.ma")])
    assert p.returncode == 211 and "nope.ma" in p.stdout
    scene = write_scene(tmp_path)
    p = render(tmp_path, ["-rl", "rs_ghost", scene])
    assert p.returncode == 211 and "rs_ghost" in p.stdout


def test_redshift_host_gpu_index_is_invalid_inside_a_pinned_render(tmp_path):
    scene = write_scene(tmp_path, renderer="redshift")
    p = render(tmp_path, ["-r", "redshift", "-gpu", "{1}", scene], {"CUDA_VISIBLE_DEVICES": "GPU-1111"})
    assert p.returncode == 211
    assert "redshiftSelectCudaDevices.mel line 47: Invalid device id: 1" in p.stdout


def test_failure_start(tmp_path):
    scene = write_scene(tmp_path)
    p = render(tmp_path, [scene], {"BRM_FAKE_FAIL": "start"})
    assert p.returncode == 1 and p.stdout == ""
    assert "error while loading shared libraries" in p.stderr
    assert [r["exit"] for r in records(tmp_path)] == [None, 1]


def test_failure_level_filter(tmp_path):
    scene = write_scene(tmp_path)
    p = render(tmp_path, ["-s", "1", "-e", "1", scene], {"BRM_FAKE_FAIL": "start", "BRM_FAKE_FAIL_LEVEL": "custom"})
    assert p.returncode == 0
    p = render(tmp_path, ["-s", "1", "-e", "1", scene], {"BRM_FAKE_FAIL": "start", "BRM_FAKE_FAIL_LEVEL": "custom,render"})
    assert p.returncode == 1


def test_failure_licence_arnold(tmp_path):
    scene = write_scene(tmp_path, renderer="arnold")
    p = render(tmp_path, [scene], {"BRM_FAKE_FAIL": "licence"})
    assert p.returncode == 1
    assert "aborting render because the abort_on_license_fail option was enabled" in p.stdout
    assert not (tmp_path / "images").exists()


def test_failure_crash_after(tmp_path):
    scene = write_scene(tmp_path)
    p = render(tmp_path, ["-s", "1", "-e", "4", scene], {"BRM_FAKE_FAIL": "crash-after:2"})
    assert p.returncode == -signal.SIGSEGV
    assert sorted(os.listdir(tmp_path / "images")) == ["shot.0001.exr", "shot.0002.exr"]
    end = records(tmp_path)[-1]
    assert end["event"] == "end" and end["frames"] == [1, 2] and end["signal"] == 11


def test_failure_flood(tmp_path):
    scene = write_scene(tmp_path)
    p = render(tmp_path, ["-s", "1", "-e", "1", scene], {"BRM_FAKE_FAIL": "flood:2"})
    assert p.returncode == 0
    assert len(p.stdout) >= 2 * 1024 * 1024
    assert (tmp_path / "images" / "shot.0001.exr").exists()


def test_failure_slow_and_frame_seconds(tmp_path):
    scene = write_scene(tmp_path)
    p = render(tmp_path, ["-s", "1", "-e", "2", scene], {"BRM_FAKE_FAIL": "slow:0.3"})
    assert p.returncode == 0
    rec = records(tmp_path)[-1]
    assert rec["end"] - rec["start"] >= 0.6
    p = render(tmp_path, ["-s", "1", "-e", "2", scene], {"BRM_FAKE_FRAME_SECONDS": "0.25"})
    rec = records(tmp_path)[-1]
    assert rec["end"] - rec["start"] >= 0.5


def spawn(tmp_path, args, extra_env):
    return subprocess.Popen([RENDER] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=render_env(tmp_path, extra_env), cwd=str(tmp_path), start_new_session=True)


def wait_for(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("mode, prints", [("hang", True), ("silent", False)])
def test_failure_hang_and_silent(tmp_path, mode, prints):
    scene = write_scene(tmp_path)
    proc = spawn(tmp_path, [scene], {"BRM_FAKE_FAIL": mode})
    seen = b""
    try:
        if prints:
            # Read until the line shows (a busy machine may take more than any fixed sleep
            # to start Python), then check the fake hangs there rather than exits.
            deadline = time.time() + 60
            while b"Starting Rendering" not in seen and time.time() < deadline:
                ready, _, _ = select.select([proc.stdout], [], [], 0.5)
                if ready:
                    chunk = os.read(proc.stdout.fileno(), 65536)
                    if not chunk:
                        break
                    seen += chunk
        time.sleep(1.0)
        assert proc.poll() is None, "the fake should still be running"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate(timeout=10)
    out = seen + out
    assert (b"Starting Rendering" in out) == prints
    assert not (tmp_path / "images").exists()


def test_failure_grandchildren_ignore_sigterm(tmp_path):
    scene = write_scene(tmp_path)
    proc = spawn(tmp_path, ["-s", "1", "-e", "3", scene], {"BRM_FAKE_FAIL": "grandchildren"})
    pids = []
    try:
        assert wait_for(lambda: _helpers(proc, pids))
        assert len(pids) == 2
        # The fake prints the pids once they ignore SIGTERM: no sleep needed.
        for pid in pids:
            os.kill(pid, signal.SIGTERM)  # ignored
        time.sleep(0.3)
        for pid in pids:
            os.kill(pid, 0)  # still alive: raises if gone
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _helpers(proc, pids):
    """Reads the fake's "started helper processes <pid> <pid>" line."""
    line = proc.stdout.readline().decode()
    if line.startswith("started helper processes"):
        pids.extend(int(p) for p in line.split()[3:])
        return True
    return False


def test_mayapy_records_and_level(tmp_path, run_script):
    scene = write_scene(tmp_path)
    r = run_script(CUSTOM, task_dict(scene, tmp_path, frames=[1]),
                   env={"CUDA_VISIBLE_DEVICES": "GPU-abcd", "CUDA_DEVICE_ORDER": "PCI_BUS_ID", "REDSHIFT_GPUDEVICES": "0"})
    start, end = r.records
    assert start["event"] == "start" and end["event"] == "end"
    assert start["pid"] == end["pid"] and start["level"] == "custom" and start["exe"] == "mayapy"
    assert end["cuda_visible_devices"] == "GPU-abcd"
    assert end["cuda_device_order"] == "PCI_BUS_ID" and end["redshift_gpudevices"] == "0"
    assert end["start"] <= end["end"] and end["exit"] == 0 and end["frames"] == [1]
    assert set(end) == {"event", "exe", "level", "argv", "pid", "ppid", "pgid", "cuda_visible_devices",
                        "cuda_device_order", "redshift_gpudevices", "cwd", "start", "end", "frames",
                        "exit", "signal", "fail", "grandchildren", "env"}
    # Only the variables named in BRM_FAKE_RECORD_ENV are recorded: none here.
    assert end["env"] == {}


def test_mayapy_start_failure_for_custom_level_only(tmp_path, run_script):
    scene = write_scene(tmp_path)
    env = {"BRM_FAKE_FAIL": "start", "BRM_FAKE_FAIL_LEVEL": "custom"}
    r = run_script(CUSTOM, task_dict(scene, tmp_path), env=env)
    assert r.returncode == 1 and r.stdout == "" and r.events == []
    assert "error while loading shared libraries" in r.stderr


def test_mayapy_version():
    p = subprocess.run([os.path.join(FAKE_BIN, "mayapy"), "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("Python 3.")
    p = subprocess.run([os.path.join(FAKE_BIN, "maya"), "-v"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("Maya 2025")


def test_layer_with_quotes_and_metacharacters_declared_in_the_scene(tmp_path):
    from conftest import NASTY

    scene = write_scene(tmp_path, setup_layers=(NASTY.replace('"', '\\"'),))
    # The .ma escapes the quotes; the fake reads the real name back.
    p = render(tmp_path, ["-rl", "rs_" + NASTY, "-s", "1", "-e", "1", scene])
    assert p.returncode == 0, p.stdout
    p = render(tmp_path, ["-rl", "rs_beauty", scene])
    assert p.returncode == 211
    assert not (tmp_path / "x").exists()
