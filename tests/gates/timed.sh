#!/usr/bin/env bash
# timed.sh NAME CMD... : run CMD and record its wall time in build/gates/timings.tsv (printed by make test).
set -uo pipefail
# shellcheck source=tests/gates/common.sh
. "$(dirname "$0")/common.sh"
name="$1"
shift
timed "$name" "$@"
