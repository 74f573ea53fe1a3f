//! Writing to stdout/stderr like other Unix tools: when the reader went away (`brm log 4 |
//! head`), the command stops quietly with status 0 instead of panicking in `println!`.

use std::io::Write;

/// Write one line to stdout; a closed pipe ends the process quietly (exit 0). Any other
/// write error (disk full behind a redirect) is reported once and exits 1: output that
/// cannot be written must not look like success.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let r = out.write_fmt(args).and_then(|_| out.write_all(b"\n"));
    if let Err(e) = r {
        gone(e);
    }
}

/// Write one line to stderr; errors are ignored (there is nowhere left to report them).
pub fn err_line(args: std::fmt::Arguments<'_>) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|_| err.write_all(b"\n"));
}

fn gone(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    err_line(format_args!("brm: error: cannot write the output: {e}"));
    std::process::exit(1);
}

/// `println!` that stops quietly on a closed pipe.
macro_rules! outln {
    () => { $crate::cli::out::line(format_args!("")) };
    ($($t:tt)*) => { $crate::cli::out::line(format_args!($($t)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($t:tt)*) => { $crate::cli::out::err_line(format_args!($($t)*)) };
}
