#!/usr/bin/env bash
# Runs one benchmark of bench/Saol.Bench (already built by `make build`).
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run --project bench/Saol.Bench -c "${CONFIG:-Release}" --no-build -- "$@"
