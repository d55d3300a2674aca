#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_sms_command_info
short_description: List Twilio Super SIM SMS commands
version_added: 1.0.0
description:
  - Lists the SMS commands exchanged with Super SIMs (C(GET /v1/SmsCommands) of the Super SIM API), following
    every page, or fetches one SMS command by SID.
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - Fetch only the SMS command with this SID (C(HC...)), instead of listing.
      - Returns an empty list when Twilio has no such command.
      - Cannot be combined with the list filters.
    type: str
  sim:
    description:
      - Only commands of the Super SIM with this SID (C(HS...)) or unique name.
    type: str
  status:
    description:
      - Only commands in this status.
    type: str
    choices: [queued, sent, delivered, received, failed]
  direction:
    description:
      - Only commands sent to the SIM (V(to_sim)) or received from it (V(from_sim)).
    type: str
    choices: [to_sim, from_sim]
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
  - simfleet.twilio.common.fetch
  - simfleet.twilio.common.commands
"""

EXAMPLES = r"""
- name: SMS commands that failed
  simfleet.twilio.supersim_sms_command_info:
    status: failed
  register: failed_sms

- name: Count the SIMs concerned
  ansible.builtin.debug:
    msg: "{{ failed_sms.sms_commands | map(attribute='sim_sid') | unique | length }} SIMs had failed SMS commands"
"""

RETURN = r"""
sms_commands:
  description:
    - The SMS commands, newest first, with Twilio's fields unchanged.
    - Empty when nothing matches, or when O(sid) names no command.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The command's SID, C(HC) followed by 32 hex digits.
      returned: always
      type: str
      sample: HC0123456789abcdef0123456789abcdef
    account_sid:
      description: The SID of the account that owns the command.
      returned: always
      type: str
    sim_sid:
      description: The SID of the Super SIM the command was exchanged with.
      returned: always
      type: str
    payload:
      description: The text of the command.
      returned: always
      type: str
    status:
      description: The command's status.
      returned: always
      type: str
      sample: delivered
    direction:
      description: V(to_sim) or V(from_sim).
      returned: always
      type: str
    date_created:
      description: When the command was created, ISO 8601.
      returned: always
      type: str
    date_updated:
      description: When the command was last updated, ISO 8601.
      returned: always
      type: str
    url:
      description: The command's absolute API URL.
      returned: always
      type: str
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("supersim_sms_command")


if __name__ == "__main__":
    main()
