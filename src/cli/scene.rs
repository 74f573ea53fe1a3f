//! `brm scene`. (Being written.)

#[derive(clap::Args)]
pub struct SceneArgs {}

pub fn run(_args: SceneArgs) -> brm::Result<i32> {
    Err(brm::Error::InvalidArgument("brm scene is not built yet".into()))
}
