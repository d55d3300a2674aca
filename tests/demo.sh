#!/usr/bin/env bash
# make demo: start the bundled Twilio simulator with a demo fleet, run the fleet audit against it (then the
# compliance check in report-only mode, and the per-SIM playbook on a few SIMs of the inventory plugin), run the
# audit once more as a KORE Wireless account would (OAuth 2.0 client credentials), show where the reports are,
# and stop the simulator.
#
# Run from a fresh clone with `make demo` (which builds .venv and the collection link first). Settings:
#   DEMO_WIRELESS_SIMS (3000), DEMO_SUPER_SIMS (1500), DEMO_SEED (42), DEMO_OUTPUT (demo-output)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="$ROOT/.venv/bin/python"
PLAYBOOK="$ROOT/.venv/bin/ansible-playbook"
WIRELESS_SIMS="${DEMO_WIRELESS_SIMS:-3000}"
SUPER_SIMS="${DEMO_SUPER_SIMS:-1500}"
SEED="${DEMO_SEED:-42}"
OUTPUT="${DEMO_OUTPUT:-$ROOT/demo-output}"
case "$OUTPUT" in /*) ;; *) OUTPUT="$ROOT/$OUTPUT" ;; esac

for tool in "$PYTHON" "$PLAYBOOK"; do
  if [ ! -x "$tool" ]; then
    echo "demo: $tool is missing; run 'make demo' (it builds .venv first)" >&2
    exit 1
  fi
done

export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$ROOT/build/collections}"
export ANSIBLE_NOCOLOR="${ANSIBLE_NOCOLOR:-1}"
export ANSIBLE_PIPELINING=1
# Nothing of the caller's Twilio settings may leak into the demo: it talks to the simulator only.
unset TWILIO_API_KEY TWILIO_API_SECRET TWILIO_TIMEOUT TWILIO_VALIDATE_CERTS TWILIO_MAX_RETRIES TWILIO_MAX_RETRY_TIME \
  TWILIO_PLATFORM KORE_CLIENT_ID KORE_CLIENT_SECRET KORE_TOKEN_URL

WORK="$(mktemp -d "${TMPDIR:-/tmp}/simfleet-demo.XXXXXX")"
SIM_PID=""

stop_simulator() {
  if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
    kill -TERM "$SIM_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$SIM_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SIM_PID" 2>/dev/null; then
      kill -KILL "$SIM_PID" 2>/dev/null || true
    fi
    wait "$SIM_PID" 2>/dev/null || true
  fi
  SIM_PID=""
  rm -rf "$WORK"
}
trap stop_simulator EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

started=$SECONDS
echo "demo: starting the Twilio simulator ($WIRELESS_SIMS Programmable Wireless SIMs, $SUPER_SIMS Super SIMs, seed $SEED)"
# --platform both: Twilio's basic authentication and KORE's bearer tokens (token endpoint on a second port).
"$PYTHON" tests/simulator --host 127.0.0.1 --port 0 --seed "$SEED" --platform both \
  --wireless-sims "$WIRELESS_SIMS" --super-sims "$SUPER_SIMS" >"$WORK/simulator.out" 2>"$WORK/simulator.err" &
SIM_PID=$!

BASE_URL=""
TOKEN_URL=""
for _ in $(seq 1 600); do
  if [ "$(wc -l <"$WORK/simulator.out")" -ge 2 ]; then
    BASE_URL="$(sed -n 1p "$WORK/simulator.out")"
    TOKEN_URL="$(sed -n 2p "$WORK/simulator.out")"
    case "$BASE_URL $TOKEN_URL" in http://*" http://"*) break ;; *) BASE_URL="" ;; esac
  fi
  if ! kill -0 "$SIM_PID" 2>/dev/null; then
    echo "demo: the simulator exited early:" >&2
    cat "$WORK/simulator.err" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$BASE_URL" ]; then
  echo "demo: the simulator printed no URL within 60 seconds" >&2
  cat "$WORK/simulator.err" >&2
  exit 1
fi
echo "demo: simulator at $BASE_URL, KORE token endpoint at $TOKEN_URL (pid $SIM_PID)"

# The simulator's built-in account (see tests/simulator/README.md); point these at a real account instead.
export TWILIO_ACCOUNT_SID=AC00000000000000000000000000000001
export TWILIO_AUTH_TOKEN=0123456789abcdef0123456789abcdef
export TWILIO_BASE_URL="$BASE_URL/{product}"

# The fleet playbooks run on the controller: an inventory of localhost alone (-i localhost,), so that
# ansible-playbook has an inventory to parse and a host list to match.
LOCAL=(-i "localhost,")

mkdir -p "$OUTPUT"
echo "demo: running playbooks/audit.yml"
"$PLAYBOOK" "${LOCAL[@]}" playbooks/audit.yml -e "sim_audit_output_dir=$OUTPUT"

echo "demo: running playbooks/compliance.yml (report only: violations are listed, the run does not fail)"
"$PLAYBOOK" "${LOCAL[@]}" playbooks/compliance.yml -e "sim_compliance_output_dir=$OUTPUT" -e sim_compliance_report_only=true

echo "demo: running playbooks/remediate.yml on that compliance.json (a dry run: the plan is reported, nothing is written)"
"$PLAYBOOK" "${LOCAL[@]}" playbooks/remediate.yml -e "sim_remediation_compliance_file=$OUTPUT/compliance.json" \
  -e "sim_remediation_output_dir=$OUTPUT"

echo "demo: running playbooks/active_sims.yml on the active ones of 8 Super SIMs of the inventory plugin (--limit)"
"$PLAYBOOK" -i playbooks/demo.twilio_sims.yml playbooks/active_sims.yml --limit 'twilio_supersim[0:7]' \
  -e "active_sims_output_dir=$OUTPUT"

echo "demo: running playbooks/audit.yml on KORE Wireless (client ID and secret, OAuth 2.0 tokens): reports in $OUTPUT/kore"
mkdir -p "$OUTPUT/kore"
# The simulator's KORE API client of the same account (see tests/simulator/README.md).
env -u TWILIO_ACCOUNT_SID -u TWILIO_AUTH_TOKEN \
  KORE_CLIENT_ID=kore-client-0000000000000001 KORE_CLIENT_SECRET=simulator-kore-secret-000000000000000001 \
  KORE_TOKEN_URL="$TOKEN_URL" \
  "$PLAYBOOK" "${LOCAL[@]}" playbooks/audit.yml -e "sim_audit_output_dir=$OUTPUT/kore"

stop_simulator
trap - EXIT

echo
echo "demo: done in $((SECONDS - started)) s; the simulator is stopped. Reports in $OUTPUT:"
for report in audit.html audit.md audit.json compliance.json compliance-junit.xml remediation.html remediation.json \
    active-sims.json kore/audit.html; do
  printf '  %-22s %s\n' "$report" "$OUTPUT/$report"
done
echo "Open $OUTPUT/audit.html in a browser (it works offline)."
