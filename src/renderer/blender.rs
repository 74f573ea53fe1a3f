//! Blender (Cycles, Eevee) for `.blend` scenes. Its device is chosen on the command
//! (`--cycles-device CUDA|CPU`, `plan::command`); `CUDA_VISIBLE_DEVICES` pins the card.
//! Progress: `progress::blender`.

use super::{Host, Renderer};
use crate::progress::{BlenderParser, LogParser};

pub(super) static RENDERER: Renderer = Renderer {
    name: "blender",
    aliases: &["cycles", "eevee", "blender_eevee", "blender_eevee_next"],
    host: Host::Blender,
    render_flag: "blender",
    gpu_render_args: &[],
    gpu_env: &[],
    parser: || -> Box<dyn LogParser> { Box::new(BlenderParser::new()) },
    // Blender logs come only from the Blender method, which names this renderer.
    tried_when_unknown: false,
    script_settings: &[],
};
