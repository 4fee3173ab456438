#!/usr/bin/env bash
# The README's main job on this machine: `saol local` — a coordinator and 2 worker processes —
# trains SAOL on Fashion-MNIST with a live progress bar and ends with the line
#   test_accuracy_saol=<x> test_accuracy_gapfc=<y> checkpoint=<path>
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/demo
exec dotnet cli/Saol.Cli/bin/"${CONFIG:-Release}"/net10.0/saol.dll local eng/jobs/fashion-mnist-demo.yaml \
  --workers 2 --log-dir build/demo/logs
