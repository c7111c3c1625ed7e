#!/bin/sh
# The compose stack's first step (service `setup`, run as root once per `up`, before anything
# else starts). It
#   - generates each service's NATS password once, into that service's own secrets volume
#     (a module's container mounts its own volume only, so no module can read another's);
#   - writes nats-server's configuration: the passwords as configuration variables, then the
#     shipped deploy/nats/nats.conf, which refers to them (and, for the cluster override, the
#     same with a cluster block whose route password is generated too);
#   - writes the notifications module's channels from the SOULSPOT_WEBHOOK_*, SOULSPOT_NTFY_* and
#     SOULSPOT_GOTIFY_* variables;
#   - hands the data volumes' top folders to the services' user.
# Nothing here needs the network; rerunning it keeps every password already generated.
set -eu
umask 077

SERVICES="router spotify soulseek metadata library notifications"
SOULSPOT_UID=10001
# The local stand-in NATS image runs as 10002; the official image runs as root.
NATS_UID=10002
SECRETS=/secrets
CLUSTER_NODES=${SOULSPOT_NATS_CLUSTER_NODES:-nats nats-2 nats-3}

random_secret() {
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# Writes stdin to $1 through a temporary file, owned by $2 and readable by it alone.
install_file() {
  cat >"$1.new"
  chown "$2:$2" "$1.new"
  chmod 0400 "$1.new"
  mv "$1.new" "$1"
}

# $1 as a TOML basic string.
toml_string() {
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

upper() {
  printf '%s' "$1" | tr '[:lower:]' '[:upper:]'
}

for service in $SERVICES; do
  file=$SECRETS/$service/nats-password
  [ -s "$file" ] || random_secret | install_file "$file" "$SOULSPOT_UID"
done
route_password_file=$SECRETS/nats/route-password
[ -s "$route_password_file" ] || random_secret | install_file "$route_password_file" "$NATS_UID"

nats_variables() {
  echo "# Written by deploy/compose/setup.sh at every start of the stack; edit deploy/nats/nats.conf."
  for service in $SERVICES; do
    printf 'SOULSPOT_NATS_PASSWORD_%s: "%s"\n' "$(upper "$service")" "$(cat "$SECRETS/$service/nats-password")"
  done
}
{
  nats_variables
  cat /setup/nats.conf
} | install_file "$SECRETS/nats/nats.conf" "$NATS_UID"

# One JetStream cluster of the nodes the cluster override starts; each node's name is given on
# its command line (-n), routes carry a password of their own.
route_password=$(cat "$route_password_file")
{
  nats_variables
  cat /setup/nats.conf
  echo
  echo "cluster {"
  echo "  name: soulspot"
  echo "  listen: 0.0.0.0:6222"
  echo "  authorization { user: route, password: \"$route_password\" }"
  echo "  routes: ["
  for node in $CLUSTER_NODES; do
    echo "    \"nats-route://route:$route_password@$node:6222\""
  done
  echo "  ]"
  echo "}"
} | install_file "$SECRETS/nats/nats-cluster.conf" "$NATS_UID"

{
  echo "# Written by deploy/compose/setup.sh from the SOULSPOT_WEBHOOK_*, SOULSPOT_NTFY_* and"
  echo "# SOULSPOT_GOTIFY_* variables at every start of the stack."
  if [ -n "${SOULSPOT_WEBHOOK_URL:-}" ]; then
    echo "[[channels]]"
    echo "kind = \"webhook\""
    echo "url = $(toml_string "$SOULSPOT_WEBHOOK_URL")"
    [ -z "${SOULSPOT_WEBHOOK_SECRET:-}" ] || echo "secret = $(toml_string "$SOULSPOT_WEBHOOK_SECRET")"
  fi
  if [ -n "${SOULSPOT_NTFY_TOPIC:-}" ]; then
    echo "[[channels]]"
    echo "kind = \"ntfy\""
    echo "server = $(toml_string "${SOULSPOT_NTFY_SERVER:-https://ntfy.sh}")"
    echo "topic = $(toml_string "$SOULSPOT_NTFY_TOPIC")"
    [ -z "${SOULSPOT_NTFY_TOKEN:-}" ] || echo "token = $(toml_string "$SOULSPOT_NTFY_TOKEN")"
  fi
  if [ -n "${SOULSPOT_GOTIFY_SERVER:-}" ]; then
    echo "[[channels]]"
    echo "kind = \"gotify\""
    echo "server = $(toml_string "$SOULSPOT_GOTIFY_SERVER")"
    echo "token = $(toml_string "${SOULSPOT_GOTIFY_TOKEN:-}")"
  fi
} | install_file /config/notifications/notifications.toml "$SOULSPOT_UID"

# Fresh named volumes are owned by root; the services write as their own user. Only the top
# folder changes hands: files already in a library that was mounted in are left as they are.
for folder in /volumes/*; do
  [ -d "$folder" ] && chown "$SOULSPOT_UID:$SOULSPOT_UID" "$folder"
done
echo "setup: secrets, NATS configuration and notification channels are in place"
