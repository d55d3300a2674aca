#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_fleet
short_description: Create and manage a Twilio Super SIM fleet
version_added: 2.0.0
description:
  - >-
    Brings one Super SIM fleet, found by its unique name, to the state the options describe
    (C(POST /v1/Fleets/{Sid}) of the Super SIM API): its network access profile, data limit and the URLs Twilio
    calls for IP and SMS commands.
  - >-
    Creates the fleet (C(POST /v1/Fleets)) when the account has none with that unique name; O(network_access_profile)
    is required then.
  - Only the options that are set are compared, and only the fields that differ are sent.
  - Twilio has no way to delete a fleet, so neither has this module.
author:
  - simfleet maintainers (@simfleet)
options:
  unique_name:
    description:
      - The fleet's unique name, which finds it, and which a fleet created by the module gets.
    type: str
    required: true
  network_access_profile:
    description:
      - The network access profile that decides which cellular networks the fleet's SIMs can connect to, by SID
        (C(HA...)) or unique name. A unique name is resolved to its SID before comparing.
      - Required to create the fleet. Changing it on an existing fleet applies to all its SIMs.
    type: str
  data_limit:
    description:
      - >-
        The data (download and upload combined), in megabytes, that each SIM of the fleet may use per billing
        period, between 1 and 2,000,000 (2 TB). Twilio's default, when a fleet is created without it, is 1000.
    type: int
  ip_commands_url:
    description:
      - The URL Twilio calls when a SIM of the fleet sends an IP command.
    type: str
  ip_commands_method:
    description:
      - The HTTP method for O(ip_commands_url).
    type: str
    choices: [GET, POST]
  sms_commands_url:
    description:
      - The URL Twilio calls when a SIM of the fleet sends an SMS command.
    type: str
  sms_commands_method:
    description:
      - The HTTP method for O(sms_commands_url).
    type: str
    choices: [GET, POST]
  data_enabled:
    description:
      - Whether the fleet's SIMs can use data connectivity (2G, 3G, 4G/LTE, LTE-M). Twilio's default is V(true).
      - >-
        Set only when the fleet is created: Twilio cannot change it afterwards, so a different value on an existing
        fleet is an error that names both values.
    type: bool
  sms_commands_enabled:
    description:
      - Whether the fleet's SIMs can send and receive machine-to-machine SMS commands. Twilio's default is V(true).
      - >-
        Set only when the fleet is created: Twilio cannot change it afterwards, so a different value on an existing
        fleet is an error that names both values.
    type: bool
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.state
seealso:
  - module: simfleet.twilio.supersim_network_access_profile
  - module: simfleet.twilio.supersim_sim
"""

EXAMPLES = r"""
- name: Create a fleet for the field units, or bring it in line
  simfleet.twilio.supersim_fleet:
    unique_name: field-units
    network_access_profile: europe-only
    data_limit: 250
    sms_commands_enabled: true
    sms_commands_url: https://iot.example.com/twilio/sms-commands
    sms_commands_method: POST

- name: Raise the data limit of an existing fleet
  simfleet.twilio.supersim_fleet:
    unique_name: field-units
    data_limit: 500
"""

RETURN = r"""
fleet:
  description:
    - The fleet as Twilio returns it after the change (in check mode, as it is now), with Twilio's fields unchanged.
    - C(null) when the fleet would be created in check mode.
  returned: success
  type: dict
  sample:
    sid: HF0123456789abcdef0123456789abcdef
    unique_name: field-units
    network_access_profile_sid: HA0123456789abcdef0123456789abcdef
    data_enabled: true
    data_limit: 250
    sms_commands_enabled: true
  contains:
    sid:
      description: The fleet's SID, C(HF) followed by 32 hex digits.
      returned: always
      type: str
      sample: HF0123456789abcdef0123456789abcdef
    unique_name:
      description: The fleet's unique name.
      returned: always
      type: str
      sample: field-units
    network_access_profile_sid:
      description: The SID of the fleet's network access profile.
      returned: always
      type: str
      sample: HA0123456789abcdef0123456789abcdef
    data_enabled:
      description: Whether the fleet's SIMs can use data connectivity.
      returned: always
      type: bool
      sample: true
    data_limit:
      description: The data each SIM may use per billing period, in megabytes.
      returned: always
      type: int
      sample: 250
    data_metering:
      description: How data is metered.
      returned: always
      type: str
      sample: payg
    sms_commands_enabled:
      description: Whether the fleet's SIMs can send and receive SMS commands.
      returned: always
      type: bool
      sample: true
    sms_commands_url:
      description: The URL Twilio calls when a SIM sends an SMS command.
      returned: always
      type: str
      sample: https://iot.example.com/twilio/sms-commands
    sms_commands_method:
      description: The HTTP method for RV(fleet.sms_commands_url).
      returned: always
      type: str
      sample: POST
    ip_commands_url:
      description: The URL Twilio calls when a SIM sends an IP command.
      returned: always
      type: str
    ip_commands_method:
      description: The HTTP method for RV(fleet.ip_commands_url).
      returned: always
      type: str
      sample: POST
    account_sid:
      description: The SID of the account that owns the fleet.
      returned: always
      type: str
    date_created:
      description: When the fleet was created, ISO 8601.
      returned: always
      type: str
    date_updated:
      description: When the fleet was last updated, ISO 8601.
      returned: always
      type: str
    url:
      description: The fleet's absolute API URL.
      returned: always
      type: str
diff:
  description:
    - Before and after of the fields that change, with C(--diff). A creation has an empty C(before).
  returned: in diff mode
  type: dict
  sample: {"before": {"data_limit": 250}, "after": {"data_limit": 500}}
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._state import StateSpec, run_state_module


def main():
    run_state_module(StateSpec(endpoint="supersim_fleet", find_by=("unique_name",)))


if __name__ == "__main__":
    main()
