//! `brm frames SPEC [--compact|--count|--json] [--cap N]`: check a frame set before a render.
//!
//! Default output is one frame per line (pipe-friendly; a closed pipe such as `| head` ends
//! the output quietly). Errors carry the byte position and a hint and exit with code 2.

use std::io::{self, BufWriter, Write};

use brm::frames::{FrameSet, DEFAULT_FRAME_CAP};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("format").args(["compact", "count", "json"])))]
pub struct FramesArgs {
    /// Frame set, e.g. 1-100x5, 1,5,10, 10-1, 1-10y3, -5-5 (quote it in the shell).
    #[arg(value_name = "SPEC", allow_hyphen_values = true)]
    pub spec: String,
    /// Print the compact form (e.g. 1-96x5,100), which other tools read the same way.
    #[arg(long)]
    pub compact: bool,
    /// Print only the number of frames.
    #[arg(long)]
    pub count: bool,
    /// Print {"spec", "count", "frames", "compact"} as JSON.
    #[arg(long)]
    pub json: bool,
    /// Refuse sets with more frames than this.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_FRAME_CAP)]
    pub cap: u64,
}

pub fn run(args: FramesArgs) -> brm::Result<i32> {
    let fs = FrameSet::parse_with_cap(&args.spec, args.cap)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = if args.count {
        writeln!(out, "{}", fs.len())
    } else if args.compact {
        writeln!(out, "{}", fs.compact())
    } else if args.json {
        write_json(&mut out, &args.spec, &fs)
    } else {
        fs.iter().try_for_each(|f| writeln!(out, "{f}"))
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(brm::Error::io("writing frames to standard output", e)),
    }
}

/// Streams the JSON so a ten-million-frame set never builds a `serde_json::Value`.
fn write_json(out: &mut impl Write, spec: &str, fs: &FrameSet) -> io::Result<()> {
    let quote = |s: &str| serde_json::to_string(s).map_err(io::Error::other);
    write!(
        out,
        "{{\"spec\":{},\"count\":{},\"frames\":[",
        quote(spec)?,
        fs.len()
    )?;
    for (k, f) in fs.iter().enumerate() {
        if k > 0 {
            out.write_all(b",")?;
        }
        write!(out, "{f}")?;
    }
    writeln!(out, "],\"compact\":{}}}", quote(&fs.compact())?)
}
