#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: wireless_sim
short_description: Manage a Twilio Programmable Wireless SIM
version_added: 2.0.0
description:
  - >-
    Brings one Programmable Wireless SIM (C(POST /v1/Sims/{Sid})) to the state the options describe: its status, rate
    plan, names and callback URLs, or resets its connectivity.
  - Only the options that are set are compared, and only the fields that differ are sent.
  - Twilio creates wireless SIMs itself (they come with the account); this module changes existing ones.
  - >-
    O(state=absent) deletes the SIM from the account (C(DELETE /v1/Sims/{Sid})), which cannot be undone, and only with
    O(confirm_delete=true). A SIM that is not there is not an error: nothing changes.
  - >-
    O(move_to_account) moves the SIM to another account (C(AccountSid), one of the account's subaccounts), after the
    other changes and only with O(confirm_account_move=true). Twilio moves only a SIM whose status is C(new). Once
    moved, the SIM is no longer visible with the credentials used: the module does not read it back, and says so in
    RV(msg).
author:
  - simfleet maintainers (@simfleet)
options:
  sid:
    description:
      - The SIM's SID (C(DE...)) or unique name.
      - One of O(sid) and O(iccid) is required. When both are set, the SIM is looked up by O(sid) and its ICCID must be
        O(iccid), else the module fails and changes nothing. A SID or unique name that no SIM has is never looked up by
        ICCID instead.
      - >-
        When O(sid) is a unique name that no SIM has and O(unique_name) asks for another, the SIM that already has the
        new unique name is the one managed (an earlier run renamed it), so that a rename run twice changes nothing.
    type: str
  iccid:
    description:
      - The SIM's ICCID, to find it when O(sid) is not set, or to check the SIM found by O(sid).
    type: str
  status:
    description:
      - The status the SIM should have.
      - Twilio refuses some transitions, and so does the module before any write, naming both statuses. No SIM goes
        back to C(new); C(ready) is reached only from C(new), C(suspended) only from C(ready) or C(active); nothing
        leaves C(deactivated) (Twilio then cancels the SIM on its own).
      - Twilio may apply the change asynchronously (status C(updating) or C(scheduled)); see O(wait).
      - >-
        While the SIM is C(updating) or C(scheduled), Twilio does not show toward which status, so the status is not
        written again: without O(wait) the module reports no change of status and says why in RV(msg); with O(wait) it
        waits for the SIM to settle, then compares. After a change, O(wait) fails when the SIM settles in another
        status than the one asked for (C(ready) may go on to C(active), C(deactivated) to C(canceled)).
    type: str
    choices: [ready, active, suspended, deactivated]
  rate_plan:
    description:
      - The rate plan, by SID (C(WP...)) or unique name. A unique name is resolved to its SID before comparing.
    type: str
  unique_name:
    description:
      - The unique name the SIM should have (renames it when it has another).
    type: str
  friendly_name:
    description:
      - The descriptive name the SIM should have.
    type: str
  callback_url:
    description:
      - The URL Twilio calls when an asynchronous status change completes. Sent with a change, never a change by itself.
    type: str
  callback_method:
    description:
      - The HTTP method for O(callback_url).
    type: str
    choices: [GET, POST]
  commands_callback_url:
    description:
      - The URL Twilio calls when the SIM sends a command.
    type: str
  commands_callback_method:
    description:
      - The HTTP method for O(commands_callback_url).
    type: str
    choices: [GET, POST]
  sms_url:
    description:
      - The URL Twilio calls when the SIM sends an SMS.
    type: str
  sms_method:
    description:
      - The HTTP method for O(sms_url).
    type: str
    choices: [GET, POST]
  sms_fallback_url:
    description:
      - The URL Twilio calls when O(sms_url) fails.
    type: str
  sms_fallback_method:
    description:
      - The HTTP method for O(sms_fallback_url).
    type: str
    choices: [GET, POST]
  voice_url:
    description:
      - The URL Twilio calls when the SIM makes a voice call.
    type: str
    version_added: 2.1.0
  voice_method:
    description:
      - The HTTP method for O(voice_url).
    type: str
    choices: [GET, POST]
    version_added: 2.1.0
  voice_fallback_url:
    description:
      - The URL Twilio calls when O(voice_url) fails.
    type: str
    version_added: 2.1.0
  voice_fallback_method:
    description:
      - The HTTP method for O(voice_fallback_url).
    type: str
    choices: [GET, POST]
    version_added: 2.1.0
  reset:
    description:
      - Reset the SIM's connectivity (C(ResetStatus=resetting)). No change while a reset is already in progress.
    type: bool
  state:
    description:
      - >-
        Whether the SIM should be in the account. V(absent) deletes it, for good, and ignores every option but O(sid)
        and O(iccid); it needs O(confirm_delete=true). A SIM that is not there changes nothing.
    type: str
    choices: [present, absent]
    default: present
    version_added: 2.1.0
  confirm_delete:
    description:
      - >-
        Must be V(true) for O(state=absent): deleting a SIM cannot be undone. Without it, O(state=absent) is refused
        before any request, naming this option.
    type: bool
    default: false
    version_added: 2.1.0
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.account_move
  - simfleet.twilio.common.state
  - simfleet.twilio.common.wait
seealso:
  - module: simfleet.twilio.wireless_sim_info
  - module: simfleet.twilio.wireless_rate_plan
"""

EXAMPLES = r"""
- name: Hand a new SIM over to a subaccount (irreversible for these credentials)
  simfleet.twilio.wireless_sim:
    sid: DEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    move_to_account: AC0123456789abcdef0123456789abcdef
    confirm_account_move: true

- name: Suspend a SIM and wait until Twilio has applied it
  simfleet.twilio.wireless_sim:
    sid: pump-station-17
    status: suspended
    wait: true

- name: Move a SIM, found by ICCID, to another rate plan and name it
  simfleet.twilio.wireless_sim:
    iccid: "8901260882204152000"
    rate_plan: field-units
    unique_name: pump-station-18

- name: Reset the connectivity of a SIM
  simfleet.twilio.wireless_sim:
    sid: DE0123456789abcdef0123456789abcdef
    reset: true

- name: Retire a deactivated SIM from the account for good
  simfleet.twilio.wireless_sim:
    sid: pump-station-04
    state: absent
    confirm_delete: true
"""

RETURN = r"""
account_move:
  description:
    - The account the SIM was in and the one it was (or, in check mode, would be) moved to, with O(move_to_account).
  returned: when the SIM is moved
  type: dict
  sample: {"before": "AC0123456789abcdef0123456789abcdef", "after": "ACfedcba9876543210fedcba9876543210"}
sim:
  description:
    - The SIM as Twilio returns it after the change (in check mode, as it is now), with Twilio's fields unchanged
      (C(null) with O(state=absent));
      see M(simfleet.twilio.wireless_sim_info) for the fields.
  returned: success
  type: dict
  sample: {"sid": "DE0123456789abcdef0123456789abcdef", "unique_name": "pump-station-17", "status": "suspended"}
msg:
  description:
    - >-
      Why a change asked for was not written: a status change already under way (without O(wait)), or the SIM found
      by the O(unique_name) an earlier run gave it.
  returned: when there is such a note
  type: str
  sample: "the sim DE0123456789abcdef0123456789abcdef is updating (a status change is under way): status suspended was not written again"
applied:
  description:
    - >-
      When a change made of several requests (the values, then a connectivity reset) fails after an earlier request
      succeeded: the options that were applied. The module then fails with C(changed=true).
  returned: on such a failure
  type: dict
  sample: {"friendly_name": "Pump 17"}
diff:
  description:
    - Before and after of the fields that change, with C(--diff). A deletion has an empty C(after).
  returned: in diff mode
  type: dict
  sample: {"before": {"status": "active"}, "after": {"status": "suspended"}}
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._account_move import AccountMoveModule
from ansible_collections.simfleet.twilio.plugins.module_utils._state import StateSpec

DELETE_REFUSED = ("state=absent deletes the SIM from the account for good and cannot be undone: set confirm_delete=true "
                  "to delete it; nothing was changed")


class WirelessSimModule(AccountMoveModule):
    """A wireless SIM is deleted (state=absent) only with the confirmation option, refused before any request
    without it; it can move to another account like a Super SIM (AccountMoveModule)."""

    def arguments(self):
        argument_spec, options = super().arguments()
        argument_spec["confirm_delete"] = dict(type="bool", default=False)
        return argument_spec, options

    def problems(self):
        problems = super().problems()
        if self.params["state"] == "absent" and not self.params["confirm_delete"]:
            problems.append(DELETE_REFUSED)
        return problems


def main():
    WirelessSimModule(StateSpec(endpoint="wireless_sim", find_by=("sid", "iccid"), absent=True)).run()


if __name__ == "__main__":
    main()
