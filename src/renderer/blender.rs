//! Blender (Cycles, Eevee) for `.blend` scenes. Its device is chosen on the command
//! (`--cycles-device CUDA|CPU`, `plan::command`); `CUDA_VISIBLE_DEVICES` pins the card.
//! Progress: `progress::blender`.

use super::Renderer;
use crate::progress::RendererKind;

pub(super) static RENDERER: Renderer = Renderer {
    name: "blender",
    aliases: &["cycles", "eevee", "blender_eevee", "blender_eevee_next"],
    render_flag: "blender",
    gpu_render_args: &[],
    gpu_env: &[],
    progress: RendererKind::Blender,
    script_settings: &[],
};
