#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_ip_address_info
short_description: List the IP addresses of a Twilio Super SIM
version_added: 2.0.0
description:
  - Lists the IP addresses assigned to one Super SIM (C(GET /v1/Sims/{SimSid}/IpAddresses) of the Super SIM API),
    following every page.
  - IP address records have no SID; they are listed, never fetched one by one.
author:
  - simfleet maintainers (@simfleet)
options:
  sim:
    description:
      - The Super SIM whose IP addresses to list, by SID (C(HS...)) or unique name.
      - Blank values, values with surrounding white space or control characters, and path tokens (V(.), V(..), a
        V(/)) are refused before any request.
      - A Super SIM that Twilio does not know fails the module with Twilio's error (HTTP 404).
    type: str
    required: true
seealso:
  - module: simfleet.twilio.supersim_sim_info
  - module: simfleet.twilio.supersim_ip_command
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
"""

EXAMPLES = r"""
- name: IP addresses of the Super SIM 'tracker-0042'
  simfleet.twilio.supersim_ip_address_info:
    sim: tracker-0042
  register: tracker_ips

- name: Its IPv4 address, for the firewall rule of the device's backend
  ansible.builtin.set_fact:
    tracker_ipv4: "{{ tracker_ips.ip_addresses | selectattr('ip_address_version', 'equalto', 'IPv4')
      | map(attribute='ip_address') | first | default('') }}"
"""

RETURN = r"""
ip_addresses:
  description:
    - The IP addresses of the Super SIM, with Twilio's fields unchanged.
    - Empty when the SIM has none.
  returned: success
  type: list
  elements: dict
  contains:
    ip_address:
      description: An IP address assigned to the Super SIM.
      returned: always
      type: str
      sample: 10.64.12.34
    ip_address_version:
      description: V(IPv4) or V(IPv6).
      returned: always
      type: str
      sample: IPv4
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("supersim_ip_address")


if __name__ == "__main__":
    main()
