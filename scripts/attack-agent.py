#!/usr/bin/env python3
"""Attack run for issue 9 items 1/3/4/7 (not part of scripts/test.sh: it takes minutes).

Each run: its own BRM_HOME, three chunked jobs on the fake Maya `Render` (8 frames, chunks
of 2, one frame every 0.4 s; the third job's renders start helpers that ignore SIGTERM),
and while they render, at random moments: SIGKILL the agent, delete the whole runtime
folder (what logind does at logout), delete the runtime `agent.lock`, run `brm jobs`
(which auto-starts an agent when none answers), cancel a job (sometimes SIGKILLing the
agent right after the cancel returns, inside its grace), and submit one more job. Then
wait for every job and check:

- every job accounted for: a job never cancelled ends `done` with all 8 frames; a
  cancelled one ends `cancelled` (and is never rendered again after the cancel);
- no frame rendered twice (fake Maya's invocation records, attributed by `-rd` folder);
- at most one agent of that BRM_HOME alive at any sample (from /proc/*/environ; an agent
  that exits within 0.2 s, having lost the state-folder lock, is not counted);
- no process left after a cancel: once every job ended, no process carrying this run's
  marker variable (renders and their TERM-ignoring helpers inherit it) is alive;
- no log line repeated or lost (sequence numbers 1..N without gaps or repeats).

Usage: python3 scripts/attack-agent.py [RUNS] [BRM]   (default 10 runs, target/debug/brm)
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
BRM = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "target/debug/brm")
SCENE = os.path.join(ROOT, "..", "shared", "testdata", "maya", "cube__cube.ma")


def agents_of(home):
    """Pids of live `brm agent serve` processes whose BRM_HOME is `home`."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
            if b"serve" not in cmd or b"agent" not in cmd:
                continue
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            if ("BRM_HOME=" + home).encode() in env:
                out.append(int(pid))
        except OSError:
            pass
    return out


def serving_agents(home):
    """Agents of `home` alive in two samples 0.2 s apart: a second agent started by a client
    exits at once when it finds the state folder locked; only one that stays is a second
    agent (the loser of the lock is not)."""
    first = set(agents_of(home))
    if len(first) < 2:
        return len(first)
    time.sleep(0.2)
    return len(first & set(agents_of(home)))


def marked_processes(marker):
    """Live (non-zombie) processes whose environment carries BRM_ATTACK_RUN=marker."""
    out = []
    needle = ("BRM_ATTACK_RUN=" + marker).encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    out.append(int(pid))
        except OSError:
            pass
    return out


def one_run(n, rng):
    home = tempfile.mkdtemp(prefix=f"brm-attack-{n}-")
    env = dict(os.environ)
    env.update({
        "BRM_HOME": home, "BRM_AGENT": BRM, "BRM_MAYA_ROOTS": os.path.join(ROOT, "tests/fakes"),
        "BRM_NO_NVML": "1", "BRM_NVIDIA_SMI": os.path.join(home, "none"),
        "BRM_FAKE_RECORD": os.path.join(home, "record.jsonl"), "BRM_FAKE_FRAME_SECONDS": "0.4",
        "BRM_AGENT_IDLE_S": "60", "BRM_TICK_MS": "10", "MAYA_LOCATION": "",
        "BRM_REQUEST_TIMEOUT_MS": "20000", "BRM_ATTACK_RUN": home,
    })

    def brm(*args, check=True, extra=None):
        e = dict(env, **(extra or {}))
        p = subprocess.run([BRM, *args], env=e, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise RuntimeError(f"brm {args}: {p.returncode} {p.stdout} {p.stderr}")
        return p

    jobs, cancelled = {}, {}

    def submit(name, extra=None):
        out = os.path.join(home, f"out-{name}")
        p = brm("render", SCENE, "--frames", "1-8", "--chunk", "2", "--gpu", "cpu",
                "--method", "render", "-o", out, "--json", extra=extra)
        jobs[json.loads(p.stdout)["id"]] = out

    # First, so it renders at once (one CPU slot): the job whose helpers ignore SIGTERM.
    submit("c", {"BRM_FAKE_FAIL": "grandchildren", "BRM_FAKE_FRAME_SECONDS": "0.4"})
    c_job = max(jobs)
    for name in ("a", "b"):
        submit(name)
    max_agents, actions = 0, []
    deadline = time.time() + 8
    while time.time() < deadline:
        time.sleep(rng.uniform(0.05, 0.6))
        act = rng.choice(["kill", "rmrun", "rmlock", "jobs", "jobs", "cancel", "cancel-kill",
                          "submit"])
        actions.append(act)
        run = os.path.join(home, "run")
        if act in ("cancel", "cancel-kill"):
            live = [j for j in jobs if j not in cancelled]
            if live:
                # The first cancel is for the job whose helpers ignore SIGTERM, with the
                # agent SIGKILLed inside the grace (issue 9.3's failure).
                first = not cancelled and c_job in live
                jid = c_job if first else rng.choice(live)
                if first:
                    act = actions[-1] = "cancel-kill"
                grace = str(2000 if first else rng.choice([200, 1000, 3000]))
                p = brm("cancel", str(jid), "--grace-ms", grace, "--no-wait", "--json",
                        check=False)
                if p.returncode == 0 and json.loads(p.stdout)["state"] != "done":
                    cancelled[jid] = time.time()
                if act == "cancel-kill":
                    for pid in agents_of(home):
                        os.kill(pid, signal.SIGKILL)
        elif act == "submit":
            submit(f"s{len(jobs)}")
        elif act == "kill":
            for pid in agents_of(home):
                os.kill(pid, signal.SIGKILL)
        elif act == "rmrun":
            shutil.rmtree(run, ignore_errors=True)
        elif act == "rmlock":
            try:
                os.remove(os.path.join(run, "agent.lock"))
            except OSError:
                pass
        else:
            brm("jobs", check=False)
        max_agents = max(max_agents, serving_agents(home))
    states, repeated, gaps = {}, 0, 0
    for jid in jobs:
        end = time.time() + 180
        while True:
            v = json.loads(brm("status", str(jid), "--json").stdout)
            max_agents = max(max_agents, serving_agents(home))
            if v["state"] in ("done", "failed", "cancelled") or time.time() > end:
                break
            time.sleep(0.2)
        states[jid] = (v["state"], len(v.get("frames_done_list", [])))
        seqs = [json.loads(l)["seq"] for l in brm("log", str(jid), "--json").stdout.splitlines()]
        repeated += len(seqs) - len(set(seqs))
        gaps += (max(seqs) - len(set(seqs))) if seqs else 0
    rendered = {}
    with open(os.path.join(home, "record.jsonl")) as f:
        for line in f:
            r = json.loads(line)
            if r["event"] != "end":
                continue
            argv = r["argv"]
            rd = argv[argv.index("-rd") + 1] if "-rd" in argv else "?"
            for fr in r["frames"]:
                rendered[(rd, fr)] = rendered.get((rd, fr), 0) + 1
    twice = sum(1 for c in rendered.values() if c > 1)
    # Rendered again after its cancel: a start record for the job's folder after the cancel.
    with open(os.path.join(home, "record.jsonl")) as f:
        records = [json.loads(line) for line in f]
    restarted = 0
    for jid, at in cancelled.items():
        rd_prefix = jobs[jid]
        for r in records:
            argv = r["argv"]
            rd = argv[argv.index("-rd") + 1] if "-rd" in argv else ""
            # A second after the cancel returned: a render started since then is a retry
            # (one spawned just before the cancel may write its record a little later).
            mine = rd == rd_prefix or rd.startswith(rd_prefix + os.sep)
            if r["event"] == "start" and mine and r["start"] > at + 1.0:
                restarted += 1
    # Every job has ended: nothing of this run may be alive but the agent.
    time.sleep(0.5)
    left = [p for p in marked_processes(home) if p not in agents_of(home)]
    for p in left:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    brm("agent", "stop", check=False)
    accounted = sum(
        1 for jid, s in states.items()
        # A cancel that came as the last frame finished may leave the job done: also fine.
        if s == ("done", 8) or (jid in cancelled and s[0] == "cancelled"))
    ok = (accounted == len(jobs) and twice == 0 and max_agents <= 1 and repeated == 0
          and gaps == 0 and not left and restarted == 0)
    print(json.dumps({"run": n, "ok": ok, "jobs": len(jobs), "jobs_accounted_for": accounted,
                      "cancelled": len(cancelled), "states": states,
                      "frames_rendered_twice": twice, "rendered_after_cancel": restarted,
                      "processes_left_after_cancel": len(left),
                      "max_agents_at_once": max_agents, "log_seq_repeated": repeated,
                      "log_seq_gaps": gaps,
                      "actions": {a: actions.count(a) for a in set(actions)}}), flush=True)
    shutil.rmtree(home, ignore_errors=True)
    return ok


def main():
    rng = random.Random(int(os.environ.get("SEED", "9")))
    results = [one_run(n, rng) for n in range(1, RUNS + 1)]
    print(f"{sum(results)}/{len(results)} runs clean")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
