"""brm for Python: submit and follow background renders from pipeline tools, mayapy and
Maya, over libbrm's C ABI (the same engine as the ``brm`` CLI and the Maya plug-in).

>>> import brm
>>> brm.frames("1-100x5").compact()
'1-96x5,100'
>>> with brm.Client() as c:
...     job = c.submit("shot.blend", frames="1-24", output="renders")
...     for line in job.logs(follow=True, stream="brm"):
...         print(line.text)
...     print(job.wait().files)

Nothing here renders or schedules by itself: every call goes through libbrm (found beside
this package, in the Maya module, in the install prefix or at ``BRM_LIBRARY``) to the
per-user agent, which owns the renders. Python 3.7+ (mayapy of Maya 2022 and later).
"""

from . import _native
from .client import (
    Client,
    Job,
    JobState,
    JobStatus,
    LogLine,
    LogReader,
    Stream,
    TaskState,
    TaskStatus,
)
from .errors import (
    BrmError,
    BrmIOError,
    BrmTimeoutError,
    BufferTooSmallError,
    FrameSyntaxError,
    InternalError,
    RendererUnavailableError,
    InvalidArgumentError,
    InvalidUtf8Error,
    JobFailedError,
    LibraryNotFoundError,
    NotFoundError,
    NullArgumentError,
    PanicError,
    ProtocolError,
    TooManyFramesError,
    UnavailableError,
    UnsupportedError,
)
from .frameset import FrameSet, frames
from .names import Renderer, StateName, final_states, job_states, methods, renderers, task_states
from .scene import Layer, RequiredPlugin, SceneInfo, inspect
from .system import BlenderInstall, Cpus, Gpu, MayaInstall, Memory, SystemReport, detect

#: The version of these Python bindings (the brm release they belong to).
__version__ = "0.1.0"

__all__ = [
    "frames",
    "FrameSet",
    "detect",
    "SystemReport",
    "Gpu",
    "Cpus",
    "Memory",
    "MayaInstall",
    "BlenderInstall",
    "inspect",
    "renderers",
    "methods",
    "job_states",
    "final_states",
    "task_states",
    "Renderer",
    "StateName",
    "SceneInfo",
    "Layer",
    "RequiredPlugin",
    "Client",
    "Job",
    "JobState",
    "JobStatus",
    "TaskState",
    "TaskStatus",
    "LogLine",
    "LogReader",
    "Stream",
    "library_path",
    "version",
    "shutdown",
    "BrmError",
    "LibraryNotFoundError",
    "NullArgumentError",
    "InvalidUtf8Error",
    "InvalidArgumentError",
    "FrameSyntaxError",
    "TooManyFramesError",
    "BufferTooSmallError",
    "NotFoundError",
    "UnavailableError",
    "BrmIOError",
    "ProtocolError",
    "JobFailedError",
    "BrmTimeoutError",
    "UnsupportedError",
    "PanicError",
    "InternalError",
    "RendererUnavailableError",
]


def library_path() -> str:
    """The libbrm file in use (loading it if needed)."""
    return _native.load().path


def version() -> str:
    """The version of the loaded libbrm (``brm_version``), e.g. ``"0.1.0"``."""
    return _native.load().cdll.brm_version().decode("utf-8", "replace")


def shutdown() -> None:
    """Release libbrm's process-wide resources (``brm_shutdown``); brm stays usable."""
    _native.load().cdll.brm_shutdown()
