"""``brm.detect()``: the machine as brm sees it (GPUs, CPUs, memory, Maya and Blender)."""

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from . import _native


@dataclass(frozen=True)
class Gpu:
    """One NVIDIA GPU. ``index`` is the driver's (PCI-bus order); brm pins renders by
    ``uuid`` (``CUDA_VISIBLE_DEVICES``)."""

    index: int
    uuid: str
    name: str
    pci_bus_id: str
    memory_total_mib: int
    memory_free_mib: int
    #: Percent busy, ``None`` when the driver does not say.
    utilization_percent: Optional[int] = None
    #: ``None`` unknown/unsupported, else whether MIG mode is on.
    mig_mode: Optional[bool] = None


@dataclass(frozen=True)
class Cpus:
    logical: int
    physical: Optional[int]
    brand: str


@dataclass(frozen=True)
class Memory:
    total_bytes: int
    available_bytes: int


@dataclass(frozen=True)
class MayaInstall:
    """A Maya 2022+ install; executables are ``None`` when missing from it."""

    #: The release year, e.g. ``"2025"`` (``"unknown"`` for a custom folder name).
    version: str
    root: str
    render: Optional[str]
    mayapy: Optional[str]
    maya: Optional[str]
    #: How it was found: ``"default-root"``, ``"BRM_MAYA_ROOTS"``, ``"MAYA_LOCATION"``, ``"PATH"``.
    source: str


@dataclass(frozen=True)
class BlenderInstall:
    path: str
    #: e.g. ``"4.2.1"``; ``None`` when ``blender --version`` failed.
    version: Optional[str]


@dataclass(frozen=True)
class SystemReport:
    """What ``brm info`` shows. Missing parts are empty with a reason, never an error."""

    brm_version: str
    os: str
    hostname: str
    cpus: Cpus
    memory: Memory
    gpus: List[Gpu]
    #: Where the GPU list came from: ``"nvml"``, ``"nvidia-smi"`` or ``"none"``.
    gpu_source: str
    #: Why no GPUs were found, when none were.
    gpu_reason: Optional[str]
    maya: List[MayaInstall]
    blender: Optional[BlenderInstall]
    #: The whole JSON report (``"schema": 1``), including fields newer than these bindings.
    raw: Dict[str, Any] = field(repr=False, compare=False, default_factory=dict)


def _pick(cls: Any, d: Dict[str, Any]) -> Any:
    names = cls.__dataclass_fields__.keys()
    return cls(**{k: d.get(k) for k in names if k != "raw"})


def detect() -> SystemReport:
    """Detect the machine now (``brm_detect_json``): GPUs through NVML or ``nvidia-smi``,
    CPUs and memory, Maya installs (``BRM_MAYA_ROOTS``, ``MAYA_LOCATION``, ``PATH``) and
    Blender (``BRM_BLENDER`` or ``PATH``)."""
    raw = json.loads(_native.load().string_call("brm_detect_json"))
    blender = raw.get("blender")
    return SystemReport(
        brm_version=raw.get("brm_version", ""),
        os=raw.get("os", ""),
        hostname=raw.get("hostname", ""),
        cpus=_pick(Cpus, raw.get("cpus") or {}),
        memory=_pick(Memory, raw.get("memory") or {}),
        gpus=[_pick(Gpu, g) for g in raw.get("gpus") or []],
        gpu_source=raw.get("gpu_source", "none"),
        gpu_reason=raw.get("gpu_reason"),
        maya=[_pick(MayaInstall, m) for m in raw.get("maya") or []],
        blender=_pick(BlenderInstall, blender) if blender else None,
        raw=raw,
    )
