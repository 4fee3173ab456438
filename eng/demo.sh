#!/usr/bin/env bash
# The README's main job on this machine. Replaced by `saol local` once the training path lands.
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run --project cli/Saol.Cli -c "${CONFIG:-Release}" --no-build -- info
