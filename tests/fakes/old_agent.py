#!/usr/bin/env python3
"""A brm agent of an older release, for the upgrade test (tests/upgrade.rs).

It speaks protocol 1 exactly as the first release's agent does (src/agent/server.rs at main
4d3f3c4: newline-delimited JSON, `hello` first, answers `{"ok": true, "result": ...}` or
`{"ok": false, "error": {"kind", "message"}}`) for the requests a newer brm's upgrade path
uses: hello (reporting the old version), agent_status (slots, with a render running while the
file BUSY exists), jobs, shutdown. It holds the agent lock, socket (0600) and pid file where
the real agent does (BRM_HOME/run), so a newer agent cannot start beside it.

Usage: old_agent.py BRM_HOME VERSION BUSY_FILE RECORD_FILE
"""

import fcntl
import json
import os
import socket
import sys
import threading
import time

home, version, busy, record = sys.argv[1:5]
run = os.path.join(home, "run")
os.makedirs(run, mode=0o700, exist_ok=True)
os.chmod(run, 0o700)
lock = open(os.path.join(run, "agent.lock"), "w")
fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
path = os.path.join(run, "agent.sock")
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
os.chmod(path, 0o600)
srv.listen(16)
with open(os.path.join(run, "agent.pid"), "w") as f:
    f.write(str(os.getpid()))
started = time.time()
stop = threading.Event()


def log(op):
    with open(record, "a") as f:
        f.write(json.dumps({"op": op, "busy": os.path.exists(busy), "t": time.time()}) + "\n")


def answer(req):
    op = req.get("op")
    log(op)
    if op == "hello":
        return {"ok": True, "result": {"protocol": 1, "agent": version, "pid": os.getpid()}}
    if op == "agent_status":
        running = {"job": 1, "task": 0, "attempt": 1} if os.path.exists(busy) else None
        return {"ok": True, "result": {
            "pid": os.getpid(), "version": version, "protocol": 1,
            "uptime_s": int(time.time() - started), "connections": 1,
            "idle": running is None,
            "slots": [{"slot": 0, "kind": "cpu", "running": running}]}}
    if op == "jobs":
        return {"ok": True, "result": []}
    if op == "shutdown":
        stop.set()
        return {"ok": True, "result": {"stopping": True}}
    return {"ok": False, "error": {"kind": "protocol", "message": "old agent: unsupported " + str(op)}}


def serve(conn):
    with conn:
        f = conn.makefile("rwb")
        for line in f:
            resp = answer(json.loads(line))
            f.write((json.dumps(resp) + "\n").encode())
            f.flush()


srv.settimeout(0.05)
while not stop.is_set():
    try:
        c, _ = srv.accept()
    except socket.timeout:
        continue
    threading.Thread(target=serve, args=(c,), daemon=True).start()
time.sleep(0.1)
os.unlink(path)
os.unlink(os.path.join(run, "agent.pid"))
