#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_ip_command_info
short_description: List Twilio Super SIM IP commands
version_added: 1.0.0
description:
  - Lists the IP commands exchanged with Super SIMs (C(GET /v1/IpCommands) of the Super SIM API), following every
    page, or fetches one IP command by SID.
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - Fetch only the IP command with this SID (C(HG...)), instead of listing.
      - Returns an empty list when Twilio has no such command.
      - Cannot be combined with the list filters.
    type: str
  sim:
    description:
      - Only commands of the Super SIM with this SID (C(HS...)) or unique name.
    type: str
  sim_iccid:
    description:
      - Only commands of the Super SIM with this ICCID.
    type: str
  status:
    description:
      - Only commands in this status.
    type: str
    choices: [queued, sent, received, failed]
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
- name: IP commands that failed to reach the device 'tracker-0042'
  simfleet.twilio.supersim_ip_command_info:
    sim: tracker-0042
    direction: to_sim
    status: failed
  register: failed_commands

- name: IP commands of the last week, in a few requests however long the history
  simfleet.twilio.supersim_ip_command_info:
    created_after: "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() - 7 * 86400, utc=true) }}"
  register: last_week

- name: The 100 newest IP commands from devices
  simfleet.twilio.supersim_ip_command_info:
    direction: from_sim
    limit: 100
  register: recent
"""

RETURN = r"""
ip_commands:
  description:
    - The IP commands, newest first, with Twilio's fields unchanged.
    - Empty when nothing matches, or when O(sid) names no command.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The command's SID, C(HG) followed by 32 hex digits.
      returned: always
      type: str
      sample: HG0123456789abcdef0123456789abcdef
    account_sid:
      description: The SID of the account that owns the command.
      returned: always
      type: str
    sim_sid:
      description: The SID of the Super SIM the command was exchanged with.
      returned: always
      type: str
    sim_iccid:
      description: The ICCID of that Super SIM.
      returned: always
      type: str
    status:
      description: The command's status.
      returned: always
      type: str
      sample: received
    direction:
      description: V(to_sim) or V(from_sim).
      returned: always
      type: str
    device_ip:
      description: The IP address of the device, or null.
      returned: always
      type: str
    device_port:
      description: The port of the device.
      returned: always
      type: int
    payload_type:
      description: C(text) or C(binary).
      returned: always
      type: str
    payload:
      description: The payload of the command.
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
    run_info_module("supersim_ip_command")


if __name__ == "__main__":
    main()
