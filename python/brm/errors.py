"""Exceptions: one class per ``brm_result`` code of the C ABI, each carrying brm's message.

Every class derives from :class:`BrmError`, so ``except brm.BrmError`` catches anything brm
raises. Where a built-in exception means the same thing, the class derives from it too
(``FrameSyntaxError`` is a ``ValueError``, ``NotFoundError`` a ``LookupError``,
``BrmTimeoutError`` a ``TimeoutError``), so generic handlers keep working.
"""

from typing import Dict, Optional, Type


class BrmError(Exception):
    """Something brm refused or could not do.

    ``code`` is the ``brm_result`` number from ``include/brm.h`` (0 is never raised);
    ``message`` is brm's own message (``brm_last_error``), which says what was wrong and what
    to do; ``function`` names the C function that failed.
    """

    #: The ``brm_result`` value this class stands for.
    code = -1
    #: The C name of the code (``BRM_ERR_...``).
    code_name = "BRM_ERR_UNKNOWN"

    def __init__(self, message: str, function: Optional[str] = None, code: Optional[int] = None):
        super().__init__(message)
        self.message = message
        self.function = function
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class LibraryNotFoundError(BrmError, ImportError):
    """libbrm could not be found or loaded; the message lists every place brm looked."""

    code_name = "BRM_LIBRARY_NOT_FOUND"


class NullArgumentError(BrmError):
    """A required pointer argument was NULL (a bug in these bindings if you see it)."""

    code = 1
    code_name = "BRM_ERR_NULL_ARGUMENT"


class InvalidUtf8Error(BrmError, ValueError):
    """A string argument was not valid UTF-8."""

    code = 2
    code_name = "BRM_ERR_INVALID_UTF8"


class InvalidArgumentError(BrmError, ValueError):
    """An argument had a value outside what brm accepts (e.g. an unknown method)."""

    code = 3
    code_name = "BRM_ERR_INVALID_ARGUMENT"


class FrameSyntaxError(BrmError, ValueError):
    """A frame-set spec did not parse; the message names the byte position and a fix."""

    code = 4
    code_name = "BRM_ERR_FRAME_SYNTAX"


class TooManyFramesError(BrmError, ValueError):
    """A frame set has more frames than the cap."""

    code = 5
    code_name = "BRM_ERR_TOO_MANY_FRAMES"


class BufferTooSmallError(BrmError):
    """A buffer was too small (handled inside these bindings; not normally raised)."""

    code = 6
    code_name = "BRM_ERR_BUFFER_TOO_SMALL"


class NotFoundError(BrmError, LookupError):
    """A job, file, layer or executable does not exist."""

    code = 7
    code_name = "BRM_ERR_NOT_FOUND"


class UnavailableError(BrmError):
    """The agent or a renderer is not available and could not be started."""

    code = 8
    code_name = "BRM_ERR_UNAVAILABLE"


class BrmIOError(BrmError):
    """An operating-system I/O error inside brm (disk full, permissions, ...)."""

    code = 9
    code_name = "BRM_ERR_IO"


class ProtocolError(BrmError):
    """Client and agent disagree (e.g. a protocol version mismatch after an upgrade)."""

    code = 10
    code_name = "BRM_ERR_PROTOCOL"


class JobFailedError(BrmError):
    """The job failed."""

    code = 11
    code_name = "BRM_ERR_JOB_FAILED"


class BrmTimeoutError(BrmError, TimeoutError):
    """A wait ran out of time before the job finished (the job goes on)."""

    code = 12
    code_name = "BRM_ERR_TIMEOUT"


class UnsupportedError(BrmError):
    """A valid request this build or platform cannot serve."""

    code = 13
    code_name = "BRM_ERR_UNSUPPORTED"


class PanicError(BrmError):
    """A bug inside libbrm panicked; the call was abandoned safely. Please report it."""

    code = 14
    code_name = "BRM_ERR_PANIC"


class InternalError(BrmError):
    """An internal invariant of libbrm failed. Please report it."""

    code = 15
    code_name = "BRM_ERR_INTERNAL"


class RendererUnavailableError(UnavailableError):
    """No render level of the job can run: the renderer (Maya, Blender) was not found in the
    job's own environment. The message says what to install or set (e.g. ``MAYA_LOCATION``)."""

    code = 16
    code_name = "BRM_ERR_RENDERER_UNAVAILABLE"


_BY_CODE: Dict[int, Type[BrmError]] = {
    cls.code: cls
    for cls in (
        NullArgumentError,
        InvalidUtf8Error,
        InvalidArgumentError,
        FrameSyntaxError,
        TooManyFramesError,
        BufferTooSmallError,
        NotFoundError,
        UnavailableError,
        BrmIOError,
        ProtocolError,
        JobFailedError,
        BrmTimeoutError,
        UnsupportedError,
        PanicError,
        InternalError,
        RendererUnavailableError,
    )
}


def error_for(code: int, message: str, function: Optional[str] = None) -> BrmError:
    """The exception for a ``brm_result`` ``code`` (a newer library's unknown code gives a
    plain :class:`BrmError` carrying the number)."""
    cls = _BY_CODE.get(code)
    if cls is None:
        return BrmError(
            "%s (brm_result %d, unknown to this version of the Python bindings)"
            % (message, code),
            function,
            code,
        )
    return cls(message, function)
