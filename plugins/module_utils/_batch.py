# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bring many SIMs to one desired state: read by listing, write only what differs, concurrently and paced.

Twilio has no bulk endpoint: every SIM that differs costs one POST, under an account-wide concurrency limit
(error 20429). The batch reads the current state with listings (never one GET per SIM), resolves references
once, refuses what cannot work before any write, then sends the writes from a bounded pool of threads through
one pacing gate: a 429 slows the whole batch down (a pause for its Retry-After and one thread less in flight),
successes bring the threads back. A write whose outcome is unknown is never sent again blindly: the SIM is read
once to decide.

Private to the collection: its interface may change between releases.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Optional, Tuple

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.simfleet.twilio.plugins.module_utils._client import (
    CONNECTION_OPTIONS,
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    TwilioClient,
    TwilioError,
    connection_problems,
)
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    ENDPOINTS,
    blank,
    identifier_problem,
    matches,
)
from ansible_collections.simfleet.twilio.plugins.module_utils._module import connection_argument_spec
from ansible_collections.simfleet.twilio.plugins.module_utils._state import URL, WAIT_OPTIONS, StateModule, referenced_sid, unknown_reference

# The endpoint of the SIMs of each product.
PRODUCTS = {"wireless": "wireless_sim", "supersim": "supersim_sim"}
# What a SIM is named by, in the order a plain string is tried: the SIM list's own identifying fields. They are
# the input of a batch, never a value to give every SIM.
IDENTIFIERS = ("sid", "unique_name", "iccid")
# Keys of a dictionary item of sims, in the order they are used: what inventories, the compliance report and the
# info modules put in their items.
ITEM_KEYS = (("sid", "sid"), ("sim_sid", "sid"), ("unique_name", "unique_name"), ("iccid", "iccid"))
OUTCOMES = ("changed", "unchanged", "not_found", "failed")
MAX_CONCURRENCY = 32
DEFAULT_CONCURRENCY = 4
DEFAULT_MAX_SIMS = 1000
MAX_SIMS_LIMIT = 1000000
# How often a write whose outcome was unknown is sent again after a read showed it was not applied.
MAX_DECIDED_RESENDS = 5
POLL_SECONDS = 1.0
# The pause of the whole batch after a 429 without Retry-After.
DEFAULT_PAUSE = 1.0


def bulk_fields(endpoint):
    """The fields a batch can give every SIM: not the identifiers, not create-only ones, not actions (a reset)."""
    return tuple(f for f in endpoint.fields if f.option not in IDENTIFIERS and not f.create_only and not f.sets)


def batch_argument_spec():
    spec = connection_argument_spec()
    spec.update(
        product=dict(type="str", required=True, choices=sorted(PRODUCTS)),
        sims=dict(type="list", elements="raw", required=True),
        max_concurrency=dict(type="int", default=DEFAULT_CONCURRENCY),
        strict=dict(type="bool", default=False),
        max_sims=dict(type="int", default=DEFAULT_MAX_SIMS),
    )
    spec.update(WAIT_OPTIONS)
    for name in PRODUCTS.values():
        for f in bulk_fields(ENDPOINTS[name]):
            option = spec.setdefault(f.option, dict(type=f.type))
            if f.choices:
                option["choices"] = sorted(set(option.get("choices", ())) | set(f.choices))
    return spec


# -- the pacing gate -----------------------------------------------------------------------------------------------

class PacingGate:
    """Admits the requests of a batch: at most ``limit`` in flight, none while the batch is paused.

    A 429 pauses every thread until its Retry-After has passed and lowers the limit by one (never below one);
    every second success raises it again by one, up to the batch's max_concurrency. A max_concurrency above the
    account's own concurrency limit therefore costs a pause now and then: set it at or below that limit.
    """

    def __init__(self, limit):
        self.ceiling = self.limit = limit
        self.in_flight = 0
        self.resume_at = 0.0
        self.throttled = 0
        self._successes = 0
        self._condition = threading.Condition()

    def enter(self):
        with self._condition:
            while True:
                wait = self.resume_at - time.monotonic()
                if wait <= 0 and self.in_flight < self.limit:
                    self.in_flight += 1
                    return
                self._condition.wait(wait if wait > 0 else None)

    def leave(self, too_many=False, retry_after=None):
        with self._condition:
            self.in_flight -= 1
            if too_many:
                self.throttled += 1
                self._successes = 0
                self.limit = max(1, self.limit - 1)
                pause = retry_after if retry_after is not None else DEFAULT_PAUSE
                self.resume_at = max(self.resume_at, time.monotonic() + pause)
            else:
                self._successes += 1
                if self._successes >= 2 and self.limit < self.ceiling:
                    self.limit += 1
                    self._successes = 0
            self._condition.notify_all()


# -- the plan --------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Wanted:
    """One item of sims: as given, and the identifier it names the SIM by (kind None: any of IDENTIFIERS)."""

    given: object
    value: str
    kind: Optional[str] = None


@dataclass
class Item:
    """What the batch does to one SIM it was asked for, and what came of it."""

    wanted: Wanted
    record: Optional[dict] = None
    changes: dict = field(default_factory=dict)
    outcome: Optional[str] = None
    after: Optional[dict] = None
    error: Optional[dict] = None


@dataclass(frozen=True)
class Write:
    """The write of one SIM (several items may name the same SIM)."""

    sid: str
    before: dict
    changes: Tuple[Tuple[str, object], ...]


def parse_sims(sims, endpoint):
    """(wanted list, problems): each item of sims as a Wanted, or a message naming the item."""
    wanted, problems = [], []
    keys = ", ".join(key for key, dummy in ITEM_KEYS)
    for index, item in enumerate(sims):
        where = "sims[%d]" % index
        if isinstance(item, dict):
            found = next(((key, kind) for key, kind in ITEM_KEYS if item.get(key) not in (None, "")), None)
            if found is None:
                problems.append("%s is a dictionary without any of the keys %s" % (where, keys))
                continue
            value, kind = item[found[0]], found[1]
        elif isinstance(item, (str, int)) and not isinstance(item, bool):
            value, kind = item, None
        else:
            problems.append("%s must be a SID, unique name or ICCID, or a dictionary with one of the keys %s, got %s"
                            % (where, keys, type(item).__name__))
            continue
        value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(value, str):
            problems.append("%s: the SIM must be given as a string, got %s" % (where, type(value).__name__))
            continue
        problem = identifier_problem(where, value)
        if problem:
            problems.append(problem)
            continue
        if kind == "sid" and not matches(endpoint.sid_pattern, value):
            problems.append("%s: %r is not a SID of a %s SIM (%s)" % (where, value, endpoint.product, endpoint.sid_pattern))
            continue
        wanted.append(Wanted(item, value, kind))
    return wanted, problems


class Batch:
    """The module sim_batch: validate, read, plan, write, wait, report."""

    def __init__(self):
        self.module = AnsibleModule(argument_spec=batch_argument_spec(), supports_check_mode=True)
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self.params = self.module.params
        self.endpoint = ENDPOINTS[PRODUCTS[self.params["product"]]]
        self.fields = bulk_fields(self.endpoint)
        self.client = None
        self.gate = None
        self.pool = None
        self.writes = {}          # SID -> the future of its write
        self.write_changes = {}   # SID -> the changes its write sends
        self.index = dict((kind, {}) for kind in IDENTIFIERS)   # the listing read so far, by identifier

    # -- validation, before any request ----------------------------------------------------------------------------

    def problems(self):
        params, endpoint = self.params, self.endpoint
        problems = connection_problems(params)
        own = dict((f.option, f) for f in self.fields)
        other = sorted(set(o for name in PRODUCTS.values() for o in (f.option for f in bulk_fields(ENDPOINTS[name]))) - set(own))
        for option in other:
            if params.get(option) is not None:
                problems.append("%s does not apply to product %s; its options are %s"
                                % (option, params["product"], ", ".join(sorted(own))))
        for f in self.fields:
            value = params.get(f.option)
            if value is None:
                continue
            if blank(value):
                problems.append("%s must not be empty or blank" % f.option)
            elif f.choices and value not in f.choices:
                problems.append("%s must be one of %s for product %s, got %r" % (f.option, ", ".join(f.choices), params["product"], value))
            elif f.url and not URL.match(value):
                problems.append("%s must be an absolute http or https URL, got %r" % (f.option, value))
            elif f.ref:
                problems.append(identifier_problem(f.option, value))
        if not any(params.get(f.option) is not None and not f.write_only for f in self.fields):
            problems.append("nothing to change: set at least one of %s"
                            % ", ".join(f.option for f in self.fields if not f.write_only))
        if not 1 <= params["max_concurrency"] <= MAX_CONCURRENCY:
            problems.append("max_concurrency must be between 1 and %d, got %d" % (MAX_CONCURRENCY, params["max_concurrency"]))
        if not 1 <= params["max_sims"] <= MAX_SIMS_LIMIT:
            problems.append("max_sims must be between 1 and %d, got %d" % (MAX_SIMS_LIMIT, params["max_sims"]))
        elif len(params["sims"]) > params["max_sims"]:
            problems.append("sims lists %d SIMs, more than max_sims (%d): raise max_sims to change this many at once"
                            % (len(params["sims"]), params["max_sims"]))
        if not 1 <= params["wait_timeout"] <= 3600:
            problems.append("wait_timeout must be between 1 and 3600 seconds, got %s" % params["wait_timeout"])
        wanted, sim_problems = parse_sims(params["sims"], endpoint)
        problems = [p for p in problems if p]
        if len(sim_problems) > 10:
            sim_problems = sim_problems[:10] + ["and %d more problems in sims" % (len(sim_problems) - 10)]
        return problems + sim_problems, wanted

    # -- the run ---------------------------------------------------------------------------------------------------

    def run(self):
        problems, wanted = self.problems()
        if problems:
            self.module.fail_json(msg="; ".join(problems))
        self.gate = PacingGate(self.params["max_concurrency"])
        options = dict((name, self.params.get(name)) for name in CONNECTION_OPTIONS)
        items = [Item(w) for w in wanted]
        writing = not self.module.check_mode
        try:
            with TwilioClient(gate=self.gate, **options) as self.client, \
                    ThreadPoolExecutor(max_workers=self.params["max_concurrency"]) as self.pool:
                try:
                    # Without strict, writes start while the listing goes on; strict reads everything first.
                    self.plan(items, self.start_write if writing and not self.params["strict"] else None)
                    for item in items:
                        if item.outcome is None:
                            if writing:
                                self.start_write(item)
                            else:
                                item.outcome = "changed"
                finally:
                    self.collect(items)  # also after a failure: the writes sent are reported
                if writing and self.params["wait"]:
                    self.wait(items)
        except TwilioError as err:
            # Every SIM is reported, also after a failure: the writes sent before it (while the listing went on, or
            # before waiting failed), and the SIMs it left unattempted.
            for item in items:
                record = self.seen(item) if item.outcome is None else None
                if record is not None and record["sid"] in self.writes:
                    # another item of the same SIM (by SID) was written: this one has its outcome
                    write = self.writes[record["sid"]]
                    item.record, item.changes = record, dict(self.write_changes[record["sid"]])
                    item.outcome, item.after, item.error = write.result()
                if item.outcome is None:  # the listing failed before this SIM was reached
                    item.outcome, item.error = "failed", dict(err.to_dict(), message="not attempted: %s" % err.message)
            result = self.result(items)
            if not self.writes:
                result["changed"] = False   # nothing was written (a check-mode plan cut short changes nothing either)
            self.module.fail_json(msg=str(err), error=err.to_dict(), **result)
        result = self.result(items)
        failed = result["counts"]["failed"] + result["counts"]["not_found"]
        if failed:
            self.module.fail_json(msg=self.failure_message(result), **result)
        self.module.exit_json(**result)

    def desired(self):
        """{option: value} of the fields set (write-only ones left out), references resolved once, to SIDs."""
        desired = {}
        for f in self.fields:
            value = self.params.get(f.option)
            if value is None or f.write_only:
                continue
            desired[f.option] = self.resolve(f, value) if f.ref else value
        return desired

    def resolve(self, f, value):
        sid = referenced_sid(self.client, f, value)
        if sid is None:
            raise TwilioError(unknown_reference(f, value))
        return sid

    def plan(self, items, start_write=None):
        """Read the product's SIMs with one listing, find each item's SIM and what differs; refuse what cannot work
        (unknown SIMs with strict, a status Twilio does not allow from the current one) before any write.

        With ``start_write``, the write of a SIM named by its SID starts as soon as its page is read (a SID names one
        SIM whatever the other pages hold); SIMs named otherwise are decided once the listing is complete."""
        desired = self.desired()
        index = self.index = dict((kind, {}) for kind in IDENTIFIERS)
        by_sid = {}
        for item in items:
            if item.wanted.kind in (None, "sid") and matches(self.endpoint.sid_pattern, item.wanted.value):
                by_sid.setdefault(item.wanted.value, []).append(item)
        for record in self.client.iter_records(self.endpoint):
            for kind in IDENTIFIERS:
                value = record.get(kind)
                if isinstance(value, str) and value:
                    index[kind].setdefault(value, record)
            for item in by_sid.get(record["sid"], ()):
                self.decide(item, record, desired)
                if start_write is not None and item.outcome is None:
                    start_write(item)
        for item in items:
            if item.record is not None:
                continue
            record = self.seen(item)
            if record is None:
                item.outcome = "not_found"
                item.error = {"code": None, "status": None, "more_info": None,
                              "message": "no %s SIM has the SID, unique name or ICCID %r" % (self.params["product"], item.wanted.value)}
            else:
                self.decide(item, record, desired)
        if self.params["strict"]:
            refused = [i for i in items if i.outcome in ("not_found", "failed")]
            if refused:
                shown = "; ".join("%s: %s" % (i.wanted.value, i.error["message"]) for i in refused[:10])
                if len(refused) > 10:
                    shown += "; and %d more" % (len(refused) - 10)
                raise TwilioError("strict: nothing was written, as %d of the %d SIMs cannot be changed: %s"
                                  % (len(refused), len(items), shown))

    def seen(self, item):
        """The SIM of the listing read so far that an item names (by its kind of identifier, or by any), or None."""
        kinds = (item.wanted.kind,) if item.wanted.kind else IDENTIFIERS
        return next((self.index[k][item.wanted.value] for k in kinds if item.wanted.value in self.index[k]), None)

    def decide(self, item, record, desired):
        """What to do to the SIM of one item: nothing, a write of the fields that differ, or nothing as it cannot be."""
        item.record = record
        item.changes = dict((o, v) for o, v in desired.items() if not StateModule.same(record.get(self.endpoint.field(o).record_field), v))
        problem = self.transition_problem(record, item.changes)
        if problem:
            item.outcome = "failed"
            item.error = {"code": None, "status": None, "more_info": None, "message": problem}
        elif not item.changes:
            item.outcome, item.after = "unchanged", record

    def transition_problem(self, record, changes):
        if "status" not in changes:
            return None
        if record.get("status") in self.endpoint.settling:
            # Twilio refuses a change while one is in progress: the same plan in check mode and in a real run.
            return ("status is %s (a change in progress); not written: run again once it has settled"
                    % record.get("status"))
        allowed = self.endpoint.allowed_from(changes["status"])
        if allowed is not None and record.get("status") not in allowed:
            return ("status cannot change from %s to %s: Twilio allows %s only from %s; not written"
                    % (record.get("status"), changes["status"], changes["status"], ", ".join(allowed)))
        return None

    # -- writing ---------------------------------------------------------------------------------------------------

    def start_write(self, item):
        """Send the write of an item's SIM from the pool, once however many items name it."""
        sid = item.record["sid"]
        if sid not in self.writes:
            self.write_changes[sid] = tuple(sorted(item.changes.items()))
            self.writes[sid] = self.pool.submit(self.write_one, Write(sid, item.record, self.write_changes[sid]))

    def collect(self, items):
        """Wait for the writes sent and give each item its outcome."""
        for item in items:
            if item.outcome is None and item.record is not None and item.record["sid"] in self.writes:
                item.outcome, item.after, item.error = self.writes[item.record["sid"]].result()

    def form(self, changes):
        form = dict((self.endpoint.field(o).param, self.endpoint.field(o).form_value(v)) for o, v in changes)
        for f in self.fields:
            if f.write_only and self.params.get(f.option) is not None:
                form[f.param] = f.form_value(self.params[f.option])
        return form

    def write_one(self, write):
        """(outcome, record after, error) of one SIM. Sent once; when its outcome is unknown (a timeout, a lost
        connection or a server error after it may have been applied), the SIM is read to decide: applied, not
        applied (then sent again, at most MAX_DECIDED_RESENDS times), or failed."""
        form = self.form(write.changes)
        for attempt in range(MAX_DECIDED_RESENDS + 1):
            try:
                return "changed", self.client.update(self.endpoint, write.sid, form, idempotent=False), None
            except TwilioError as err:
                if not err.may_be_applied:
                    return "failed", write.before, err.to_dict()
                unknown = err
            try:
                record = self.client.fetch(self.endpoint, write.sid)
            except TwilioError as err:
                return "failed", write.before, dict(err.to_dict(), message="%s; reading the SIM to learn whether the write was applied "
                                                    "failed too: %s" % (unknown.message, err.message))
            if record is None:
                return "failed", write.before, dict(unknown.to_dict(), message="%s; the SIM is gone" % unknown.message)
            if self.applied(record, write.changes):
                return "changed", record, None
            if not self.unchanged(record, write):
                return "failed", record, dict(unknown.to_dict(), message="%s; the SIM, read again, has neither the old nor the new "
                                              "values (changed by someone else?): not sent again" % unknown.message)
        return "failed", record, dict(unknown.to_dict(), message="%s; read again after each attempt, the change was not applied "
                                      "after %d attempts" % (unknown.message, MAX_DECIDED_RESENDS + 1))

    def applied(self, record, changes):
        for option, value in changes:
            current = record.get(self.endpoint.field(option).record_field)
            if not StateModule.same(current, value) and not (option == "status" and current in self.endpoint.settling):
                return False
        return True

    def unchanged(self, record, write):
        return all(StateModule.same(record.get(self.endpoint.field(o).record_field), write.before.get(self.endpoint.field(o).record_field))
                   for o, dummy in write.changes)

    # -- waiting ---------------------------------------------------------------------------------------------------

    def wait(self, items):
        """Poll with listings, once a second, until every SIM written has left the settling statuses."""
        deadline = time.monotonic() + self.params["wait_timeout"]
        settling = self.endpoint.settling
        while True:
            pending = [i for i in items if i.outcome == "changed" and (i.after or {}).get("status") in settling]
            if not pending:
                return
            if time.monotonic() >= deadline:
                raise TwilioError("%d SIMs did not settle within %s seconds, for example %s (status %s); their writes were sent"
                                  % (len(pending), self.params["wait_timeout"], pending[0].after["sid"], pending[0].after.get("status")))
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
            current = dict((r["sid"], r) for r in self.client.list_records(self.endpoint))
            for item in pending:
                item.after = current.get(item.after["sid"], item.after)

    # -- the report ------------------------------------------------------------------------------------------------

    def describe(self, record, options):
        if record is None:
            return None
        return dict((o, record.get(self.endpoint.field(o).record_field)) for o in options)

    def result(self, items):
        options = [f.option for f in self.fields if not f.write_only and self.params.get(f.option) is not None]
        check = self.module.check_mode
        results, counts, transitions = [], dict((o, 0) for o in OUTCOMES), {}
        diff_before, diff_after = [], []
        seen = set()
        for item in items:
            record = item.record
            before = self.describe(record, options)
            if item.outcome == "changed":
                after = dict(before, **item.changes) if check else self.describe(item.after, options)
            else:
                after = self.describe(item.after, options) if item.after is not None else before
            counts[item.outcome] += 1
            if item.outcome == "changed" and record["sid"] not in seen:
                seen.add(record["sid"])
                if "status" in item.changes:
                    key = "%s -> %s" % (record.get("status"), item.changes["status"])
                    transitions[key] = transitions.get(key, 0) + 1
                diff_before.append("%s %s\n" % (record["sid"], " ".join("%s=%s" % (o, before[o]) for o in sorted(item.changes))))
                diff_after.append("%s %s\n" % (record["sid"], " ".join("%s=%s" % (o, after[o]) for o in sorted(item.changes))))
            results.append({"sim": item.wanted.given, "sid": record["sid"] if record else None, "outcome": item.outcome,
                            "before": before, "after": after, "error": item.error})
        result = {"changed": counts["changed"] > 0, "results": results, "counts": counts, "transitions": transitions,
                  "throttled": self.gate.throttled if self.gate else 0}
        if self.module._diff:
            result["diff"] = {"before": "".join(sorted(diff_before)), "after": "".join(sorted(diff_after)),
                              "before_header": "%s SIMs before" % self.params["product"],
                              "after_header": "%s SIMs after (%s)" % (self.params["product"], ", ".join(
                                  "%s: %d" % item for item in sorted(transitions.items())) or "no status change")}
        return result

    @staticmethod
    def failure_message(result):
        counts = result["counts"]
        failed = [r for r in result["results"] if r["outcome"] in ("failed", "not_found")]
        examples = "; ".join("%s: %s" % (r["sim"] if not isinstance(r["sim"], dict) else r["sid"] or r["sim"], r["error"]["message"])
                             for r in failed[:5])
        return ("%d of %d SIMs failed and %d were not found (%d changed, %d unchanged): %s%s"
                % (counts["failed"], len(result["results"]), counts["not_found"], counts["changed"], counts["unchanged"], examples,
                   "; ..." if len(failed) > 5 else ""))


def run_batch_module():
    """main() of simfleet.twilio.sim_batch."""
    Batch().run()
