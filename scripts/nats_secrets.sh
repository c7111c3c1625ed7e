#!/usr/bin/env bash
# Generates the NATS password of every service once, into a private folder:
#   <folder>/nats-<service>   one password per file (SOULSPOT_<MODULE>__NATS__PASSWORD_FILE)
#   <folder>/nats.env         SOULSPOT_NATS_PASSWORD_<SERVICE>=… for nats-server's environment
# Existing passwords are kept. Prints the path of nats.env.
#   scripts/nats_secrets.sh .tools/stack/secrets
set -euo pipefail
folder=${1:?usage: scripts/nats_secrets.sh <folder>}
umask 077
mkdir -p "$folder"
chmod 700 "$folder"
env_file=$folder/nats.env
: >"$env_file.new"
# Hex only: nats-server reads a variable's value as configuration text, where a leading `-`
# starts a number, so a password such as `-TNK…` stops it from starting. One written so by an
# earlier version of this script is replaced.
for service in router spotify soulseek metadata library notifications; do
  file=$folder/nats-$service
  if ! grep -Eqx '[0-9a-f]{64}' "$file" 2>/dev/null; then
    python3 -c 'import secrets; print(secrets.token_hex(32))' >"$file"
  fi
  echo "SOULSPOT_NATS_PASSWORD_${service^^}=$(cat "$file")" >>"$env_file.new"
done
mv "$env_file.new" "$env_file"
echo "$env_file"
