#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: wireless_usage_record_info
short_description: List Twilio Programmable Wireless usage records
version_added: 2.0.0
description:
  - Lists the data and command usage of a Programmable Wireless account, summed over all its SIMs
    (C(GET /v1/UsageRecords)), or of one SIM with O(sim) (C(GET /v1/Sims/{SimSid}/UsageRecords)), following every
    page.
  - Each record covers one period of the time window, an hour, a day or the whole window (O(granularity)).
  - Values are Twilio's as it reports them, data in bytes and billed amounts in the account's currency; the module
    converts and adds nothing.
  - Usage records have no SID; they are listed, never fetched one by one.
author:
  - simfleet maintainers (@simfleet)
options:
  sim:
    description:
      - Only the usage of the SIM with this SID (C(DE...)) or unique name. By default the usage of every SIM of the
        account, summed.
      - Blank values, values with surrounding white space or control characters, and path tokens (V(.), V(..), a
        V(/)) are refused before any request.
    type: str
    required: false
  start:
    description:
      - Only usage on or after this time.
      - An ISO 8601 date (V(2026-11-01)) or time (V(2026-11-01T06:00:00Z); UTC when no zone is given), V(now), or a
        time relative to when the module runs, a sign, a number and a unit among V(s) (seconds), V(m) (minutes, not
        months), V(h) (hours), V(d) (days) and V(w) (weeks), such as V(-30d), V(-12h) or V(-2w).
      - Validated before any request and sent to Twilio as a UTC ISO 8601 time, to the second (V(2026-11-01T00:00:00Z)).
        Times before 1970 or after 8999 are refused.
      - When not set, Twilio starts the window one month before its end.
      - A start that is not before the end (O(end), or now when O(end) is not set) is refused before any request.
    type: str
  end:
    description:
      - Only usage on or before this time, in the same forms as O(start).
      - Validated before any request and sent to Twilio as a UTC ISO 8601 time.
      - When not set, the window ends now; when O(start) is set, that end is sent with it, so that Twilio answers the very
        window checked before the request.
    type: str
  granularity:
    description:
      - The period each record covers, V(hourly), V(daily), or V(all) for one record over the whole window.
      - When not set, Twilio uses V(all).
    type: str
    choices: [hourly, daily, all]
seealso:
  - module: simfleet.twilio.wireless_sim_info
  - module: simfleet.twilio.wireless_data_session_info
  - module: simfleet.twilio.supersim_usage_record_info
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
"""

EXAMPLES = r"""
- name: Daily data usage of the whole account over the last 30 days
  simfleet.twilio.wireless_usage_record_info:
    granularity: daily
    start: -30d
  register: daily

- name: Bytes per day
  ansible.builtin.debug:
    msg: "{{ daily.usage_records | map(attribute='data.total') | list }}"

- name: Usage of the SIM 'pump-station-17' in November 2026, in one record
  simfleet.twilio.wireless_usage_record_info:
    sim: pump-station-17
    start: "2026-11-01"
    end: "2026-12-01"
  register: november

- name: Fail when the pump used more than 50 MB of data or was sent more than 100 commands
  ansible.builtin.assert:
    that:
      - november.usage_records[0].data.total <= 50000000
      - november.usage_records[0].commands.to_sim <= 100
    fail_msg: pump-station-17 used more than its budget in November
"""

RETURN = r"""
usage_records:
  description:
    - The usage records, one per period of the window, with Twilio's fields unchanged.
    - Empty when Twilio has no usage for the window.
  returned: success
  type: list
  elements: dict
  contains:
    account_sid:
      description: The SID of the account the usage belongs to.
      returned: always
      type: str
    sim_sid:
      description: The SID of the SIM the usage belongs to.
      returned: when O(sim) is set
      type: str
    period:
      description: The period the record covers, with C(start) and C(end), ISO 8601 times in UTC.
      returned: always
      type: dict
      sample: {"start": "2026-11-01T00:00:00Z", "end": "2026-11-02T00:00:00Z"}
    data:
      description:
        - The data used in the period, C(upload), C(download) and C(total) in bytes (C(units)), and the amount billed
          for it, C(billed), in C(billing_units).
        - The same figures for the home network (C(home)) and for national roaming (C(national_roaming)), and a list
          of them for international roaming (C(international_roaming)).
      returned: always
      type: dict
      sample: {"total": 3494609, "upload": 731560, "download": 2763049, "units": "bytes", "billed": 0.35,
               "billing_units": "USD"}
    commands:
      description:
        - The machine-to-machine commands of the period, C(from_sim), C(to_sim) and C(total), and the amount billed
          for them, C(billed), in C(billing_units).
        - The same figures for C(home), C(national_roaming) and C(international_roaming), as for C(data).
      returned: always
      type: dict
      sample: {"total": 3, "from_sim": 1, "to_sim": 2, "billed": 0, "billing_units": "USD"}
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("wireless_usage_record")


if __name__ == "__main__":
    main()
