//! RenderMan for Maya (Pixar). `currentRenderer` is "renderman"; older scenes and users say
//! `rmanRenderman`, `RenderMan_RIS`, `prman`. Progress: `progress::renderman`.

use super::{Host, Renderer};
use crate::progress::{LogParser, RenderManParser};

pub(super) static RENDERER: Renderer = Renderer {
    name: "renderman",
    aliases: &[
        "rman",
        "rmanrenderman",
        "renderman_ris",
        "rendermanris",
        "prman",
    ],
    host: Host::Maya,
    render_flag: "renderman",
    gpu_render_args: &[],
    gpu_env: &[],
    parser: || -> Box<dyn LogParser> { Box::new(RenderManParser::new()) },
    tried_when_unknown: true,
    script_settings: &[],
};
