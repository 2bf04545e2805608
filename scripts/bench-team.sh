#!/usr/bin/env bash
# Team mode's figures (issue 21): for 1, 5 and 20 consoles at 60 requests a
# minute against the simulator, with a redis-server of the test's own on a
# free loopback port, the total request rate the simulator saw and the age
# of the picture (a conversation arriving to every console showing it).
# Then, unless --quick, the issue's scenario: five consoles for two minutes,
# the leader killed, Redis stopped and back.
#
#   scripts/bench-team.sh [--quick] [SECONDS per run, default 90]
#
# Needs redis-server on PATH (apt-get install redis-server).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [[ "${1:-}" == "--quick" ]]; then quick=1; shift; fi
secs="${1:-90}"
export SWITCHBOARD_DATA_DIR="${SWITCHBOARD_DATA_DIR:-$PWD/target/ci-data}"
export SWITCHBOARD_STATE_DIR="${SWITCHBOARD_STATE_DIR:-$PWD/target/ci-state}"
command -v redis-server >/dev/null || {
  echo "redis-server is not on PATH: apt-get install redis-server" >&2
  exit 2
}
cargo test --release --test team --no-run >/dev/null 2>&1 || cargo test --release --test team --no-run
for n in 1 5 20; do
  SWITCHBOARD_BENCH_CONSOLES=$n SWITCHBOARD_BENCH_SECS=$secs \
    cargo test --release --test team -- --ignored --exact bench_team --nocapture 2>/dev/null \
    | grep '^consoles='
done
if [[ $quick == 0 ]]; then
  cargo test --release --test team -- --ignored --exact five_consoles_at_sixty_a_minute_for_two_minutes --nocapture 2>/dev/null \
    | grep -E 'console\(s\)|test result'
fi
