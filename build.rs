//! Link settings for the shared library: a SONAME so consumers bind to the ABI major version,
//! and `-z nodelete` so unloading the library (Maya `unloadPlugin`) never unmaps code that
//! agent-client threads or thread-local destructors may still run.
fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libbrm.so.0");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
