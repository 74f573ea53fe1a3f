"""Shared machinery of brm's fake Maya: the fake `Render`, the fake `mayapy` and the stand-in
`maya` package all print the same renderer log lines, write the same image files and obey the
same failure-injection switches, so brm's tests exercise one consistent "Maya".

Maya itself is the only thing faked in brm's tests (COMMON.md). Everything here imitates what
the real programs print and how they exit; each log line is a real line (or the exact shape a
public parser matches), cited beside it, and the same lines are used by the Rust parser tests
in src/progress/.

Environment switches (all optional):

BRM_FAKE_FAIL        comma-separated failures:
                     start           exit 1 at once with a start-up error (before any output
                                     of the render itself)
                     licence         print the renderer's real licence-failure line, exit 1
                     crash-after:N   render N frames, then die of SIGSEGV (exit status 139 in a
                                     shell, signal 11 to a parent)
                     truncate-at:F   write frame F's image half-way, then die of SIGSEGV
                                     (a renderer that crashed while writing: a fresh,
                                     truncated file)
                     hang            print a start line, then sleep forever
                     silent          sleep forever without printing anything
                     flood:MB        first write MB megabytes of log lines as fast as possible,
                                     then render normally
                     grandchildren   spawn 2 grandchildren that ignore SIGTERM and sleep, then
                                     render slowly (3 s per frame unless slow: says otherwise)
                     slow:SECONDS    sleep SECONDS per frame
BRM_FAKE_FAIL_LEVEL  which program the failures apply to: custom (mayapy +
                     brm_render_custom.py), render (Render), basic (mayapy +
                     brm_render_basic.py), any (default); comma-separated list allowed
BRM_FAKE_RECORD      path of a JSON-lines file; each invocation appends one "start" line when it
                     starts and one "end" line when it ends (see Invocation.record)
BRM_FAKE_RECORD_ENV  comma-separated variable names whose values each record line carries
BRM_FAKE_FAIL_ONCE   path of a marker file: the failures apply to the first invocation only
                     (the one that creates the marker), so a retry of the same level succeeds
BRM_FAKE_IMAGE_FORMAT   png: frames are written as PNG instead of OpenEXR
BRM_FAKE_FRAME_SECONDS  time each frame takes (default 0.02)
BRM_FAKE_LOAD_SECONDS   time opening a scene takes (`cmds.file(open=True)`, default 0): a
                     production scene takes 30-120 s to open, which warm sessions (issue 13)
                     pay once per session instead of once per chunk
BRM_FAKE_PRIORITY    1: each "start" record also holds "priority" and "child_priority", the
                     nice value and ioprio_get() value of the program and of a child it starts
BRM_FAKE_CALLS       path of a JSON-lines file where the stand-in `maya` package records every
                     maya.cmds / maya.mel / renderSetup call it receives (tests read it)
"""

import json
import os
import signal
import struct
import subprocess
import sys
import time
import zlib

LEVELS = ("custom", "render", "basic")


# --------------------------------------------------------------------------- log lines
#
# Per renderer: what a frame prints. {frame} is the frame number, {path} the image written,
# {fframe} the frame as Maya prints floats.

RENDER_LINES = {
    "arnold": {
        "start": [
            # docs.arnoldrenderer.com/display/A5ARP/How+to+Read+a+Render+Log
            "00:00:00   773MB         | [mtoa.session]     Initializing at frame {fframe}",
            "00:00:00   773MB         | [mtoa] Exporting Arnold options 'defaultArnoldRenderOptions'",
        ],
        "progress": [
            # CGRU/cgru afanasy/python/parsers/maya_arnold.py sample lines
            "|     0% done - 37 rays/pixel",
            "12:34:56      32MB   |   45% done - 23 rays/pixel",
            "00:00:02   390MB         |   100% done - 33 rays/pixel",
        ],
        "saved": [
            # Arnold's driver line (what src/progress/arnold.rs reads)
            "00:00:02   391MB         | [driver_exr] writing file `{path}'",
        ],
        "done": [
            # "render done" is matched by Deadline's MayaBatch plugin
            # (bumpybox/custom plugins/MayaPype/MayaPype.py)
            "00:00:02   391MB         | render done in 0:00.020",
        ],
        # aws-deadline/deadline-cloud-for-maya MayaAdaptor/adaptor.py (Arnold licence abort)
        "licence": "00:00:01   810MB ERROR   | aborting render because the abort_on_license_fail option was enabled",
    },
    "redshift": {
        "start": [
            # Deadline MayaPype.py HandleRedshiftNewFrameProgress: "Rendering frame \d+ \((\d+)/(\d+)\)"
            "Rendering frame {frame} ({index}/{count})...",
        ],
        "progress": [
            # CGRU/cgru afanasy/python/parsers/redshift.py EXAMPLE OUTPUT
            "INFO : [Redshift] Block 32/48 (7,4) rendered by GPU 0 in 2ms",
            "       [Redshift] Block 126/135 (14,0) rendered by GPU 1 in 12ms",
        ],
        "saved": ["Saved file '{path}' in 0.01s."],
        # CGRU redshift.py re_frame_done ".*Frame.*done.*"
        "done": ["Frame done - total time for frame {frame}: 0.02s"],
        # CGRU redshift.py EXAMPLE OUTPUT
        "licence": "Error: [Redshift] License error: (RLM) All licenses in use (-22) //",
    },
    "vray": {
        # CGRU/cgru afanasy/python/parsers/vray.py (frame, percent, image lines)
        "start": ["[2023/Aug/10|17:33:56] SCEN   progr: begin scene preprocessing for frame {frame}"],
        "progress": [
            "[2023/Aug/10|17:34:01] progr: Rendering image...:  45.00% [ 0h  0m  1.2s] [ 0h  0m  3.6s est]"
        ],
        "saved": ['[2023/Aug/10|17:34:05] Successfully written image file "{path}"'],
        # Deadline MayaPype.py HandleVrayFrameComplete
        "done": ["V-Ray: Total frame time 0.02 s"],
        # deadline-cloud-for-maya adaptor.py _vray_license_error
        "licence": "error: Could not obtain a license",
    },
    "renderman": {
        # Deadline MayaPype.py HandleRendermanProgress; deadline-cloud-for-maya "R90000\s+([0-9]+)%"
        "start": ["rfm Notice: Rendering perspShape at {frame}"],
        "progress": ["R90000     4%", "R90000    57%"],
        "saved": [],
        "done": ["R90000   100%"],
        # github.com/prman-pixar/RenderManForBlender/issues/608
        "licence": "R50005 {SEVERE}  License error - feature: RPS-24.0",
    },
    "mayaSoftware": {
        # Deadline MayaPype.py HandleStatusMessage / HandleChunkedProgress1
        "start": ["Constructing shading groups", "Rendering current frame"],
        "progress": ["40% done."],
        "saved": [],
        "done": ["Finished Rendering {path}."],
        # Deadline MayaPype.py "Maya: License was not obtained"
        "licence": "Maya: License was not obtained",
    },
    "mayaHardware2": {
        "start": ["Rendering frame {frame}"],
        "progress": [],
        "saved": [],
        "done": ["Finished Rendering {path}."],
        "licence": "Maya: License was not obtained",
    },
}

RENDERER_ALIASES = {
    "sw": "mayaSoftware",
    "mayasoftware": "mayaSoftware",
    "hw2": "mayaHardware2",
    "mayahardware2": "mayaHardware2",
    "arnold": "arnold",
    "redshift": "redshift",
    "vray": "vray",
    "renderman": "renderman",
    "rmanrenderman": "renderman",
}


def canonical_renderer(name):
    """Maya's renderer name for `name` (Render -r value or currentRenderer)."""
    if not name:
        return "arnold"
    return RENDERER_ALIASES.get(name.lower(), name)


def lines_for(renderer):
    return RENDER_LINES.get(canonical_renderer(renderer), RENDER_LINES["arnold"])


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def pad(frame, padding):
    """`frame` zero-padded to a width of `padding` characters, sign included (printf "%0*d",
    as brm's plan::pad_frame expects: -3 with padding 4 is "-003")."""
    return "%0*d" % (int(padding), int(frame))


def fmt_frame(frame):
    return "%.6f" % float(frame)


# --------------------------------------------------------------------------- failures


def _failure_applies(level):
    wanted = os.environ.get("BRM_FAKE_FAIL_LEVEL", "any").strip() or "any"
    levels = [w.strip() for w in wanted.split(",")]
    return "any" in levels or level in levels


def failures(level):
    """The BRM_FAKE_FAIL failures that apply to `level`, as {name: argument-or-None}."""
    spec = os.environ.get("BRM_FAKE_FAIL", "").strip()
    if not spec or not _failure_applies(level):
        return {}
    once = os.environ.get("BRM_FAKE_FAIL_ONCE", "").strip()
    if once:
        try:
            os.close(os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return {}
    result = {}
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, arg = item.partition(":")
        result[name.strip()] = arg.strip() or None
    return result


def load_seconds():
    return float(os.environ.get("BRM_FAKE_LOAD_SECONDS", "0") or 0)


def frame_seconds(fails):
    if "slow" in fails and fails["slow"]:
        return float(fails["slow"])
    base = float(os.environ.get("BRM_FAKE_FRAME_SECONDS", "0.02"))
    if "grandchildren" in fails:
        return max(base, 3.0)
    return base


def sleep_forever():
    while True:
        time.sleep(3600)


GRANDCHILD_CODE = (
    "import signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ignoring SIGTERM', flush=True)\n"
    "while True:\n"
    "    time.sleep(3600)\n"
)


# --------------------------------------------------------------------------- invocation


# --------------------------------------------------------------------------- priority

# ioprio_get(2) system call numbers (<asm/unistd.h>); brm's tests run on these.
_SYS_IOPRIO_GET = {"x86_64": 252, "aarch64": 31}


def own_priority():
    """This process's nice value (field 19 of /proc/self/stat) and I/O priority
    (ioprio_get(IOPRIO_WHO_PROCESS, 0): class << 13 | level), as the kernel reports them;
    None where the platform has neither (not Linux)."""
    try:
        with open("/proc/self/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()
    nice = int(fields[19 - 3])
    import ctypes
    import platform

    number = _SYS_IOPRIO_GET.get(platform.machine())
    if number is None:
        raise SystemExit("fake Maya: no ioprio_get number known for " + platform.machine())
    libc = ctypes.CDLL(None, use_errno=True)
    return {"nice": nice, "ioprio": libc.syscall(number, 1, 0)}


def child_priority():
    """What a process this one starts reports (renderers start helpers; they must inherit)."""
    code = "import json, sys; sys.path.insert(0, %r); import _brm_fake; print(json.dumps(_brm_fake.own_priority()))" % (
        os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, check=True).stdout
    return json.loads(out)


class Invocation:
    """One run of a fake Maya program: its failures, its frames, its record lines."""

    def __init__(self, exe, level, argv):
        self.exe = exe
        self.level = level
        self.argv = list(argv)
        self.fails = failures(level)
        self.start = time.time()
        self.frames = []
        self.grandchildren = []
        self.rendering_started = False
        self.ended = False
        self.record("start")

    def record(self, event, exit_code=None, signal_number=None):
        """Append one JSON line to BRM_FAKE_RECORD:
        {"event": "start"|"end", "exe": "Render"|"mayapy", "level": "render"|"custom"|"basic"|"other",
         "argv": [...], "pid": int, "ppid": int, "pgid": int, "cuda_visible_devices": str|null,
         "cuda_device_order": str|null, "redshift_gpudevices": str|null, "cwd": str,
         "start": unix seconds (float), "end": unix seconds|null, "frames": [rendered frames],
         "exit": int|null, "signal": int|null, "fail": BRM_FAKE_FAIL or null,
         "grandchildren": [pids]}
        """
        path = os.environ.get("BRM_FAKE_RECORD")
        if not path:
            return
        rec = {
            "event": event,
            "exe": self.exe,
            "level": self.level,
            "argv": self.argv,
            "pid": os.getpid(),
            "ppid": os.getppid(),
            "pgid": os.getpgid(0) if hasattr(os, "getpgid") else None,
            "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
            "cuda_device_order": os.environ.get("CUDA_DEVICE_ORDER"),
            "redshift_gpudevices": os.environ.get("REDSHIFT_GPUDEVICES"),
            # BRM_FAKE_RECORD_ENV=A,B: the values of A and B as the render saw them (null:
            # unset), for tests of what reaches a render.
            "env": {k: os.environ.get(k) for k in os.environ.get("BRM_FAKE_RECORD_ENV", "").split(",") if k},
            "cwd": os.getcwd(),
            "start": self.start,
            "end": time.time() if event == "end" else None,
            "frames": list(self.frames),
            "exit": exit_code,
            "signal": signal_number,
            "fail": os.environ.get("BRM_FAKE_FAIL") if self.fails else None,
            "grandchildren": list(self.grandchildren),
        }
        if event == "start" and os.environ.get("BRM_FAKE_PRIORITY"):
            # BRM_FAKE_PRIORITY=1: record this process's priority and its child's.
            rec["priority"] = own_priority()
            rec["child_priority"] = child_priority()
        data = (json.dumps(rec) + "\n").encode("utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def finish(self, exit_code):
        if not self.ended:
            self.ended = True
            self.record("end", exit_code=exit_code)

    # -- failure points -------------------------------------------------------------

    def at_launch(self, startup_error):
        """`start` and `silent` act before the program prints anything."""
        if "silent" in self.fails:
            sleep_forever()
        if "start" in self.fails:
            sys.stderr.write(startup_error + "\n")
            sys.stderr.flush()
            self.finish(1)
            sys.exit(1)

    def before_render(self, renderer):
        """`licence`, `hang`, `flood`, `grandchildren` act when rendering begins."""
        if self.rendering_started:
            return
        self.rendering_started = True
        lines = lines_for(renderer)
        if "licence" in self.fails or "license" in self.fails:
            out(lines["licence"])
            self.finish(1)
            sys.exit(1)
        if "hang" in self.fails:
            out("Starting Rendering")
            sleep_forever()
        if "flood" in self.fails:
            self.flood(float(self.fails.get("flood") or 1))
        if "grandchildren" in self.fails:
            for _ in range(2):
                child = subprocess.Popen([sys.executable, "-c", GRANDCHILD_CODE], stdout=subprocess.PIPE)
                # Its pid is printed only once it ignores SIGTERM: a test that sends TERM
                # after reading the pids needs no sleep to be sure they survive it.
                child.stdout.readline()
                self.grandchildren.append(child.pid)
            out("started helper processes %s" % " ".join(str(p) for p in self.grandchildren))

    def flood(self, megabytes):
        # CGRU maya_arnold.py sample progress line, repeated.
        line = b"12:34:56      32MB   |   45% done - 23 rays/pixel\n"
        block = line * 4096
        remaining = int(megabytes * 1024 * 1024)
        fd = sys.stdout.fileno()
        sys.stdout.flush()
        while remaining > 0:
            chunk = block[: min(len(block), remaining)]
            written = os.write(fd, chunk)
            remaining -= written

    def after_frame(self, frame):
        self.frames.append(frame)
        crash = self.fails.get("crash-after")
        if "crash-after" in self.fails and len(self.frames) >= int(crash or 0):
            self.crash()

    def crash(self):
        sys.stdout.flush()
        sys.stderr.flush()
        self.ended = True
        self.record("end", signal_number=int(signal.SIGSEGV))
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(5)
        os._exit(139)


_CURRENT = None


def current():
    """The invocation of this process (created on first use as an 'other' mayapy run)."""
    global _CURRENT
    if _CURRENT is None:
        _CURRENT = Invocation("mayapy", "other", sys.argv)
    return _CURRENT


def set_current(inv):
    global _CURRENT
    _CURRENT = inv


# --------------------------------------------------------------------------- rendering


def _exr_attr(name, type_name, value):
    return name.encode() + b"\0" + type_name.encode() + b"\0" + struct.pack("<i", len(value)) + value


def exr_bytes(renderer, frame):
    """A whole, valid one-pixel scan-line OpenEXR (openexr.com "OpenEXR File Layout": magic,
    version 2, the required header attributes, the offset table, one uncompressed chunk),
    with the renderer and frame in a comment attribute: brm checks frames for completeness
    by this structure, so the fake writes what a renderer writes."""
    header = b"".join([
        # HALF channels A, B, G, R (pixel type 1, linear 0, sampling 1x1; a chlist is sorted
        # by name), as a renderer's beauty image has them.
        _exr_attr("channels", "chlist", b"".join(
            c + b"\0" + struct.pack("<iB3xii", 1, 0, 1, 1) for c in (b"A", b"B", b"G", b"R")) + b"\0"),
        _exr_attr("compression", "compression", b"\0"),
        _exr_attr("dataWindow", "box2i", struct.pack("<4i", 0, 0, 0, 0)),
        _exr_attr("displayWindow", "box2i", struct.pack("<4i", 0, 0, 0, 0)),
        _exr_attr("lineOrder", "lineOrder", b"\0"),
        _exr_attr("pixelAspectRatio", "float", struct.pack("<f", 1.0)),
        _exr_attr("screenWindowCenter", "v2f", struct.pack("<2f", 0.0, 0.0)),
        _exr_attr("screenWindowWidth", "float", struct.pack("<f", 1.0)),
        _exr_attr("comments", "string", ("brm fake %s image, frame %s" % (renderer, frame)).encode("utf-8")),
    ]) + b"\0"
    start = b"\x76\x2f\x31\x01" + struct.pack("<I", 2) + header
    chunk_at = len(start) + 8
    # One scan line (y 0, 8 bytes): A 1.0, B 0.25, G 0.5, R 0.75 (IEEE half, little-endian).
    pixel = b"\x00\x3c" + b"\x00\x34" + b"\x00\x38" + b"\x00\x3a"
    return start + struct.pack("<Q", chunk_at) + struct.pack("<ii", 0, len(pixel)) + pixel


def png_bytes():
    """A whole one-pixel grey PNG (signature, IHDR, IDAT, IEND; PNG spec §5, §11)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def image_path(path):
    """Where a frame goes: `BRM_FAKE_IMAGE_FORMAT=png` writes PNG frames (as a renderer whose
    image format is PNG would), else OpenEXR."""
    if os.environ.get("BRM_FAKE_IMAGE_FORMAT") == "png" and path.endswith(".exr"):
        return path[:-4] + ".png"
    return path


def write_image(path, renderer, frame, cut=False):
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    data = png_bytes() if path.endswith(".png") else exr_bytes(renderer, frame)
    with open(path, "wb") as f:
        # cut: what a renderer that dies while writing leaves (fresh, non-empty, truncated).
        f.write(data[: len(data) // 2] if cut else data)


def render_frames(inv, renderer, jobs):
    """Render `jobs` = [(frame, path)], printing `renderer`'s log lines, writing each image."""
    inv.before_render(renderer)
    lines = lines_for(renderer)
    seconds = frame_seconds(inv.fails)
    count = len(jobs)
    for index, (frame, path) in enumerate(jobs, 1):
        path = image_path(path)
        fields = {
            "frame": frame,
            "fframe": fmt_frame(frame),
            "index": index,
            "count": count,
            "path": path,
        }
        for line in lines["start"]:
            out(line.format(**fields))
        for line in lines["progress"]:
            out(line.format(**fields))
        if seconds > 0:
            time.sleep(seconds)
        cut = "truncate-at" in inv.fails and str(frame) == str(inv.fails.get("truncate-at"))
        write_image(path, canonical_renderer(renderer), frame, cut=cut)
        if cut:
            inv.crash()
        for line in lines["saved"]:
            out(line.format(**fields))
        for line in lines["done"]:
            out(line.format(**fields))
        inv.after_frame(frame)


# --------------------------------------------------------------------------- scenes


def _unescape(text):
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _flag_value(line, flag):
    """The value of `flag` on a .ma command line: a MEL string ("…", with escapes) or a bare
    word."""
    import re

    m = re.search(r'(?:^|\s)' + re.escape(flag) + r'\s+(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))', line)
    if not m:
        return None
    return _unescape(m.group(1)) if m.group(1) is not None else m.group(2)


import re  # noqa: E402


def read_scene(path):
    """What the fakes need from a Maya ASCII scene: render layers (legacy nodes and Render
    Setup names), cameras (transform -> renderable), current renderer, frame range, image
    prefix. Anything it cannot read is simply absent (the fakes then trust the request)."""
    info = {
        "layers": [],  # legacy renderLayer node names
        "setup_layers": [],  # Render Setup layer names
        "cameras": {},  # camera transform -> renderable
        "renderer": None,
        "start": None,
        "end": None,
        "prefix": None,
        "references": [],  # `file -r … "path"` lines
        "textures": [],  # (file node, fileTextureName)
    }
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return info
    node_type = node_name = None
    camera_transform = None
    for raw in text.splitlines():
        line = raw.strip()
        tokens = line.split()
        if line.startswith("file ") and " -r" in line:
            m = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
            if m:
                info["references"].append(_unescape(m[-1]))
            continue
        if line.startswith("createNode "):
            node_type = tokens[1] if len(tokens) > 1 else None
            node_name = _flag_value(line, "-n")
            if node_type == "renderLayer" and node_name:
                info["layers"].append(node_name)
            elif node_type == "renderSetupLayer" and node_name:
                info["setup_layers"].append(node_name)
            elif node_type == "camera":
                camera_transform = _flag_value(line, "-p") or node_name
                if camera_transform:
                    info["cameras"][camera_transform] = True
            continue
        if line.startswith("select -ne :defaultRenderGlobals"):
            node_type, node_name = "renderGlobals", "defaultRenderGlobals"
            continue
        if not line.startswith("setAttr"):
            continue
        if node_type == "file" and '".ftn"' in line:
            m = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
            if m and node_name:
                info["textures"].append((node_name, _unescape(m[-1])))
        if node_type == "camera" and '".rnd"' in line and line.rstrip(";").endswith("no"):
            info["cameras"][camera_transform] = False
        if node_name == "defaultRenderGlobals":
            value = tokens[-1].rstrip(";").strip('"') if tokens else None
            if '".ren"' in line:
                info["renderer"] = value
            elif '".fs"' in line:
                info["start"] = float(value)
            elif '".ef"' in line:
                info["end"] = float(value)
            elif '".ifp"' in line:
                info["prefix"] = value
    return info
