//! The per-user agent: owns the renders so they outlive Maya and the CLI.
//!
//! `brm agent serve` hosts the [`crate::queue::Engine`] behind a local socket ([`crate::ipc`];
//! Unix: mode 0600 in the per-user runtime dir, peer uid checked; Windows: a per-user named
//! pipe). One
//! agent per user: a lock file decides who serves. It exits after a configurable idle time
//! with nothing queued or running, and re-attaches to running renders when it starts.
//! `service` installs it as a systemd user unit / XDG autostart entry. Starting an agent and
//! upgrading an older one are the client's (`crate::client`): the agent imports no client.

mod server;
pub mod service;

pub use server::{serve, ServeOptions, ServeOutcome};
