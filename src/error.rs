//! The crate-wide error type.
//!
//! Each module has its own error enum with the context a user needs (what was wrong, what to
//! do); this enum only gathers them so fronts (CLI exit codes, C ABI result codes) can map
//! every failure through one [`ErrorKind`].

/// What class of failure an error is: drives `brm_result` codes and CLI exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A caller-supplied value is malformed (bad flag value, bad job spec field).
    InvalidArgument,
    /// A frame-set spec does not parse.
    FrameSyntax,
    /// A frame set expands to more frames than the configured cap.
    TooManyFrames,
    /// Something named does not exist (job id, scene file, layer, executable).
    NotFound,
    /// A needed service or tool is not available (agent not startable, no renderer).
    Unavailable,
    /// No way to render the job exists here: none of its method levels' programs is installed
    /// (or set) in the job's environment. Exit 3, like the other "unavailable" cases, with a
    /// C result of its own so a front can tell "install Maya" from "the agent is down".
    RendererUnavailable,
    /// An operating-system I/O failure.
    Io,
    /// Client and agent disagree (protocol version, malformed message).
    Protocol,
    /// A job or task failed.
    JobFailed,
    /// A wait ran out of time.
    Timeout,
    /// A valid request this build or platform cannot serve (e.g. `.mb` details).
    Unsupported,
    /// A bug: an invariant did not hold.
    Internal,
}

impl ErrorKind {
    /// CLI exit code (DESIGN §6): 0 ok, 1 job failed, 2 usage, 3 not found/unavailable.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::InvalidArgument
            | ErrorKind::FrameSyntax
            | ErrorKind::TooManyFrames
            | ErrorKind::Unsupported => 2,
            ErrorKind::NotFound
            | ErrorKind::Unavailable
            | ErrorKind::RendererUnavailable
            | ErrorKind::Protocol => 3,
            ErrorKind::JobFailed | ErrorKind::Timeout | ErrorKind::Io | ErrorKind::Internal => 1,
        }
    }
}

/// Implemented by every module error so it can say which [`ErrorKind`] it is.
pub trait Kind {
    fn kind(&self) -> ErrorKind;
}

/// A module's own error enum, which converts itself into [`Error`] by implementing this
/// marker in its own file (`impl crate::error::ModuleError for PlanError {}`). This file names
/// no module above it: `error` is the floor every module stands on, so it must not import
/// them back (issue 23: imports only downward).
pub trait ModuleError: std::error::Error + Kind + Send + Sync + 'static {}

/// A module error kept whole: its message, its [`ErrorKind`] and its source chain.
#[derive(Debug)]
pub struct Boxed(Box<dyn ModuleError>);

impl std::fmt::Display for Boxed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Boxed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// Any error the engine can return.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error of one module (frames, detect, scene, plan, run, queue, client, farm, …).
    #[error(transparent)]
    Module(Boxed),
    /// An error re-told in other words with its kind kept (e.g. a snapshot's name replaced by
    /// the artist's file).
    #[error("{message}")]
    Reworded { kind: ErrorKind, message: String },
    /// A bad argument detected outside any module (e.g. at the C ABI or CLI boundary).
    #[error("{0}")]
    InvalidArgument(String),
    /// Something named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// An I/O failure with what brm was doing at the time.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl<E: ModuleError> From<E> for Error {
    fn from(e: E) -> Error {
        Error::Module(Boxed(Box::new(e)))
    }
}

impl Error {
    /// Wrap an I/O error with what was being done, e.g. `Error::io("reading scene x.ma", e)`.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The module error of type `E` this is, if it is one (e.g. "is this a full disk?").
    pub fn module<E: ModuleError>(&self) -> Option<&E> {
        match self {
            Error::Module(Boxed(b)) => {
                let e: &(dyn std::error::Error + 'static) = &**b;
                e.downcast_ref::<E>()
            }
            _ => None,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Module(Boxed(e)) => e.kind(),
            Error::Reworded { kind, .. } => *kind,
            Error::InvalidArgument(_) => ErrorKind::InvalidArgument,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    pub fn exit_code(&self) -> i32 {
        self.kind().exit_code()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
