#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_network_access_profile_info
short_description: List Twilio Super SIM network access profiles
version_added: 2.0.0
description:
  - Lists the network access profiles of a Twilio account (C(GET /v1/NetworkAccessProfiles) of the Super SIM API),
    following every page, or fetches one profile by SID or unique name.
  - A network access profile is the set of cellular networks the Super SIMs of a fleet may connect to. With
    O(networks=true) each profile comes with that set.
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - Fetch only the network access profile with this SID (C(HA...)) or unique name, instead of listing. Blank
        values, values with surrounding white space or control characters, and path tokens (V(.), V(..), a V(/))
        are refused before any request.
      - Returns an empty list when Twilio has no such profile (HTTP 404).
    type: str
  networks:
    description:
      - Add to each profile the networks it allows, under the key C(networks)
        (C(GET /v1/NetworkAccessProfiles/{NetworkAccessProfileSid}/Networks), every page).
      - This costs one more listing per profile returned; set O(sid) or O(limit) to keep it to a few.
    type: bool
    default: false
seealso:
  - module: simfleet.twilio.supersim_network_access_profile
  - module: simfleet.twilio.supersim_network_info
  - module: simfleet.twilio.supersim_fleet_info
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
  - simfleet.twilio.common.fetch
"""

EXAMPLES = r"""
- name: Every network access profile with the networks it allows
  simfleet.twilio.supersim_network_access_profile_info:
    networks: true
  register: profiles

- name: Countries each profile reaches
  ansible.builtin.debug:
    msg: "{{ item.unique_name }}: {{ item.networks | map(attribute='iso_country') | unique | sort | join(', ') }}"
  loop: "{{ profiles.network_access_profiles }}"
  loop_control:
    label: "{{ item.sid }}"

- name: The profile 'europe-only' with its networks
  simfleet.twilio.supersim_network_access_profile_info:
    sid: europe-only
    networks: true
  register: europe_only

- name: Make sure no network outside Europe has slipped into it
  ansible.builtin.assert:
    that:
      - europe_only.network_access_profiles | length == 1
      - europe_only.network_access_profiles[0].networks | map(attribute='iso_country') | difference(european_countries) | length == 0
  vars:
    european_countries: ["AT", "BE", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "IE", "IT", "NL", "NO", "PL", "PT", "SE"]
"""

RETURN = r"""
network_access_profiles:
  description:
    - The network access profiles, in the order Twilio lists them, with Twilio's fields unchanged, and their
      networks with O(networks=true).
    - Empty when the account has none, or when O(sid) names no profile.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The profile's SID, C(HA) followed by 32 hex digits.
      returned: always
      type: str
      sample: HA0123456789abcdef0123456789abcdef
    unique_name:
      description: The unique name the account gave the profile, or null.
      returned: always
      type: str
      sample: europe-only
    account_sid:
      description: The SID of the account that owns the profile.
      returned: always
      type: str
    date_created:
      description: When the profile was created, ISO 8601.
      returned: always
      type: str
      sample: "2026-07-01T12:00:00Z"
    date_updated:
      description: When the profile was last updated, ISO 8601.
      returned: always
      type: str
    url:
      description: The profile's absolute API URL.
      returned: always
      type: str
    links:
      description: URLs of the profile's related resources (its networks).
      returned: always
      type: dict
    networks:
      description: The networks the profile allows, with Twilio's fields unchanged. Added by the module.
      returned: when O(networks=true)
      type: list
      elements: dict
      contains:
        sid:
          description: The network's SID, C(HW) followed by 32 hex digits.
          returned: always
          type: str
          sample: HW0123456789abcdef0123456789abcdef
        network_access_profile_sid:
          description: The SID of the profile.
          returned: always
          type: str
        friendly_name:
          description: The network's name.
          returned: always
          type: str
          sample: Vodafone
        iso_country:
          description: The ISO 3166-1 alpha-2 code of the network's country.
          returned: always
          type: str
          sample: DE
        identifiers:
          description: The MCC and MNC pairs of the network, each a dict with C(mcc) and C(mnc).
          returned: always
          type: list
          elements: dict
          sample: [{"mcc": "262", "mnc": "02"}]
        url:
          description: The absolute API URL of the network in the profile.
          returned: always
          type: str
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("supersim_network_access_profile")


if __name__ == "__main__":
    main()
