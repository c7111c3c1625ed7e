#!/usr/bin/env bash
# Smoke check of the images `make images` built (`make images-smoke`): on a network of its own
# it starts NATS (JetStream and the shipped accounts, passwords generated for the run), the sandbox, the five modules wired to the sandbox and
# the router, waits for each container's health check to say `healthy`, checks that the router
# sees the five modules active, then removes every container and the network.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f .tools/images.env ] || { echo "no .tools/images.env: run 'make images' first" >&2; exit 1; }
# shellcheck source=/dev/null
. .tools/images.env
TAG=${SOULSPOT_IMAGE_TAG:-latest}
HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-120}
RUN=soulspot-smoke-$$
MODULES=(spotify soulseek metadata library notifications)

containers=()
cleanup() {
  [ ${#containers[@]} -eq 0 ] || docker rm -f "${containers[@]}" >/dev/null 2>&1 || true
  docker network rm "$RUN" >/dev/null 2>&1 || true
}
SECRETS=$(mktemp -d)
trap 'cleanup; rm -rf "$SECRETS"' EXIT
docker network create "$RUN" >/dev/null
NATS_ENV=$(scripts/nats_secrets.sh "$SECRETS")
password() { cat "$SECRETS/nats-$1"; }

start() { # name, image, docker run options…
  local name=$1 image=$2; shift 2
  local user
  user=$(docker image inspect -f '{{.Config.User}}' "$image")
  # Only the official nats image, when used, is not ours to hold to this.
  case $image:${user%%:*} in
    soulspot-*: | soulspot-*:root | soulspot-*:0) echo "FAIL $image runs as root" >&2; exit 1 ;;
  esac
  docker run -d --name "$RUN-$name" --network "$RUN" --network-alias "$name" "$@" "$image" >/dev/null
  containers+=("$RUN-$name")
  echo "started $name ($image, user ${user:-root})"
}

fail() { # name, reason
  echo "FAIL $1: $2" >&2
  docker logs --tail 20 "$RUN-$1" >&2 || true
  exit 1
}

# The official nats image has no health check (and no tools to run one): it is probed from the
# network with the probe of a SoulSpot image instead.
probe_from_network() { # url
  docker run --rm --network "$RUN" --entrypoint soulspot-probe "soulspot-router:$TAG" "$1" >/dev/null 2>&1
}

wait_healthy() { # names…
  local started=$SECONDS name state
  for name in "$@"; do
    while :; do
      state=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$RUN-$name")
      case $state in
        "running healthy") break ;;
        "running none") probe_from_network "http://$name:8222/healthz?js-enabled-only=true" && break ;;
        "running starting") ;;
        *) fail "$name" "$state" ;;
      esac
      [ $((SECONDS - started)) -lt "$HEALTH_TIMEOUT" ] || fail "$name" "not healthy after ${HEALTH_TIMEOUT}s ($state)"
      sleep 1
    done
    echo "healthy $name (${SECONDS}s since the start of the check)"
  done
}

SECONDS=0
start nats "$NATS_IMAGE" --env-file "$NATS_ENV"
wait_healthy nats
start sandbox "soulspot-sandbox:$TAG"
wait_healthy sandbox

nats() { # service: its NATS url and its own credentials
  echo "-e SOULSPOT__NATS__URL=nats://nats:4222 -e SOULSPOT_${1^^}__NATS__PASSWORD=$(password "$1")"
}
# shellcheck disable=SC2046 # nats prints options meant to be split
start spotify "soulspot-spotify:$TAG" $(nats spotify) \
  -e SOULSPOT_SPOTIFY__SPOTIFY__ACCOUNTS_URL=http://sandbox:8091 \
  -e SOULSPOT_SPOTIFY__SPOTIFY__API_URL=http://sandbox:8092 \
  -e SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_ID=sandbox-client-id \
  -e SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_SECRET=sandbox-client-secret
# shellcheck disable=SC2046
start soulseek "soulspot-soulseek:$TAG" $(nats soulseek) \
  -e SOULSPOT_SOULSEEK__SLSKD__URL=http://sandbox:5030 \
  -e SOULSPOT_SOULSEEK__SLSKD__API_KEY=sandbox-slskd-api-key
# shellcheck disable=SC2046
start metadata "soulspot-metadata:$TAG" $(nats metadata) \
  -e SOULSPOT_METADATA__MUSICBRAINZ__URL=http://sandbox:8093 \
  -e SOULSPOT_METADATA__COVERART__URL=http://sandbox:8094
# shellcheck disable=SC2046
start library "soulspot-library:$TAG" $(nats library)
# shellcheck disable=SC2046
start notifications "soulspot-notifications:$TAG" $(nats notifications)
# shellcheck disable=SC2046
start router "soulspot-router:$TAG" $(nats router) -p 127.0.0.1::8080
wait_healthy "${MODULES[@]}" router

# Healthy images that cannot see one another would not make a stack: ask the router, with the
# key it generated into its state folder at first start.
API_KEY=$(docker exec "$RUN-router" cat /var/lib/soulspot/api_key)
api=http://$(docker port "$RUN-router" 8080/tcp | head -n 1)
active=0
while [ $SECONDS -lt "$HEALTH_TIMEOUT" ]; do
  active=$(curl -fsS -H "X-Api-Key: $API_KEY" "$api/api/modules/status" 2>/dev/null | python3 scripts/stack_report.py active) || active=0
  [ "$active" -ge ${#MODULES[@]} ] && break
  sleep 1
done
curl -fsS -H "X-Api-Key: $API_KEY" "$api/api/modules/status" | python3 scripts/stack_report.py modules
[ "$active" -ge ${#MODULES[@]} ] || { echo "FAIL the router sees $active of ${#MODULES[@]} modules active" >&2; exit 1; }
echo "images smoke check passed in ${SECONDS}s"
