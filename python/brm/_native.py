"""Finding and loading libbrm, and the ctypes declarations of the C ABI (``include/brm.h``).

Why ctypes: it is in every CPython, mayapy included, so the package needs no compiler and no
build per Python version (Maya 2022 ships Python 3.7, 2024 3.10, 2025 3.11, ...); it loads
the same ``libbrm.so.0`` the plug-in and the C tools use, so nothing is implemented twice;
and the C ABI is built for this (opaque handles, one result enum, outputs only on success,
a per-thread last-error message). cffi's ABI mode would add a dependency mayapy lacks, and
its API mode, pybind11 or PyO3 all need a compiled module per Python version.

ctypes releases the GIL during every foreign call, so a wait or a poll on one thread never
blocks Python code on another.
"""

import ctypes
import os
import sys
import threading
from ctypes import (
    POINTER,
    Structure,
    c_bool,
    c_char,
    c_char_p,
    c_double,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_uint64,
    c_void_p,
)
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import LibraryNotFoundError, error_for

#: The C ABI version these bindings were written against (``BRM_ABI_VERSION``).
ABI_VERSION = 1
#: ``BRM_LOG_ALL_STREAMS``.
LOG_ALL_STREAMS = 0xFFFFFFFF

_HERE = os.path.dirname(os.path.abspath(__file__))


class Gpu_(Structure):
    """``brm_gpu``."""

    _fields_ = [
        ("struct_size", c_uint32),
        ("index", c_uint32),
        ("uuid", c_char * 96),
        ("name", c_char * 128),
        ("pci_bus_id", c_char * 32),
        ("memory_total_mib", c_uint64),
        ("memory_free_mib", c_uint64),
        ("utilization_percent", c_int32),
        ("mig_mode", c_int32),
    ]


class JobInfo_(Structure):
    """``brm_job_info``."""

    _fields_ = [
        ("struct_size", c_uint32),
        ("job_id", c_uint64),
        ("state", c_uint32),
        ("frames_total", c_uint64),
        ("frames_done", c_uint64),
        ("frames_failed", c_uint64),
        ("progress", c_double),
        ("tasks_total", c_uint32),
        ("tasks_running", c_uint32),
        ("tasks_done", c_uint32),
        ("tasks_failed", c_uint32),
        ("submitted_ms", c_int64),
        ("started_ms", c_int64),
        ("finished_ms", c_int64),
    ]


class LogLine_(Structure):
    """``brm_log_line``."""

    _fields_ = [
        ("seq", c_uint64),
        ("stream", c_uint32),
        ("time_ms", c_int64),
        ("text", c_void_p),
        ("text_len", c_size_t),
    ]


_R = c_uint32  # brm_result
_PTR = c_void_p  # every opaque handle
_OUT_PTR = POINTER(c_void_p)

# name: (restype, argtypes)
_PROTOTYPES: Dict[str, Tuple[Any, List[Any]]] = {
    "brm_last_error": (_R, [c_void_p, c_size_t, POINTER(c_size_t)]),
    "brm_string_free": (None, [c_void_p]),
    "brm_version": (c_char_p, []),
    "brm_abi_version": (c_uint32, []),
    "brm_shutdown": (None, []),
    "brm_detect_json": (_R, [_OUT_PTR]),
    "brm_detect_gpus": (_R, [c_void_p, c_size_t, POINTER(c_size_t)]),
    "brm_frames_parse": (_R, [c_char_p, _OUT_PTR]),
    "brm_frames_parse_with_cap": (_R, [c_char_p, c_uint64, _OUT_PTR]),
    "brm_frameset_len": (_R, [_PTR, POINTER(c_uint64)]),
    "brm_frameset_frames": (_R, [_PTR, c_uint64, POINTER(c_int64), c_size_t, POINTER(c_size_t)]),
    "brm_frameset_compact": (_R, [_PTR, _OUT_PTR]),
    "brm_frameset_free": (None, [_PTR]),
    "brm_client_new": (_R, [c_char_p, _OUT_PTR]),
    "brm_client_free": (None, [_PTR]),
    "brm_job_spec_new": (_R, [_OUT_PTR]),
    "brm_job_spec_free": (None, [_PTR]),
    "brm_job_spec_set_scene": (_R, [_PTR, c_char_p]),
    "brm_job_spec_set_source_scene": (_R, [_PTR, c_char_p]),
    "brm_job_spec_set_name": (_R, [_PTR, c_char_p]),
    "brm_job_spec_add_layer": (_R, [_PTR, c_char_p]),
    "brm_job_spec_set_frames": (_R, [_PTR, c_char_p]),
    "brm_job_spec_set_gpu": (_R, [_PTR, c_char_p]),
    "brm_job_spec_set_method": (_R, [_PTR, c_char_p]),
    "brm_job_spec_set_renderer": (_R, [_PTR, c_char_p]),
    "brm_job_spec_set_output_dir": (_R, [_PTR, c_char_p]),
    "brm_job_spec_set_camera": (_R, [_PTR, c_char_p]),
    "brm_job_spec_set_chunk_size": (_R, [_PTR, c_uint32]),
    "brm_job_spec_set_priority": (_R, [_PTR, c_int32]),
    "brm_job_spec_set_order": (_R, [_PTR, c_char_p]),
    "brm_job_spec_set_timeouts": (_R, [_PTR, c_uint64, c_uint64]),
    "brm_job_spec_set_cold": (_R, [_PTR, c_uint32]),
    "brm_job_spec_set_env": (_R, [_PTR, c_char_p, c_char_p]),
    "brm_submit": (_R, [_PTR, _PTR, POINTER(c_uint64)]),
    "brm_job_status": (_R, [_PTR, c_uint64, POINTER(JobInfo_)]),
    "brm_jobs_json": (_R, [_PTR, _OUT_PTR]),
    "brm_job_json": (_R, [_PTR, c_uint64, _OUT_PTR]),
    "brm_poll_logs": (_R, [_PTR, c_uint64, c_uint64, c_uint32, _OUT_PTR]),
    "brm_poll_logs_stream": (_R, [_PTR, c_uint64, c_uint64, c_uint32, c_uint32, _OUT_PTR]),
    "brm_log_batch_len": (c_size_t, [_PTR]),
    "brm_log_batch_line": (_R, [_PTR, c_size_t, POINTER(LogLine_)]),
    "brm_log_batch_next_seq": (c_uint64, [_PTR]),
    "brm_log_batch_complete": (c_bool, [_PTR]),
    "brm_log_batch_free": (None, [_PTR]),
    "brm_wait": (_R, [_PTR, c_uint64, c_uint32, POINTER(c_uint32)]),
    "brm_cancel": (_R, [_PTR, c_uint64, c_uint32]),
    "brm_retry": (_R, [_PTR, c_uint64]),
    "brm_pause": (_R, [_PTR, c_uint64, POINTER(c_uint32)]),
    "brm_resume": (_R, [_PTR, c_uint64, POINTER(c_uint32)]),
    "brm_set_priority": (_R, [_PTR, c_uint64, c_int32, POINTER(c_uint32)]),
    "brm_retry_frames": (_R, [_PTR, c_uint64, c_char_p, POINTER(c_uint32)]),
    "brm_job_spec_set_after": (_R, [_PTR, c_uint64]),
    "brm_cleanup_snapshots": (_R, [_PTR, POINTER(c_uint32)]),
    "brm_scene_inspect_json": (_R, [c_char_p, _OUT_PTR]),
    "brm_scene_snapshot_path": (_R, [c_char_p, _OUT_PTR]),
    "brm_renderers_json": (_R, [_OUT_PTR]),
    "brm_methods_json": (_R, [_OUT_PTR]),
    "brm_methods_for_host_json": (_R, [c_char_p, _OUT_PTR]),
    "brm_job_states_json": (_R, [_OUT_PTR]),
}

#: Functions added to the ABI after version 1 was first released: an older libbrm may lack
#: them; calling one then raises UnsupportedError instead of failing at load.
_OPTIONAL = ("brm_pause", "brm_resume", "brm_poll_logs_stream", "brm_set_priority",
             "brm_retry_frames", "brm_job_spec_set_after", "brm_renderers_json",
             "brm_methods_json", "brm_methods_for_host_json", "brm_job_states_json")


def candidates() -> List[Tuple[str, str]]:
    """Where libbrm is looked for, in order, as ``(path, why)`` pairs.

    1. ``BRM_LIBRARY`` when set (then only there);
    2. beside this package (a ``pip install`` bundles it; the Maya module of a static
       plug-in build ships it in ``scripts/brm/``);
    3. the Maya module's ``lib/`` (the package is in ``<module>/scripts/brm``);
    4. an install prefix's ``lib/`` (``scripts/install.sh`` puts the package in
       ``<prefix>/lib/python/brm``);
    5. a source checkout's ``target/release`` and ``target/debug``;
    6. the system loader (``LD_LIBRARY_PATH``, ``ldconfig``) by its SONAME.
    """
    env = os.environ.get("BRM_LIBRARY", "")
    if env:
        return [(env, "BRM_LIBRARY")]
    up2 = os.path.dirname(os.path.dirname(_HERE))
    out = []
    for name in ("libbrm.so.0", "libbrm.so"):
        out.append((os.path.join(_HERE, name), "beside the brm package"))
    out.append((os.path.join(up2, "lib", "libbrm.so.0"), "the Maya module's lib/"))
    out.append((os.path.join(os.path.dirname(_HERE), "..", "libbrm.so.0"), "the install prefix's lib/"))
    for profile in ("release", "debug"):
        out.append((os.path.join(up2, "target", profile, "libbrm.so"), "the source checkout"))
    out.append(("libbrm.so.0", "the system library path"))
    return out


class Library:
    """The loaded libbrm with its prototypes set, plus the calling conventions."""

    def __init__(self, cdll: ctypes.CDLL, path: str):
        self.cdll = cdll
        self.path = path
        self.missing: List[str] = []
        for name, (restype, argtypes) in _PROTOTYPES.items():
            try:
                fn = getattr(cdll, name)
            except AttributeError:
                if name in _OPTIONAL:
                    self.missing.append(name)
                    continue
                raise LibraryNotFoundError(
                    "%s has no function %s: it is older than these Python bindings; install a "
                    "libbrm from the same brm release (or point BRM_LIBRARY at one)" % (path, name)
                )
            fn.restype = restype
            fn.argtypes = argtypes
        abi = cdll.brm_abi_version()
        if abi != ABI_VERSION:
            raise LibraryNotFoundError(
                "%s has C ABI version %d but these Python bindings need version %d; install "
                "the brm package and libbrm from the same release" % (path, abi, ABI_VERSION)
            )

    def last_error(self) -> str:
        """This thread's last failure message (``brm_last_error``)."""
        needed = c_size_t(0)
        self.cdll.brm_last_error(None, 0, ctypes.byref(needed))
        size = max(needed.value, 1)
        buf = ctypes.create_string_buffer(size)
        self.cdll.brm_last_error(buf, size, None)
        return buf.value.decode("utf-8", "replace")

    def call(self, name: str, *args: Any) -> None:
        """Call ``name`` and raise the matching exception unless it returned ``BRM_OK``.

        The message is read on the same thread right after the call, as the C ABI keeps it
        per thread.
        """
        if name in self.missing:
            raise error_for(
                13,
                "%s lacks %s (an older libbrm); install the libbrm of this brm release"
                % (self.path, name),
                name,
            )
        rc = getattr(self.cdll, name)(*args)
        if rc != 0:
            raise error_for(rc, self.last_error() or "%s failed (code %d)" % (name, rc), name)

    def take_string(self, ptr: c_void_p) -> str:
        """Copy a library-allocated string and free it with ``brm_string_free``."""
        if not ptr.value:
            return ""
        try:
            return ctypes.string_at(ptr.value).decode("utf-8", "replace")
        finally:
            self.cdll.brm_string_free(ptr)

    def string_call(self, name: str, *args: Any) -> str:
        """Call a function whose last parameter is a ``char **out`` and return the string."""
        out = c_void_p()
        self.call(name, *(args + (ctypes.byref(out),)))
        return self.take_string(out)


_lock = threading.Lock()
_library: Optional[Library] = None


def load() -> Library:
    """The library, loaded on first use (``import brm`` itself never fails for a missing
    libbrm; the first call that needs it raises :class:`LibraryNotFoundError`)."""
    global _library
    if _library is not None:
        return _library
    with _lock:
        if _library is None:
            _library = _load()
    return _library


def _load() -> Library:
    tried = []
    for path, why in candidates():
        is_name = os.sep not in path
        if not is_name and not os.path.exists(path):
            tried.append("  %s (%s): not there" % (path, why))
            continue
        try:
            cdll = ctypes.CDLL(path)
        except OSError as e:
            tried.append("  %s (%s): %s" % (path, why, e))
            continue
        return Library(cdll, _loaded_path(cdll, path))
    raise LibraryNotFoundError(
        "cannot find libbrm (the brm library); looked in:\n%s\n"
        "Set BRM_LIBRARY to the path of libbrm.so.0, install brm with scripts/install.sh, or "
        "`pip install` the package from a checkout where `cargo build --release --lib` ran."
        % "\n".join(tried)
    )


def _loaded_path(cdll: ctypes.CDLL, path: str) -> str:
    """The file the loader actually opened (for a bare SONAME, via dladdr)."""
    if os.sep in path:
        return os.path.realpath(path)
    try:

        class DlInfo(Structure):
            _fields_ = [
                ("dli_fname", c_char_p),
                ("dli_fbase", c_void_p),
                ("dli_sname", c_char_p),
                ("dli_saddr", c_void_p),
            ]

        libdl = ctypes.CDLL(None)
        info = DlInfo()
        addr = ctypes.cast(cdll.brm_abi_version, c_void_p)
        if libdl.dladdr(addr, ctypes.byref(info)) and info.dli_fname:
            return info.dli_fname.decode(sys.getfilesystemencoding(), "replace")
    except (OSError, AttributeError):
        pass
    return path


def encode(value: Any, what: str) -> bytes:
    """A Python string or path as the NUL-terminated UTF-8 the C ABI takes."""
    if isinstance(value, bytes):
        raw = value
    else:
        text = os.fspath(value) if hasattr(value, "__fspath__") else value
        if isinstance(text, bytes):
            raw = text
        elif isinstance(text, str):
            raw = text.encode("utf-8", "surrogateescape")
        else:
            raise TypeError("%s must be a string, not %s" % (what, type(value).__name__))
    if b"\0" in raw:
        raise ValueError("%s contains a NUL character: %r" % (what, value))
    return raw


def handle_finalizer(lib: Library, free_name: str) -> Callable[[int], None]:
    """A function freeing a handle with ``free_name`` (for ``weakref.finalize``)."""
    free = getattr(lib.cdll, free_name)

    def finalize(ptr: int) -> None:
        free(c_void_p(ptr))

    return finalize
