//! Redshift (Maxon). On a pinned GPU it must be told device 0 both ways it reads devices:
//! `Render -gpu {0}` (literal braces: Redshift's device-list syntax) and
//! `REDSHIFT_GPUDEVICES=0`; given a host index it cannot see, Redshift falls back to *all*
//! GPUs, including the artist's (DESIGN §3). Progress: `progress::redshift`.

use super::{Host, Renderer};
use crate::progress::{LogParser, RedshiftParser};

pub(super) static RENDERER: Renderer = Renderer {
    name: "redshift",
    aliases: &["rs", "redshift4maya"],
    host: Host::Maya,
    render_flag: "redshift",
    gpu_render_args: &["-gpu", "{0}"],
    gpu_env: &[("REDSHIFT_GPUDEVICES", "0")],
    parser: || -> Box<dyn LogParser> { Box::new(RedshiftParser::new()) },
    tried_when_unknown: true,
    script_settings: &[],
};

#[cfg(test)]
mod tests {
    #[test]
    fn device_zero_on_a_gpu_nothing_on_cpu() {
        let r = super::super::lookup("rs").unwrap();
        assert_eq!(r.render_args(true), vec!["-gpu", "{0}"]);
        assert_eq!(
            r.env(true),
            vec![("REDSHIFT_GPUDEVICES".to_string(), "0".to_string())]
        );
        assert!(r.render_args(false).is_empty());
        assert!(r.env(false).is_empty());
    }
}
