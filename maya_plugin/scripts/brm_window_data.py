"""What the Batch Render window shows, computed from the brm* commands' results.

No Qt and no Maya here, so each rule is plain and testable: how a GPU line reads, which GPUs
are preselected, how a job row and its ETA read, which log lines are brm's notes.
"""

import os
import json
import re
import time

GPU_LINE = re.compile(r"^(?P<index>\d+): (?P<name>.*) \((?P<uuid>[^()]*)\) (?P<free>\d+)/(?P<total>\d+) MiB free$")

#: How the window words brm's render methods; a method brm adds later shows its own name.
METHOD_LABELS = {
    "auto": "Auto (mayapy, then Render, then basic)",
    "mayapy-custom": "mayapy + brm's render script",
    "render": "Maya's Render command",
    "mayapy-basic": "mayapy + basic script",
}

#: The render methods of brmSubmit -method as (value, label), in brm's order. From
#: ``brmInfo -methods`` (the methods a Maya scene can use) once load_brm_lists ran; this
#: fallback before, and for a plug-in older than the flag.
METHODS = [(m, METHOD_LABELS[m]) for m in ("auto", "mayapy-custom", "render", "mayapy-basic")]

#: Renderer override choices ("" = the scene's renderer). brm's own registry replaces this
#: list once the plug-in answers (load_brm_lists); these are only the fallback for a plug-in
#: older than ``brmInfo -renderers`` (and for the tests of this file, which run without one).
RENDERERS = ["", "arnold", "redshift", "vray", "renderman", "mayaSoftware", "mayaHardware2"]

#: The job states nothing more runs in unless retried; from ``brmInfo -finalStates`` once
#: load_brm_lists ran, this fallback before.
FINAL_STATES = ("done", "failed", "cancelled")


def load_brm_lists(brm_info):
    """Take RENDERERS, METHODS and FINAL_STATES from brm (the plug-in's ``brmInfo`` command,
    itself asking libbrm's registries), so the window offers what brm knows, never a stale
    copy.

    ``brm_info`` is ``cmds.brmInfo`` (None when the plug-in is not loaded). A list whose flag
    the plug-in does not know (an older plug-in), or that comes back empty, keeps its
    fallback; the others are still taken.
    """
    global RENDERERS, METHODS, FINAL_STATES
    if brm_info is None:
        return

    def ask(**flag):
        try:
            return brm_info(**flag)
        except (RuntimeError, TypeError):  # an older plug-in: "Invalid flag"
            return None

    renderers = ask(renderers=True)
    if renderers:
        RENDERERS = [""] + [str(r) for r in renderers]
    methods = ask(methods=True)
    if methods:
        METHODS = [(str(m), METHOD_LABELS.get(str(m), str(m))) for m in methods]
    finals = ask(finalStates=True)
    if finals:
        FINAL_STATES = tuple(str(s) for s in finals)


class Gpu(object):
    def __init__(self, index, name, uuid, free_mib, total_mib):
        self.index, self.name, self.uuid = index, name, uuid
        self.free_mib, self.total_mib = free_mib, total_mib

    @property
    def is_mayas(self):
        """GPU 0 is the one Maya (the artist's viewport) uses."""
        return self.index == 0

    def label(self):
        mine = "  - Maya's GPU" if self.is_mayas else ""
        return "GPU %d: %s, %s GiB free of %s%s" % (
            self.index, self.name, _gib(self.free_mib), _gib(self.total_mib), mine)


def _gib(mib):
    return ("%.1f" % (mib / 1024.0)).rstrip("0").rstrip(".")


def parse_gpus(lines):
    """brmInfo -gpus lines -> [Gpu]; lines that do not parse are skipped."""
    out = []
    for line in lines or []:
        m = GPU_LINE.match(line.strip())
        if m:
            out.append(Gpu(int(m.group("index")), m.group("name"), m.group("uuid"),
                           int(m.group("free")), int(m.group("total"))))
    return out


def default_gpu_selection(gpus):
    """Batch GPUs preselected: every GPU but Maya's; with one GPU, that one (with a warning)."""
    batch = [g.index for g in gpus if not g.is_mayas]
    if batch:
        return batch, ""
    if gpus:
        return [gpus[0].index], "Only one GPU: renders share it with Maya's viewport."
    return [], "No NVIDIA GPU found: brm picks what the agent can use (auto)."


def gpu_flag(selected):
    """-gpu value for the selected GPU indexes ("" = let brm pick: auto)."""
    return ",".join(str(i) for i in sorted(selected))


def range_text(start, end):
    """A layer's own frame range from brmLayers -frameRanges ("" where it keeps the scene's)."""
    if not start and not end:
        return ""
    return "  frames %s-%s" % (start or "...", end or "...")


def frames_summary(count, compact):
    return "%d frame%s: %s" % (count, "" if count == 1 else "s", compact)


def parse_jobs(text):
    """brmJobs -json -> list of job dicts, newest first."""
    try:
        jobs = json.loads(text or "[]")
    except ValueError:
        return []
    if isinstance(jobs, dict):
        jobs = jobs.get("jobs", [])
    return sorted((j for j in jobs if isinstance(j, dict)), key=lambda j: -int(j.get("id", 0)))


def progress_percent(job):
    """0-100 from the frames verified on disk (what brmJob -q -progress reports)."""
    total = job.get("frames_total") or 0
    if job.get("state") == "done":
        return 100
    return int(100 * (job.get("frames_done") or 0) / total) if total else 0


def eta_text(job, now_ms=None):
    """Remaining time from the frames done so far; "" when not known yet."""
    if job.get("state") != "running":
        return ""
    done, total = job.get("frames_done") or 0, job.get("frames_total") or 0
    started = job.get("started_ms") or 0
    if not done or not started or done >= total:
        return ""
    now_ms = now_ms if now_ms is not None else time.time() * 1000.0
    left_s = (now_ms - started) / 1000.0 / done * (total - done)
    return duration_text(left_s)


def duration_text(seconds):
    seconds = int(max(0, seconds) + 0.5)
    if seconds < 60:
        return "%ds" % seconds
    if seconds < 3600:
        return "%dm %02ds" % (seconds // 60, seconds % 60)
    return "%dh %02dm" % (seconds // 3600, (seconds % 3600) // 60)


def split_log_line(line):
    """ "seq<TAB>text" (brmLog -seq) -> (seq as str, text)."""
    seq, _, text = line.partition("\t")
    return seq, text


def is_protocol(text):
    """brm's machine-readable frame events in the render output (``@brm {...}``): not shown."""
    return text.startswith("@brm ")


def is_note(text):
    """brm's own notes (task started, frame verified, retries) versus the renderer's output."""
    return text.startswith("[brm]")


def fcheck_path(environ):
    """Maya's image viewer (FCheck) of the running Maya, or None: `$MAYA_LOCATION/bin/fcheck`
    (`fcheck.exe` on Windows, the FCheck app bundle's binary on macOS)."""
    loc = environ.get("MAYA_LOCATION") or ""
    if not loc:
        return None
    for rel in ("bin/fcheck", "bin/fcheck.exe", "bin/FCheck", "Maya.app/Contents/bin/fcheck",
                "../FCheck.app/Contents/MacOS/fcheck"):
        p = os.path.join(loc, rel)
        if os.path.isfile(p):
            return p
    return None
