"""Frame sets: ``brm.frames("1-100x5")``, parsed by libbrm (the same grammar as the CLI, the
plug-in and the farm hand-off; DESIGN §4)."""

import ctypes
import weakref
from ctypes import c_int64, c_size_t, c_uint64, c_void_p
from typing import Iterator, List, Optional, Union

from . import _native

#: Frames copied out of the library per call while iterating.
_PAGE = 4096


class FrameSet:
    """An ordered set of frames (64-bit ints) as brm reads a spec.

    Order is the spec's order, duplicates dropped (first kept). The set is lazy: libbrm
    keeps ranges and counts arithmetically, so ``len()`` is instant; iteration (and ``in``)
    copies pages of 4,096 frames, so ``brm.frames("1-10000000")`` costs no memory.

    >>> fs = brm.frames("1-100x5")
    >>> len(fs), fs.compact(), 96 in fs, 97 in fs
    (21, '1-96x5,100', True, False)
    """

    __slots__ = ("_ptr", "_spec", "_len", "_finalizer", "__weakref__")

    def __init__(self, spec: str, cap: Optional[int] = None):
        """Parse ``spec``; ``cap`` (default 10,000,000) refuses specs with more frames.

        Raises :class:`~brm.FrameSyntaxError` (with the byte position and a hint) or
        :class:`~brm.TooManyFramesError`.
        """
        lib = _native.load()
        raw = _native.encode(spec, "frame spec")
        out = c_void_p()
        if cap is None:
            lib.call("brm_frames_parse", raw, ctypes.byref(out))
        else:
            lib.call("brm_frames_parse_with_cap", raw, c_uint64(int(cap)), ctypes.byref(out))
        self._ptr = out
        self._spec = spec
        self._finalizer = weakref.finalize(
            self, _native.handle_finalizer(lib, "brm_frameset_free"), out.value
        )
        n = c_uint64()
        lib.call("brm_frameset_len", self._ptr, ctypes.byref(n))
        self._len = n.value

    @property
    def spec(self) -> str:
        """The spec this set was parsed from."""
        return self._spec

    def __len__(self) -> int:
        return self._len

    def __bool__(self) -> bool:
        return self._len > 0

    def page(self, offset: int, count: int) -> List[int]:
        """Frames at positions ``offset`` … ``offset + count - 1`` (fewer at the end)."""
        if offset < 0 or count < 0:
            raise ValueError("offset and count must not be negative")
        if count == 0 or offset >= self._len:
            return []
        count = min(count, self._len - offset)
        buf = (c_int64 * count)()
        written = c_size_t()
        _native.load().call(
            "brm_frameset_frames", self._ptr, c_uint64(offset), buf, count, ctypes.byref(written)
        )
        return list(buf[: written.value])

    def __iter__(self) -> Iterator[int]:
        offset = 0
        while offset < self._len:
            chunk = self.page(offset, _PAGE)
            if not chunk:
                return
            for f in chunk:
                yield f
            offset += len(chunk)

    def __getitem__(self, index: int) -> int:
        if not isinstance(index, int):
            raise TypeError("frame sets are indexed by int (slicing is not supported)")
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("frame index %d out of range (%d frames)" % (index, self._len))
        return self.page(index, 1)[0]

    def __contains__(self, frame: object) -> bool:
        if isinstance(frame, bool) or not isinstance(frame, int):
            return False
        for f in self:
            if f == frame:
                return True
        return False

    def to_list(self) -> List[int]:
        """All frames as a list."""
        return list(self)

    def compact(self) -> str:
        """The shortest spec with the same frames in the same order (``"1-96x5,100"`` for
        ``"1-100x5"``), also read the same by fileseq and Deadline."""
        return _native.load().string_call("brm_frameset_compact", self._ptr)

    def __str__(self) -> str:
        return self.compact()

    def __repr__(self) -> str:
        return "brm.frames(%r)" % self.compact()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrameSet):
            return self.compact() == other.compact()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.compact())


def frames(spec: Union[str, FrameSet], cap: Optional[int] = None) -> FrameSet:
    """Parse a frame-set spec: ``1,5,10`` · ``10-20`` · ``1-100x5`` (step, the last frame
    always included) · ``1-10y3`` (the range minus the ``x3`` frames) · ``10-1`` (descending)
    · ``-5-5`` (negatives) · combinations with ``,``.

    A :class:`FrameSet` is returned as is. Raises :class:`~brm.FrameSyntaxError` with the
    byte position and a hint (``:`` is refused: it means step in Deadline and interleave in
    fileseq).
    """
    if isinstance(spec, FrameSet) and cap is None:
        return spec
    if isinstance(spec, FrameSet):
        spec = spec.compact()
    return FrameSet(spec, cap)
