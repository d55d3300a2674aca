#!/usr/bin/env bash
# The role sim_compliance against a simulator of three wireless SIMs and two Super SIMs: its reports in
# report-only mode, then a policy that the fleet breaks, which fails the play.
set -eu
# shellcheck source=tests/integration/targets/setup_simulator/simulator.sh
source ../setup_simulator/simulator.sh
start_simulator --wireless-sims 3 --super-sims 2
ansible-playbook -i "$INVENTORY_PATH" playbook.yml -e "reports=$OUTPUT_DIR/reports" "$@"
