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
#   ngtcp2-client  — gtlsclient: ngtcp2 (GnuTLS) QUIC + HTTP/3 client (tests/helpers/ngtcp2.ts)
#   ngtcp2-server  — gtlsserver: ngtcp2 QUIC + HTTP/3 file server (tests/helpers/ngtcp2.ts)
#   tshark         — decrypts and dissects captured QUIC / HTTP/3 (tests/helpers/tshark.ts)
#   chromium       — headless Chromium, the browser peer for HTTP/3 (tests/helpers/chromium.ts;
#                    playwright-core drives it, never a downloaded browser)
#   redis-server   — Redis pub/sub between realtime hubs (tests/realtime/redis.test.ts starts its own)
PEER_PACKAGES=(openssl libnghttp3-dev gcc pkg-config ngtcp2-client ngtcp2-server tshark chromium redis-server)

# apt-get, but when another apt/dpkg (unattended-upgrades, a parallel setup)
# holds its lock, wait for it (up to APT_LOCK_WAIT seconds, default 300, and
# say so) instead of dying at once: apt-get fails at once on a held lock (the
# dpkg lock, or the lists lock of `apt-get update`), so retry every
# APT_LOCK_POLL seconds (default 5).
# apt's output is shown only when it fails.
APT_LOCK_WAIT=${APT_LOCK_WAIT:-300}
APT_LOCK_POLL=${APT_LOCK_POLL:-5}
apt_get() {
  local deadline=$((SECONDS + APT_LOCK_WAIT)) out said=
  while :; do
    if out=$(apt-get "$@" 2>&1); then
      return 0
    fi
    if grep -qE 'Could not get lock|Unable to acquire the dpkg frontend lock|Unable to lock' <<<"$out" && [ "$SECONDS" -lt "$deadline" ]; then
      [ -n "$said" ] || echo "setup: another apt/dpkg holds the package lock; waiting up to ${APT_LOCK_WAIT}s for it"
      said=1
      sleep "$APT_LOCK_POLL"
      continue
    fi
    printf '%s\n' "$out" >&2
    [ -z "$said" ] || echo "setup: gave up waiting for the package lock after ${APT_LOCK_WAIT}s" >&2
    return 1
  done
}

missing=()
for p in "${PEER_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt_get update -qq
    apt_get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "setup: missing Debian packages (install them as root): ${missing[*]}" >&2
  fi
fi

npm ci --no-audit --no-fund
