#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_fleet_info
short_description: List Twilio Super SIM fleets
version_added: 2.0.0
description:
  - Lists the fleets of a Twilio account (C(GET /v1/Fleets) of the Super SIM API), following every page, or fetches
    one fleet by SID or unique name.
  - A fleet holds the settings its Super SIMs share, the network access profile, the data limit per SIM and the
    webhooks of machine-to-machine commands.
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - Fetch only the fleet with this SID (C(HF...)) or unique name, instead of listing. Blank values, values with
        surrounding white space or control characters, and path tokens (V(.), V(..), a V(/)) are refused before any
        request.
      - Returns an empty list when Twilio has no such fleet (HTTP 404).
      - Cannot be combined with O(network_access_profile).
    type: str
  network_access_profile:
    description:
      - Only fleets using the network access profile with this SID (C(HA...)) or unique name.
    type: str
seealso:
  - module: simfleet.twilio.supersim_fleet
  - module: simfleet.twilio.supersim_network_access_profile_info
  - module: simfleet.twilio.supersim_sim_info
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
  - simfleet.twilio.common.fetch
"""

EXAMPLES = r"""
- name: Fleets whose SIMs may use the networks of the profile 'europe-only'
  simfleet.twilio.supersim_fleet_info:
    network_access_profile: europe-only
  register: european_fleets

- name: The fleet 'cold-chain', by unique name
  simfleet.twilio.supersim_fleet_info:
    sid: cold-chain
  register: cold_chain

- name: Show the data limit of each of its SIMs per billing period
  ansible.builtin.debug:
    msg: "Each SIM of cold-chain may use {{ cold_chain.fleets[0].data_limit }} MB per billing period"
  when: cold_chain.fleets | length == 1

- name: Fleets that do not forward IP commands from devices anywhere
  ansible.builtin.debug:
    msg: "{{ european_fleets.fleets | selectattr('ip_commands_url', 'none') | map(attribute='unique_name') | list }}"
"""

RETURN = r"""
fleets:
  description:
    - The fleets, in the order Twilio lists them, with Twilio's fields unchanged.
    - Empty when nothing matches, or when O(sid) names no fleet.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The fleet's SID, C(HF) followed by 32 hex digits.
      returned: always
      type: str
      sample: HF0123456789abcdef0123456789abcdef
    unique_name:
      description: The unique name the account gave the fleet, or null.
      returned: always
      type: str
      sample: cold-chain
    account_sid:
      description: The SID of the account that owns the fleet.
      returned: always
      type: str
    network_access_profile_sid:
      description: The SID of the network access profile that sets which networks the fleet's SIMs may use.
      returned: always
      type: str
    data_enabled:
      description: Whether the fleet's SIMs may use cellular data.
      returned: always
      type: bool
    data_limit:
      description: The data each SIM of the fleet may use per billing period, upload and download together, in megabytes.
      returned: always
      type: int
      sample: 250
    data_metering:
      description: How data is metered, V(payg).
      returned: always
      type: str
      sample: payg
    sms_commands_enabled:
      description: Whether the fleet's SIMs may send and receive machine-to-machine SMS commands.
      returned: always
      type: bool
    sms_commands_url:
      description: The URL Twilio calls when a SIM of the fleet sends an SMS command, or null.
      returned: always
      type: str
    sms_commands_method:
      description: The HTTP method for the SMS commands URL, C(GET) or C(POST).
      returned: always
      type: str
    ip_commands_url:
      description: The URL Twilio calls when a SIM of the fleet sends an IP command, or null.
      returned: always
      type: str
    ip_commands_method:
      description: The HTTP method for the IP commands URL, C(GET) or C(POST).
      returned: always
      type: str
    date_created:
      description: When the fleet was created, ISO 8601.
      returned: always
      type: str
      sample: "2026-07-01T12:00:00Z"
    date_updated:
      description: When the fleet was last updated, ISO 8601.
      returned: always
      type: str
    url:
      description: The fleet's absolute API URL.
      returned: always
      type: str
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("supersim_fleet")


if __name__ == "__main__":
    main()
