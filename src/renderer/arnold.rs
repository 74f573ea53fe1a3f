//! Arnold (MtoA). Honours `CUDA_VISIBLE_DEVICES`, so the pinning alone keeps it on its card;
//! the custom script switches `defaultArnoldRenderOptions.renderDevice` to GPU. Progress:
//! `progress::arnold`.

use super::Renderer;
use crate::progress::RendererKind;

pub(super) static RENDERER: Renderer = Renderer {
    name: "arnold",
    aliases: &["mtoa"],
    render_flag: "arnold",
    gpu_render_args: &[],
    gpu_env: &[],
    progress: RendererKind::Arnold,
};
