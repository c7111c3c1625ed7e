#!/usr/bin/env bash
# Compose v2 for the compose tests where the machine has only Debian's docker-compose 1.x:
# the `docker-compose` package of Debian's current stable release (Compose v2, a static
# binary) unpacked into .tools/compose/, from the mirror this machine's apt uses. Nothing is
# installed system-wide; a `docker compose` already present is used instead by the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=.tools/compose/docker-compose
SUITE=${COMPOSE_V2_SUITE:-stable}
[ -x "$TARGET" ] && { "$TARGET" version; exit 0; }

# shellcheck source=scripts/lib/apt_mirror.sh
. scripts/lib/apt_mirror.sh
# shellcheck source=/dev/null
release=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
mirror=$(apt_mirror "$release") || { echo "no Debian mirror in /etc/apt: cannot fetch Compose v2" >&2; exit 1; }
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

curl -fsS "$mirror/dists/$SUITE/main/binary-$arch/Packages.xz" | xz -dc >"$work/Packages"
# The stanza of the docker-compose package: its version (2.x is Compose v2) and its file.
read -r version file < <(awk '
  /^Package: / { package = $2 }
  package == "docker-compose" && /^Version: / { version = $2 }
  package == "docker-compose" && /^Filename: / { print version, $2; exit }' "$work/Packages")
case ${version:-} in
  2.*) ;;
  *) echo "Debian $SUITE has no Compose v2 (docker-compose ${version:-missing})" >&2; exit 1 ;;
esac
curl -fsS "$mirror/$file" -o "$work/compose.deb"
dpkg-deb -x "$work/compose.deb" "$work/root"
mkdir -p "$(dirname "$TARGET")"
install -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-compose" "$TARGET"
"$TARGET" version
