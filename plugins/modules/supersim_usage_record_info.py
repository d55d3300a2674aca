#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_usage_record_info
short_description: List Twilio Super SIM data usage records
version_added: 2.0.0
description:
  - Lists the data usage of the Super SIMs of an account (C(GET /v1/UsageRecords) of the Super SIM API), following
    every page.
  - Twilio sums the usage that matches the filters per period of the time window (O(granularity)) and, with
    O(group), per SIM, fleet, network or country.
  - Values are Twilio's as it reports them, data in bytes and billed amounts in C(billed_unit); the module converts
    and adds nothing.
  - Usage records have no SID; they are listed, never fetched one by one.
  - Filters are applied by Twilio, so only matching records are transferred.
notes:
  - >-
    Time windows that Twilio refuses are refused before any request, naming Twilio's error code where it has one. An unset
    O(start_time) or O(end_time) counts with Twilio's default: the end now, the start one month before the end.
  - A window whose O(start_time) is not before its O(end_time) is refused.
  - With O(group=sim), a window longer than 31 days is refused (Twilio error 83603).
  - >-
    A window longer than O(granularity) allows is refused (Twilio error 83604): 31 days with V(hour), 3 months with
    V(day), 18 months with V(all), the default.
  - An O(start_time) more than 18 months before the start of the current day (UTC) is refused (Twilio error 83605).
author:
  - simfleet maintainers (@simfleet)
options:
  sim:
    description:
      - Only usage of the Super SIM with this SID (C(HS...)) or unique name.
    type: str
  fleet:
    description:
      - Only usage of the Super SIMs that belonged to the fleet with this SID (C(HF...)) or unique name when the
        usage occurred.
    type: str
  network:
    description:
      - Only usage on the network with this SID (C(HW...)); see M(simfleet.twilio.supersim_network_info). A value
        that is not such a SID is refused before any request.
    type: str
  iso_country:
    description:
      - Only usage in the country with this ISO 3166-1 alpha-2 code, two capital letters such as V(DE) or V(US).
        Other values are refused before any request.
    type: str
  group:
    description:
      - Sum the usage per Super SIM (V(sim)), fleet (V(fleet)), network (V(network)) or country (V(isoCountry)),
        one record per member and period. Each record then carries the member in C(sim_sid), C(fleet_sid),
        C(network_sid) or C(iso_country).
      - When not set, the usage of all that matches is summed into one record per period.
      - With V(sim), Twilio answers windows of at most 31 days.
    type: str
    choices: [sim, fleet, network, isoCountry]
  granularity:
    description:
      - The period each record covers, V(hour), V(day), or V(all) for one record over the whole window.
      - When not set, Twilio uses V(all).
      - The longest window Twilio answers is 31 days with V(hour), 3 months with V(day) and 18 months with V(all).
    type: str
    choices: [hour, day, all]
  start_time:
    description:
      - Only usage at or after this time.
      - An ISO 8601 date (V(2026-11-01)) or time (V(2026-11-01T06:00:00Z); UTC when no zone is given), V(now), or a
        time relative to when the module runs, a sign, a number and a unit among V(s) (seconds), V(m) (minutes, not
        months), V(h) (hours), V(d) (days) and V(w) (weeks), such as V(-30d), V(-12h) or V(-2w).
      - Validated before any request and sent to Twilio as a UTC ISO 8601 time, to the second (V(2026-11-01T00:00:00Z)).
        Times before 1970 or after 8999 are refused.
      - When not set, Twilio starts the window one month before its end.
      - At most 18 months before the start of the current day (UTC), and before the end of the window.
    type: str
  end_time:
    description:
      - Only usage before this time (the end is excluded), in the same forms as O(start_time).
      - Validated before any request and sent to Twilio as a UTC ISO 8601 time.
      - When not set, the window ends now; when O(start_time) is set, that end is sent with it, so that Twilio answers the very
        window checked before the request.
    type: str
seealso:
  - module: simfleet.twilio.supersim_sim_info
  - module: simfleet.twilio.supersim_fleet_info
  - module: simfleet.twilio.supersim_billing_period_info
  - module: simfleet.twilio.wireless_usage_record_info
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
"""

EXAMPLES = r"""
- name: Data per Super SIM over the last 30 days
  simfleet.twilio.supersim_usage_record_info:
    group: sim
    start_time: -30d
  register: per_sim

- name: The ten top talkers
  ansible.builtin.debug:
    msg: "{{ (per_sim.usage_records | sort(attribute='data_total', reverse=true))[:10]
      | items2dict(key_name='sim_sid', value_name='data_total') }}"

- name: Daily data of the fleet 'cold-chain' over the last 12 weeks, per country
  simfleet.twilio.supersim_usage_record_info:
    fleet: cold-chain
    group: isoCountry
    granularity: day
    start_time: -12w
  register: cold_chain_daily

- name: The fleet 'cold-chain', for its data limit per SIM
  simfleet.twilio.supersim_fleet_info:
    sid: cold-chain
  register: cold_chain

- name: Data per SIM of that fleet in the last 30 days
  simfleet.twilio.supersim_usage_record_info:
    fleet: cold-chain
    group: sim
    start_time: -30d
  register: cold_chain_per_sim

- name: SIMs of the fleet past 80 percent of its data limit (megabytes)
  ansible.builtin.debug:
    msg: "{{ cold_chain_per_sim.usage_records
      | selectattr('data_total', 'gt', cold_chain.fleets[0].data_limit * 1000000 * 0.8)
      | map(attribute='sim_sid') | list }}"
"""

RETURN = r"""
usage_records:
  description:
    - The usage records, one per period of the window (and per member of O(group)), with Twilio's fields unchanged.
    - Empty when Twilio has no usage that matches.
  returned: success
  type: list
  elements: dict
  contains:
    account_sid:
      description: The SID of the account the usage belongs to.
      returned: always
      type: str
    sim_sid:
      description: The SID of the Super SIM, when O(sim) is set or O(group=sim); else null.
      returned: always
      type: str
    fleet_sid:
      description: The SID of the fleet, when O(fleet) is set or O(group=fleet); else null.
      returned: always
      type: str
    network_sid:
      description: The SID of the network, when O(network) is set or O(group=network); else null.
      returned: always
      type: str
    iso_country:
      description: The ISO 3166-1 alpha-2 code of the country, when O(iso_country) is set or O(group=isoCountry); else
        null.
      returned: always
      type: str
      sample: DE
    period:
      description: The period the record covers, with C(start_time) and C(end_time), ISO 8601 times.
      returned: always
      type: dict
      sample: {"start_time": "2026-11-01T00:00:00Z", "end_time": "2026-12-01T00:00:00Z"}
    data_upload:
      description: The data uploaded in the period, in bytes.
      returned: always
      type: int
      sample: 731560
    data_download:
      description: The data downloaded in the period, in bytes.
      returned: always
      type: int
      sample: 2763049
    data_total:
      description: The data uploaded and downloaded in the period, in bytes.
      returned: always
      type: int
      sample: 3494609
    data_total_billed:
      description:
        - The amount charged for that data, in C(billed_unit), as Twilio writes it (its examples show text such as
          V(0.35); its schema says a number).
        - C(0) for usage before February 2022, and while Twilio's billing has not yet processed the usage.
      returned: always
      type: raw
      sample: "0.35"
    billed_unit:
      description: The currency of C(data_total_billed), an ISO 4217 code such as C(USD), or null while there is no
        billing information yet.
      returned: always
      type: str
      sample: USD
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("supersim_usage_record")


if __name__ == "__main__":
    main()
