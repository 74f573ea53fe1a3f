//! `brm frames`. (Being written.)

#[derive(clap::Args)]
pub struct FramesArgs {}

pub fn run(_args: FramesArgs) -> brm::Result<i32> {
    Err(brm::Error::InvalidArgument("brm frames is not built yet".into()))
}
