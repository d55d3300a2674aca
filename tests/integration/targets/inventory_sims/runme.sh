#!/usr/bin/env bash
# The inventory plugin against a simulator of three wireless SIMs and two Super SIMs: `ansible-inventory --list`,
# then a playbook that checks that listing and the live inventory against the info modules' listings, and runs
# a play on the SIM hosts.
set -eu
# shellcheck source=tests/integration/targets/setup_simulator/simulator.sh
source ../setup_simulator/simulator.sh
start_simulator --wireless-sims 3 --super-sims 2
# A source that no plugin parses is an error here, not a warning and an empty inventory.
export ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true
ansible-inventory -i fleet.twilio_sims.yml --list --output "$OUTPUT_DIR/inventory.json"
ansible-playbook -i "$INVENTORY_PATH" -i fleet.twilio_sims.yml playbook.yml -e "inventory_json=$OUTPUT_DIR/inventory.json" "$@"
