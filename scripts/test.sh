#!/usr/bin/env bash
# `npm test`: the whole suite: the linter, unit and integration (vitest), a one-minute soak, then end to end in Chromium (Playwright).
# System tools the suite needs come from Debian's packages when we can install them.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

need() { # need COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing $2 from Debian's packages (for $1)…"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2"; } >/dev/null \
      || { echo "Could not install $2; install it (apt-get install $2) and run npm test again." >&2; exit 1; }
  else
    echo "The tests need $1: install Debian's $2 (sudo apt-get install $2) and run npm test again." >&2
    exit 1
  fi
}
need "${CHROMIUM:-chromium}" chromium
need socat socat # the simulated Teensy's pseudo-terminal
need gcc gcc # the firmware's protocol code is tested on this machine
need make make
need vim vim # a real editor writes the status file (test/real-writers.test.ts)
need curl curl # the README's API example is run as written
need /usr/bin/python3 python3 # os.replace, one of the writers of the fuzz (test/fuzz/writer-kinds.ts)
need setpriv util-linux # takes root's override of file permissions from a server (test/real-writers.test.ts)
need openssl openssl # throwaway certificates for the HTTPS tests
need systemd-analyze systemd # checks the shipped systemd unit (test/deploy.test.ts)
need redis-server redis-server # several nodes on Redis (test/lease.test.ts), started by the tests on loopback
need haproxy haproxy # deploy/'s balancer examples, run by test/balancers.test.ts on loopback
need nginx nginx-light
need mosquitto mosquitto # the MQTT bridge's broker (test/mqtt.test.ts), started by the tests on loopback
need bindfs bindfs # a FUSE share whose watch hears nothing of writes underneath, as with NFS (test/status-watch.test.ts)

# The linter and the formatter's check first: they fail in seconds where the rest takes minutes.
npm run lint
node scripts/build-if-needed.mjs
npx tsc --noEmit # after the build, which writes next-env.d.ts
make -C firmware test
npx vitest run
node --import tsx test/fuzz/writers.ts --sequences 300 # random writers against a real server (npm run fuzz); alone, since its 1 s bound needs a quiet machine
node --import tsx bench/soak.ts --minutes 1 # 500 clients coming and going: every order once, memory level
node --import tsx bench/latency.ts --n 100 --writes 10 --skip-browser --servers chadburn,floor-socketio --fleet panel # still runs (npm run bench: figures)
npx playwright test
