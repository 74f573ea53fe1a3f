//! C ABI for scenes: inspection and snapshot paths. (Being written.)
