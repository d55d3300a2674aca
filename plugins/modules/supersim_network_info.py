#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_network_info
short_description: List the cellular networks Twilio Super SIMs can use
version_added: 2.0.0
description:
  - Lists the cellular networks that Super SIMs can connect to (C(GET /v1/Networks) of the Super SIM API), following
    every page, or fetches one network by SID.
  - This is Twilio's catalogue, the same for every account; network access profiles choose from it.
  - Filters are applied by Twilio, so only matching networks are transferred.
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - Fetch only the network with this SID (C(HW...)), instead of listing. A value that is not such a SID is
        refused before any request.
      - Returns an empty list when Twilio has no such network (HTTP 404).
      - Cannot be combined with the list filters.
    type: str
  iso_country:
    description:
      - Only networks in the country with this ISO 3166-1 alpha-2 code, such as V(DE) or V(US).
    type: str
  mcc:
    description:
      - Only networks with this mobile country code among their identifiers, such as V(262).
    type: str
  mnc:
    description:
      - Only networks with this mobile network code among their identifiers, such as V(02). Usually combined with
        O(mcc), as the same MNC exists in many countries.
    type: str
seealso:
  - module: simfleet.twilio.supersim_network_access_profile_info
  - module: simfleet.twilio.supersim_network_access_profile
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
  - simfleet.twilio.common.fetch
"""

EXAMPLES = r"""
- name: Networks a Super SIM can use in Germany
  simfleet.twilio.supersim_network_info:
    iso_country: DE
  register: german_networks

- name: Their names and SIDs, to build a network access profile
  ansible.builtin.debug:
    msg: "{{ german_networks.networks | items2dict(key_name='friendly_name', value_name='sid') }}"

- name: The network a device reports as MCC 310, MNC 260
  simfleet.twilio.supersim_network_info:
    mcc: "310"
    mnc: "260"
  register: reported_network
"""

RETURN = r"""
networks:
  description:
    - The networks, in the order Twilio lists them, with Twilio's fields unchanged.
    - Empty when nothing matches, or when O(sid) names no network.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The network's SID, C(HW) followed by 32 hex digits.
      returned: always
      type: str
      sample: HW0123456789abcdef0123456789abcdef
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
      description: The network's absolute API URL.
      returned: always
      type: str
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("supersim_network")


if __name__ == "__main__":
    main()
