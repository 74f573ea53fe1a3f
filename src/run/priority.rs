//! How much a render yields to the artist's own programs (issue 20).
//!
//! brm exists so an artist keeps working while layers render in the background; a render at
//! the same priority as Maya's UI thread takes its share of every core and the UI stutters.
//! A workstation render therefore starts at a higher nice value and the lowest best-effort
//! I/O level (Linux), or `BELOW_NORMAL_PRIORITY_CLASS` (Windows). Both are inherited by the
//! renderer's own children. When nobody else wants the CPU, a niced render runs exactly as
//! fast (the scheduler only weighs it against runnable competitors), and a GPU render needs
//! little CPU anyway.
//!
//! Farm nodes (`brm task run`) have no artist: they render at normal priority.

/// The priority a render starts at. `NORMAL` changes nothing (inherits brm's own).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderPriority {
    /// Nice value the render runs at, at least (0 = unchanged; capped at 19).
    nice: u8,
}

impl RenderPriority {
    /// Inherit the starting process's priority (farm nodes; `BRM_RENDER_NICE=0`).
    pub const NORMAL: RenderPriority = RenderPriority { nice: 0 };

    /// A background render at nice `nice` (0 = [`RenderPriority::NORMAL`], above 19 = 19).
    pub fn background(nice: u32) -> RenderPriority {
        RenderPriority {
            nice: nice.min(19) as u8,
        }
    }

    /// The nice value renders get (0 = unchanged).
    pub fn nice(&self) -> u8 {
        self.nice
    }

    /// Whether renders start below normal priority.
    pub fn is_lowered(&self) -> bool {
        self.nice > 0
    }
}

/// Linux I/O priorities (`<linux/ioprio.h>`): a lowered render gets the best-effort class at
/// its lowest level (7). Not the idle class: that one can starve a render's frame writes for
/// as long as the artist's programs keep the disk busy. The kernel honours I/O priorities
/// only with the BFQ scheduler (CFQ on old kernels); elsewhere they are ignored, harmlessly.
#[cfg(target_os = "linux")]
pub(super) mod linux {
    pub const IOPRIO_CLASS_SHIFT: i32 = 13;
    pub const IOPRIO_CLASS_BE: i32 = 2;
    pub const IOPRIO_WHO_PROCESS: i32 = 1;
    /// Best effort, level 7 (the lowest).
    pub const BACKGROUND_IOPRIO: i32 = (IOPRIO_CLASS_BE << IOPRIO_CLASS_SHIFT) | 7;

    /// Applies `nice` (never lowering the nice value already there) and the background I/O
    /// priority to the calling thread (a freshly forked child has only that one).
    ///
    /// Async-signal-safe: raw system calls on integers only, so it may run between fork and
    /// exec. Errors are ignored: raising one's own nice value and lowering one's own I/O
    /// priority are always allowed; a render must start even on a kernel without them.
    pub fn apply_to_self(nice: i32) {
        // SAFETY: plain system calls on integer arguments; no memory, no locks.
        unsafe {
            // The raw getpriority returns 20 - nice (never negative), unlike glibc's wrapper.
            let raw = libc::syscall(libc::SYS_getpriority, libc::PRIO_PROCESS, 0);
            let current = if raw >= 0 { 20 - raw as i32 } else { 0 };
            if nice > current {
                libc::syscall(libc::SYS_setpriority, libc::PRIO_PROCESS, 0, nice);
            }
            libc::syscall(
                libc::SYS_ioprio_set,
                IOPRIO_WHO_PROCESS,
                0,
                BACKGROUND_IOPRIO,
            );
        }
    }
}
