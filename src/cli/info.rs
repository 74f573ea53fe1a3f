//! `brm info`. (Being written.)

#[derive(clap::Args)]
pub struct InfoArgs {}

pub fn run(_args: InfoArgs) -> brm::Result<i32> {
    Err(brm::Error::InvalidArgument("brm info is not built yet".into()))
}
