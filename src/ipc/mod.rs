//! The local channel between a client and the user's agent, shared by both ends.
//!
//! Why its own module: the client (CLI, C ABI, plug-in) and the agent both speak over it, and
//! neither may import the other — the client sits above the agent only because it can start
//! one, not because it needs the agent's code. `transport` is the byte stream (a 0600 Unix
//! socket in the per-user runtime dir, or a per-user named pipe); `trust` is how each side
//! proves the other end is this user's own.

pub mod transport;
#[cfg(unix)]
pub mod trust;
