#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_billing_period_info
short_description: List the billing periods of a Twilio Super SIM
version_added: 2.0.0
description:
  - Lists the billing periods of one Super SIM (C(GET /v1/Sims/{SimSid}/BillingPeriods) of the Super SIM API),
    following every page.
  - A billing period is the stretch of time over which Twilio charges a Super SIM and counts its data against the
    data limit of its fleet.
author:
  - simfleet maintainers (@simfleet)
options:
  sim:
    description:
      - The Super SIM whose billing periods to list, by SID (C(HS...)) or unique name.
      - Blank values, values with surrounding white space or control characters, and path tokens (V(.), V(..), a
        V(/)) are refused before any request.
      - A Super SIM that Twilio does not know fails the module with Twilio's error (HTTP 404).
    type: str
    required: true
seealso:
  - module: simfleet.twilio.supersim_sim_info
  - module: simfleet.twilio.supersim_usage_record_info
  - module: simfleet.twilio.supersim_fleet_info
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
"""

EXAMPLES = r"""
- name: Billing periods of the Super SIM 'tracker-0042'
  simfleet.twilio.supersim_billing_period_info:
    sim: tracker-0042
  register: periods

- name: Its latest billing period
  ansible.builtin.set_fact:
    current_period: "{{ periods.billing_periods | sort(attribute='start_time') | last }}"
  when: periods.billing_periods | length > 0

- name: Data the SIM used in that billing period
  simfleet.twilio.supersim_usage_record_info:
    sim: tracker-0042
    start_time: "{{ current_period.start_time }}"
    end_time: "{{ [current_period.end_time, now(utc=true).strftime('%Y-%m-%dT%H:%M:%SZ')] | min }}"
  register: period_usage
  when: current_period is defined
"""

RETURN = r"""
billing_periods:
  description:
    - The Super SIM's billing periods, in the order Twilio lists them, with Twilio's fields unchanged.
    - Empty when the SIM has none yet.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The billing period's SID, C(HB) followed by 32 hex digits.
      returned: always
      type: str
      sample: HB0123456789abcdef0123456789abcdef
    account_sid:
      description: The SID of the account the Super SIM belongs to.
      returned: always
      type: str
    sim_sid:
      description: The SID of the Super SIM.
      returned: always
      type: str
    start_time:
      description: When the billing period starts, ISO 8601.
      returned: always
      type: str
      sample: "2026-11-15T00:00:00Z"
    end_time:
      description: When the billing period ends, ISO 8601.
      returned: always
      type: str
      sample: "2026-12-15T00:00:00Z"
    period_type:
      description: The kind of billing period, V(ready) (the SIM in the C(ready) status) or V(active).
      returned: always
      type: str
      sample: active
    date_created:
      description: When the billing period was created, ISO 8601.
      returned: always
      type: str
    date_updated:
      description: When the billing period was last updated, ISO 8601.
      returned: always
      type: str
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("supersim_billing_period")


if __name__ == "__main__":
    main()
