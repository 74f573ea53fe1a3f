//! C ABI for system detection. (Being written.)
