//! Link settings for the shared library: a SONAME so consumers bind to the ABI major version,
//! `-z nodelete` so unloading the library (Maya `unloadPlugin`) never unmaps code that
//! agent-client threads or thread-local destructors may still run, and `-z defs` so every
//! symbol the library needs is resolved (and versioned) at link time: a symbol missing from
//! the glibc it is built against (e.g. `gettid`, glibc 2.30, on a glibc 2.28 build) fails the
//! build here instead of the `dlopen` on a studio's Rocky 8 host.
fn main() {
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libbrm.so.0");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-z,defs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
