//! Maya Hardware 2.0 (Viewport 2.0 in batch). `Render -r hw2`. Progress: `progress::maya`.

use super::{Host, Renderer};
use crate::progress::{LogParser, MayaNativeParser};

pub(super) static RENDERER: Renderer = Renderer {
    name: "mayaHardware2",
    aliases: &["hw2", "hardware2", "maya hardware 2.0", "mayahardware2.0"],
    host: Host::Maya,
    render_flag: "hw2",
    gpu_render_args: &[],
    gpu_env: &[],
    parser: || -> Box<dyn LogParser> { Box::new(MayaNativeParser::new()) },
    // Maya Software's parser already follows a log of an unknown renderer.
    tried_when_unknown: false,
    script_settings: &[],
};
