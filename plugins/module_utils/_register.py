# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Register many Super SIMs to the account (fleet onboarding): read the rows, refuse bad ones before any request,
read the account's SIMs with one listing, register those it does not have (C(POST /v1/Sims) with the ICCID and the
registration code) and bring every SIM to the fleet, unique name and status its row asks for.

The requests go through sim_batch's machinery (_batch.py): one PacingGate (the account's concurrency limit, 429
pauses, the storm bound), PacedClient, a Journal of its own kind, the ProgressFile the action plugin shows. Each
request is built by the write layer (_write.Writer over the supersim_sim endpoint's fields).

Registration codes are secrets: they are no_log options, never written to the journal, the result or a message, and
a Redactor takes them out of everything the API answers (an error that echoes one, also URL- or Base64-encoded).

Private to the collection: its interface may change between releases.
"""

import base64
import csv
import hashlib
import io
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import quote, quote_plus

from ansible_collections.simfleet.twilio.plugins.module_utils._batch import (
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_CONSECUTIVE_FAILURES,
    DEFAULT_MAX_SIMS,
    JOURNAL_VERSION,
    MAX_DECIDED_RESENDS,
    MAX_THROTTLED_RESENDS,
    NOT_ATTEMPTED,
    BatchStopped,
    Journal,
    PacedClient,
    PacingGate,
    Reporting,
    bound_problems,
    not_attempted,
    resume_decision,
    stormy,
    throttled_again,
)
from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioError
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import REDACTED, ENDPOINTS, identifier_problem
from ansible_collections.simfleet.twilio.plugins.module_utils._module import SimfleetModule
from ansible_collections.simfleet.twilio.plugins.module_utils._write import Writer, referenced_sid, unknown_reference

ENDPOINT = ENDPOINTS["supersim_sim"]
# The columns of a row, in the order of the report; iccid and registration_code are required.
COLUMNS = ("iccid", "registration_code", "unique_name", "fleet", "status")
# The fields a row may set on its SIM (Twilio takes them only after the registration).
SETTINGS = ("fleet", "unique_name", "status")
OUTCOMES = ("registered", "exists", "updated", "unchanged", "failed")
# The statuses Twilio gives only a Super SIM that belongs to a fleet.
NEEDS_FLEET = ("ready", "active")
# ICCIDs (ITU-T E.118) are 18 to 22 digits, the last a Luhn check digit; Super SIMs have 20.
ICCID_DIGITS = (18, 22)
# How many problems the refusal of bad rows names (it counts all of them).
SHOWN_PROBLEMS = 10
FORMATS = ("auto", "csv", "jsonl")
JOURNAL_KIND = "simfleet.twilio.sim_register journal"


def register_argument_spec():
    """sim_register's own options (SimfleetModule adds the connection options)."""
    rows = dict((column, dict(type="str")) for column in COLUMNS)
    rows["registration_code"]["no_log"] = True
    return dict(
        src=dict(type="path"),
        format=dict(type="str", default="auto", choices=list(FORMATS)),
        sims=dict(type="list", elements="dict", options=rows),
        fleet=dict(type="str"),
        status=dict(type="str", choices=list(ENDPOINT.field("status").choices)),
        max_concurrency=dict(type="int", default=DEFAULT_CONCURRENCY),
        strict=dict(type="bool", default=False),
        max_sims=dict(type="int", default=DEFAULT_MAX_SIMS),
        max_consecutive_failures=dict(type="int", default=DEFAULT_MAX_CONSECUTIVE_FAILURES),
        journal=dict(type="path"),
    )


# -- secrets ---------------------------------------------------------------------------------------------------------

class Redactor:
    """Takes the registration codes out of text: as given, and as a server may echo them (URL-encoded, escaped as in
    JSON or Python, Base64-encoded). Found by their lengths, so that the cost does not grow with the number of codes."""

    def __init__(self, codes=()):
        self.forms = set()
        self.lengths = []
        for code in codes:
            self.add(code)

    def add(self, code):
        if not code:
            return
        forms = set()
        for value in (code, base64.b64encode(code.encode("utf-8")).decode("ascii")):
            forms.update((value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1], repr(value)[1:-1]))
        forms.discard("")
        self.forms.update(forms)
        self.lengths = sorted(set(self.lengths).union(len(form) for form in forms), reverse=True)

    def text(self, value):
        """``value`` with every form of every code replaced by REDACTED (anything but a string is returned as is)."""
        if not isinstance(value, str) or not self.forms:
            return value
        found = set()
        for length in self.lengths:
            for start in range(len(value) - length + 1):
                if value[start:start + length] in self.forms:
                    found.add(value[start:start + length])
        for form in sorted(found, key=len, reverse=True):
            value = value.replace(form, REDACTED)
        return value

    def tree(self, value):
        """A copy of a result (dicts, lists, strings) with every string passed through text()."""
        if isinstance(value, dict):
            return dict((key, self.tree(item)) for key, item in value.items())
        if isinstance(value, (list, tuple)):
            return [self.tree(item) for item in value]
        return self.text(value)

    def error(self, err):
        """A TwilioError's dict (code, status, message, more_info), scrubbed."""
        return self.tree(err.to_dict())


# -- the rows --------------------------------------------------------------------------------------------------------

@dataclass
class Row:
    """One SIM asked for: where it was given (``where`` in messages, ``number`` in the report), its columns, and what
    the run does to it."""

    number: int
    where: str
    iccid: str
    code: Optional[str] = field(default=None, repr=False)
    unique_name: Optional[str] = None
    fleet: Optional[str] = None
    status: Optional[str] = None
    record: Optional[dict] = None      # the SIM as listed, or None when the account does not have it
    changes: dict = field(default_factory=dict)
    outcome: Optional[str] = None
    after: Optional[dict] = None
    error: Optional[dict] = None
    registered: bool = False           # registered by this run (or by the run the journal recorded)

    def asked(self):
        """{option: value} of the settings the row asks for (the fleet as given)."""
        return dict((option, getattr(self, option)) for option in SETTINGS if getattr(self, option) is not None)


def luhn_valid(digits):
    """Whether the last digit is the Luhn check digit of the others."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def iccid_problem(iccid):
    low, high = ICCID_DIGITS
    if not iccid.isdigit() or not iccid.isascii():
        return "ICCID %r must be digits only" % iccid[:40]
    if not low <= len(iccid) <= high:
        return "ICCID %s has %d digits; ICCIDs have %d to %d" % (iccid, len(iccid), low, high)
    if not luhn_valid(iccid):
        return "ICCID %s fails its Luhn check (a digit is wrong)" % iccid
    return None


def cell(value):
    """A cell as text: numbers (a JSON ICCID) as their digits, blank as None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def row_problems(values, where):
    """Why one row's cells cannot be registered (never naming its registration code)."""
    problems = []
    for column in COLUMNS:
        value = values.get(column)
        if value is not None and not isinstance(value, str):
            problems.append("%s must be text, got %s" % (column, type(value).__name__))
    if problems:
        return problems
    if values.get("iccid") is None:
        problems.append("no ICCID")
    else:
        problems.append(iccid_problem(values["iccid"]))
    if values.get("registration_code") is None:
        problems.append("no registration code")
    elif any(char.isspace() or not char.isprintable() for char in values["registration_code"]):
        problems.append("the registration code holds blanks or control characters")
    for column in ("unique_name", "fleet"):
        if values.get(column) is not None:
            problems.append(identifier_problem(column, values[column]))
    status = values.get("status")
    choices = ENDPOINT.field("status").choices
    if status is not None and status not in choices:
        problems.append("status must be one of %s, got %r" % (", ".join(choices), status[:40]))
    return [p for p in problems if p]


def read_rows(params, sims):
    """(rows as [(number, where, {column: value})], problems as [(where, message)], fatal problem or None) of src or
    sims. A file's rows are numbered by line (a CSV header is line 1), those of sims by index from 0."""
    if sims is not None:
        return [(index, "sims[%d]" % index, dict((c, cell(item.get(c))) for c in COLUMNS))
                for index, item in enumerate(sims)], [], None
    path = params["src"]
    try:
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        return [], [], "src %s cannot be read: %s" % (path, getattr(err, "strerror", None) or err)
    kind = params["format"]
    if kind == "auto":
        extension = os.path.splitext(path)[1].lower()
        kind = "jsonl" if extension in (".jsonl", ".ndjson") or extension != ".csv" and text.lstrip().startswith("{") else "csv"
    return read_jsonl(text) if kind == "jsonl" else read_csv(text)


def read_csv(text):
    rows, problems = [], []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            return [], [], None
        columns = [name.strip().lower() for name in header]
        unknown = [name for name in columns if name not in COLUMNS]
        if unknown:
            problems.append(("line 1", "unknown columns %s (the columns are %s)" % (", ".join(unknown), ", ".join(COLUMNS))))
            return [], problems, None
        seen_line = 1
        for cells in reader:
            number, seen_line = seen_line + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            where = "line %d" % number
            if len(cells) > len(columns):
                problems.append((where, "%d cells, the header has %d columns" % (len(cells), len(columns))))
                continue
            rows.append((number, where, dict((c, cell(v)) for c, v in zip(columns, cells))))
    except csv.Error as err:
        return [], [], "src is not a readable CSV file: line %d: %s" % (reader.line_num, err)
    return rows, problems, None


def read_jsonl(text):
    rows, problems = [], []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = "line %d" % number
        try:
            item = json.loads(line)
        except ValueError:
            problems.append((where, "not a JSON object"))
            continue
        if not isinstance(item, dict):
            problems.append((where, "not a JSON object"))
            continue
        unknown = sorted(key for key in item if key not in COLUMNS)
        if unknown:
            problems.append((where, "unknown columns %s (the columns are %s)" % (", ".join(unknown), ", ".join(COLUMNS))))
            continue
        rows.append((number, where, dict((c, cell(item.get(c))) for c in COLUMNS)))
    return rows, problems, None


def parse_rows(params, sims=None):
    """(rows, problems as "where: message", fatal problem or None): every row checked (ICCID, registration code,
    names, status; no ICCID or unique name twice), the module's fleet and status given to rows without their own."""
    raw, problems, fatal = read_rows(params, sims)
    problems = ["%s: %s" % item for item in problems]
    rows, first = [], {}
    names = {}
    for number, where, values in raw:
        for option in ("fleet", "status"):
            if values.get(option) is None:
                values[option] = params.get(option)
        found = row_problems(values, where)
        for key, shown, seen in (("iccid", "ICCID %s", first), ("unique_name", "unique name %r", names)):
            value = values.get(key)
            if isinstance(value, str):
                if value in seen:
                    found.append((shown + " is also on %s") % (value, seen[value]))
                else:
                    seen[value] = where
        if found:
            problems.append("%s: %s" % (where, "; ".join(found)))
            continue
        rows.append(Row(number, where, values["iccid"], values["registration_code"], values.get("unique_name"),
                        values.get("fleet"), values.get("status")))
    return rows, problems, fatal


# -- the run ---------------------------------------------------------------------------------------------------------

class RegisterJournal(Journal):
    """sim_register's journal: sim_batch's, keyed by ICCID, naming its rows (never their registration codes)."""

    kind = JOURNAL_KIND
    module = "sim_register"

    def header(self):
        return {"journal": self.kind, "version": JOURNAL_VERSION, "product": ENDPOINT.product, "asked": self.batch.asked()}


class Register(Reporting):
    """The module sim_register: read and check the rows, list, plan, register and update, report."""

    journal_class = RegisterJournal
    outcomes = OUTCOMES

    def __init__(self):
        self.module = SimfleetModule(register_argument_spec(), mutually_exclusive=[("src", "sims")],
                                     required_one_of=[("src", "sims")])
        self.params = self.module.params
        # The codes given in sims are no_log: AnsibleModule would take each out of every string of the result (a cost
        # of strings x codes); instead the Redactor does, and the result's invocation shows sims without them.
        self.sims = self.params.get("sims")
        self.redactor = Redactor(item.get("registration_code") for item in self.sims or ())
        self.module.module.no_log_values.difference_update(self.redactor.forms)
        if self.sims is not None:
            self.params["sims"] = [dict(item, registration_code=REDACTED if item.get("registration_code") else None)
                                   for item in self.sims]
        self.settings = Writer(ENDPOINT, [ENDPOINT.field(option) for option in SETTINGS])
        self.registration = Writer(ENDPOINT, [ENDPOINT.field("iccid"), ENDPOINT.field("registration_code")])
        self.rows = []
        self.fleets = {}          # fleet as given -> its SID (None: no such fleet)
        self.client = None
        self.gate = None
        self.journal = None
        self.progress = None
        self.listed = 0
        self.phase = "starting"

    # -- validation, before any request ----------------------------------------------------------------------------

    def problems(self):
        params = self.params
        problems = bound_problems(params)
        if params.get("fleet") is not None:
            problems.append(identifier_problem("fleet", params["fleet"]))
        problems = [p for p in problems if p]
        if problems:
            return problems
        rows, bad, fatal = parse_rows(params, self.sims)
        for row in rows:
            self.redactor.add(row.code)
        if fatal:
            return [fatal]
        given = "src %s" % params["src"] if params.get("src") else "sims"
        if bad:
            shown = "; ".join(bad[:SHOWN_PROBLEMS])
            more = "; and %d more" % (len(bad) - SHOWN_PROBLEMS) if len(bad) > SHOWN_PROBLEMS else ""
            return ["%d bad rows in %s, nothing was sent: %s%s" % (len(bad), given, shown, more)]
        if len(rows) > params["max_sims"]:
            return ["%s holds %d SIMs, more than max_sims (%d): raise max_sims to register this many at once"
                    % (given, len(rows), params["max_sims"])]
        self.rows = rows
        return []

    def refuse(self, problems):
        self.module.refuse([self.redactor.text(p) for p in problems])

    # -- the run ---------------------------------------------------------------------------------------------------

    def run(self):
        self.refuse(self.problems())
        rows = self.rows
        if not rows:
            self.exit(self.result())
        self.gate = PacingGate(self.params["max_concurrency"], max_wait=self.params["max_retry_time"],
                               max_failures=self.params["max_consecutive_failures"])
        self.start_reporting()
        writing = not self.module.check_mode
        try:
            with self.module.client(PacedClient, gate=self.gate) as self.client, \
                    ThreadPoolExecutor(max_workers=self.params["max_concurrency"]) as pool:
                self.phase = "listing"
                self.plan()
                self.phase = "writing"
                futures = [(row, pool.submit(self.write, row)) for row in rows if row.outcome is None and writing]
                for row in rows:
                    if row.outcome is None and not writing:
                        self.predict(row)
                for row, future in futures:
                    future.result()
        except TwilioError as err:
            for row in rows:
                if row.outcome is None:
                    row.outcome = NOT_ATTEMPTED if stormy(err) else "failed"
                    row.error = self.redactor.tree(not_attempted(err))
            result = self.result()
            self.stop_reporting(None)
            error = self.redactor.error(err)
            self.fail(error["message"], error=error, **result)
        result = self.result()
        self.stop_reporting(result)
        counts = result["counts"]
        if counts["failed"] or counts.get(NOT_ATTEMPTED):
            message = self.failure_message(result)
            if self.gate.stopped is not None:
                message = "%s; %s" % (self.gate.stopped, message)
            self.fail(message, **result)
        self.exit(result)

    def exit(self, result):
        """Succeed; the result is built scrubbed (result())."""
        self.module.exit(result)

    def fail(self, message, **result):
        """Fail; the result is built scrubbed (result()), the message is scrubbed here."""
        self.module.fail(self.redactor.text(message), **result)

    # -- the plan --------------------------------------------------------------------------------------------------

    def plan(self):
        """One listing of the account's Super SIMs; each row's SIM by ICCID; fleets resolved once each; what cannot
        work (an unknown fleet, a status Twilio does not allow, a unique name another SIM has) refused before any
        write: failed, or with strict, nothing written at all."""
        by_iccid, by_name = {}, {}
        for record in self.client.iter_records(ENDPOINT):
            self.listed += 1
            if isinstance(record.get("iccid"), str):
                by_iccid[record["iccid"]] = record
            if isinstance(record.get("unique_name"), str):
                by_name[record["unique_name"]] = record
        for value in sorted(set(row.fleet for row in self.rows if row.fleet is not None)):
            self.fleets[value] = referenced_sid(self.client, ENDPOINT.field("fleet"), value)
        for row in self.rows:
            row.record = by_iccid.get(row.iccid)
            self.resume(row)
            problem = self.row_problem(row, by_name)
            if problem:
                row.outcome, row.error = "failed", message_error(problem)
                continue
            row.changes = self.settings.changes(row.record or {"status": "new"}, self.desired(row))
            if row.record is not None and row.record.get("status") in ENDPOINT.settling:
                # A change in progress, toward a status the API does not tell: never written while it settles.
                row.changes.pop("status", None)
            if row.record is not None and not row.changes:
                row.outcome, row.after = ("registered" if row.registered else "unchanged" if row.asked() else "exists"), row.record
        if self.params["strict"]:
            refused = [row for row in self.rows if row.outcome == "failed"]
            if refused:
                shown = "; ".join("%s (ICCID %s): %s" % (r.where, r.iccid, r.error["message"]) for r in refused[:SHOWN_PROBLEMS])
                more = "; and %d more" % (len(refused) - SHOWN_PROBLEMS) if len(refused) > SHOWN_PROBLEMS else ""
                raise TwilioError("strict: nothing was written, as %d of the %d SIMs cannot be registered as asked: %s%s"
                                  % (len(refused), len(self.rows), shown, more))

    def desired(self, row):
        desired = row.asked()
        if row.fleet is not None:
            desired["fleet"] = self.fleets[row.fleet]
        return desired

    def row_problem(self, row, by_name):
        if row.fleet is not None and self.fleets.get(row.fleet) is None:
            return unknown_reference(ENDPOINT.field("fleet"), row.fleet)
        holder = by_name.get(row.unique_name) if row.unique_name is not None else None
        if holder is not None and holder.get("iccid") != row.iccid:
            return "unique name %r belongs to another SIM, %s (ICCID %s)" % (row.unique_name, holder["sid"], holder.get("iccid"))
        current = (row.record or {}).get("status", "new")
        if row.status is not None and row.status != current and current not in ENDPOINT.settling:
            problem = self.settings.transition_problem(current, row.status)
            if problem:
                return problem
            if row.status in NEEDS_FLEET and row.fleet is None and not (row.record or {}).get("fleet_sid"):
                return ("status %s needs a fleet: Twilio makes a Super SIM %s only once it belongs to one (its error 83007); "
                        "give the row a fleet, or set fleet" % (row.status, row.status))
        return None

    def resume(self, row):
        """A row an earlier run of this journal registered: reported registered once the listing shows its SIM."""
        recorded = self.journal.recorded.get(row.iccid) if self.journal is not None else None
        if recorded is None or not recorded.get("changes", {}).get("register"):
            return
        if resume_decision(recorded, row.record is not None, True) == "changed":
            row.registered = True
            self.journal.decided += 1

    def predict(self, row):
        """Check mode: what a run would do to a row's SIM, without writing."""
        if row.record is None:
            row.registered, row.outcome = True, "registered"
            row.after = dict({"sid": None, "iccid": row.iccid, "status": "new", "fleet_sid": None, "unique_name": None},
                             **self.record_values(row.changes))
        else:
            row.outcome = "registered" if row.registered else "updated"
            row.after = dict(row.record, **self.record_values(row.changes))

    def record_values(self, changes):
        return dict((ENDPOINT.field(option).record_field, value) for option, value in changes.items())

    # -- writing ---------------------------------------------------------------------------------------------------

    def write(self, row):
        """Register a row's SIM when the account does not have it, then write the settings that differ. Every error is
        the row's own (the others go on), scrubbed of registration codes."""
        try:
            if row.record is None:
                row.record = self.register(row)
                row.changes = self.settings.changes(row.record, self.desired(row))
            if row.changes:
                self.journaled(row, lambda: self.client.update(ENDPOINT, row.record["sid"], self.settings.form(row.changes)))
                row.outcome = "registered" if row.registered else "updated"
            else:
                row.after, row.outcome = row.record, "registered" if row.registered else "unchanged" if row.asked() else "exists"
        except BatchStopped as err:
            if row.record is None and not self.gate.sent():
                row.outcome, row.error = NOT_ATTEMPTED, self.redactor.tree(not_attempted(err))
            else:
                row.outcome, row.error = "failed", self.redactor.tree(dict(err.to_dict(), message="not written: %s" % err.message))
            if row.registered:
                row.error["message"] = "registered as %s, but its settings were %s" % (row.record["sid"], row.error["message"])
        except TwilioError as err:
            row.outcome, row.error = "failed", self.redactor.error(err)
            if row.registered:
                row.error["message"] = "registered as %s, but setting %s failed: %s" % (
                    row.record["sid"], ", ".join(sorted(row.changes)), row.error["message"])

    def register(self, row):
        """The SIM registered from a row (POST /v1/Sims). A registration whose answer was lost is decided by looking the
        ICCID up (sent again only when the account does not have it); one answered "already in this account" (an
        earlier attempt, or someone else) is that SIM."""
        form = self.registration.form({"iccid": row.iccid}, {"registration_code": row.code}, create=True)
        resends = 0
        while True:
            try:
                record = self.journaled(row, lambda: self.client.create(ENDPOINT, form), register=True)
                row.registered = True
                return record
            except TwilioError as err:
                if isinstance(err, BatchStopped) or not (err.may_be_applied or err.http_status == 409):
                    raise
                try:
                    record = self.lookup(row)
                except TwilioError as failure:
                    raise TwilioError("%s; looking the ICCID up to learn whether the registration was applied failed too: %s"
                                      % (err.message, failure.message), err.http_status, err.code, err.more_info) from None
                if record is not None:
                    row.registered = resends > 0 or err.may_be_applied
                    return record
                if not err.may_be_applied:
                    raise
                resends += 1
                if resends > MAX_DECIDED_RESENDS:
                    raise

    def lookup(self, row):
        found = self.client.list_records(ENDPOINT, params={"Iccid": row.iccid})
        return next((r for r in found if r.get("iccid") == row.iccid), None)

    def journaled(self, row, request, register=False):
        """request() through the gate, with its journal lines ("sending" on disk first, "done" after its answer); a 429
        after all the client's retries (never applied) is sent again after its Retry-After, as in sim_batch."""
        if self.journal is not None:
            try:
                self.journal.sending(row.iccid, dict(row.changes, register=register), {})
            except OSError as err:
                raise TwilioError("not sent: the journal %s cannot be written: %s" % (self.journal.path, err.strerror or err))
        throttled = 0
        while True:
            self.gate.begin()
            try:
                record = request()
                break
            except BatchStopped:
                raise
            except TwilioError as err:
                if err.http_status == 429 and not err.may_be_applied and throttled < MAX_THROTTLED_RESENDS \
                        and throttled_again(self.gate, self.params["max_retry_time"]):
                    throttled += 1
                    continue
                self.journal_done(row, "failed", self.redactor.error(err))
                raise
        row.after = record   # scrubbed when the result shows it (result())
        self.journal_done(row, "changed", None)
        return record

    def journal_done(self, row, outcome, error):
        if self.journal is not None:
            try:
                self.journal.done(row.iccid, outcome, error)
            except OSError:
                pass   # the next run reads this SIM from the listing instead

    # -- progress and the journal ----------------------------------------------------------------------------------

    def asked(self):
        """What tells this run's journal from another's: the rows (ICCIDs and settings, never registration codes)."""
        rows = [[row.iccid, row.unique_name, row.fleet, row.status] for row in self.rows]
        return {"rows": len(rows), "sha256": hashlib.sha256(json.dumps(rows).encode("utf-8")).hexdigest()}

    def snapshot(self):
        counts = dict((o, 0) for o in OUTCOMES)
        for row in list(self.rows):
            if row.outcome is not None:
                counts[row.outcome] = counts.get(row.outcome, 0) + 1
        return dict(counts, phase=self.phase, total=len(self.rows), done=sum(counts.values()), listed=self.listed,
                    in_flight=getattr(self.gate, "in_flight", 0), throttled=getattr(self.gate, "throttled", 0))

    # -- the report ------------------------------------------------------------------------------------------------

    def describe(self, record):
        return self.settings.describe(record, list(SETTINGS)) if record is not None else None

    def result(self):
        counts = dict((o, 0) for o in OUTCOMES)
        results, diff_before, diff_after = [], [], []
        for row in self.rows:
            # A SIM registered by this run (or the one its journal recorded) was not in the account before. What the
            # API answered is scrubbed (an echoed code); the ICCID and SID are shown as they are.
            before = None if row.registered else self.redactor.tree(self.describe(row.record))
            after = self.redactor.tree(self.describe(row.after)) if row.after is not None else before
            counts[row.outcome] = counts.get(row.outcome, 0) + 1
            sid = (row.after or row.record or {}).get("sid")
            results.append({"row": row.number, "iccid": row.iccid, "sid": sid, "outcome": row.outcome,
                            "before": before, "after": after, "error": self.redactor.tree(row.error)})
            if row.outcome in ("registered", "updated"):
                diff_before.append("%s %s\n" % (row.iccid, show(before) if before else "(not in the account)"))
                diff_after.append("%s %s\n" % (row.iccid, show(after)))
        result = {"changed": counts["registered"] + counts["updated"] > 0, "results": results, "counts": counts,
                  "throttled": self.gate.throttled if self.gate else 0}
        if self.journal is not None:
            result["journal"] = self.journal.summary()
        if self.module.diff_mode:
            result["diff"] = {"before": "".join(diff_before), "after": "".join(diff_after),
                              "before_header": "Super SIMs before",
                              "after_header": "Super SIMs after (%d registered, %d updated)" % (counts["registered"], counts["updated"])}
        return result

    @staticmethod
    def failure_message(result):
        counts = result["counts"]
        failed = [r for r in result["results"] if r["outcome"] in ("failed", NOT_ATTEMPTED)]
        examples = "; ".join("ICCID %s: %s" % (r["iccid"], r["error"]["message"]) for r in failed[:5])
        return ("%d of %d SIMs failed (%d registered, %d updated, %d already as asked%s): %s%s"
                % (counts["failed"], len(result["results"]), counts["registered"], counts["updated"],
                   counts["exists"] + counts["unchanged"],
                   ", %d not attempted" % counts[NOT_ATTEMPTED] if counts.get(NOT_ATTEMPTED) else "", examples,
                   "; ..." if len(failed) > 5 else ""))


def show(values):
    return " ".join("%s=%s" % (option, values[option]) for option in SETTINGS if values.get(option) is not None) or "-"


def message_error(message):
    return {"code": None, "status": None, "more_info": None, "message": message}


def run_register_module():
    """main() of simfleet.twilio.sim_register."""
    Register().run()
