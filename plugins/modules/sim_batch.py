#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: sim_batch
short_description: Bring many Twilio SIMs to one desired state
version_added: 2.0.0
description:
  - >-
    Brings every SIM of a list (Programmable Wireless SIMs or Super SIMs) to the same status, rate plan or fleet,
    names or callback URLs, in one task.
  - >-
    The current state is read with one listing of the product's SIMs (C(GET /v1/Sims), a page per 1000 SIMs), never
    one request per SIM. Only the SIMs that differ are written, one C(POST /v1/Sims/{Sid}) each (Twilio has no bulk
    endpoint), at most O(max_concurrency) at a time. A rate plan or fleet given by unique name is resolved once.
    Without O(strict), the writes of SIMs given by SID start as soon as their page of the listing is read.
  - >-
    The writes share one pacing gate: a 429 (Twilio error 20429, too many concurrent requests) pauses the whole
    batch for its C(Retry-After) and lets one request less in flight; successes bring the concurrency back.
  - >-
    Every SIM is attempted: one failure does not stop the others. The task fails when any SIM failed or was not
    found, and its result still lists every SIM, the successes included. A second identical run changes nothing and
    sends no write.
  - >-
    A write whose outcome is unknown (a timeout or a lost connection after it was sent, a server error after it
    may have been applied) is never sent again blindly: that SIM is read once (its only single-SIM read) to decide
    whether the change was applied; it is sent again only when that read shows the old values.
author:
  - simfleet maintainers (@simfleet)
options:
  product:
    description:
      - The product of the SIMs, V(wireless) (Programmable Wireless) or V(supersim) (Super SIM).
    type: str
    required: true
    choices: [supersim, wireless]
  sims:
    description:
      - The SIMs to change, in any mix of SIDs, unique names and ICCIDs, as strings, or dictionaries with a
        C(sid), C(sim_sid), C(unique_name) or C(iccid) key (used in that order), such as the items of
        M(simfleet.twilio.wireless_sim_info), M(simfleet.twilio.supersim_sim_info) or the violations of the
        compliance report. A host group of the inventory plugin works too, through its host variables.
      - A plain string is looked up as a SID, then as a unique name, then as an ICCID.
      - The results keep this order; a SIM named twice is written once.
    type: list
    elements: raw
    required: true
  status:
    description:
      - The status every SIM should have.
      - V(wireless) takes V(ready), V(active), V(suspended) and V(deactivated); V(supersim) takes V(ready),
        V(active) and V(inactive).
      - Twilio refuses some transitions (no SIM goes back to C(new); C(ready) is reached only from C(new); nothing
        leaves a deactivated wireless SIM). Such SIMs are never written; they are reported failed, or with O(strict)
        nothing is written at all.
      - Deactivating a wireless SIM cannot be undone.
    type: str
    choices: [active, deactivated, inactive, ready, suspended]
  rate_plan:
    description:
      - Wireless only. The rate plan, by SID (C(WP...)) or unique name, resolved once to its SID.
    type: str
  fleet:
    description:
      - Super SIM only. The fleet, by SID (C(HF...)) or unique name, resolved once to its SID.
    type: str
  friendly_name:
    description:
      - Wireless only. The descriptive name every SIM should have.
    type: str
  callback_url:
    description:
      - The URL Twilio calls when an asynchronous status change completes. Sent with each write, never a change by
        itself.
    type: str
  callback_method:
    description:
      - The HTTP method for O(callback_url).
    type: str
    choices: [GET, POST]
  commands_callback_url:
    description:
      - Wireless only. The URL Twilio calls when a SIM sends a command.
    type: str
  commands_callback_method:
    description:
      - Wireless only. The HTTP method for O(commands_callback_url).
    type: str
    choices: [GET, POST]
  sms_url:
    description:
      - Wireless only. The URL Twilio calls when a SIM sends an SMS.
    type: str
  sms_method:
    description:
      - Wireless only. The HTTP method for O(sms_url).
    type: str
    choices: [GET, POST]
  sms_fallback_url:
    description:
      - Wireless only. The URL Twilio calls when O(sms_url) fails.
    type: str
  sms_fallback_method:
    description:
      - Wireless only. The HTTP method for O(sms_fallback_url).
    type: str
    choices: [GET, POST]
  max_concurrency:
    description:
      - How many writes are in flight at most, between 1 and 32.
      - Twilio limits the concurrent requests of an account; other jobs of the account share that limit. Raise it
        only as far as the account's limit allows; a 429 slows the batch down anyway.
    type: int
    default: 4
  strict:
    description:
      - Write nothing when any SIM of O(sims) is unknown or cannot take the asked status.
      - Without it those SIMs are reported (C(not_found), C(failed)), the others are changed, and the task fails.
    type: bool
    default: false
  max_sims:
    description:
      - A guard against changing more SIMs than meant, between 1 and 1000000. A longer O(sims) is refused before
        any request.
    type: int
    default: 1000
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.state
  - simfleet.twilio.common.wait
notes:
  - >-
    Options that do not apply to O(product) (O(rate_plan) and the SMS and command callbacks for V(supersim),
    O(fleet) for V(wireless)) are refused, naming the options that apply.
  - >-
    With O(wait), the batch polls with listings of the product (not one request per SIM) until every SIM written
    has left C(updating) and C(scheduled).
seealso:
  - module: simfleet.twilio.wireless_sim
  - module: simfleet.twilio.supersim_sim
  - module: simfleet.twilio.wireless_sim_info
  - module: simfleet.twilio.supersim_sim_info
"""

EXAMPLES = r"""
- name: Find the SIMs of a rate plan
  simfleet.twilio.wireless_sim_info:
    rate_plan: legacy-plan
    status: active
  register: legacy

- name: Move them to the new plan, eight writes at a time
  simfleet.twilio.sim_batch:
    product: wireless
    sims: "{{ legacy.sims }}"
    rate_plan: iot-standard
    max_concurrency: 8

- name: Suspend SIMs of an inventory group, and wait until Twilio has applied it
  simfleet.twilio.sim_batch:
    product: wireless
    sims: "{{ groups['retired_pumps'] | map('extract', hostvars, 'twilio_sid') | list }}"
    status: suspended
    wait: true

- name: Deactivate Super SIMs by ICCID; write nothing unless all of them are known
  simfleet.twilio.sim_batch:
    product: supersim
    sims:
      - "89883070000000000011"
      - "89883070000000000012"
    status: inactive
    strict: true
"""

RETURN = r"""
results:
  description:
    - One item per item of O(sims), in the same order.
    - C(sim) the item as given; C(sid) the SIM's SID (null when not found); C(outcome) one of C(changed),
      C(unchanged), C(not_found) and C(failed); C(before) and C(after) the values of the options set (the after
      of a check run is the plan); C(error) null, or C(code), C(status), C(message) and C(more_info) of the
      failure (Twilio's error code and HTTP status when Twilio answered one).
  returned: always, unless the options are refused
  type: list
  elements: dict
  sample:
    - sim: pump-station-17
      sid: DE0123456789abcdef0123456789abcdef
      outcome: changed
      before: {"status": "active"}
      after: {"status": "suspended"}
      error: null
counts:
  description: How many items of O(sims) had each outcome; every outcome is present.
  returned: always, unless the options are refused
  type: dict
  sample: {"changed": 812, "unchanged": 180, "not_found": 0, "failed": 0}
transitions:
  description: How many SIMs change (or, in check mode, would change) from one status to another.
  returned: always, unless the options are refused
  type: dict
  sample: {"active -> suspended": 812}
throttled:
  description: How many requests Twilio answered 429 (each paused the batch).
  returned: always, unless the options are refused
  type: int
  sample: 0
diff:
  description: With C(--diff), one line per SIM that changes, with the fields that change, before and after.
  returned: in diff mode
  type: dict
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._batch import run_batch_module


def main():
    run_batch_module()


if __name__ == "__main__":
    main()
