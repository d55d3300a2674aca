#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: wireless_command_info
short_description: List Twilio Programmable Wireless commands
version_added: 2.0.0
description:
  - Lists the machine-to-machine commands exchanged with Programmable Wireless SIMs (C(GET /v1/Commands) of the
    Wireless API), following every page, or fetches one command by SID.
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - Fetch only the command with this SID (C(DC...)), instead of listing.
      - Returns an empty list when Twilio has no such command.
      - Cannot be combined with the list filters.
    type: str
  sim:
    description:
      - Only commands of the SIM with this SID (C(DE...)) or unique name.
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
    choices: [from_sim, to_sim]
  transport:
    description:
      - Only commands carried by SMS (V(sms)) or by IP (V(ip)).
    type: str
    choices: [sms, ip]
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
  - simfleet.twilio.common.fetch
  - simfleet.twilio.common.commands
seealso:
  - module: simfleet.twilio.wireless_command
"""

EXAMPLES = r"""
- name: Commands sent to one SIM in the last day
  simfleet.twilio.wireless_command_info:
    sim: pump-station-17
    direction: to_sim
    created_after: "{{ 1 | simfleet.twilio.window_start }}"
  register: recent
"""

RETURN = r"""
commands:
  description:
    - The commands, newest first, with Twilio's fields unchanged.
    - Empty when nothing matches, or when O(sid) names no command.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The command's SID, C(DC) followed by 32 hex digits.
      returned: always
      type: str
      sample: DC0123456789abcdef0123456789abcdef
    sim_sid:
      description: The SID of the SIM the command was exchanged with.
      returned: always
      type: str
    command:
      description: The text (or Base64 data, in binary mode) of the command.
      returned: always
      type: str
    command_mode:
      description: C(text) or C(binary).
      returned: always
      type: str
    transport:
      description: C(sms) or C(ip).
      returned: always
      type: str
    status:
      description: The command's status.
      returned: always
      type: str
      sample: delivered
    direction:
      description: C(to_sim) or C(from_sim).
      returned: always
      type: str
    date_created:
      description: When the command was created, ISO 8601.
      returned: always
      type: str
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("wireless_command")


if __name__ == "__main__":
    main()
