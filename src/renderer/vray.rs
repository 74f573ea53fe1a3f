//! V-Ray (Chaos). Honours `CUDA_VISIBLE_DEVICES`. Progress: `progress::vray`.

use super::Renderer;
use crate::progress::RendererKind;

pub(super) static RENDERER: Renderer = Renderer {
    name: "vray",
    aliases: &["v-ray"],
    render_flag: "vray",
    gpu_render_args: &[],
    gpu_env: &[],
    progress: RendererKind::VRay,
    script_settings: &[],
};
