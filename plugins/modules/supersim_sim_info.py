#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_sim_info
short_description: List Twilio Super SIMs
version_added: 1.0.0
description:
  - Lists the Super SIMs of a Twilio account (C(GET /v1/Sims) of the Super SIM API), following every page, or
    fetches one Super SIM by SID or unique name.
  - These are the SIMs that eSIM profiles, IP commands and SMS commands refer to.
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - Fetch only the Super SIM with this SID (C(HS...)) or unique name, instead of listing.
      - Returns an empty list when Twilio has no such Super SIM.
      - Cannot be combined with the list filters.
    type: str
  status:
    description:
      - Only Super SIMs in this status.
    type: str
    choices: [new, ready, active, inactive, scheduled]
  fleet:
    description:
      - Only Super SIMs in this fleet, given by SID (C(HF...)) or unique name.
    type: str
  iccid:
    description:
      - Only the Super SIM with this ICCID.
    type: str
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
  - simfleet.twilio.common.fetch
"""

EXAMPLES = r"""
- name: Super SIMs of the 'trackers' fleet that are not yet active
  simfleet.twilio.supersim_sim_info:
    fleet: trackers
    status: ready
  register: ready_trackers

- name: One Super SIM by ICCID
  simfleet.twilio.supersim_sim_info:
    iccid: "89883070000012345678"
  register: one
"""

RETURN = r"""
sims:
  description:
    - The Super SIMs, newest first, with Twilio's fields unchanged.
    - Empty when nothing matches, or when O(sid) names no Super SIM.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The Super SIM's SID, C(HS) followed by 32 hex digits.
      returned: always
      type: str
      sample: HS0123456789abcdef0123456789abcdef
    unique_name:
      description: The unique name the account gave the Super SIM, or null.
      returned: always
      type: str
    account_sid:
      description: The SID of the account that owns the Super SIM.
      returned: always
      type: str
    iccid:
      description: The Super SIM's ICCID.
      returned: always
      type: str
    status:
      description: The Super SIM's status.
      returned: always
      type: str
      sample: active
    fleet_sid:
      description: The SID of the Super SIM's fleet, or null.
      returned: always
      type: str
    date_created:
      description: When the Super SIM was created, ISO 8601.
      returned: always
      type: str
    date_updated:
      description: When the Super SIM was last updated, ISO 8601.
      returned: always
      type: str
    url:
      description: The Super SIM's absolute API URL.
      returned: always
      type: str
    links:
      description: URLs of related resources, such as billing periods and IP addresses.
      returned: always
      type: dict
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("supersim_sim")


if __name__ == "__main__":
    main()
