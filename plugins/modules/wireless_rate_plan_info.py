#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: wireless_rate_plan_info
short_description: List Twilio Programmable Wireless rate plans
version_added: 2.0.0
description:
  - Lists the rate plans of a Twilio Programmable Wireless account (C(GET /v1/RatePlans)), following every page, or
    fetches one rate plan by SID or unique name.
  - A rate plan sets what the SIMs on it may do (data, messaging, roaming) and their monthly data limits.
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - Fetch only the rate plan with this SID (C(WP...)) or unique name, instead of listing. Blank values, values
        with surrounding white space or control characters, and path tokens (V(.), V(..), a V(/)) are refused before
        any request.
      - Returns an empty list when Twilio has no such rate plan (HTTP 404).
    type: str
seealso:
  - module: simfleet.twilio.wireless_rate_plan
  - module: simfleet.twilio.wireless_sim_info
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
  - simfleet.twilio.common.fetch
"""

EXAMPLES = r"""
- name: List every rate plan of the account
  simfleet.twilio.wireless_rate_plan_info:
  register: plans

- name: Show each plan's monthly data limit on the home network (MB)
  ansible.builtin.debug:
    msg: "{{ plans.rate_plans | items2dict(key_name='unique_name', value_name='data_limit') }}"

- name: The rate plan 'field-units', by unique name
  simfleet.twilio.wireless_rate_plan_info:
    sid: field-units
  register: field_units

- name: Make sure that plan allows data outside the United States
  ansible.builtin.assert:
    that:
      - field_units.rate_plans | length == 1
      - "'data' in field_units.rate_plans[0].international_roaming"
    fail_msg: The rate plan field-units is missing or has no international data roaming
"""

RETURN = r"""
rate_plans:
  description:
    - The rate plans, in the order Twilio lists them, with Twilio's fields unchanged.
    - Empty when the account has none, or when O(sid) names no rate plan.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The rate plan's SID, C(WP) followed by 32 hex digits.
      returned: always
      type: str
      sample: WP0123456789abcdef0123456789abcdef
    unique_name:
      description: The unique name the account gave the rate plan, or null.
      returned: always
      type: str
      sample: field-units
    account_sid:
      description: The SID of the account that owns the rate plan.
      returned: always
      type: str
    friendly_name:
      description: A descriptive name, or null.
      returned: always
      type: str
    data_enabled:
      description: Whether SIMs on the plan may use cellular data.
      returned: always
      type: bool
    data_metering:
      description: How data is metered, V(payg) or one of the quota models (V(quota-1), V(quota-10), V(quota-50)).
      returned: always
      type: str
      sample: payg
    data_limit:
      description: The data a SIM may use per month on the home network, upload and download together, in megabytes.
      returned: always
      type: int
      sample: 1000
    messaging_enabled:
      description: Whether SIMs on the plan may send and receive machine-to-machine commands by SMS.
      returned: always
      type: bool
    voice_enabled:
      description: Deprecated by Twilio; whether SIMs on the plan may make and receive voice calls.
      returned: always
      type: bool
    national_roaming_enabled:
      description: Whether SIMs on the plan may roam on other networks in the United States.
      returned: always
      type: bool
    national_roaming_data_limit:
      description: The data a SIM may use per month when roaming in the United States, in megabytes.
      returned: always
      type: int
    international_roaming:
      description: The services SIMs on the plan may use outside the United States, V(data) and V(messaging).
      returned: always
      type: list
      elements: str
      sample: [data, messaging]
    international_roaming_data_limit:
      description: The data a SIM may use per month when roaming outside the United States, in megabytes.
      returned: always
      type: int
    date_created:
      description: When the rate plan was created, ISO 8601.
      returned: always
      type: str
      sample: "2026-07-01T12:00:00Z"
    date_updated:
      description: When the rate plan was last updated, ISO 8601.
      returned: always
      type: str
    url:
      description: The rate plan's absolute API URL.
      returned: always
      type: str
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("wireless_rate_plan")


if __name__ == "__main__":
    main()
