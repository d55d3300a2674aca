#!/usr/bin/env bash
# An info module and a state module against a simulator of four wireless SIMs: the listing, a change in check
# mode (nothing written), the change, and the same change again (no change).
set -eu
# shellcheck source=tests/integration/targets/setup_simulator/simulator.sh
source ../setup_simulator/simulator.sh
start_simulator --wireless-sims 4 --super-sims 0
ansible-playbook -i "$INVENTORY_PATH" playbook.yml "$@"
