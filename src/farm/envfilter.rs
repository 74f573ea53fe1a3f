//! What of the submitter's environment travels to the farm (issue 21).
//!
//! The job file sits in the shared scene folder, readable by the farm's nodes and so by
//! everyone who can read that storage: it must carry only what a render needs, never the
//! submitter's credentials or session. The rule, in order:
//!
//! 1. **Deny wins.** Credentials and session variables never travel, whatever else says:
//!    [`DENY`] (`*SECRET*`, `*TOKEN*`, `*PASSWORD*`, `*_KEY`, `AWS_*`, `SSH_*`, `GITHUB_*`,
//!    cookies, the display and session, `HOME`, `USER`, `PWD`, `SHELL`, `TERM*`, `BRM_HOME`…).
//! 2. **Allow.** What a studio's launcher sets for a render: [`ALLOW`] (Rez, Maya and its
//!    plug-in paths, the renderers, OCIO, Blender, licence servers, Python paths), plus the
//!    studio's own names and patterns in `BRM_FARM_ENV_KEEP` (comma- or colon-separated;
//!    `*` matches any run of characters).
//! 3. Everything else stays on the workstation; `brm farm submit` says which names (never
//!    values) were kept and dropped.
//!
//! Patterns compare case-insensitively (Windows spells `Path`, licence variables come in any
//! case: `redshift_LICENSE`, `foundry_LICENSE`).

/// Never travel (credentials, the submitter's session and identity, brm's own home).
pub const DENY: &[&str] = &[
    "*SECRET*",
    "*TOKEN*",
    "*PASSWORD*",
    "*PASSWD*",
    "*_KEY",
    "*_KEY_ID",
    "*CREDENTIAL*",
    "*COOKIE*",
    "*SESSION*",
    "AWS_*",
    "SSH_*",
    "GITHUB_*",
    "GPG_*",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "XDG_*",
    "DBUS_*",
    "HOME",
    "USER",
    "USERNAME",
    "LOGNAME",
    "MAIL",
    "PWD",
    "OLDPWD",
    "SHELL",
    "TERM*",
    "TMUX*",
    "BRM_HOME",
];

/// Travel: what a render needs from the submitter's launcher.
pub const ALLOW: &[&str] = &[
    "REZ_*",
    "MAYA_*",
    "XBMLANGPATH",
    "PYTHONPATH",
    "ARNOLD_*",
    "MTOA_*",
    "REDSHIFT_*",
    "VRAY_*",
    "VRAY*",
    "RMANTREE",
    "RFMTREE",
    "RMAN_*",
    "RFM_*",
    "PIXAR_*",
    "OCIO",
    "OCIO_*",
    "BLENDER_*",
    "*_LICENSE",
    "*_LICENSE_FILE",
    "*_LICENSE_SERVER",
    "*_LICENSE_HOST",
    "ADSKFLEX_LICENSE_FILE",
    "LM_LICENSE_FILE",
    "RLM_LICENSE",
    "BRM_FARM_*",
];

/// Variables that are lists of folders: the job's value goes before the node's own.
pub fn is_path_list(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.ends_with("PATH") || n == "XBMLANGPATH" || n.ends_with("_PATHS")
}

/// `*` glob, case-insensitive.
pub fn matches(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| go(rest, &n[i..])),
            Some((c, rest)) => n
                .split_first()
                .is_some_and(|(d, nrest)| c.eq_ignore_ascii_case(d) && go(rest, nrest)),
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

/// What the filter made of an environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filtered {
    /// The variables that travel, with their values.
    pub kept: Vec<(String, String)>,
    /// The names that stay behind (values never shown).
    pub dropped: Vec<String>,
}

/// Apply the rule (module doc) to `env`; `keep` is the studio's `BRM_FARM_ENV_KEEP`.
pub fn filter(env: &[(String, String)], keep: Option<&str>) -> Filtered {
    let extra: Vec<&str> = keep
        .unwrap_or("")
        .split([',', ':'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let mut out = Filtered::default();
    for (k, v) in env {
        let denied = DENY.iter().any(|p| matches(p, k));
        let allowed = ALLOW.iter().chain(extra.iter()).any(|p| matches(p, k));
        if !denied && allowed {
            out.kept.push((k.clone(), v.clone()));
        } else {
            out.dropped.push(k.clone());
        }
    }
    out.kept.sort();
    out.dropped.sort();
    out
}

/// The environment a node renders with: its own, with the job's travelling variables over
/// it (path lists: the job's folders first, then the node's).
pub fn on_node(node: Vec<(String, String)>, job: &[(String, String)]) -> Vec<(String, String)> {
    let sep = if cfg!(windows) { ';' } else { ':' };
    let mut env = node;
    for (k, v) in job {
        match env.iter_mut().find(|(nk, _)| nk.eq_ignore_ascii_case(k)) {
            Some((_, nv)) if is_path_list(k) && !nv.is_empty() => {
                *nv = format!("{v}{sep}{nv}");
            }
            Some((_, nv)) => *nv = v.clone(),
            None => env.push((k.clone(), v.clone())),
        }
    }
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn credentials_never_travel_and_render_variables_do() {
        let e = env(&[
            ("AWS_SECRET_ACCESS_KEY", "s1"),
            ("MY_API_TOKEN", "s2"),
            ("GITHUB_TOKEN", "s3"),
            ("DB_PASSWORD", "s4"),
            ("STRIPE_KEY", "s5"),
            ("SSH_AUTH_SOCK", "/run/ssh"),
            ("HOME", "/home/artist"),
            ("BRM_HOME", "/home/artist/.brm"),
            ("TERM", "xterm"),
            ("DISPLAY", ":0"),
            ("REZ_USED_RESOLVE", "maya-2025 mtoa-5.4"),
            ("MAYA_MODULE_PATH", "/studio/modules"),
            ("redshift_LICENSE", "5053@lic01"),
            ("OCIO", "/studio/ocio/config.ocio"),
            ("SHOT", "sh020"),
            ("MAYA_API_TOKEN", "s6"),
        ]);
        let f = filter(&e, None);
        let kept: Vec<&str> = f.kept.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            kept,
            [
                "MAYA_MODULE_PATH",
                "OCIO",
                "REZ_USED_RESOLVE",
                "redshift_LICENSE"
            ]
        );
        assert!(
            f.dropped.contains(&"MAYA_API_TOKEN".to_string()),
            "deny wins over MAYA_*"
        );
        assert!(f.dropped.contains(&"SHOT".to_string()));
        // A studio's addition travels; a credential it names does not.
        let f = filter(&e, Some("SHOT, *_API_TOKEN"));
        assert!(f.kept.iter().any(|(k, _)| k == "SHOT"));
        assert!(!f.kept.iter().any(|(k, _)| k == "MY_API_TOKEN"));
    }

    #[test]
    fn patterns_and_node_merging() {
        assert!(matches("*SECRET*", "aws_secret_access_key"));
        assert!(matches("TERM*", "TERM_PROGRAM"));
        assert!(!matches("*_KEY", "KEYBOARD"));
        let node = env(&[
            ("PATH", "/usr/bin"),
            ("PYTHONPATH", "/node/py"),
            ("OCIO", "/n"),
        ]);
        let job = env(&[
            ("PYTHONPATH", "/studio/py"),
            ("OCIO", "/studio/ocio"),
            ("REZ_X", "1"),
        ]);
        let merged = on_node(node, &job);
        assert!(merged.contains(&("PATH".into(), "/usr/bin".into())));
        let sep = if cfg!(windows) { ';' } else { ':' };
        assert!(merged.contains(&("PYTHONPATH".into(), format!("/studio/py{sep}/node/py"))));
        assert!(merged.contains(&("OCIO".into(), "/studio/ocio".into())));
        assert!(merged.contains(&("REZ_X".into(), "1".into())));
    }
}
