# shellcheck shell=bash
# Sourced by the scripts that fetch Debian packages: the mirror this machine's apt uses.

# The first mirror apt uses for `release`: deb822 `URIs:` of a stanza whose `Suites:` name it,
# else a one-line `deb [options] uri release ...` entry.
apt_mirror() {
  local release=$1 files=()
  for file in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$file" ] && files+=("$file")
  done
  [ ${#files[@]} -gt 0 ] || return 1
  awk -v release="$release" '
    function flush() {
      if (!found && types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " release " ") &&
          enabled != "no" && uri != "") { print uri; found = 1 }
      types = ""; suites = ""; uri = ""; enabled = ""
    }
    FNR == 1 { flush() }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { flush(); next }
    FILENAME ~ /\.sources$/ {
      key = tolower($1); $1 = ""; sub(/^ +/, "")
      if (key == "types:") types = $0
      else if (key == "suites:") suites = $0
      else if (key == "enabled:") enabled = tolower($0)
      else if (key == "uris:") uri = $1
      next
    }
    $1 == "deb" { line = $0; sub(/\[[^]]*\]/, "", line); split(line, f, /[ \t]+/)
      if (!found && f[3] == release) { print f[2]; found = 1 } }
    END { flush() }' "${files[@]}" | head -n 1 | grep .
}
