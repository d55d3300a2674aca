#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: wireless_sim_info
short_description: List Twilio Programmable Wireless SIMs
version_added: 1.0.0
description:
  - Lists the SIMs of a Twilio Programmable Wireless account (C(GET /v1/Sims)), following every page, or fetches
    one SIM by SID or unique name.
  - Filters are applied by Twilio, so only matching SIMs are transferred.
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - Fetch only the SIM with this SID (C(DE...)) or unique name, instead of listing.
      - Returns an empty list when Twilio has no such SIM.
      - Cannot be combined with the list filters.
    type: str
  status:
    description:
      - Only SIMs in this status.
    type: str
    choices: [new, ready, active, suspended, deactivated, canceled, scheduled, updating]
  iccid:
    description:
      - Only the SIM with this ICCID.
    type: str
  rate_plan:
    description:
      - Only SIMs on this rate plan, given by SID (C(WP...)) or unique name.
    type: str
  e_id:
    description:
      - Deprecated by Twilio. Only SIMs with this eUICC identifier.
      - This option will be removed in version 3.0.0 of the collection.
    type: str
  sim_registration_code:
    description:
      - Only the SIM with this registration code.
    type: str
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
  - simfleet.twilio.common.fetch
"""

EXAMPLES = r"""
- name: List every active SIM
  simfleet.twilio.wireless_sim_info:
    status: active
  register: active

- name: Show how many there are
  ansible.builtin.debug:
    msg: "{{ active.sims | length }} active SIMs"

- name: Set the credentials once for every module of the collection
  module_defaults:
    group/simfleet.twilio.twilio:
      account_sid: "{{ vault_twilio_account_sid }}"
      auth_token: "{{ vault_twilio_auth_token }}"
  block:
    - name: SIMs on the 'field-units' rate plan
      simfleet.twilio.wireless_sim_info:
        rate_plan: field-units
      register: field_units

    - name: One SIM by unique name
      simfleet.twilio.wireless_sim_info:
        sid: pump-station-17
      register: pump
"""

RETURN = r"""
sims:
  description:
    - The SIMs, newest first, with Twilio's fields unchanged.
    - Empty when nothing matches, or when O(sid) names no SIM.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The SIM's SID, C(DE) followed by 32 hex digits.
      returned: always
      type: str
      sample: DE0123456789abcdef0123456789abcdef
    unique_name:
      description: The unique name the account gave the SIM, or null.
      returned: always
      type: str
      sample: pump-station-17
    account_sid:
      description: The SID of the account that owns the SIM.
      returned: always
      type: str
    rate_plan_sid:
      description: The SID of the SIM's rate plan, or null.
      returned: always
      type: str
    friendly_name:
      description: A descriptive name, or null.
      returned: always
      type: str
    iccid:
      description: The SIM's ICCID.
      returned: always
      type: str
      sample: "8901260882204152000"
    e_id:
      description: Deprecated by Twilio; the eUICC identifier, or null.
      returned: always
      type: str
    status:
      description: The SIM's status.
      returned: always
      type: str
      sample: active
    reset_status:
      description: C(resetting) while a connectivity reset is in progress, else null.
      returned: always
      type: str
    commands_callback_url:
      description: The URL Twilio calls when the SIM sends a command, or null.
      returned: always
      type: str
    commands_callback_method:
      description: The HTTP method for the commands callback URL.
      returned: always
      type: str
    sms_fallback_method:
      description: The HTTP method for the SMS fallback URL.
      returned: always
      type: str
    sms_fallback_url:
      description: The SMS fallback URL, or null.
      returned: always
      type: str
    sms_method:
      description: The HTTP method for the SMS URL.
      returned: always
      type: str
    sms_url:
      description: The URL Twilio calls for SMS from the SIM, or null.
      returned: always
      type: str
    voice_fallback_method:
      description: The HTTP method for the voice fallback URL.
      returned: always
      type: str
    voice_fallback_url:
      description: The voice fallback URL, or null.
      returned: always
      type: str
    voice_method:
      description: The HTTP method for the voice URL.
      returned: always
      type: str
    voice_url:
      description: The URL Twilio calls for voice calls from the SIM, or null.
      returned: always
      type: str
    date_created:
      description: When the SIM was created, ISO 8601.
      returned: always
      type: str
      sample: "2026-07-01T12:00:00Z"
    date_updated:
      description: When the SIM was last updated, ISO 8601.
      returned: always
      type: str
    url:
      description: The SIM's absolute API URL.
      returned: always
      type: str
    links:
      description: URLs of the SIM's related resources (usage records, data sessions).
      returned: always
      type: dict
    ip_address:
      description: The SIM's IP address, or null.
      returned: always
      type: str
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("wireless_sim")


if __name__ == "__main__":
    main()
