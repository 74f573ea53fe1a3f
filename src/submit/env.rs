//! The environment a local job takes with it: the submitter's, minus what describes the
//! session (display, terminal, ssh agent) or what brm sets itself (GPU pinning). The farm's
//! stricter rule, for environments that leave the workstation, is `farm::envfilter`.

/// Variables that describe the submitting session rather than the render environment, or
/// that brm sets itself (GPU pinning); they do not travel with a job.
const NON_TRAVELLING: &[&str] = &[
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "DBUS_SESSION_BUS_ADDRESS",
    "SESSION_MANAGER",
    "XDG_SESSION_ID",
    "XDG_SESSION_TYPE",
    "XDG_SESSION_CLASS",
    "XDG_SESSION_DESKTOP",
    "XDG_SEAT",
    "XDG_VTNR",
    "SSH_AUTH_SOCK",
    "SSH_AGENT_PID",
    "SSH_CONNECTION",
    "SSH_CLIENT",
    "SSH_TTY",
    "TERM",
    "COLORTERM",
    "TERM_PROGRAM",
    "WINDOWID",
    "SHLVL",
    "PWD",
    "OLDPWD",
    "_",
    "CUDA_VISIBLE_DEVICES",
    "CUDA_DEVICE_ORDER",
    "REDSHIFT_GPUDEVICES",
    "GPU_DEVICE_ORDINAL",
];

/// This process's environment minus what must not travel to a render.
pub fn capture_env() -> Vec<(String, String)> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .filter(|(k, _)| !NON_TRAVELLING.contains(&k.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_variables_do_not_travel() {
        std::env::set_var("BRM_TEST_TRAVEL", "yes");
        let env = capture_env();
        assert!(env
            .iter()
            .any(|(k, v)| k == "BRM_TEST_TRAVEL" && v == "yes"));
        assert!(!env
            .iter()
            .any(|(k, _)| k == "DISPLAY" || k == "CUDA_VISIBLE_DEVICES"));
    }
}
