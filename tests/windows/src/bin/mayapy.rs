//! Fake `mayapy.exe`: present so the fake install looks like Maya's `bin` folder; it cannot
//! run Python, so it fails at start the way a broken install does (exit 1 before any frame),
//! which makes brm's AUTO method fall back to `Render.exe`.

fn main() {
    eprintln!("mayapy: this is the brm test stand-in; it runs no Python");
    std::process::exit(1);
}
