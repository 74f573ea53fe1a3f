#!/usr/bin/env bash
# Regenerate schema/brm.schema.json from the protocol types (src/protocol, schemars), then
# run the drift check so the result is verified the same way CI verifies it.
# Usage: scripts/gen-schema.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BRM_UPDATE_SCHEMA=1 cargo test --quiet --test schema schema_matches_the_protocol_types
cargo test --quiet --test schema schema_matches_the_protocol_types
echo "schema/brm.schema.json is up to date; commit it: git commit -m 'schema: regenerate' -- schema/brm.schema.json"
