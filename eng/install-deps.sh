#!/usr/bin/env bash
# Installs the Debian packages the build, the tests and the demo need. Idempotent: when every
# package is already installed it makes no apt call at all.
set -euo pipefail

packages=(
  cmake g++ make
  libtorch-dev          # the compute: the native shim links against it
  libturbojpeg0-dev     # JPEG decode for ImageFolder data sets and `saol explain`
  redis-server          # coordinator state store (and its tests)
  prometheus            # metrics scrape test; brings promtool
  dataset-fashion-mnist # the real data set of the demo and the training tests
  python3-torch python3-torchvision python3-numpy python3-pil  # numerical oracles and gloo peer
  python3-grpcio        # a real gRPC peer for the interop tests
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} Debian packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
