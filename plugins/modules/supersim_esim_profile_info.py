#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_esim_profile_info
short_description: List Twilio Super SIM eSIM profiles
version_added: 1.0.0
description:
  - Lists the eSIM profiles of a Twilio account (C(GET /v1/ESimProfiles) of the Super SIM API), following every
    page, or fetches one eSIM profile by SID.
  - C(activation_code) and C(matching_id) are enough to download a profile, so they are returned redacted unless
    O(reveal_secrets=true).
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - Fetch only the eSIM profile with this SID (C(HP...)), instead of listing.
      - Returns an empty list when Twilio has no such profile.
      - Cannot be combined with the list filters.
    type: str
  eid:
    description:
      - Only profiles for the eUICC with this EID.
    type: str
  sim_sid:
    description:
      - Only profiles of the Super SIM with this SID (C(HS...)).
    type: str
  status:
    description:
      - Only profiles in this status.
    type: str
    choices: [new, reserving, available, downloaded, installed, failed]
  reveal_secrets:
    description:
      - Return C(activation_code) and C(matching_id) as Twilio sends them.
      - By default they are replaced by C(<redacted>) (null values stay null), so they never reach logs or reports.
    type: bool
    default: false
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
  - simfleet.twilio.common.fetch
"""

EXAMPLES = r"""
- name: eSIM profiles that failed to download
  simfleet.twilio.supersim_esim_profile_info:
    status: failed
  register: failed_profiles

- name: Show their error codes
  ansible.builtin.debug:
    msg: "{{ failed_profiles.esim_profiles | map(attribute='error_code') | list }}"
"""

RETURN = r"""
esim_profiles:
  description:
    - The eSIM profiles, newest first, with Twilio's fields unchanged but for the redacted secrets.
    - Empty when nothing matches, or when O(sid) names no profile.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The profile's SID, C(HP) followed by 32 hex digits.
      returned: always
      type: str
      sample: HP0123456789abcdef0123456789abcdef
    account_sid:
      description: The SID of the account that owns the profile.
      returned: always
      type: str
    iccid:
      description: The ICCID of the profile's Super SIM.
      returned: always
      type: str
    sim_sid:
      description: The SID of the Super SIM the profile belongs to.
      returned: always
      type: str
    status:
      description: The profile's status.
      returned: always
      type: str
      sample: installed
    eid:
      description: The EID of the eUICC the profile is for.
      returned: always
      type: str
    smdp_plus_address:
      description: The address of the SM-DP+ server the profile is downloaded from, or null.
      returned: always
      type: str
    matching_id:
      description: The matching ID of the download, C(<redacted>) unless O(reveal_secrets=true), or null.
      returned: always
      type: str
    activation_code:
      description: The activation code of the download, C(<redacted>) unless O(reveal_secrets=true), or null.
      returned: always
      type: str
    error_code:
      description: The error code when the profile failed, or null.
      returned: always
      type: str
    error_message:
      description: The error message when the profile failed, or null.
      returned: always
      type: str
    date_created:
      description: When the profile was created, ISO 8601.
      returned: always
      type: str
    date_updated:
      description: When the profile was last updated, ISO 8601.
      returned: always
      type: str
    url:
      description: The profile's absolute API URL.
      returned: always
      type: str
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("supersim_esim_profile")


if __name__ == "__main__":
    main()
