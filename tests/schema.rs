//! Drift check for the committed JSON Schema `schema/brm.schema.json`.
//!
//! The schema is what readers outside Rust (the C ABI's consumers, the Maya plug-in, Python)
//! are checked against, so it is committed and reviewed like code. This test regenerates it
//! from the protocol types (`brm::protocol::schema`) and fails when the committed file
//! differs, so a change to `src/protocol/` can never ship with a stale schema.
//!
//! Regenerate with `scripts/gen-schema.sh` (which runs this test with `BRM_UPDATE_SCHEMA=1`).

use std::path::PathBuf;

fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/brm.schema.json")
}

fn first_difference(a: &str, b: &str) -> String {
    for (i, (la, lb)) in a.lines().zip(b.lines()).enumerate() {
        if la != lb {
            return format!("line {}:\n  committed: {la}\n  generated: {lb}", i + 1);
        }
    }
    format!(
        "one is a prefix of the other (committed {} lines, generated {} lines)",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn schema_matches_the_protocol_types() {
    let generated = brm::protocol::schema::document_text();
    let path = path();
    if std::env::var_os("BRM_UPDATE_SCHEMA").is_some_and(|v| v == "1") {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(&path, &generated)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; run scripts/gen-schema.sh to create it",
            path.display()
        )
    });
    assert!(
        committed == generated,
        "schema/brm.schema.json is out of date with src/protocol/ ({}).\n\
         Regenerate it with `scripts/gen-schema.sh` and commit the result.",
        first_difference(&committed, &generated)
    );
}
