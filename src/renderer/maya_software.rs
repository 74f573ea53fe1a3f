//! Maya Software: CPU only. `Render -r sw`. Progress: `progress::maya`.

use super::Renderer;
use crate::progress::RendererKind;

pub(super) static RENDERER: Renderer = Renderer {
    name: "mayaSoftware",
    aliases: &["sw", "software", "maya software"],
    render_flag: "sw",
    gpu_render_args: &[],
    gpu_env: &[],
    progress: RendererKind::MayaSoftware,
    script_settings: &[],
};
