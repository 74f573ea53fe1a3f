"""``brm.inspect(scene)``: render layers, renderer and frame range of a scene file, read by
libbrm without Maya (``.ma`` fully, ``.mb`` best effort, ``.blend`` minimally)."""

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union

from . import _native

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class Layer:
    """A render layer. ``start_frame``/``end_frame`` are the layer's own frame-range
    overrides (``None``: the scene's range applies)."""

    #: The Render Setup name (``"masterLayer"`` for the default layer).
    name: str
    #: The render layer node (``"rs_<name>"``, ``"defaultRenderLayer"``).
    node: str
    renderable: bool
    start_frame: Optional[float] = None
    end_frame: Optional[float] = None
    #: True when the layer comes from a referenced file.
    from_reference: bool = False

    @property
    def overrides(self) -> Dict[str, float]:
        """The per-layer overrides brm found, e.g. ``{"start_frame": 20.0, "end_frame": 30.0}``."""
        out = {}
        if self.start_frame is not None:
            out["start_frame"] = self.start_frame
        if self.end_frame is not None:
            out["end_frame"] = self.end_frame
        return out


@dataclass(frozen=True)
class RequiredPlugin:
    name: str
    version: Optional[str]
    node_types: List[str]


@dataclass(frozen=True)
class SceneInfo:
    """What ``brm scene inspect`` shows."""

    path: str
    #: ``"ma"``, ``"mb"`` or ``"blend"``.
    format: str
    #: The current renderer (``"arnold"``, ``"redshift"``, ...), ``None`` when unknown.
    renderer: Optional[str]
    start_frame: Optional[float]
    end_frame: Optional[float]
    by_frame: Optional[float]
    animation: Optional[bool]
    image_prefix: Optional[str]
    layers: List[Layer]
    required_plugins: List[RequiredPlugin]
    cameras: List[str]
    warnings: List[str]
    #: The Maya version that saved the scene (brm renders with it when installed).
    maya_version: Optional[str] = None
    #: The Blender version that saved a ``.blend`` (``"3.4"``).
    blender_version: Optional[str] = None
    #: The whole JSON description (``"schema": 1``).
    raw: Dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def renderable_layers(self) -> List[Layer]:
        """The layers a submit without ``layers=`` renders."""
        return [layer for layer in self.layers if layer.renderable]

    @property
    def frame_range(self) -> Optional[str]:
        """The scene's range as a frame spec (``"1-10"``, ``"1-100x5"``), when whole."""
        s, e, b = self.start_frame, self.end_frame, self.by_frame
        if s is None or e is None or s != int(s) or e != int(e):
            return None
        if b is None or b == 1:
            return "%d-%d" % (s, e)
        if b != int(b):
            return None
        return "%d-%dx%d" % (s, e, b)


def inspect(scene: PathLike) -> SceneInfo:
    """Read ``scene`` as ``brm scene inspect`` does (``brm_scene_inspect_json``): a
    ``.blend``'s frames, engine, camera and view layers come from Blender itself (run once,
    then cached by content). Raises :class:`~brm.NotFoundError` for a
    missing file and :class:`~brm.InvalidArgumentError` for one that is not a scene."""
    raw = json.loads(
        _native.load().string_call("brm_scene_inspect_json", _native.encode(scene, "scene"))
    )
    layers = [
        Layer(
            name=d.get("name", ""),
            node=d.get("node", ""),
            renderable=bool(d.get("renderable")),
            start_frame=d.get("start_frame"),
            end_frame=d.get("end_frame"),
            from_reference=bool(d.get("from_reference")),
        )
        for d in raw.get("layers") or []
    ]
    plugins = [
        RequiredPlugin(d.get("name", ""), d.get("version"), list(d.get("node_types") or []))
        for d in raw.get("required_plugins") or []
    ]
    return SceneInfo(
        path=raw.get("path", os.fspath(scene)),
        format=raw.get("format", ""),
        renderer=raw.get("renderer"),
        start_frame=raw.get("start_frame"),
        end_frame=raw.get("end_frame"),
        by_frame=raw.get("by_frame"),
        animation=raw.get("animation"),
        image_prefix=raw.get("image_prefix"),
        layers=layers,
        required_plugins=plugins,
        cameras=list(raw.get("cameras") or []),
        warnings=list(raw.get("warnings") or []),
        maya_version=raw.get("maya_version"),
        blender_version=raw.get("blender_version"),
        raw=raw,
    )
