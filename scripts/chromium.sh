#!/usr/bin/env bash
# Installs Debian's chromium and chromium-driver (the dashboard's browser tests drive them
# headless through WebDriver) unless a chromedriver is already on PATH. Needs root and apt.
set -euo pipefail

if command -v chromedriver >/dev/null 2>&1; then
  chromedriver --version
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromedriver is missing and installing it needs root: run 'sudo $0'" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver
chromedriver --version
