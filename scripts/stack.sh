#!/usr/bin/env bash
# The whole SoulSpot stack as separate processes: NATS, the sandbox emulators of Spotify, slskd,
# MusicBrainz and the Cover Art Archive, the five modules and the router.
#   scripts/stack.sh run    start everything, print the URLs, run until Ctrl-C
#   scripts/stack.sh demo   start everything, download a track by free-text query, show the
#                           orchestration log, the library path and the tags, stop, show the
#                           job's trace as a span tree (spans sent to a local OTLP sink), exit 0
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

NATS_SERVER=${SOULSPOT_NATS_SERVER:-$PWD/.tools/venv/bin/nats-server}
STATE=$PWD/.tools/stack
DEMO_QUERY=${DEMO_QUERY:-Aurora Lane Glass Harbour}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

if [ "$mode" = demo ]; then
  rm -rf "$STATE"
  NATS_PORT=$(free_port)
  ROUTER_BIND=127.0.0.1:$(free_port)
else
  NATS_PORT=${NATS_PORT:-4222}
  ROUTER_BIND=${ROUTER_BIND:-127.0.0.1:8080}
fi
mkdir -p "$STATE"/{logs,downloads,library,nats,config}
LOGS=$STATE/logs
# One NATS password per service, generated at first start (deploy/nats/nats.conf reads them
# from nats-server's environment; each service reads its own file).
NATS_ENV=$(scripts/nats_secrets.sh "$STATE/secrets")

echo "building…"
cargo build --quiet --bins
BIN=${CARGO_TARGET_DIR:-$PWD/target}/debug

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
sink_pid=
trap 'stop_all; [ -z "$sink_pid" ] || kill "$sink_pid" 2>/dev/null || true' EXIT INT TERM
start() { # name, command…
  local name=$1; shift
  "$@" >"$LOGS/$name.log" 2>&1 &
  pids+=($!)
}

# The passwords reach nats-server through its environment, never its command line.
start nats bash -c 'set -a; . "$1"; shift; exec "$@"' nats "$NATS_ENV" \
  "$NATS_SERVER" -c deploy/nats/nats.conf -p "$NATS_PORT" -sd "$STATE/nats" --http_port 0
for _ in $(seq 1 100); do (echo >"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null && break; sleep 0.1; done
if ! (echo >"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null; then
  echo "nats-server did not start:" >&2
  tail -n 5 "$LOGS/nats.log" >&2
  exit 1
fi
export SOULSPOT__NATS__URL="nats://127.0.0.1:$NATS_PORT"
for service in router spotify soulseek metadata library notifications; do
  export "SOULSPOT_${service^^}__NATS__PASSWORD_FILE=$STATE/secrets/nats-$service"
done
export SOULSPOT_CONFIG_DIR="$STATE/config"

SANDBOX_OUT=$LOGS/sandbox.urls
SOULSPOT_SANDBOX__DOWNLOADS_DIR="$STATE/downloads" "$BIN"/soulspot-sandbox >"$SANDBOX_OUT" 2>"$LOGS/sandbox.log" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$SANDBOX_OUT" ] && break; sleep 0.1; done
if [ ! -s "$SANDBOX_OUT" ]; then
  echo "the sandbox did not start:" >&2
  tail -n 5 "$LOGS/sandbox.log" >&2
  exit 1
fi
url() { python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])" "$SANDBOX_OUT" "$1"; }

if [ "$mode" = demo ] && [ -z "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]; then
  # Every service sends its spans here; the demo prints the job's trace at the end.
  SPANS_PORT=$(free_port)
  python3 scripts/otlp_sink.py "$SPANS_PORT" "$STATE/spans.jsonl" 2>"$LOGS/otlp_sink.log" &
  sink_pid=$!
  export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$SPANS_PORT
fi

WEBHOOK_PORT=$(free_port)
start webhook python3 scripts/webhook_sink.py "$WEBHOOK_PORT" "$STATE/webhooks.jsonl"
cat >"$STATE/config/notifications.toml" <<TOML
[[channels]]
kind = "webhook"
url = "http://127.0.0.1:$WEBHOOK_PORT/soulspot"
secret = "local-stack-secret"
TOML

SOULSPOT_SPOTIFY__SPOTIFY__ACCOUNTS_URL=$(url spotify_accounts) \
SOULSPOT_SPOTIFY__SPOTIFY__API_URL=$(url spotify_api) \
SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_ID=sandbox-client-id \
SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_SECRET=sandbox-client-secret \
  start spotify "$BIN"/soulspot-spotify
SOULSPOT_SOULSEEK__SLSKD__URL=$(url slskd) \
SOULSPOT_SOULSEEK__SLSKD__API_KEY=sandbox-slskd-api-key \
SOULSPOT_SOULSEEK__SLSKD__DOWNLOADS_DIR="$STATE/downloads" \
SOULSPOT_SOULSEEK__DOWNLOADS__STALL_TIMEOUT_SECS=3 \
  start soulseek "$BIN"/soulspot-soulseek
SOULSPOT_METADATA__MUSICBRAINZ__URL=$(url musicbrainz) \
SOULSPOT_METADATA__COVERART__URL=$(url coverartarchive) \
SOULSPOT_METADATA__TAGGING__DOWNLOADS_DIR="$STATE/downloads" \
  start metadata "$BIN"/soulspot-metadata
SOULSPOT_LIBRARY__LIBRARY__ROOT="$STATE/library" \
SOULSPOT_LIBRARY__LIBRARY__DOWNLOADS_DIR="$STATE/downloads" \
  start library "$BIN"/soulspot-library
start notifications "$BIN"/soulspot-notifications
# The router keeps its generated API key in the stack's state folder (kept between runs;
# `make demo` starts afresh). A key set in SOULSPOT_ROUTER__API__API_KEY wins over the file.
API_KEY_FILE=$STATE/router/api_key
SOULSPOT_ROUTER__HTTP__BIND=$ROUTER_BIND SOULSPOT_ROUTER__API__KEY_FILE=$API_KEY_FILE \
  start router "$BIN"/soulspot-router

API=http://$ROUTER_BIND
API_KEY=${SOULSPOT_ROUTER__API__API_KEY:-}
get() { curl -fsS -H "X-Api-Key: $API_KEY" "$API$1"; }
report() { python3 scripts/stack_report.py "$@"; }
active=0
for _ in $(seq 1 300); do
  [ -n "$API_KEY" ] || { [ -s "$API_KEY_FILE" ] && API_KEY=$(<"$API_KEY_FILE"); } || true
  active=$(get /api/modules/status 2>/dev/null | report active) || active=0
  [ "$active" -ge 5 ] && break
  sleep 0.2
done
echo
echo "modules:"
get /api/modules/status | report modules
if [ "$active" -lt 5 ]; then
  echo "not every module became active; logs are in $LOGS" >&2
  exit 1
fi

if [ "$mode" = run ]; then
  cat <<TEXT

SoulSpot is running.
  API:       $API
  API key:   $API_KEY
             (kept in $API_KEY_FILE; send it as the X-Api-Key header or ?apikey=)
             try: curl -s -X POST $API/api/downloads -H "X-Api-Key: $API_KEY" \\
                    -H 'content-type: application/json' -d '{"query": "$DEMO_QUERY"}'
  NATS:      $SOULSPOT__NATS__URL
  library:   $STATE/library
  logs:      $LOGS
Ctrl-C stops everything.
TEXT
  wait
  exit 0
fi

echo
echo "POST /api/downloads {\"query\": \"$DEMO_QUERY\"}"
job=$(curl -fsS -X POST "$API/api/downloads" -H "X-Api-Key: $API_KEY" -H 'content-type: application/json' \
  -d "{\"query\": \"$DEMO_QUERY\"}" | report job-id)
echo "job $job queued"
state=queued
for _ in $(seq 1 600); do
  state=$(get "/api/jobs/$job" | report state)
  case $state in completed|failed) break ;; esac
  sleep 0.2
done
echo
echo "orchestration log of job $job:"
python3 scripts/orchestration_log.py "$job" "$LOGS"/{router,spotify,soulseek,metadata,library,notifications}.log
echo
get "/api/jobs/$job" | report job
[ "$state" = completed ] || { echo "the job did not complete; logs are in $LOGS" >&2; exit 1; }
path=$(get "/api/jobs/$job" | report path)
echo
echo "library file: $path"
"$BIN"/soulspot-tags "$path"
echo
echo "webhook received: $(wc -l <"$STATE/webhooks.jsonl") notification(s)"
if [ -n "$sink_pid" ]; then
  # Stopped services have sent their last spans (each flushes on SIGTERM).
  stop_all
  echo
  python3 scripts/trace_tree.py "$STATE/spans.jsonl" "POST /api/downloads"
fi
echo "demo finished"
