#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: wireless_rate_plan
short_description: Create, rename or delete a Twilio Programmable Wireless rate plan
version_added: 2.0.0
description:
  - >-
    Makes sure a Programmable Wireless rate plan, found by its unique name, exists with the options given
    (C(POST /v1/RatePlans)), or does not exist (C(DELETE /v1/RatePlans/{Sid})).
  - >-
    Twilio changes only the friendly name of an existing plan (C(POST /v1/RatePlans/{Sid})). Every other option
    is set when the plan is created: a different value on an existing plan is an error that names both values and
    says to create a new plan instead, before any write.
  - Only the options that are set are compared; Twilio's defaults apply to those not set at creation.
author:
  - simfleet maintainers (@simfleet)
options:
  unique_name:
    description:
      - The plan's unique name, which finds it, and which a plan created by the module gets.
    type: str
    required: true
  state:
    description:
      - Whether the plan should exist. V(absent) deletes it, and ignores every other option.
    type: str
    choices: [present, absent]
    default: present
  friendly_name:
    description:
      - The plan's descriptive name, the only field Twilio changes on an existing plan.
    type: str
  data_enabled:
    description:
      - Whether SIMs on the plan can use data connectivity (GPRS, 3G, 4G/LTE). Set only at creation.
    type: bool
  data_limit:
    description:
      - >-
        The data (download and upload combined), in megabytes, that a SIM may use per month on the home network,
        up to 2 TB. Twilio's default is 1000. Set only at creation.
    type: int
  data_metering:
    description:
      - The data metering model. Set only at creation.
    type: str
    choices: [payg, quota-1, quota-10, quota-50]
  messaging_enabled:
    description:
      - Whether SIMs on the plan can send and receive SMS commands. Set only at creation.
    type: bool
  voice_enabled:
    description:
      - Whether SIMs on the plan can make and receive voice calls; deprecated by Twilio. Set only at creation.
    type: bool
  national_roaming_enabled:
    description:
      - Whether SIMs on the plan can roam on networks other than the home network in the United States. Set only at
        creation.
    type: bool
  national_roaming_data_limit:
    description:
      - >-
        The data, in megabytes, that a SIM may use per month on networks other than the home network in the United
        States, up to 2 TB. Set only at creation.
    type: int
  international_roaming:
    description:
      - >-
        The services that SIMs on the plan can use outside the United States. Compared as a set, in any order. Set only
        at creation.
    type: list
    elements: str
    choices: [data, messaging]
  international_roaming_data_limit:
    description:
      - >-
        The data, in megabytes, that a SIM may use per month when roaming outside the United States, up to 2 TB. Set
        only at creation.
    type: int
  data_limit_strategy:
    description:
      - >-
        What happens to a SIM's data once it reaches its data limit: V(block) stops its data, V(throttle) slows it down.
        Twilio's default is V(block).
      - >-
        Sent only when the plan is created. Twilio does not show it on the plan, so it is never compared with an
        existing plan: to change it, create a new plan.
    type: str
    choices: [block, throttle]
    version_added: 2.1.0
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.state
seealso:
  - module: simfleet.twilio.wireless_sim
"""

EXAMPLES = r"""
- name: Create a rate plan for the pump stations
  simfleet.twilio.wireless_rate_plan:
    unique_name: field-units
    friendly_name: Field units, 50 MB
    data_enabled: true
    data_limit: 50
    data_metering: payg
    messaging_enabled: true
    national_roaming_enabled: true
    international_roaming: [data, messaging]
    data_limit_strategy: throttle

- name: Move a SIM to the plan
  simfleet.twilio.wireless_sim:
    sid: pump-station-17
    rate_plan: field-units

- name: Delete a plan that is no longer used
  simfleet.twilio.wireless_rate_plan:
    unique_name: trial-2024
    state: absent
"""

RETURN = r"""
rate_plan:
  description:
    - The rate plan as Twilio returns it after the change (in check mode, as it is now), with Twilio's fields unchanged.
    - C(null) with O(state=absent), and when the plan would be created in check mode.
  returned: success
  type: dict
  sample:
    sid: WP0123456789abcdef0123456789abcdef
    unique_name: field-units
    friendly_name: Field units, 50 MB
    data_enabled: true
    data_limit: 50
    data_metering: payg
    international_roaming: [data, messaging]
  contains:
    sid:
      description: The plan's SID, C(WP) followed by 32 hex digits.
      returned: always
      type: str
      sample: WP0123456789abcdef0123456789abcdef
    unique_name:
      description: The plan's unique name.
      returned: always
      type: str
      sample: field-units
    friendly_name:
      description: The plan's descriptive name.
      returned: always
      type: str
      sample: Field units, 50 MB
    data_enabled:
      description: Whether SIMs on the plan can use data connectivity.
      returned: always
      type: bool
      sample: true
    data_limit:
      description: The monthly data limit on the home network, in megabytes.
      returned: always
      type: int
      sample: 50
    data_metering:
      description: The data metering model.
      returned: always
      type: str
      sample: payg
    messaging_enabled:
      description: Whether SIMs on the plan can send and receive SMS commands.
      returned: always
      type: bool
    voice_enabled:
      description: Whether SIMs on the plan can make and receive voice calls (deprecated).
      returned: always
      type: bool
    national_roaming_enabled:
      description: Whether SIMs on the plan can roam on other networks in the United States.
      returned: always
      type: bool
    national_roaming_data_limit:
      description: The monthly data limit on other networks in the United States, in megabytes.
      returned: always
      type: int
    international_roaming:
      description: The services SIMs on the plan can use outside the United States.
      returned: always
      type: list
      elements: str
      sample: [data, messaging]
    international_roaming_data_limit:
      description: The monthly data limit outside the United States, in megabytes.
      returned: always
      type: int
    account_sid:
      description: The SID of the account that owns the plan.
      returned: always
      type: str
    date_created:
      description: When the plan was created, ISO 8601.
      returned: always
      type: str
    date_updated:
      description: When the plan was last updated, ISO 8601.
      returned: always
      type: str
    url:
      description: The plan's absolute API URL.
      returned: always
      type: str
diff:
  description:
    - >-
      Before and after of the fields that change, with C(--diff). A creation has an empty C(before), a deletion
      an empty C(after).
  returned: in diff mode
  type: dict
  sample: {"before": {"friendly_name": "Field units"}, "after": {"friendly_name": "Field units, 50 MB"}}
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._state import StateSpec, run_state_module


def main():
    run_state_module(StateSpec(endpoint="wireless_rate_plan", find_by=("unique_name",), absent=True))


if __name__ == "__main__":
    main()
