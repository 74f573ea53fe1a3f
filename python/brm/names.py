"""The names brm accepts and reports, asked of libbrm (``brm_renderers_json``,
``brm_methods_json``, ``brm_methods_for_host_json``, ``brm_job_states_json``): the renderer registry, the render methods and
the job and task states. Tools build menus and filters from these instead of keeping their
own copies, so a renderer added to brm appears everywhere at once.
"""

import json
from typing import List, NamedTuple, Optional, Tuple

from . import _native


class Renderer(NamedTuple):
    """One renderer brm knows."""

    #: The canonical name (Maya's ``defaultRenderGlobals.currentRenderer`` value).
    name: str
    #: Other names brm accepts for it, lower case (``rs``, ``sw``, ...).
    aliases: Tuple[str, ...]
    #: Which program renders it: ``"maya"`` or ``"blender"``.
    host: str


class StateName(NamedTuple):
    """One job state: its name, its ``brm_job_state`` number, whether it is final."""

    name: str
    code: int
    final: bool


def renderers() -> List[Renderer]:
    """The renderer registry, in its own order."""
    raw = json.loads(_native.load().string_call("brm_renderers_json"))
    return [Renderer(r["name"], tuple(r.get("aliases") or ()), r.get("host", "maya")) for r in raw]


def methods(host: Optional[str] = None) -> List[str]:
    """The render methods a job may ask for (``"auto"`` first); with ``host`` (``"maya"`` or
    ``"blender"``) only those a scene of that program can use. An unknown host raises
    :class:`~brm.InvalidArgumentError`."""
    lib = _native.load()
    if host is None:
        return list(json.loads(lib.string_call("brm_methods_json")))
    return list(json.loads(lib.string_call("brm_methods_for_host_json", _native.encode(host, "host"))))


def _states() -> dict:
    return json.loads(_native.load().string_call("brm_job_states_json"))


def job_states() -> List[StateName]:
    """The job states, in ``brm_job_state`` order."""
    return [StateName(s["name"], int(s["code"]), bool(s["final"])) for s in _states()["job"]]


def final_states() -> Tuple[str, ...]:
    """The job states a job ends in for good (nothing more runs unless retried)."""
    return tuple(s.name for s in job_states() if s.final)


def task_states() -> List[str]:
    """The task states."""
    return list(_states()["task"])
