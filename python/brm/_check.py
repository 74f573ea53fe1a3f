"""Argument checks for the public API, in one message style (``brm.frames(123)``'s): a wrong
type is a ``TypeError`` naming the argument, what it takes and what it got; a value of the
right type that brm cannot take is an :class:`~brm.InvalidArgumentError` (a ``ValueError``)
saying what to give instead. Nothing is sent to the agent before every argument passed.
"""
import numbers
from typing import Any, Iterable, List, Mapping, Optional

from .errors import InvalidArgumentError
from .frameset import FrameSet

I32 = (-(2 ** 31), 2 ** 31 - 1)
U32_MAX = 2 ** 32 - 1


def _name(value: Any) -> str:
    return type(value).__name__


def integer(value: Any, what: str, low: Optional[int] = None, high: Optional[int] = None,
            hint: str = "") -> int:
    """An ``int`` (not a bool, not a float: ``priority=1.5`` is not silently 1) in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError("%s must be an int, not %s" % (what, _name(value)))
    v = int(value)
    if (low is not None and v < low) or (high is not None and v > high):
        if low is not None and high is not None:
            allowed = "from %d to %d" % (low, high)
        elif low is not None:
            allowed = "%d or more" % low
        else:
            allowed = "%d or less" % high
        raise InvalidArgumentError("%s must be %s, not %d%s" % (what, allowed, v, hint))
    return v


def seconds(value: Any, what: str) -> float:
    """A duration in seconds: a number, not negative."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("%s must be a number of seconds, not %s" % (what, _name(value)))
    if value < 0:
        raise InvalidArgumentError("%s must be 0 or more seconds, not %s" % (what, value))
    return float(value)


def job_id(value: Any) -> int:
    """A job id as ``client.jobs()`` and ``brm jobs`` show them (1 or more)."""
    return integer(value, "job id", 1, 2 ** 63 - 1, " (job ids start at 1: see client.jobs())")


def frames(value: Any) -> str:
    """A frame spec string, a :class:`FrameSet` or an iterable of frame numbers."""
    if isinstance(value, str):
        return value
    if isinstance(value, FrameSet):
        return value.compact()
    if isinstance(value, (bytes, bool)) or isinstance(value, numbers.Number) or not _iterable(value):
        raise TypeError("frames must be a frame spec string ('1-24'), a FrameSet or frame "
                        "numbers ([1, 2, 3]), not %s" % _name(value))
    out = [str(integer(f, "every frame in frames")) for f in value]
    if not out:
        raise InvalidArgumentError("frames is empty: give at least one frame, or None for the "
                                   "scene's range")
    return ",".join(out)


def gpu(value: Any) -> str:
    """``"auto"``, ``"cpu"``, a UUID, an index or indices."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not (isinstance(value, numbers.Integral) or _iterable(value)):
        raise TypeError("gpu must be 'auto', 'cpu', an index, indices or a UUID, not %s"
                        % _name(value))
    if isinstance(value, numbers.Integral):
        return str(integer(value, "gpu", 0))
    out = [str(integer(g, "every index in gpu", 0)) for g in value]
    if not out:
        raise InvalidArgumentError("gpu is empty: give 'auto', 'cpu' or at least one index")
    return ",".join(out)


def names(value: Any, what: str) -> List[str]:
    """A name or names (``layers``)."""
    if isinstance(value, str):
        return [value]
    if not _iterable(value) or isinstance(value, bytes):
        raise TypeError("%s must be a name or a list of names, not %s" % (what, _name(value)))
    out = list(value)
    for n in out:
        if not isinstance(n, str):
            raise TypeError("every name in %s must be a string, not %s" % (what, _name(n)))
    return out


def env(value: Any) -> Mapping[str, str]:
    """Variables for the render: names and values are strings."""
    if not isinstance(value, Mapping):
        raise TypeError("env must be a mapping of names to values ({'OCIO': '...'}), not %s"
                        % _name(value))
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError("env names and values must be strings, not %s: %s"
                            % (_name(k), _name(v)))
    return value


def flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError("%s must be True or False, not %s" % (what, _name(value)))
    return value


def _iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True


def compact(frames_list: Iterable[int]) -> str:
    """Frames in brm's compact form (``1-200``), for messages."""
    listed = ",".join(str(int(f)) for f in frames_list)
    return FrameSet(listed).compact() if listed else ""
