//! What now, after an attempt ended: the one fallback/retry policy (issue 23, item 2).
//!
//! The local engine (`queue::engine::attempts::finalize`) and the farm node
//! (`farm::node::render_task`) both ask [`decide`] and only persist or log its answer, so the
//! two can no longer drift apart. The policy is pure: no I/O, no clock, no job or runner
//! types; its inputs are plain facts about the attempt and the task.
//!
//! The order is the engine's (the reference meaning), first match wins:
//!
//! 1. every frame of the task is verified → [`Next::Done`]
//! 2. the attempt (or its job) was cancelled → [`Next::Cancelled`]
//! 3. the output disk is full → fail: another level or a retry would meet the same full disk
//! 4. a warm session failed without a fatal renderer line, and rule 5 does not apply →
//!    [`Next::RerunCold`] (issue 13 §3: once, without counting a retry)
//! 5. no frame of the whole task is done and another method level exists →
//!    [`Next::FallBack`] (checked before the fatal line: the next level is another program,
//!    which may not meet the same line)
//! 6. a fatal renderer line → fail: the same level would hit the same line again
//! 7. retries left → [`Next::Retry`], even when this attempt wrote no frame
//! 8. otherwise → fail, no retries left
//!
//! Rule 5 looks at the whole task, not at this attempt: a task that has frames done already
//! renders on the level that made them, so an attempt that wrote none is retried there.

/// The facts about an ended attempt that decide what happens next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ended {
    /// The attempt was cancelled, or its job was asked to cancel.
    pub cancelled: bool,
    /// Verification found the output folder's disk full.
    pub disk_full: bool,
    /// The renderer printed a fatal line (licence, missing plug-in…).
    pub fatal: bool,
    /// The attempt ran on a warm session and that session failed. A farm node has no warm
    /// sessions and always passes `false`.
    pub warm_failed: bool,
    /// Frames this attempt wrote and verification accepted. It decides nothing (rule 5 and
    /// rule 7 look at the whole task); it is here so callers and tests state it, and the
    /// table shows that an attempt without frames is still retried.
    pub written: usize,
    /// Frames of the whole task verified so far, this attempt's included.
    pub task_done: usize,
    /// Frames of the task still missing after this attempt.
    pub task_missing: usize,
    /// Retries already spent on this task.
    pub retries_used: u32,
    /// Retries the job allows.
    pub max_retries: u32,
    /// Another method level follows the current one.
    pub next_level: bool,
}

/// Why a task fails: each caller words its own message (the engine's are part of its log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailReason {
    /// The output disk is full.
    DiskFull,
    /// The renderer printed a fatal line.
    Fatal,
    /// Frames are missing and no retry is left.
    NoRetriesLeft,
}

/// What happens after an attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Every frame of the task is verified.
    Done,
    /// The task stops as cancelled.
    Cancelled,
    /// The missing frames render on the next method level (no retry counted).
    FallBack,
    /// The missing frames render again on the same level; one retry is spent.
    Retry,
    /// The missing frames render again outside the warm session (no retry counted).
    RerunCold,
    /// The task fails.
    Fail { reason: FailReason },
}

/// The one answer to "what now" (see the module's order).
pub fn decide(e: &Ended) -> Next {
    let nothing_done_and_next = e.task_done == 0 && e.next_level;
    if e.task_missing == 0 {
        Next::Done
    } else if e.cancelled {
        Next::Cancelled
    } else if e.disk_full {
        Next::Fail {
            reason: FailReason::DiskFull,
        }
    } else if e.warm_failed && !e.fatal && !nothing_done_and_next {
        Next::RerunCold
    } else if nothing_done_and_next {
        Next::FallBack
    } else if e.fatal {
        Next::Fail {
            reason: FailReason::Fatal,
        }
    } else if e.retries_used < e.max_retries {
        Next::Retry
    } else {
        Next::Fail {
            reason: FailReason::NoRetriesLeft,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAIL_DISK: Next = Next::Fail {
        reason: FailReason::DiskFull,
    };
    const FAIL_FATAL: Next = Next::Fail {
        reason: FailReason::Fatal,
    };
    const FAIL_SPENT: Next = Next::Fail {
        reason: FailReason::NoRetriesLeft,
    };

    /// A task of 4 frames, none done, retries 0 of 2, another level after this one.
    fn base() -> Ended {
        Ended {
            task_missing: 4,
            max_retries: 2,
            next_level: true,
            ..Ended::default()
        }
    }

    /// One row per case: (what it shows, the facts, the answer).
    fn table() -> Vec<(&'static str, Ended, Next)> {
        let b = base();
        vec![
            (
                "all frames verified",
                Ended {
                    written: 4,
                    task_done: 4,
                    task_missing: 0,
                    ..b
                },
                Next::Done,
            ),
            (
                "done wins over cancel, disk full and fatal",
                Ended {
                    cancelled: true,
                    disk_full: true,
                    fatal: true,
                    task_done: 4,
                    task_missing: 0,
                    ..b
                },
                Next::Done,
            ),
            (
                "cancelled with frames missing",
                Ended {
                    cancelled: true,
                    ..b
                },
                Next::Cancelled,
            ),
            (
                "cancel wins over a full disk",
                Ended {
                    cancelled: true,
                    disk_full: true,
                    ..b
                },
                Next::Cancelled,
            ),
            (
                "disk full fails even with another level and retries left",
                Ended {
                    disk_full: true,
                    ..b
                },
                FAIL_DISK,
            ),
            (
                "disk full fails a warm failure too",
                Ended {
                    disk_full: true,
                    warm_failed: true,
                    task_done: 1,
                    ..b
                },
                FAIL_DISK,
            ),
            (
                "warm failure with frames done: re-run cold, no retry counted",
                Ended {
                    warm_failed: true,
                    written: 1,
                    task_done: 1,
                    task_missing: 3,
                    ..b
                },
                Next::RerunCold,
            ),
            (
                "warm failure on the last level with nothing done: re-run cold",
                Ended {
                    warm_failed: true,
                    next_level: false,
                    ..b
                },
                Next::RerunCold,
            ),
            (
                "warm failure with no retries left: still re-run cold",
                Ended {
                    warm_failed: true,
                    task_done: 1,
                    task_missing: 3,
                    retries_used: 2,
                    ..b
                },
                Next::RerunCold,
            ),
            (
                "warm failure, nothing done, another level: fall back instead",
                Ended {
                    warm_failed: true,
                    ..b
                },
                Next::FallBack,
            ),
            (
                "warm failure with a fatal line: fatal fails",
                Ended {
                    warm_failed: true,
                    fatal: true,
                    task_done: 1,
                    task_missing: 3,
                    ..b
                },
                FAIL_FATAL,
            ),
            (
                "nothing done for the task, another level: fall back",
                b,
                Next::FallBack,
            ),
            (
                "fall back is checked before the fatal line",
                Ended { fatal: true, ..b },
                Next::FallBack,
            ),
            (
                "fall back even with no retries left",
                Ended {
                    retries_used: 2,
                    ..b
                },
                Next::FallBack,
            ),
            (
                "this attempt wrote none but the task has frames: retry, no fall back",
                Ended {
                    written: 0,
                    task_done: 1,
                    task_missing: 3,
                    ..b
                },
                Next::Retry,
            ),
            (
                "fatal line with frames done: fail, no retry",
                Ended {
                    fatal: true,
                    written: 1,
                    task_done: 1,
                    task_missing: 3,
                    ..b
                },
                FAIL_FATAL,
            ),
            (
                "fatal line on the last level: fail",
                Ended {
                    fatal: true,
                    next_level: false,
                    ..b
                },
                FAIL_FATAL,
            ),
            (
                "last level, nothing written, retries left: retry",
                Ended {
                    next_level: false,
                    ..b
                },
                Next::Retry,
            ),
            (
                "some frames written, retries left: retry",
                Ended {
                    written: 2,
                    task_done: 2,
                    task_missing: 2,
                    retries_used: 1,
                    ..b
                },
                Next::Retry,
            ),
            (
                "retries spent: fail",
                Ended {
                    written: 2,
                    task_done: 2,
                    task_missing: 2,
                    retries_used: 2,
                    ..b
                },
                FAIL_SPENT,
            ),
            (
                "no retries allowed, last level: fail",
                Ended {
                    next_level: false,
                    max_retries: 0,
                    ..b
                },
                FAIL_SPENT,
            ),
        ]
    }

    #[test]
    fn each_row_gets_its_answer() {
        for (what, ended, want) in table() {
            assert_eq!(decide(&ended), want, "{what}: {ended:?}");
        }
    }

    #[test]
    fn frames_this_attempt_wrote_decide_nothing() {
        for (what, ended, want) in table() {
            for written in [0, 1, 7] {
                let e = Ended { written, ..ended };
                assert_eq!(decide(&e), want, "{what} with written = {written}");
            }
        }
    }
}
