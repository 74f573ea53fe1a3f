//! The per-user agent: IPC server around the queue. (Being written.)
