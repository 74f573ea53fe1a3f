//! Arnold (MtoA). Honours `CUDA_VISIBLE_DEVICES`, so the pinning alone keeps it on its card;
//! the custom script switches `defaultArnoldRenderOptions.renderDevice` (0 CPU, 1 GPU: MtoA's
//! render device enum) to match the slot. Progress: `progress::arnold`.

use super::{Host, Renderer, ScriptSetting};
use crate::progress::{ArnoldParser, LogParser};

pub(super) static RENDERER: Renderer = Renderer {
    name: "arnold",
    aliases: &["mtoa"],
    host: Host::Maya,
    render_flag: "arnold",
    gpu_render_args: &[],
    gpu_env: &[],
    parser: || -> Box<dyn LogParser> { Box::new(ArnoldParser::new()) },
    tried_when_unknown: true,
    script_settings: &[ScriptSetting {
        attr: "defaultArnoldRenderOptions.renderDevice",
        gpu: 1,
        cpu: 0,
    }],
};
