#!/usr/bin/env bash
# Sets up a fresh machine for h3-wasi: the Debian packages of the interop
# peers the tests run against, then the npm packages (npm ci).
# Debian packages are installed only when missing and only as root; as
# another user the list is printed so it can be installed by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

# Interop peers and the toolchain for the small C harnesses tests build:
#   openssl        — TLS 1.3 s_server / s_client (tls interop)
#   libnghttp3-dev — QPACK encoder/decoder (qpack cross-checks and bench)
#   gcc, pkg-config — build the C harnesses under tests/peers/
PEER_PACKAGES=(openssl libnghttp3-dev gcc pkg-config)

missing=()
for p in "${PEER_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages (install them as root): ${missing[*]}" >&2
  fi
fi

npm ci --no-audit --no-fund
