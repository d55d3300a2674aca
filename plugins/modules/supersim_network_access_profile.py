#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_network_access_profile
short_description: Create a Twilio Super SIM network access profile and manage its networks
version_added: 2.0.0
description:
  - >-
    Brings one network access profile of the Super SIM API, found by its SID or its unique name, to the state the
    options describe: its unique name, and the exact set of cellular networks its fleets' SIMs may connect to.
  - >-
    Creates the profile (C(POST /v1/NetworkAccessProfiles)), with the networks of O(networks), when the account has
    none with that unique name.
  - >-
    On an existing profile, the networks missing from it are added (C(POST /v1/NetworkAccessProfiles/{Sid}/Networks))
    and those not listed are removed (C(DELETE /v1/NetworkAccessProfiles/{Sid}/Networks/{NetworkSid})), one request
    per network.
  - >-
    A profile found by O(sid) whose unique name is not O(unique_name) is renamed
    (C(POST /v1/NetworkAccessProfiles/{Sid}) with C(UniqueName)).
  - Twilio has no way to delete a network access profile, so neither has this module.
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - >-
        The profile's SID (C(HA...)) or current unique name, to find an existing profile, for example to rename it to
        O(unique_name). A profile that O(sid) does not find is never created: the module fails and changes nothing.
      - >-
        When O(sid) is a unique name that no profile has and O(unique_name) asks for another, the profile that already
        has the new unique name is the one managed (an earlier run renamed it), so that a rename run twice changes
        nothing.
    type: str
    version_added: 2.1.0
  unique_name:
    description:
      - >-
        The profile's unique name. Without O(sid) it finds the profile, and a profile created by the module gets it;
        with O(sid), the profile found is renamed to it when its unique name differs.
    type: str
    required: true
  networks:
    description:
      - The SIDs (C(HW...)) of every network the profile should allow, and no other. Networks are given by SID only;
        any other value is refused before any request.
      - V([]) removes every network of the profile. When not set, the profile's networks are left as they are.
    type: list
    elements: str
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.state
seealso:
  - module: simfleet.twilio.supersim_fleet
"""

EXAMPLES = r"""
- name: Allow the field units on two networks only
  simfleet.twilio.supersim_network_access_profile:
    unique_name: europe-only
    networks:
      - HW0123456789abcdef0123456789abcdef
      - HWfedcba9876543210fedcba9876543210
  register: profile

- name: Rename a profile
  simfleet.twilio.supersim_network_access_profile:
    sid: HA0123456789abcdef0123456789abcdef
    unique_name: europe-and-uk

- name: Use the profile for a fleet
  simfleet.twilio.supersim_fleet:
    unique_name: field-units
    network_access_profile: "{{ profile.network_access_profile.sid }}"
"""

RETURN = r"""
network_access_profile:
  description:
    - >-
      The network access profile as Twilio returns it (in check mode, as it is now), with Twilio's fields unchanged.
      Its networks are in RV(networks).
    - C(null) when the profile would be created in check mode.
  returned: success
  type: dict
  sample: {"sid": "HA0123456789abcdef0123456789abcdef", "unique_name": "europe-only"}
  contains:
    sid:
      description: The profile's SID, C(HA) followed by 32 hex digits.
      returned: always
      type: str
      sample: HA0123456789abcdef0123456789abcdef
    unique_name:
      description: The profile's unique name.
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
    date_updated:
      description: When the profile was last updated, ISO 8601.
      returned: always
      type: str
    url:
      description: The profile's absolute API URL.
      returned: always
      type: str
    links:
      description: The absolute API URLs of the profile's subresources, such as its networks.
      returned: always
      type: dict
networks:
  description:
    - The SIDs of the profile's networks after the change, sorted (in check mode, as they are now).
    - >-
      When the profile is created (or would be, in check mode), the networks of O(networks); an empty list when
      O(networks) is not set.
  returned: when O(networks) is set, or when the profile is created
  type: list
  elements: str
  sample: ["HW0123456789abcdef0123456789abcdef", "HWfedcba9876543210fedcba9876543210"]
diff:
  description:
    - Before and after of what changes, with C(--diff), the networks as C(networks). A creation has an empty C(before).
  returned: in diff mode
  type: dict
  sample:
    before: {"networks": ["HW0123456789abcdef0123456789abcdef"]}
    after: {"networks": ["HW0123456789abcdef0123456789abcdef", "HWfedcba9876543210fedcba9876543210"]}
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import identifier_problem
from ansible_collections.simfleet.twilio.plugins.module_utils._state import Members, StateModule, StateSpec


class NetworkAccessProfileModule(StateModule):
    """A profile is found by O(sid) when it is set (and then renamed to O(unique_name) when that differs), else by
    O(unique_name); a profile that O(sid) does not find is an error, never a creation."""

    def arguments(self):
        argument_spec, options = super().arguments()
        argument_spec["sid"] = dict(type="str")
        return argument_spec, options

    def problems(self):
        problems = super().problems()
        if self.params.get("sid") is not None:
            problems.append(identifier_problem("sid", self.params["sid"]))
        return [problem for problem in problems if problem]

    def find(self):
        sid = self.params.get("sid")
        if sid is None:
            return self.lookup("unique_name", self.params["unique_name"])
        record = self.lookup("sid", sid) or self.renamed(sid, [])
        if record is None:
            self.fail("no network access profile has the SID or unique name %s: nothing was changed" % sid)
        return record


def main():
    NetworkAccessProfileModule(StateSpec(endpoint="supersim_network_access_profile", find_by=("unique_name",),
                                         members=Members(option="networks", endpoint="supersim_network_access_profile_network",
                                                         create_param="Networks"))).run()


if __name__ == "__main__":
    main()
