#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: sim_register
short_description: Register many Twilio Super SIMs to the account, and bring them to their fleet, name and status
version_added: 2.1.0
description:
  - >-
    Fleet onboarding in one task: registers every Super SIM of a CSV or JSON Lines file (O(src)) or a list (O(sims))
    to the account, each with its ICCID and registration code, and brings each to the fleet, unique name and status
    its row asks for.
  - >-
    Every row is checked before any request: the ICCID (digits only, 18 to 22 of them, its last digit the Luhn check
    digit), the registration code (present, no blanks), the unique name and fleet, the status, no ICCID or unique name
    twice, no unknown column. Bad rows are refused, nothing is sent, and the failure names the first 10 of them by
    line (or index in O(sims)) and counts them all. So is a file that cannot be read.
  - >-
    The account's Super SIMs are read with one listing (C(GET /v1/Sims), a page per 1000 SIMs), each fleet given by
    unique name is resolved once. A SIM the account does not have is registered (C(POST /v1/Sims) with C(Iccid) and
    C(RegistrationCode), one request); Twilio takes nothing else at registration, so a fleet, unique name or status
    asked for is set right after it (C(POST /v1/Sims/{Sid}), one more request). A SIM the account has already is not
    registered again: only the settings that differ are written, in one request. A second identical run sends no
    write.
  - >-
    The requests run as those of M(simfleet.twilio.sim_batch): at most O(max_concurrency) at a time, one pacing gate
    that finds the account's concurrency limit and pauses every request after a rate-limit 429, the storm bound
    O(max_consecutive_failures), the progress line of the action plugin, and a journal to resume an interrupted run.
  - >-
    A registration whose answer is lost (a timeout, a dropped connection, a 5xx after it may have been applied) is
    never sent again blindly: the ICCID is looked up (C(GET /v1/Sims?Iccid=)); the registration is sent again only when
    the account does not have the SIM. A registration answered "already in this account" is that SIM.
  - >-
    Registration codes are secrets. They are C(no_log) in O(sims), never written to the journal, the result, a
    message or a diff, and taken out of every answer and error of the API that echoes one (as sent, URL-encoded,
    escaped or Base64-encoded), replaced by C(<redacted>).
author:
  - simfleet maintainers (@simfleet)
options:
  src:
    description:
      - A file on the host the module runs on, with one SIM a row, in CSV (a header naming the columns) or JSON Lines
        (one object a line).
      - The columns are C(iccid) and C(registration_code) (required), C(unique_name), C(fleet) (SID or unique name)
        and C(status) (V(ready), V(active) or V(inactive)); any other column is refused. Blank lines are skipped.
      - Exactly one of O(src) and O(sims) is required.
    type: path
  format:
    description:
      - The format of O(src). V(auto) takes V(csv) for a C(.csv) file, V(jsonl) for C(.jsonl) and C(.ndjson), and for
        any other name V(jsonl) when the file starts with C({), else V(csv).
    type: str
    choices: [auto, csv, jsonl]
    default: auto
  sims:
    description:
      - The SIMs to register, as a list of dictionaries with the columns of O(src) as keys.
      - Rows are named by their index in this list (from 0).
    type: list
    elements: dict
    suboptions:
      iccid:
        description: The SIM's ICCID, 18 to 22 digits. Required.
        type: str
      registration_code:
        description: The registration code printed on the SIM card. Required. Never shown.
        type: str
      unique_name:
        description: The unique name the SIM should have.
        type: str
      fleet:
        description: The fleet the SIM should belong to (SID C(HF...) or unique name); O(fleet) when not set.
        type: str
      status:
        description: The status the SIM should have; O(status) when not set.
        type: str
  fleet:
    description:
      - The fleet (SID C(HF...) or unique name) of every row that names none. Resolved once to its SID; an unknown fleet
        fails those rows before any write (with O(strict), every row).
    type: str
  status:
    description:
      - The status of every row that names none.
      - A registered SIM is C(new). Twilio takes C(ready) only from C(new), and C(inactive) only from C(ready) or
        C(active); a row asking for a status its SIM cannot take fails before any write. So does a row asking for
        V(ready) or V(active) for a SIM without a fleet (neither in the account nor in the row), as Twilio gives those
        statuses only to a SIM of a fleet.
      - A SIM whose status is changing (C(scheduled)) is not given a status, as Twilio does not tell toward which one.
    type: str
    choices: [ready, active, inactive]
  max_concurrency:
    description:
      - How many requests are in flight at most, between 1 and 32. A ceiling, not a target, as for
        M(simfleet.twilio.sim_batch).
    type: int
    default: 4
  max_consecutive_failures:
    description:
      - The storm bound, between 1 and 10000. Once this many requests in a row failed with 429, a 5xx or no answer,
        nothing more is sent; the SIMs not attempted yet are reported C(not_attempted).
    type: int
    default: 10
  strict:
    description:
      - Write nothing when any row cannot be done as asked (an unknown fleet, a status Twilio does not allow, a unique
        name another SIM has).
      - Without it those rows are reported C(failed), the others are done, and the task fails.
    type: bool
    default: false
  max_sims:
    description:
      - A guard against registering more SIMs than meant, between 1 and 1000000. More rows are refused before any
        request.
    type: int
    default: 1000
  journal:
    description:
      - A file, on the host the module runs on, where the run records each SIM's request before it is sent (on disk
        first) and its outcome after, so that an interrupted run can be run again to finish it. It names each SIM by
        its ICCID and never holds a registration code.
      - A run finding an unfinished journal of the same rows resumes it. Every SIM is decided from the listing anyway
        (a registration is sent again only when the account does not have the SIM); a SIM the journal recorded as
        registered, and that the listing shows, is reported C(registered).
      - A finished journal is started over; a journal of other rows, or a file that is no journal, is refused before
        any request. In check mode the journal is read, never written.
    type: path
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.state
notes:
  - >-
    The rows are read on the host the module runs on: with the usual play on C(localhost), O(src) is a file of the
    controller.
  - >-
    While the run goes on on the controller (the local connection), the action plugin prints a progress line every 2
    seconds, for example C(sim_register [localhost]: 1200/10000 SIMs done (1180 registered, 0 updated, 20 exists,
    0 unchanged, 0 failed), 8 requests in flight, 0 throttled, 9 s).
seealso:
  - module: simfleet.twilio.supersim_sim
  - module: simfleet.twilio.sim_batch
  - module: simfleet.twilio.supersim_sim_info
"""

EXAMPLES = r"""
- name: See what registering the delivery would do
  simfleet.twilio.sim_register:
    src: files/delivery-2026-12.csv    # iccid,registration_code,unique_name
    fleet: field-sensors
    max_sims: 20000
  check_mode: true
  diff: true
  register: plan

- name: Register the delivery, eight requests at a time, resumable
  simfleet.twilio.sim_register:
    src: files/delivery-2026-12.csv
    fleet: field-sensors
    max_sims: 20000
    max_concurrency: 8
    journal: /var/lib/simfleet/delivery-2026-12.journal
  register: onboarded

- name: Then put them in service
  simfleet.twilio.sim_register:
    src: files/delivery-2026-12.csv
    fleet: field-sensors
    status: active
    max_sims: 20000

- name: A few SIMs from a vault
  simfleet.twilio.sim_register:
    sims:
      - iccid: "89883070000000000016"
        registration_code: "{{ vault_codes['89883070000000000016'] }}"
        unique_name: tracker-0016
        fleet: trackers
        status: active
"""

RETURN = r"""
results:
  description:
    - One item per row, in the order of the rows.
    - C(row) the row's line in O(src) (a CSV header is line 1) or its index in O(sims); C(iccid); C(sid) the SIM's SID
      (null when it is not registered); C(outcome); C(before) and C(after) the SIM's C(fleet) (a SID), C(unique_name)
      and C(status) (C(before) null for a SIM that was not in the account; the C(after) of a check run is the plan);
      C(error) null, or C(code), C(status), C(message) and C(more_info) of the failure.
    - "C(outcome): C(registered) (registered by this run, or by the run its journal recorded, and given its settings);
      C(updated) (in the account already, the settings that differed written); C(exists) (in the account already and
      its row asks no setting); C(unchanged) (in the account already with every setting asked); C(failed);
      C(not_attempted) (never sent, as a storm stopped the run first)."
  returned: always, unless the rows or options are refused
  type: list
  elements: dict
  sample:
    - row: 2
      iccid: "89883070000000000016"
      sid: HS0123456789abcdef0123456789abcdef
      outcome: registered
      before: null
      after: {"fleet": "HF0123456789abcdef0123456789abcdef", "unique_name": "tracker-0016", "status": "active"}
      error: null
counts:
  description:
    - How many rows had each outcome. C(registered), C(exists), C(updated), C(unchanged) and C(failed) are always
      present; C(not_attempted) only when there are any.
  returned: always, unless the rows or options are refused
  type: dict
  sample: {"registered": 9980, "exists": 20, "updated": 0, "unchanged": 0, "failed": 0}
throttled:
  description: How many requests Twilio answered 429.
  returned: always, unless the rows or options are refused
  type: int
  sample: 0
journal:
  description:
    - With O(journal), C(path) the journal, C(resumed) whether this run resumed an unfinished one, and C(from_journal)
      how many rows it reported registered from it.
  returned: when O(journal) is set, unless the rows or options are refused
  type: dict
  sample: {"path": "/var/lib/simfleet/delivery-2026-12.journal", "resumed": false, "from_journal": 0}
diff:
  description: With C(--diff), one line per SIM registered or updated (by ICCID), before and after.
  returned: in diff mode
  type: dict
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._register import run_register_module


def main():
    run_register_module()


if __name__ == "__main__":
    main()
