#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_settings_update_info
short_description: List Twilio Super SIM settings updates
version_added: 2.0.0
description:
  - Lists the settings updates of Super SIMs (C(GET /v1/SettingsUpdates) of the Super SIM API), following every page.
  - A settings update brings new settings packages (the SIM's network settings) onto a Super SIM over the air;
    its status shows whether it is still to come, under way, done or failed.
  - Filters are applied by Twilio, so only matching updates are transferred.
author:
  - simfleet maintainers (@simfleet)
options:
  sim:
    description:
      - Only updates of the Super SIM with this SID (C(HS...)) or unique name.
    type: str
  status:
    description:
      - Only updates in this status.
    type: str
    choices: [scheduled, in-progress, successful, failed]
seealso:
  - module: simfleet.twilio.supersim_sim_info
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.info
"""

EXAMPLES = r"""
- name: Settings updates that failed
  simfleet.twilio.supersim_settings_update_info:
    status: failed
  register: failed_updates

- name: ICCIDs of the SIMs to look at
  ansible.builtin.debug:
    msg: "{{ failed_updates.settings_updates | map(attribute='iccid') | unique | list }}"

- name: Settings updates of the SIM 'tracker-0042'
  simfleet.twilio.supersim_settings_update_info:
    sim: tracker-0042
  register: tracker_updates

- name: Check that no update of that SIM is scheduled or under way
  ansible.builtin.assert:
    that:
      - tracker_updates.settings_updates | selectattr('status', 'in', ['scheduled', 'in-progress']) | list | length == 0
    fail_msg: tracker-0042 still has a settings update pending
"""

RETURN = r"""
settings_updates:
  description:
    - The settings updates, in the order Twilio lists them, with Twilio's fields unchanged.
    - Empty when nothing matches.
  returned: success
  type: list
  elements: dict
  contains:
    sid:
      description: The settings update's SID, C(OB) followed by 32 hex digits.
      returned: always
      type: str
      sample: OB0123456789abcdef0123456789abcdef
    iccid:
      description: The ICCID of the Super SIM the update is for.
      returned: always
      type: str
      sample: "89883070000123456789"
    sim_sid:
      description: The SID of the Super SIM the update is for.
      returned: always
      type: str
    status:
      description: The update's status, V(scheduled), V(in-progress), V(successful) or V(failed).
      returned: always
      type: str
      sample: successful
    packages:
      description: The settings packages the SIM holds once the update has succeeded, each a dict with the package's
        name and version.
      returned: always
      type: list
      elements: dict
    date_completed:
      description: When the update completed and the new settings took effect, ISO 8601, or null.
      returned: always
      type: str
    date_created:
      description: When the update was created, ISO 8601.
      returned: always
      type: str
      sample: "2026-11-20T09:00:00Z"
    date_updated:
      description: When the update was last updated, ISO 8601.
      returned: always
      type: str
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._module import run_info_module


def main():
    run_info_module("supersim_settings_update")


if __name__ == "__main__":
    main()
