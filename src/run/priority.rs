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

    /// A nice value, with its decimal text made before `fork` (nothing may allocate after).
    #[derive(Clone, Copy)]
    pub struct Nice {
        value: i32,
        text: [u8; 2],
        len: usize,
    }

    impl Nice {
        pub fn new(nice: u8) -> Nice {
            let nice = nice.min(19);
            let (text, len) = if nice >= 10 {
                ([b'0' + nice / 10, b'0' + nice % 10], 2)
            } else {
                ([b'0' + nice, 0], 1)
            };
            Nice {
                value: i32::from(nice),
                text,
                len,
            }
        }

        /// Applies the nice value (never lowering one already higher) and the background
        /// I/O priority to the calling thread (a freshly forked child has only that one),
        /// and the nice value to its session's scheduler autogroup: with
        /// `kernel.sched_autogroup_enabled` (the default on desktop distributions) CPU time
        /// is shared between sessions first, so a niced process in its own session would
        /// still get as much as the artist's whole session. Call right after `setsid`.
        ///
        /// Async-signal-safe: raw system calls only, so it may run between fork and exec.
        /// Errors are ignored: raising one's own nice value and lowering one's own I/O
        /// priority are always allowed; the autogroup write may be refused (no autogroups,
        /// or the kernel's limit of one unprivileged write per 100 ms machine-wide), and a
        /// render must start anyway.
        pub fn apply_to_self(&self) {
            if self.value == 0 {
                return;
            }
            // SAFETY: system calls on integers and on this struct's own bytes; no
            // allocation, no locks.
            unsafe {
                // The raw getpriority returns 20 - nice (never negative), unlike glibc's.
                let raw = libc::syscall(libc::SYS_getpriority, libc::PRIO_PROCESS, 0);
                let current = if raw >= 0 { 20 - raw as i32 } else { 0 };
                if self.value > current {
                    libc::syscall(libc::SYS_setpriority, libc::PRIO_PROCESS, 0, self.value);
                }
                libc::syscall(
                    libc::SYS_ioprio_set,
                    IOPRIO_WHO_PROCESS,
                    0,
                    BACKGROUND_IOPRIO,
                );
                let fd = libc::open(
                    c"/proc/self/autogroup".as_ptr(),
                    libc::O_WRONLY | libc::O_CLOEXEC,
                );
                if fd >= 0 {
                    libc::write(fd, self.text.as_ptr().cast(), self.len);
                    libc::close(fd);
                }
            }
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn nice_text_is_decimal() {
            let t = |n| {
                let v = super::Nice::new(n);
                String::from_utf8(v.text[..v.len].to_vec()).unwrap()
            };
            assert_eq!(t(1), "1");
            assert_eq!(t(10), "10");
            assert_eq!(t(40), "19");
        }
    }
}
