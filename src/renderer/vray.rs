//! V-Ray (Chaos). Honours `CUDA_VISIBLE_DEVICES`. Progress: `progress::vray`.

use super::{Host, Renderer};
use crate::progress::{LogParser, VRayParser};

pub(super) static RENDERER: Renderer = Renderer {
    name: "vray",
    aliases: &["v-ray"],
    host: Host::Maya,
    render_flag: "vray",
    gpu_render_args: &[],
    gpu_env: &[],
    parser: || -> Box<dyn LogParser> { Box::new(VRayParser::new()) },
    tried_when_unknown: true,
    script_settings: &[],
};
