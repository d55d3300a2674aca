#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_sim
short_description: Register and manage a Twilio Super SIM
version_added: 2.0.0
description:
  - >-
    Brings one Super SIM to the state the options describe (C(POST /v1/Sims/{Sid}) of the Super SIM API): its
    status, fleet, unique name and callback URL.
  - >-
    Registers the SIM to the account (C(POST /v1/Sims) with O(iccid) and O(registration_code)) when the account
    does not have it yet. Twilio takes only the ICCID and the registration code at registration, so the other
    options are set by a second request right after it.
  - Only the options that are set are compared, and only the fields that differ are sent.
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
      - The Super SIM's SID (C(HS...)) or unique name.
      - One of O(sid) and O(iccid) is required. When both are set, the SIM is looked up by O(sid) and its ICCID must be
        O(iccid), else the module fails and changes nothing. A SID or unique name that no SIM has is never looked up by
        ICCID instead.
      - >-
        When O(sid) is a unique name that no SIM has and O(unique_name) asks for another, the SIM that already has the
        new unique name is the one managed (an earlier run renamed it), so that a rename run twice changes nothing.
    type: str
  iccid:
    description:
      - The SIM's ICCID, to find it when O(sid) is not set, and to register it with O(registration_code) when the
        account does not have it.
      - A SIM's ICCID never changes; a SIM found by O(sid) with another ICCID is an error.
    type: str
  registration_code:
    description:
      - The registration code printed on the SIM card (10 digits), with which Twilio registers the SIM to the
        account. Required, with O(iccid), when the SIM is not in the account yet.
      - Used only to register the SIM; Twilio never shows it, so it is not compared.
    type: str
  status:
    description:
      - The status the SIM should have.
      - >-
        Twilio refuses some transitions, and so does the module before any write, naming both statuses. No SIM goes
        back to C(new), C(ready) is reached only from C(new), and C(inactive) only from C(ready) or C(active).
      - Twilio may apply the change asynchronously (status C(scheduled)); see O(wait).
      - >-
        While the SIM is C(scheduled), Twilio does not show toward which status, so the status is not written again:
        without O(wait) the module reports no change of status and says why in RV(msg); with O(wait) it waits for the
        SIM to settle, then compares. After a change, O(wait) fails when the SIM settles in another status than the one
        asked for (C(ready) may go on to C(active)).
    type: str
    choices: [ready, active, inactive]
  fleet:
    description:
      - The fleet the SIM should belong to, by SID (C(HF...)) or unique name. A unique name is resolved to its SID
        before comparing.
    type: str
  unique_name:
    description:
      - The unique name the SIM should have (renames it when it has another).
    type: str
  callback_url:
    description:
      - The URL Twilio calls when an asynchronous update of the SIM has finished. Sent with a change, never a change
        by itself.
    type: str
  callback_method:
    description:
      - The HTTP method for O(callback_url).
    type: str
    choices: [GET, POST]
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.account_move
  - simfleet.twilio.common.state
  - simfleet.twilio.common.wait
seealso:
  - module: simfleet.twilio.supersim_sim_info
  - module: simfleet.twilio.supersim_fleet
"""

EXAMPLES = r"""
- name: Register a Super SIM, put it in a fleet and activate it
  simfleet.twilio.supersim_sim:
    iccid: "89883070000123456789"
    registration_code: "{{ sim_registration_code }}"
    fleet: field-units
    unique_name: tracker-042
    status: active
    wait: true

- name: Take a SIM out of service
  simfleet.twilio.supersim_sim:
    sid: tracker-042
    status: inactive

- name: Move a SIM, found by SID, to another fleet
  simfleet.twilio.supersim_sim:
    sid: HS0123456789abcdef0123456789abcdef
    fleet: HF0123456789abcdef0123456789abcdef

- name: Hand a new SIM over to a customer's subaccount
  simfleet.twilio.supersim_sim:
    sid: tracker-043
    move_to_account: AC0123456789abcdef0123456789abcdef
    confirm_account_move: true
"""

RETURN = r"""
sim:
  description:
    - >-
      The Super SIM as Twilio returns it after the change (in check mode, as it is now), with Twilio's fields
      unchanged; see M(simfleet.twilio.supersim_sim_info) for the fields.
    - C(null) when the SIM would be registered in check mode.
  returned: success
  type: dict
  sample:
    sid: HS0123456789abcdef0123456789abcdef
    unique_name: tracker-042
    iccid: "89883070000123456789"
    status: active
    fleet_sid: HF0123456789abcdef0123456789abcdef
msg:
  description:
    - >-
      Why a change asked for was not written: a status change already under way (without O(wait)), or the SIM found
      by the O(unique_name) an earlier run gave it; after a move, that the SIM is no longer visible with these
      credentials and was not read back.
  returned: when there is such a note
  type: str
  sample: "the sim HS0123456789abcdef0123456789abcdef is scheduled (a status change is under way): status inactive was not written again"
applied:
  description:
    - >-
      When a change made of several requests (a registration, then the other options) fails after an earlier request
      succeeded: the options that were applied. The module then fails with C(changed=true).
  returned: on such a failure
  type: dict
  sample: {"iccid": "89883070000123456789"}
account_move:
  description:
    - The account the SIM was in and the one it was (or, in check mode, would be) moved to, with O(move_to_account).
  returned: when the SIM is moved
  type: dict
  sample: {"before": "AC0123456789abcdef0123456789abcdef", "after": "ACfedcba9876543210fedcba9876543210"}
diff:
  description:
    - >-
      Before and after of the fields that change, with C(--diff) (C(account_sid) for a move). A registration has an
      empty C(before).
  returned: in diff mode
  type: dict
  sample: {"before": {"status": "active"}, "after": {"status": "inactive"}}
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._account_move import AccountMoveModule
from ansible_collections.simfleet.twilio.plugins.module_utils._state import StateSpec


def main():
    AccountMoveModule(StateSpec(endpoint="supersim_sim", find_by=("sid", "iccid"))).run()


if __name__ == "__main__":
    main()
