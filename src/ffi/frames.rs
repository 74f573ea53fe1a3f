//! C ABI for frame sets. (Being written.)
