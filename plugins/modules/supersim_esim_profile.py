#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_esim_profile
short_description: Order a Twilio Super SIM eSIM profile for an eUICC
version_added: 2.1.0
description:
  - >-
    Orders an eSIM profile (C(POST /v1/ESimProfiles) of the Super SIM API) for the eUICC O(eid), or one with a
    generated matching ID (O(generate_matching_id=true)), that any capable device can download.
  - >-
    Idempotent by EID: when the account already has a profile for O(eid) that has not failed (V(new), V(reserving),
    V(available), V(downloaded) or V(installed)), none is ordered, and the newest such profile is returned. A profile
    that failed does not count: a new one is ordered. Without O(eid), every run orders a new profile.
  - >-
    Twilio reserves an ordered profile asynchronously (V(new), V(reserving)); with O(wait) the module polls it until it
    is V(available), with its C(activation_code), and fails with the profile's error code and message when it ends
    V(failed).
  - >-
    C(activation_code) and C(matching_id) are enough to download the profile, so they are returned redacted unless
    O(reveal_secrets=true), as M(simfleet.twilio.supersim_esim_profile_info) does.
  - Twilio has no way to change or delete an eSIM profile, so neither has this module.
author:
  - simfleet maintainers (@simfleet)
options:
  eid:
    description:
      - The EID (32 digits) of the eUICC that will claim the profile; it finds a profile already ordered for it.
      - One of O(eid) and O(generate_matching_id=true) is required; both may be set.
    type: str
  generate_matching_id:
    description:
      - >-
        Have Twilio generate a matching ID (returned in C(matching_id) once the profile is V(available)) with which any
        capable device can claim the profile, so that O(eid) is not needed. Sent with the order only.
    type: bool
  callback_url:
    description:
      - The URL Twilio calls when the profile becomes V(available). Sent with the order only.
    type: str
  callback_method:
    description:
      - The HTTP method for O(callback_url). Twilio's default is V(POST).
    type: str
    choices: [GET, POST]
  reveal_secrets:
    description:
      - Return C(activation_code) and C(matching_id) as Twilio sends them.
      - By default they are replaced by C(<redacted>) (null values stay null), so they never reach logs or reports.
    type: bool
    default: false
  wait:
    description:
      - >-
        Wait, polling once a second, until the profile (ordered, or found for O(eid)) is no longer V(new) or
        V(reserving). The module fails, naming the profile's error code and message, when it ends V(failed); after an
        order it then reports C(changed=true).
      - Without it the module returns at once, with the status Twilio answered.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait), between 1 and 3600. The module fails when the profile is still reserving by then.
    type: int
    default: 120
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.state
seealso:
  - module: simfleet.twilio.supersim_esim_profile_info
  - module: simfleet.twilio.supersim_sim
"""

EXAMPLES = r"""
- name: Order a profile for a tracker's eUICC and wait until it can be downloaded
  simfleet.twilio.supersim_esim_profile:
    eid: "89049032005008882600033489000001"
    wait: true
  register: ordered

- name: Order a profile any device can claim, and show its activation code
  simfleet.twilio.supersim_esim_profile:
    generate_matching_id: true
    wait: true
    reveal_secrets: true
  register: claimable
  no_log: true
"""

RETURN = r"""
esim_profile:
  description:
    - >-
      The profile as Twilio returns it (when ordered, found, or with O(wait) once reserved), with Twilio's fields
      unchanged but for the redacted secrets.
    - C(null) when a profile would be ordered in check mode.
  returned: success
  type: dict
  sample:
    sid: HP0123456789abcdef0123456789abcdef
    status: available
    eid: "89049032005008882600033489000001"
    activation_code: <redacted>
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
diff:
  description:
    - The order that is (or would be) sent, with C(--diff), with an empty C(before); both empty when nothing is ordered.
  returned: in diff mode
  type: dict
  sample: {"before": {}, "after": {"eid": "89049032005008882600033489000001"}}
"""

import re

from ansible_collections.simfleet.twilio.plugins.module_utils._state import StateModule, StateSpec
from ansible_collections.simfleet.twilio.plugins.module_utils._write import WAIT_OPTIONS

EID = re.compile(r"[0-9]{32}\Z")
# The statuses of a profile that can still be (or has been) downloaded: one for the EID is not ordered again.
USABLE_STATUSES = ("new", "reserving", "available", "downloaded", "installed")
# The statuses of an order still being reserved: wait polls while the profile is in one.
RESERVING_STATUSES = ("new", "reserving")


class ESimProfileModule(StateModule):
    """Orders a profile unless one for the EID is usable; waits through reserving; redacts the profile's secrets."""

    def arguments(self):
        argument_spec, options = super().arguments()
        argument_spec["eid"] = dict(argument_spec["eid"], required=False)  # a generated matching ID needs none
        argument_spec["reveal_secrets"] = dict(type="bool", default=False)
        argument_spec.update(WAIT_OPTIONS)
        return argument_spec, options

    def problems(self):
        problems = super().problems()
        eid = self.params.get("eid")
        if eid is None and not self.params.get("generate_matching_id"):
            problems.append("one of eid and generate_matching_id=true is required: nothing was ordered")
        if eid is not None and not EID.match(eid):
            problems.append("eid must be the 32 digits of an EID, got %r" % eid)
        return problems

    def find(self):
        """The newest usable profile of the EID, or None (always None without an EID: every run orders one)."""
        eid = self.params.get("eid")
        if eid is None:
            return None
        records = self.client.list_records(self.endpoint, params={self.endpoint.filter_param("eid"): eid})
        usable = [r for r in records if r.get("eid") == eid and r.get("status") in USABLE_STATUSES]
        return usable[0] if usable else None

    def settled(self, record, status_only=False):
        return record.get("status") not in RESERVING_STATUSES

    def wait(self, record, asked=None, status_only=False):
        record = super().wait(record, asked=asked, status_only=status_only)
        if self.params.get("wait") and record.get("status") == "failed":
            self.fail("the eSIM profile %s failed: error %s, %s"
                      % (record["sid"], record.get("error_code"), record.get("error_message")))
        return record

    def act(self):
        result, diff = self.manage()
        record = result[self.endpoint.item]
        if record is not None:
            if not result["changed"] and not self.module.check_mode:
                record = self.wait(record)  # one found for the EID may still be reserving
            result[self.endpoint.item] = self.module.shown(self.endpoint, [dict(record)])[0]
        return result, diff


def main():
    ESimProfileModule(StateSpec(endpoint="supersim_esim_profile", find_by=("eid",))).run()


if __name__ == "__main__":
    main()
