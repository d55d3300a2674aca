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
    The writes share one pacing gate that finds the account's limit (O(max_concurrency) is a ceiling, not a target),
    as TCP's congestion control does (additive increase, multiplicative decrease), once per overload however many
    429s it brings. A 429 (Twilio error 20429, too many concurrent requests) of a request sent while more writes were
    in flight than Twilio was seen to accept lowers the writes in flight for the whole batch: first to the requests
    still in flight, then, once those have their answers, to the number of them Twilio accepted when it refused more
    than a third of them (started at 32 against an account limit of 5, the batch runs 5 at a time right away). The
    request refused waits its C(Retry-After) and is sent again; the others go on. Any other 429 (a rate limit,
    another job using the account's requests, a storm) pauses the whole batch for its C(Retry-After), and halves the
    writes in flight when it came alone. After 4 times as many successes as writes in flight since the last
    decrease, one write more is tried, up to O(max_concurrency).
  - >-
    A write refused with 429 after all the retries of O(max_retries) is sent again after its C(Retry-After), up to 3
    times, so that the 429s of the batch's own pacing do not fail a SIM. A C(Retry-After) longer than
    O(max_retry_time) is never waited for and never pauses the batch: that SIM fails at once, naming the wait, and
    the others go on.
  - >-
    Every SIM is attempted: one failure does not stop the others. The task fails when any SIM failed or was not
    found, and its result still lists every SIM, the successes included. A second identical run changes nothing and
    sends no write; a SIM still changing status (C(updating), C(scheduled)) is not written, as Twilio does not tell
    toward which status. An empty O(sims) sends no request at all.
  - >-
    A storm ends the batch: once O(max_consecutive_failures) requests in a row (across the batch) failed with 429, a
    5xx or no answer at all, no more request is sent; the writes not sent yet are reported C(not_attempted) and the
    task fails, naming the bound.
  - >-
    A write whose outcome is unknown (a timeout or a lost connection after it was sent, a server error after it
    may have been applied) is never sent again blindly: that SIM is read once (its only single-SIM read) to decide
    whether the change was applied; it is sent again only when that read shows the old values.
  - >-
    While the batch runs on the controller (the local connection, as usual for this collection), its action plugin
    prints a progress line every 2 seconds in the output of C(ansible-playbook) (and so of AWX jobs): for example
    C(sim_batch [localhost]: 1200/10000 SIMs done), then the SIMs by outcome, the requests in flight and
    throttled, and the seconds elapsed. Batches that end within 2 seconds, async tasks and other connections print none.
  - >-
    With O(journal), a batch interrupted midway can be run again to finish it: it continues where it stopped and
    never sends a SIM's write twice unless the listing proves the first was not applied.
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
  voice_url:
    description:
      - Wireless only. The URL Twilio calls when the SIM makes a voice call.
    type: str
    version_added: 2.1.0
  voice_method:
    description:
      - Wireless only. The HTTP method for O(voice_url).
    type: str
    choices: [GET, POST]
    version_added: 2.1.0
  voice_fallback_url:
    description:
      - Wireless only. The URL Twilio calls when O(voice_url) fails.
    type: str
    version_added: 2.1.0
  voice_fallback_method:
    description:
      - Wireless only. The HTTP method for O(voice_fallback_url).
    type: str
    choices: [GET, POST]
    version_added: 2.1.0
  max_concurrency:
    description:
      - How many writes are in flight at most, between 1 and 32.
      - Twilio limits the concurrent requests of an account; other jobs of the account share that limit. This value
        is a ceiling, not a target. The batch finds the account's limit below it by itself (see the description), so
        a value above the account's limit costs a few 429s, not time.
    type: int
    default: 4
  max_consecutive_failures:
    description:
      - The storm bound, between 1 and 10000. Once this many requests in a row, across the whole batch, failed with
        429, a 5xx or no answer (a dropped connection, a timeout), the batch sends nothing more. The 429s of the
        batch's own pacing (more requests in flight than Twilio was seen to accept) do not count. The writes not sent
        yet are reported C(not_attempted); a write in progress ends C(failed). A success anywhere in the batch starts
        the count over.
      - With the default, 100 SIMs under a permanent 429 or 5xx storm end within seconds.
    type: int
    default: 10
    version_added: 2.0.0
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
  journal:
    description:
      - A file, on the host the module runs on, where the batch records each SIM's write as it goes, so that a run
        interrupted (killed, its connection lost, its listing failed) can be resumed by running the same task again.
      - One JSON object a line. Before a SIM's write is sent, a C(sending) line is flushed to disk; after its answer, a
        C(done) line with the outcome; once every SIM has its outcome, an C(end) line.
      - A run finding an unfinished journal of the same batch (the same O(product) and values to set; the callback
        options aside) resumes it, whatever O(sims) lists.
        SIMs recorded C(done) and C(changed) are not written again and are reported C(changed). A SIM whose write was
        sent without a recorded success is decided from the listing the batch reads anyway - reported C(changed),
        not written again, when the listing shows the change, and written again only when the listing shows it was
        not applied (every value this module writes is absolute, so sending it again is safe). A write that is not
        idempotent is never sent again.
      - A finished journal is started over. A journal of another batch, or an existing file that is not a journal,
        is refused before any request, naming the file; so is a journal in use by another run.
      - In check mode the journal is read (the plan shows what a resume would do) and never written.
    type: path
    version_added: 2.0.0
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
    has left C(updating) and C(scheduled); a SIM that settles in another status than O(status) fails, naming the
    status it has.
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
      C(unchanged), C(not_found), C(failed) and C(not_attempted) (its write was never sent, as a storm stopped
      the batch first - the bound O(max_consecutive_failures), or a listing that failed with 429 or 5xx);
      C(before) and C(after) the values of the options set (the after
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
  description:
    - How many items of O(sims) had each outcome. C(changed), C(unchanged), C(not_found) and C(failed) are always
      present; C(not_attempted) only when the storm bound stopped the batch before some writes were sent.
  returned: always, unless the options are refused
  type: dict
  sample: {"changed": 812, "unchanged": 180, "not_found": 0, "failed": 0}
transitions:
  description: How many SIMs change (or, in check mode, would change) from one status to another.
  returned: always, unless the options are refused
  type: dict
  sample: {"active -> suspended": 812}
throttled:
  description:
    - How many requests Twilio answered 429 (each lowered the writes in flight, paused the batch, or was part of an
      overload that did).
  returned: always, unless the options are refused
  type: int
  sample: 0
journal:
  description:
    - With O(journal), C(path) the journal, C(resumed) whether this run resumed an unfinished batch from it, and
      C(from_journal) how many items of O(sims) were decided from it (not written by this run).
  returned: when O(journal) is set, unless the options are refused
  type: dict
  version_added: 2.0.0
  sample: {"path": "/var/lib/simfleet/suspend-2024-06.journal", "resumed": true, "from_journal": 1200}
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
