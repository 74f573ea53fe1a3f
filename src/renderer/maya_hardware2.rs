//! Maya Hardware 2.0 (Viewport 2.0 in batch). `Render -r hw2`. Progress: `progress::maya`.

use super::Renderer;
use crate::progress::RendererKind;

pub(super) static RENDERER: Renderer = Renderer {
    name: "mayaHardware2",
    aliases: &["hw2", "hardware2", "maya hardware 2.0", "mayahardware2.0"],
    render_flag: "hw2",
    gpu_render_args: &[],
    gpu_env: &[],
    progress: RendererKind::MayaHardware2,
    script_settings: &[],
};
