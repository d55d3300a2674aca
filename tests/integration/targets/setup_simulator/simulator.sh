# shellcheck shell=bash
# The bundled Twilio simulator for the integration targets, sourced by their runme.sh (which declare
# `needs/target/setup_simulator` in their aliases, so that ansible-test copies this folder beside them).
#
#   start_simulator [SIMULATOR OPTIONS...]
#
# starts `python -m simulator --host 127.0.0.1 --port 0 --seed 1 [OPTIONS]` from the collection's tests/ folder,
# waits for the base URL it prints, exports TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_BASE_URL for the
# simulator's built-in account (so the modules and the inventory plugin reach it with no other setting), and
# stops it when the sourcing script exits, whether it passes or fails. ansible-test passes none of the caller's
# environment through, so nothing but these variables reaches the runs.

SIMULATOR_PID=""

# The tests/ folder of the collection under test: ansible-test points ANSIBLE_COLLECTIONS_PATH at the
# ansible_collections/ tree that holds it (after a folder of its own when it sets a timeout).
simulator_tests_dir() {
    local entry
    local IFS=:
    for entry in $ANSIBLE_COLLECTIONS_PATH; do
        if [ -f "$entry/ansible_collections/simfleet/twilio/tests/simulator/__main__.py" ]; then
            printf '%s\n' "$entry/ansible_collections/simfleet/twilio/tests"
            return 0
        fi
    done
    echo "setup_simulator: no simfleet.twilio collection with tests/simulator in ANSIBLE_COLLECTIONS_PATH=$ANSIBLE_COLLECTIONS_PATH" >&2
    return 1
}

stop_simulator() {
    if [ -n "$SIMULATOR_PID" ]; then
        kill -TERM "$SIMULATOR_PID" 2>/dev/null || true
        wait "$SIMULATOR_PID" 2>/dev/null || true
        SIMULATOR_PID=""
    fi
}

start_simulator() {
    local tests python out url="" tries
    tests="$(simulator_tests_dir)"
    python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
    out="${OUTPUT_DIR:-$(mktemp -d)}/simulator"
    trap stop_simulator EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    (cd "$tests" && exec "$python" -m simulator --host 127.0.0.1 --port 0 --seed 1 "$@") >"$out.out" 2>"$out.err" &
    SIMULATOR_PID=$!
    # Patient: `make test` runs the targets at the lowest priority beside other gates; a simulator that exits stops the wait.
    for tries in $(seq 1 3000); do
        if [ "$(wc -l <"$out.out")" -ge 1 ]; then  # a whole line: the URL and its newline
            url="$(head -n 1 "$out.out")"
            case "$url" in http://*) break ;; esac
            url=""
        fi
        if ! kill -0 "$SIMULATOR_PID" 2>/dev/null; then
            echo "setup_simulator: the simulator exited early:" >&2
            cat "$out.err" >&2
            SIMULATOR_PID=""
            return 1
        fi
        sleep 0.1
    done
    if [ -z "$url" ]; then
        echo "setup_simulator: the simulator printed no URL within $((tries / 10)) seconds" >&2
        cat "$out.err" >&2
        return 1
    fi
    # The simulator's built-in account (tests/simulator/README.md).
    export TWILIO_ACCOUNT_SID=AC00000000000000000000000000000001
    export TWILIO_AUTH_TOKEN=0123456789abcdef0123456789abcdef
    export TWILIO_BASE_URL="$url/{product}"
}
