#!/usr/bin/env bash
# make image: azfn as a static binary (x86_64-unknown-linux-musl) in a FROM-scratch image, built
# reproducibly (paths remapped, symbols stripped, --timestamp 0), tagged localhost/azfn:VERSION.
# Prints the digest and size. --verify builds the image a second time without podman's cache and
# fails unless the digest is the same.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=x86_64-unknown-linux-musl
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
TAG=${AZFN_IMAGE:-localhost/azfn:$VERSION}

need() { # command, Debian package
  command -v "$1" >/dev/null && return
  echo "installing $2"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need musl-gcc musl-tools
need podman podman
need runc runc
rustup target add "$TARGET" >/dev/null 2>&1 || rustup target add "$TARGET"

# Paths on the build machine must not reach the binary: remap the checkout, cargo's and rustup's homes.
CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
FLAGS="['--remap-path-prefix=$ROOT=/azfn', '--remap-path-prefix=$CARGO_HOME=/cargo', '--remap-path-prefix=$RUSTUP_HOME=/rustup', '-Cstrip=symbols']"
CC_x86_64_unknown_linux_musl=musl-gcc cargo build --locked --release -p azfn-host \
  --target "$TARGET" --config "target.$TARGET.rustflags=$FLAGS"

# The release asset (what the GitHub Action downloads): the static binary and its SHA-256.
DIST=target/dist
mkdir -p "$DIST"
ASSET="azfn-$VERSION-$TARGET"
cp "target/$TARGET/release/azfn" "$DIST/$ASSET"
(cd "$DIST" && sha256sum "$ASSET" > "$ASSET.sha256")

CONTEXT=target/image/context
rm -rf "$CONTEXT" && mkdir -p "$CONTEXT"
cp image/Containerfile image/passwd "$CONTEXT/"
cp "target/$TARGET/release/azfn" "$CONTEXT/azfn"
# Precompile the embedded module with the image's own binary and engine settings.
printf 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n' |
  AZFN_CACHE_DIR="$CONTEXT/cache" "$CONTEXT/azfn" >/dev/null
chmod 0644 "$CONTEXT/Containerfile" "$CONTEXT/passwd"
chmod 0755 "$CONTEXT/azfn" "$CONTEXT/cache"
chmod 0444 "$CONTEXT"/cache/*
ls "$CONTEXT"/cache/*.cwasm >/dev/null

# shellcheck source=scripts/podman-env.sh
source scripts/podman-env.sh
build() { podman build --quiet --timestamp 0 "$@" --tag "$TAG" "$CONTEXT" >/dev/null; }
build
DIGEST=$(podman image inspect "$TAG" --format '{{.Digest}}')
SIZE=$(podman image inspect "$TAG" --format '{{.Size}}')
if [ "${1:-}" = --verify ]; then
  build --no-cache
  AGAIN=$(podman image inspect "$TAG" --format '{{.Digest}}')
  if [ "$AGAIN" != "$DIGEST" ]; then
    echo "image: not reproducible: $DIGEST then $AGAIN" >&2
    exit 1
  fi
  echo "image: rebuilt without cache: same digest"
fi
echo "image: $TAG $DIGEST ($SIZE bytes; binary $(stat -c %s "$CONTEXT/azfn") bytes)"
