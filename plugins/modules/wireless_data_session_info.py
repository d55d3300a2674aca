#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: wireless_data_session_info
short_description: List the data sessions of a Twilio Programmable Wireless SIM
version_added: 2.0.0
description:
  - Lists the data sessions of one Programmable Wireless SIM (C(GET /v1/Sims/{SimSid}/DataSessions)), following
    every page.
  - A data session is a period in which the device held a data connection, with the network, the cell and the
    packets counted while it lasted.
author:
  - simfleet maintainers (@simfleet)
options:
  sim:
    description:
      - The SIM whose data sessions to list, by SID (C(DE...)) or unique name.
      - Blank values, values with surrounding white space or control characters, and path tokens (V(.), V(..), a
        V(/)) are refused before any request.
      - A SIM that Twilio does not know fails the module with Twilio's error (HTTP 404).
    type: str
    required: true
seealso:
  - module: simfleet.twilio.wireless_sim_info
  - module: simfleet.twilio.wireless_usage_record_info
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
"""

EXAMPLES = r"""
- name: Data sessions of the SIM 'pump-station-17'
  simfleet.twilio.wireless_data_session_info:
    sim: pump-station-17
  register: sessions

- name: Networks the device used
  ansible.builtin.debug:
    msg: "{{ sessions.data_sessions | map(attribute='operator_name') | unique | list }}"

- name: Sessions outside the United States (roaming)
  ansible.builtin.set_fact:
    roaming_sessions: "{{ sessions.data_sessions | rejectattr('operator_country', 'equalto', 'USA') | list }}"

- name: Which device held the SIM in its sessions (a swapped SIM shows several IMEIs)
  ansible.builtin.debug:
    msg: "{{ sessions.data_sessions | map(attribute='imei') | select | unique | list }}"
"""

RETURN = r"""
data_sessions:
  description:
    - The SIM's data sessions, in the order Twilio lists them, with Twilio's fields unchanged.
    - Empty when the SIM has had no data session.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The data session's SID, C(WN) followed by 32 hex digits.
      returned: always
      type: str
      sample: WN0123456789abcdef0123456789abcdef
    sim_sid:
      description: The SID of the SIM the session belongs to.
      returned: always
      type: str
    account_sid:
      description: The SID of the account that owns the SIM.
      returned: always
      type: str
    radio_link:
      description: The radio technology the device used, such as C(LTE) or C(3G).
      returned: always
      type: str
      sample: LTE
    operator_mcc:
      description: The mobile country code of the network the session took place on.
      returned: always
      type: str
      sample: "310"
    operator_mnc:
      description: The mobile network code of the network the session took place on.
      returned: always
      type: str
      sample: "260"
    operator_country:
      description: The three-letter code of the country the session took place in, derived from the MCC.
      returned: always
      type: str
      sample: USA
    operator_name:
      description: The name of the mobile network the device was attached to, derived from the MNC.
      returned: always
      type: str
      sample: T-Mobile
    cell_id:
      description: The ID of the cell the device was attached to when the session was last updated.
      returned: always
      type: str
    cell_location_estimate:
      description: An estimate of where that cell is, with C(lat) and C(lon), or null.
      returned: always
      type: dict
    packets_uploaded:
      description: The packets the device sent from the start of the session to its last update.
      returned: always
      type: int
    packets_downloaded:
      description: The packets the device received from the start of the session to its last update.
      returned: always
      type: int
    last_updated:
      description: When Twilio last updated the session, ISO 8601.
      returned: always
      type: str
    start:
      description: When the session started, ISO 8601.
      returned: always
      type: str
      sample: "2026-11-30T08:15:00Z"
    end:
      description: When the session ended, ISO 8601, or null.
      returned: always
      type: str
    imei:
      description: The IMEI of the device that used the SIM in this session, or null.
      returned: always
      type: str
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("wireless_data_session")


if __name__ == "__main__":
    main()
