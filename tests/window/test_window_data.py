"""The window's rules without Qt: GPU lines, preselection, ETA, notes."""

import brm_window_data as d


def test_gpu_lines_and_preselection():
    gpus = d.parse_gpus(["0: NVIDIA RTX A6000 (GPU-aa) 48000/49140 MiB free",
                         "1: NVIDIA RTX A6000 (GPU-bb) 49000/49140 MiB free", "garbage"])
    assert [(g.index, g.uuid, g.free_mib) for g in gpus] == [(0, "GPU-aa", 48000), (1, "GPU-bb", 49000)]
    assert gpus[0].is_mayas and "Maya's GPU" in gpus[0].label() and "46.9 GiB free of 48" in gpus[0].label()
    assert d.default_gpu_selection(gpus) == ([1], "")
    only, note = d.default_gpu_selection(gpus[:1])
    assert only == [0] and "share it with Maya" in note
    assert d.default_gpu_selection([]) == ([], "No NVIDIA GPU found: brm picks what the agent can use (auto).")
    assert d.gpu_flag([2, 1]) == "1,2" and d.gpu_flag([]) == ""


def test_eta_and_progress():
    job = {"state": "running", "frames_done": 10, "frames_total": 40, "started_ms": 1000}
    assert d.eta_text(job, now_ms=1000 + 20000) == "1m 00s"      # 2 s a frame, 30 left
    assert d.eta_text(dict(job, frames_done=0), now_ms=5000) == ""
    assert d.eta_text(dict(job, state="done"), now_ms=5000) == ""
    assert d.progress_percent(job) == 25 and d.progress_percent(dict(job, state="done")) == 100
    assert d.duration_text(7300) == "2h 01m" and d.duration_text(5) == "5s"


def test_jobs_newest_first_and_log_lines():
    assert [j["id"] for j in d.parse_jobs('[{"id": 1}, {"id": 3}, {"id": 2}]')] == [3, 2, 1]
    assert d.parse_jobs("not json") == []
    assert d.split_log_line("12\t[brm] task 0 started") == ("12", "[brm] task 0 started")
    assert d.is_note("[brm] job 1 done") and not d.is_note("00:00:02 render done")
    assert d.is_protocol('@brm {"event":"frame_done","frame":1}') and not d.is_protocol("[brm] x")
    assert d.frames_summary(1, "7") == "1 frame: 7"
    assert d.range_text("20", "30") == "  frames 20-30" and d.range_text("", "20") == "  frames ...-20"
    assert d.range_text("", "") == ""


def test_renderers_methods_and_final_states_come_from_brm(monkeypatch):
    monkeypatch.setattr(d, "RENDERERS", list(d.RENDERERS))
    monkeypatch.setattr(d, "METHODS", list(d.METHODS))
    monkeypatch.setattr(d, "FINAL_STATES", d.FINAL_STATES)
    fallback = (list(d.RENDERERS), list(d.METHODS), d.FINAL_STATES)

    def old_plugin(**kwargs):
        raise RuntimeError("Invalid flag '-renderers'")

    d.load_brm_lists(None)
    d.load_brm_lists(old_plugin)
    assert (d.RENDERERS, d.METHODS, d.FINAL_STATES) == fallback

    def brm_info(renderers=False, methods=False, finalStates=False):
        if renderers:
            return ["redshift", "newRenderer"]
        if methods:
            return ["auto", "render", "mayapy-new"]
        if finalStates:
            return ["done", "failed", "cancelled", "archived"]

    d.load_brm_lists(brm_info)
    assert d.RENDERERS == ["", "redshift", "newRenderer"]
    assert d.METHODS == [("auto", d.METHOD_LABELS["auto"]), ("render", d.METHOD_LABELS["render"]),
                         ("mayapy-new", "mayapy-new")]
    assert d.FINAL_STATES == ("done", "failed", "cancelled", "archived")


def test_a_plugin_without_the_methods_flag_keeps_the_other_lists(monkeypatch):
    monkeypatch.setattr(d, "RENDERERS", list(d.RENDERERS))
    monkeypatch.setattr(d, "METHODS", list(d.METHODS))
    monkeypatch.setattr(d, "FINAL_STATES", d.FINAL_STATES)
    fallback = list(d.METHODS)

    def plugin_of_last_release(renderers=False, finalStates=False):
        return ["arnold"] if renderers else ["done"]

    d.load_brm_lists(plugin_of_last_release)
    assert d.RENDERERS == ["", "arnold"] and d.METHODS == fallback
