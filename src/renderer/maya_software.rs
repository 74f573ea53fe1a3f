//! Maya Software: CPU only. `Render -r sw`. Progress: `progress::maya`.

use super::{Host, Renderer};
use crate::progress::{LogParser, MayaNativeParser};

pub(super) static RENDERER: Renderer = Renderer {
    name: "mayaSoftware",
    aliases: &["sw", "software", "maya software"],
    host: Host::Maya,
    render_flag: "sw",
    gpu_render_args: &[],
    gpu_env: &[],
    parser: || -> Box<dyn LogParser> { Box::new(MayaNativeParser::new()) },
    tried_when_unknown: true,
    script_settings: &[],
};
