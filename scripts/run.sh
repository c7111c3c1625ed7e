#!/usr/bin/env bash
# `make run`: start a local nats-server (JetStream, store under .tools/) and the router, show
# the module status, and keep both running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

NATS_SERVER=${SOULSPOT_NATS_SERVER:-.tools/venv/bin/nats-server}
NATS_PORT=${NATS_PORT:-4222}
ROUTER_BIND=${ROUTER_BIND:-127.0.0.1:8080}
LOGS=.tools/logs
mkdir -p "$LOGS" .tools/nats-data

cargo build --quiet -p soulspot-router

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$NATS_SERVER" -c deploy/nats/nats.conf -p "$NATS_PORT" -sd .tools/nats-data >"$LOGS/nats.log" 2>&1 &
pids+=($!)

export SOULSPOT__NATS__URL="nats://127.0.0.1:$NATS_PORT"
export SOULSPOT_ROUTER__HTTP__BIND="$ROUTER_BIND"
export SOULSPOT_ROUTER__TELEMETRY__FORMAT="${SOULSPOT_ROUTER__TELEMETRY__FORMAT:-pretty}"
target/debug/soulspot-router >"$LOGS/router.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 100); do
  if curl -fsS "http://$ROUTER_BIND/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
if ! curl -fsS "http://$ROUTER_BIND/readyz" >/dev/null 2>&1; then
  echo "the router did not become ready; see $LOGS/router.log" >&2
  tail -n 20 "$LOGS/router.log" >&2
  exit 1
fi

echo "NATS:    nats://127.0.0.1:$NATS_PORT   (log: $LOGS/nats.log)"
echo "Router:  http://$ROUTER_BIND             (log: $LOGS/router.log)"
echo
echo "GET /api/modules/status:"
curl -fsS "http://$ROUTER_BIND/api/modules/status"
echo
echo
echo "Start a module in another terminal (it registers itself), e.g. a second router-side view:"
echo "  curl -s http://$ROUTER_BIND/api/modules/status"
echo "Ctrl-C stops everything."
wait
