// BRM_NOTIFY as the plug-in reads it: the same meaning as the Rust `config::notify`, so the
// in-view message and the agent's desktop notification are turned off by the same words.
#pragma once

namespace brm_maya {

/// True when `value` (BRM_NOTIFY, NULL when unset) turns notifications off: after trimming
/// whitespace and lower-casing, `0`, `false`, `no` or `off`. Unset or anything else: on.
bool notifyOff(const char* value);

}  // namespace brm_maya
