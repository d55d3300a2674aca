# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bring many SIMs to one desired state: read by listing, write only what differs, concurrently and paced.

Twilio has no bulk endpoint: every SIM that differs costs one POST, under an account-wide concurrency limit
(error 20429). The batch reads the current state with listings (never one GET per SIM), resolves references
once, refuses what cannot work before any write, then sends the writes from a bounded pool of threads through
one pacing gate that learns the account's limit: a 429 cuts the writes in flight to what the API accepted,
successes bring them back slowly (PacingGate). A write whose outcome is unknown is never sent again blindly: the SIM
is read once to decide. A storm of failures stops the batch within a bound; the SIMs not attempted are reported.

Private to the collection: its interface may change between releases.
"""

import fcntl
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Optional, Tuple

from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioClient, TwilioError
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import PRODUCTS as ALL_PRODUCTS
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS, identifier_problem, matches
from ansible_collections.simfleet.twilio.plugins.module_utils._module import SimfleetModule
from ansible_collections.simfleet.twilio.plugins.module_utils._write import (
    WAIT_OPTIONS,
    Writer,
    field_problem,
    referenced_sid,
    unknown_reference,
    wait_timeout_problem,
)

# The endpoint of the SIMs of each product.
PRODUCTS = dict((product, "%s_sim" % product) for product in ALL_PRODUCTS)
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
# One request more in flight is tried after this many times the limit successes since the last decrease.
PROBE_RUN = 4
# A share of 429s among the requests in flight at once that is noise (a storm), not a concurrency limit.
NOISE_SHARE = 1.0 / 3
# The storm bound: requests in a row, across the batch, that failed with 429, a 5xx or no answer.
DEFAULT_MAX_CONSECUTIVE_FAILURES = 10
MAX_CONSECUTIVE_FAILURES_LIMIT = 10000
# How often a write refused with 429 after all the client's retries is sent again (after its Retry-After): a 429 is
# never applied, and the 429s the batch's own pacing caused while it learned the account's limit must not cost a SIM
# its write. The storm bound ends a batch that only gets 429s.
MAX_THROTTLED_RESENDS = 3
# The outcome of a SIM whose write was never sent, as the batch stopped first (counted only when there are any).
NOT_ATTEMPTED = "not_attempted"


def bulk_fields(endpoint):
    """The fields a batch can give every SIM: not the identifiers, not create-only ones, not actions (a reset)."""
    return tuple(f for f in endpoint.fields if f.option not in IDENTIFIERS and not f.create_only and not f.sets)


def bound_problems(params):
    """What is wrong with the bounds of a run over many SIMs (sim_batch, sim_register): max_concurrency,
    max_consecutive_failures and max_sims."""
    problems = []
    if not 1 <= params["max_concurrency"] <= MAX_CONCURRENCY:
        problems.append("max_concurrency must be between 1 and %d, got %d" % (MAX_CONCURRENCY, params["max_concurrency"]))
    if not 1 <= params["max_consecutive_failures"] <= MAX_CONSECUTIVE_FAILURES_LIMIT:
        problems.append("max_consecutive_failures must be between 1 and %d, got %d"
                        % (MAX_CONSECUTIVE_FAILURES_LIMIT, params["max_consecutive_failures"]))
    if not 1 <= params["max_sims"] <= MAX_SIMS_LIMIT:
        problems.append("max_sims must be between 1 and %d, got %d" % (MAX_SIMS_LIMIT, params["max_sims"]))
    return problems


def batch_argument_spec():
    """sim_batch's own options (SimfleetModule adds the connection options)."""
    spec = dict(
        product=dict(type="str", required=True, choices=sorted(PRODUCTS)),
        sims=dict(type="list", elements="raw", required=True),
        max_concurrency=dict(type="int", default=DEFAULT_CONCURRENCY),
        strict=dict(type="bool", default=False),
        max_sims=dict(type="int", default=DEFAULT_MAX_SIMS),
        max_consecutive_failures=dict(type="int", default=DEFAULT_MAX_CONSECUTIVE_FAILURES),
        journal=dict(type="path"),
    )
    spec.update(WAIT_OPTIONS)
    for name in PRODUCTS.values():
        for f in bulk_fields(ENDPOINTS[name]):
            option = spec.setdefault(f.option, dict(type=f.type))
            if f.choices:
                option["choices"] = sorted(set(option.get("choices", ())) | set(f.choices))
    return spec


# -- the pacing gate -----------------------------------------------------------------------------------------------

class BatchStopped(TwilioError):
    """Raised by the gate to every request of a batch that a storm stopped (see PacingGate)."""


class PacingGate:
    """Admits the requests of a batch: at most ``limit`` in flight, none while the batch is paused. It learns the
    account's limit (additive increase, multiplicative decrease, as TCP's congestion control) and stops the batch in
    a storm.

    Congestion epochs: the first 429 of an epoch is the one that counts; the epoch lasts until the requests in flight
    at that moment (its witnesses) have their answers, and the 429s of requests admitted before it are the same
    overload seen again. A 429 that came while more of the batch's requests were in flight than the API was last
    seen to accept at once (``proven``) is over-admission: the limit drops at once to the requests still in flight (the
    API is holding them); the request refused waits its Retry-After in the client while the others go on. Any other
    429 (alone in flight, or within what the API accepted) is not the batch's concurrency but a rate limit, another
    job of the account or a storm: every thread waits its Retry-After (and alone in flight, the limit halves).
    Once the witnesses are answered: if the API refused more than NOISE_SHARE of them, and at least two, the limit is
    cut to the number it accepted (32 in flight against an account limit of 5: to 5 at once; a limit that other jobs
    made smaller is found the same way); a smaller share is a storm's noise and leaves the limit. What the API held or
    accepted becomes ``proven``. When the API answered every witness of a paused epoch, the 429 was no rate limit and
    the pause ends then; the same number of witnesses answered beside a 429 twice in a row is the account's
    concurrency limit (a controller too busy to send its requests at once measures more than the API accepts at once).
    Increase: one request more is tried after ``PROBE_RUN`` times the limit successes since the last decrease, up to
    the batch's max_concurrency (a ceiling, not a target). A Retry-After longer than ``max_wait`` (max_retry_time)
    pauses nothing: the client fails that request at once.

    The storm bound: once ``max_failures`` requests in a row, across the batch, failed with 429 (not counting the
    429s of over-admission), a 5xx or no answer, the batch stops; every later request raises BatchStopped instead of
    being sent.
    """

    def __init__(self, limit, max_wait=None, max_failures=None):
        self.ceiling = self.limit = limit
        self.max_wait = max_wait
        self.max_failures = max_failures
        self.in_flight = 0
        self.resume_at = 0.0
        self.throttled = 0
        self.decreases = 0
        self.failures = 0          # requests in a row that failed (429, 5xx, no answer)
        self.stopped = None        # why the batch stopped, once it did
        self._epoch = 0            # decreases so far: a 429 of a request admitted in an older epoch counts once
        self.proven = 0            # the most requests the API was seen to accept at once (after an overload)
        self._flying = {}          # admission number -> (epoch, requests in flight once it was admitted)
        self._admitted = 0
        self._witnesses = set()    # the requests in flight when the current epoch's 429 came, still unanswered
        self._total = 0            # how many there were
        self._refused = 0          # how many of them the API refused
        self._crowded = False      # whether the epoch began with over-admission
        self._level = None         # the requests in flight beside the last epoch's 429 when the API answered them all
        self._successes = 0
        self._local = threading.local()
        self._condition = threading.Condition()

    # -- the threads' side -----------------------------------------------------------------------------------------

    def begin(self):
        """Start counting the requests the current thread sends (see sent())."""
        self._local.sent = 0
        self._local.failure = None

    def sent(self):
        """How many requests the current thread sent since begin()."""
        return getattr(self._local, "sent", 0)

    def last_failure(self):
        """The failure of the current thread's last request (as noted by note()), or None."""
        return getattr(self._local, "failure", None)

    def note(self, failure):
        """What the current thread's request got, before it leaves: its failure or None."""
        self._local.failure = failure

    def sleep(self, seconds):
        """Wait like time.sleep, bounded by max_wait, ending early when the batch stops."""
        end = time.monotonic() + min(seconds, self.max_wait if self.max_wait is not None else seconds)
        with self._condition:
            while self.stopped is None:
                left = end - time.monotonic()
                if left <= 0:
                    return
                self._condition.wait(left)

    def enter(self):
        with self._condition:
            while True:
                if self.stopped is not None:
                    raise BatchStopped(self.stopped)
                wait = self.resume_at - time.monotonic()
                if wait <= 0 and self.in_flight < self.limit:
                    self.in_flight += 1
                    self._admitted += 1
                    self._flying[self._admitted] = self._epoch
                    self._local.ticket = self._admitted
                    self._local.sent = self.sent() + 1
                    self._local.failure = None
                    return
                self._condition.wait(wait if wait > 0 else None)

    def leave(self, too_many=False, retry_after=None):
        with self._condition:
            self.in_flight -= 1
            ticket = getattr(self._local, "ticket", None)
            epoch = self._flying.pop(ticket, self._epoch)
            # Over-admission: more of the batch's requests in flight than the API was seen to accept at once.
            crowded = bool(self._flying) and len(self._flying) + 1 > max(1, self.proven)
            failure = self.last_failure()
            if ticket in self._witnesses:
                self._witnesses.discard(ticket)
                self._refused += 1 if too_many else 0
                if not self._witnesses:
                    self._measured()
            if too_many:
                self.throttled += 1
                wait = failure.retry_after if failure is not None and failure.retry_after is not None else retry_after
                refused = wait is not None and self.max_wait is not None and wait > self.max_wait
                if epoch == self._epoch and not self._witnesses:
                    self._congested(crowded, retry_after, refused)
            else:
                self._increase()
            if too_many and crowded:
                pass   # the batch's own over-admission, not a storm: neither counted nor a success
            else:
                self._count(too_many, failure)
            self._condition.notify_all()

    # -- the algorithm ---------------------------------------------------------------------------------------------

    def _congested(self, crowded, retry_after, refused):
        """The first 429 of a congestion epoch; the epoch lasts until the requests in flight now have their answers."""
        self._epoch += 1
        others = set(self._flying)
        self._crowded = crowded
        if crowded:
            # Over-admission: no more than the API is holding now; once they are answered, maybe fewer (_measured).
            self.decreases += 1
            self._successes = 0
            self.limit = max(1, min(self.limit - 1, len(others)))
        elif not refused:
            # Not the batch's concurrency: every thread waits the Retry-After (not one longer than max_wait, which
            # the client does not wait either). Alone in flight, half the requests at once.
            if not others:
                self.limit = max(1, self.limit // 2)
            pause = retry_after if retry_after is not None else DEFAULT_PAUSE
            longest = self.max_wait if self.max_wait is not None else DEFAULT_PAUSE
            self.resume_at = max(self.resume_at, time.monotonic() + min(pause, longest))
        self._witnesses, self._refused, self._total = others, 0, len(others)

    def _measured(self):
        """Every witness of the epoch has its answer: when the API refused more than NOISE_SHARE of them (and at
        least two), it holds no more than it accepted (an overload, or a limit that shrank: other jobs of the account);
        a smaller share is noise (a storm), not the limit."""
        accepted = self._total - self._refused
        level, self._level = self._level, None
        if self._refused > 1 and self._refused > NOISE_SHARE * self._total:
            self._cut_to(accepted)
        elif self._crowded:
            self.proven = max(self.proven, accepted)   # the API accepted that many at once
        elif self._total and not self._refused:
            # The API answered every other request in flight: not a rate limit, which would have refused them too, so
            # the pause ends now. Refused twice in a row beside exactly that many requests, the 429 is the account's
            # concurrency limit (what it was seen to accept at once counted requests that a busy controller sent late).
            self.resume_at = min(self.resume_at, time.monotonic())
            if level == self._total:
                self._cut_to(self._total)
            else:
                self._level = self._total

    def _cut_to(self, accepted):
        """The API holds no more than ``accepted`` at once: the limit and what is proven, and a new probe run."""
        if self.limit > accepted:
            self._successes = 0
        self.limit = self.proven = max(1, min(self.limit, accepted))

    def _increase(self):
        if self.limit < self.ceiling:
            self._successes += 1
            if self._successes >= PROBE_RUN * self.limit:
                self.limit += 1
                self._successes = 0

    def _count(self, too_many, failure):
        """The storm bound: requests in a row that failed with 429, a 5xx or no answer at all."""
        stormy = too_many or failure is not None and failure.redirect is None and (
            failure.http_status is None or 500 <= failure.http_status < 600)
        if not stormy:
            self.failures = 0
            return
        self.failures += 1
        if self.max_failures and self.failures >= self.max_failures and self.stopped is None:
            what = "HTTP %s" % failure.http_status if failure is not None and failure.http_status else (
                "HTTP 429" if too_many else "no answer")
            self.stopped = ("the batch stopped after %d requests in a row failed (429, 5xx or no answer; the last: %s), "
                            "the bound max_consecutive_failures" % (self.failures, what))


def stormy(err):
    """Whether a failure is a storm's (the storm bound, or 429 or 5xx answers after every retry): the SIMs it left
    unattempted are reported not_attempted, for a later run, rather than failed."""
    return isinstance(err, BatchStopped) or err.http_status is not None and (err.http_status == 429 or 500 <= err.http_status < 600)


def throttled_again(gate, max_retry_time):
    """Whether a write the API refused with 429 after all the client's retries is sent again: not when the API asked
    for a wait longer than max_retry_time (that write fails at once, naming the wait), nor once the batch has
    stopped; otherwise after its Retry-After (or the default pause), waited here."""
    failure = gate.last_failure()
    wait = getattr(failure, "retry_after", None)
    if wait is not None and wait > max_retry_time:
        return False
    gate.sleep(wait if wait is not None else DEFAULT_PAUSE)
    return gate.stopped is None


def not_attempted(err):
    """The error of a SIM whose write was never sent, as ``err`` stopped the batch first."""
    return dict(err.to_dict(), message="not attempted: %s" % err.message)


class PacedClient(TwilioClient):
    """The client of a batch: tells the gate what each attempt got, so that 5xx answers and lost connections count
    toward the storm bound and a Retry-After longer than max_retry_time pauses nothing."""

    def _attempt(self, *args, **kwargs):
        body, failure = super()._attempt(*args, **kwargs)
        if self.gate is not None:
            self.gate.note(failure)
        return body, failure


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


class Reporting:
    """The journal and the progress file of a run over many SIMs (sim_batch, sim_register): ``journal_class`` is its
    journal, ``outcomes`` the outcomes of a SIM that ran to its end. The run has ``module``, ``params``, ``journal``,
    ``progress`` and ``snapshot()``."""

    journal_class = None   # Journal, set once it is defined (below)
    outcomes = OUTCOMES

    def start_reporting(self):
        """Open the journal (refused before any request when it belongs to another run) and start the progress
        file when the action plugin asked for one."""
        if self.params.get("journal"):
            self.journal = self.journal_class(self.params["journal"], self, self.module.check_mode)
            problem = self.journal.open()
            if problem:
                self.journal.close()
                self.module.fail(problem)
        path = os.environ.get(PROGRESS_ENV)
        if path:
            self.progress = ProgressFile(path, self.snapshot).start()

    def stop_reporting(self, result):
        """The last progress report; with the result of a run that went to its end, the journal's last line."""
        if self.progress is not None:
            self.progress.stop()
        if self.journal is not None:
            # Finished: every SIM has its outcome (none left unattempted by a failure or a stop).
            if result is not None and all(r["outcome"] in self.outcomes for r in result["results"]):
                try:
                    self.journal.end(result["counts"])
                except OSError:
                    pass   # the next run resumes instead of starting over: it reads the SIMs and writes nothing twice
            self.journal.close()


class Batch(Reporting):
    """The module sim_batch: validate, read, plan, write, wait, report."""

    def __init__(self):
        self.module = SimfleetModule(batch_argument_spec())
        self.params = self.module.params
        self.endpoint = ENDPOINTS[PRODUCTS[self.params["product"]]]
        self.fields = bulk_fields(self.endpoint)
        self.writer = Writer(self.endpoint, self.fields)
        self.client = None
        self.gate = None
        self.pool = None
        self.writes = {}          # SID -> the future of its write
        self.write_changes = {}   # SID -> the changes its write sends
        self.index = dict((kind, {}) for kind in IDENTIFIERS)   # the listing read so far, by identifier
        self.unsettled = 0        # SIMs written that then settled in another status than the one asked for
        self.items = []           # every item, for the progress reports
        self.phase = "starting"   # what the progress reports show the batch doing
        self.journal = None
        self.progress = None

    # -- validation, before any request ----------------------------------------------------------------------------

    def problems(self):
        params, endpoint = self.params, self.endpoint
        problems = []
        own = dict((f.option, f) for f in self.fields)
        other = sorted(set(o for name in PRODUCTS.values() for o in (f.option for f in bulk_fields(ENDPOINTS[name]))) - set(own))
        for option in other:
            if params.get(option) is not None:
                problems.append("%s does not apply to product %s; its options are %s"
                                % (option, params["product"], ", ".join(sorted(own))))
        for f in self.fields:
            value = params.get(f.option)
            problem = field_problem(f, value, params)
            if problem is None and f.choices and value is not None and value not in f.choices:
                # the option takes the choices of both products
                problem = "%s must be one of %s for product %s, got %r" % (f.option, ", ".join(f.choices), params["product"], value)
            problems.append(problem)
        if not any(params.get(f.option) is not None and not f.write_only for f in self.fields):
            problems.append("nothing to change: set at least one of %s"
                            % ", ".join(f.option for f in self.fields if not f.write_only))
        problems += bound_problems(params)
        if 1 <= params["max_sims"] <= MAX_SIMS_LIMIT and len(params["sims"]) > params["max_sims"]:
            problems.append("sims lists %d SIMs, more than max_sims (%d): raise max_sims to change this many at once"
                            % (len(params["sims"]), params["max_sims"]))
        problems.append(wait_timeout_problem(params))
        wanted, sim_problems = parse_sims(params["sims"], endpoint)
        problems = [p for p in problems if p]
        if len(sim_problems) > 10:
            sim_problems = sim_problems[:10] + ["and %d more problems in sims" % (len(sim_problems) - 10)]
        return problems + sim_problems, wanted

    # -- the run ---------------------------------------------------------------------------------------------------

    def run(self):
        problems, wanted = self.problems()
        self.module.refuse(problems)
        if not wanted:
            # Nothing asked: no request at all, not even the listing.
            self.module.exit(self.result([]))
        self.gate = PacingGate(self.params["max_concurrency"], max_wait=self.params["max_retry_time"],
                               max_failures=self.params["max_consecutive_failures"])
        items = self.items = [Item(w) for w in wanted]
        self.start_reporting()
        writing = not self.module.check_mode
        try:
            with self.module.client(PacedClient, gate=self.gate) as self.client, \
                    ThreadPoolExecutor(max_workers=self.params["max_concurrency"]) as self.pool:
                try:
                    # Without strict, writes start while the listing goes on; strict reads everything first.
                    self.phase = "listing"
                    self.plan(items, self.start_write if writing and not self.params["strict"] else None)
                    self.phase = "writing"
                    for item in items:
                        if item.outcome is None:
                            if writing:
                                self.start_write(item)
                            else:
                                item.outcome = "changed"
                finally:
                    self.collect(items)  # also after a failure: the writes sent are reported
                if writing and self.params["wait"] and self.gate.stopped is None:
                    self.phase = "waiting"
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
                if item.outcome is None and stormy(err):  # a storm stopped the listing: a later run can do it
                    item.outcome, item.error = NOT_ATTEMPTED, not_attempted(err)
                elif item.outcome is None:  # the listing failed before this SIM was reached
                    item.outcome, item.error = "failed", dict(err.to_dict(), message="not attempted: %s" % err.message)
            result = self.result(items)
            self.stop_reporting(None)   # not finished: a rerun with the journal resumes it
            if not self.writes:
                result["changed"] = False   # nothing was written (a check-mode plan cut short changes nothing either)
            self.module.fail(err, **result)
        result = self.result(items)
        self.stop_reporting(result)
        failed = result["counts"]["failed"] + result["counts"]["not_found"] + result["counts"].get(NOT_ATTEMPTED, 0)
        if failed:
            message = self.failure_message(result)
            if self.gate.stopped is not None:
                message = "%s; %s" % (self.gate.stopped, message)
            self.module.fail(message, **result)
        self.module.exit(result)

    def desired(self):
        """{option: value} of the fields set (write-only ones left out), references resolved once, to SIDs."""
        return self.writer.desired(self.params, self.resolve)

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
        if self.resume(item, record):
            return
        item.changes = self.writer.changes(record, desired)
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
            # The API does not tell toward which status: the SIM is never written while it settles (a second run
            # right after the first sends nothing).
            return ("status is %s (a change in progress, toward a status the API does not tell); not written: run again "
                    "once it has settled" % record.get("status"))
        problem = self.writer.transition_problem(record.get("status"), changes["status"])
        return problem + "; not written" if problem else None

    # -- writing ---------------------------------------------------------------------------------------------------

    def start_write(self, item):
        """Send the write of an item's SIM from the pool, once however many items name it."""
        sid = item.record["sid"]
        if sid not in self.writes:
            self.write_changes[sid] = tuple(sorted(item.changes.items()))
            self.writes[sid] = self.pool.submit(self.write_journaled, Write(sid, item.record, self.write_changes[sid]))

    def collect(self, items):
        """Wait for the writes sent and give each item its outcome."""
        for item in items:
            if item.outcome is None and item.record is not None and item.record["sid"] in self.writes:
                item.outcome, item.after, item.error = self.writes[item.record["sid"]].result()

    def form(self, changes):
        return self.writer.form(changes, self.params)

    def write_one(self, write):
        """(outcome, record after, error) of one SIM. Sent once; when its outcome is unknown (a timeout, a lost
        connection or a server error after it may have been applied), the SIM is read to decide: applied, not
        applied (then sent again, at most MAX_DECIDED_RESENDS times), or failed. Refused with 429 after all the
        client's retries (never applied), it is sent again after its Retry-After, at most MAX_THROTTLED_RESENDS
        times. Once the storm bound stopped the batch, a write not sent yet is not attempted."""
        if self.gate.stopped is not None:
            return NOT_ATTEMPTED, write.before, not_attempted(BatchStopped(self.gate.stopped))
        form = self.form(write.changes)
        throttled = resends = 0
        unknown = None
        while True:
            self.gate.begin()
            try:
                return "changed", self.client.update(self.endpoint, write.sid, form, idempotent=False), None
            except BatchStopped as err:
                if unknown is None and not throttled and not self.gate.sent():
                    return NOT_ATTEMPTED, write.before, not_attempted(err)
                # Its requests were refused with 429 (or read back as not applied): nothing of it was applied.
                return "failed", write.before, dict(err.to_dict(), message="not written: %s" % err.message)
            except TwilioError as err:
                if err.http_status == 429 and not err.may_be_applied and throttled < MAX_THROTTLED_RESENDS:
                    if self.throttled_again():
                        throttled += 1
                        continue
                    if self.gate.stopped is not None:
                        return "failed", write.before, dict(err.to_dict(), message="not written: %s; %s" % (err.message, self.gate.stopped))
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
            resends += 1
            if resends > MAX_DECIDED_RESENDS:
                return "failed", record, dict(unknown.to_dict(), message="%s; read again after each attempt, the change was not applied "
                                              "after %d attempts" % (unknown.message, MAX_DECIDED_RESENDS + 1))

    def throttled_again(self):
        return throttled_again(self.gate, self.params["max_retry_time"])

    def applied(self, record, changes):
        return self.writer.applied(record, changes)

    def unchanged(self, record, write):
        return self.writer.unchanged(record, write.before, write.changes)

    # -- waiting ---------------------------------------------------------------------------------------------------

    def wait(self, items):
        """Poll with listings, once a second, until every SIM written has left the settling statuses. A SIM that settles
        in another status than the one asked for fails, naming its status."""
        deadline = time.monotonic() + self.params["wait_timeout"]
        settling = self.endpoint.settling
        while True:
            pending = [i for i in items if i.outcome == "changed" and (i.after or {}).get("status") in settling]
            if not pending:
                break
            if time.monotonic() >= deadline:
                raise TwilioError("%d SIMs did not settle within %s seconds, for example %s (status %s); their writes were sent"
                                  % (len(pending), self.params["wait_timeout"], pending[0].after["sid"], pending[0].after.get("status")))
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
            current = dict((r["sid"], r) for r in self.client.list_records(self.endpoint))
            for item in pending:
                item.after = current.get(item.after["sid"], item.after)
        for item in items:
            asked, status = item.changes.get("status"), (item.after or {}).get("status")
            if item.outcome == "changed" and asked is not None and status != asked:
                # Written, and then it settled elsewhere (Twilio refused the change, or something else changed it).
                item.outcome, self.unsettled = "failed", self.unsettled + 1
                item.error = {"code": None, "status": None, "more_info": None,
                              "message": "settled in status %s, not %s as asked (its write was sent)" % (status, asked)}

    # -- progress and the journal ----------------------------------------------------------------------------------

    def asked(self):
        """The values this batch asks for, as given: what tells one batch's journal from another's (not the callbacks
        sent with each write, which are no change of their own)."""
        return dict((f.option, self.params[f.option]) for f in self.fields if self.params.get(f.option) is not None and not f.write_only)

    def snapshot(self):
        """How far the batch is: SIMs done by outcome (a write counts once its answer is in), writes in flight."""
        counts = dict((o, 0) for o in OUTCOMES)
        writes = dict(self.writes)
        for item in list(self.items):
            outcome = item.outcome
            if outcome is None and item.record is not None:
                future = writes.get(item.record["sid"])
                if future is not None and future.done() and not future.cancelled() and future.exception() is None:
                    outcome = future.result()[0]
            if outcome is not None:
                counts[outcome] = counts.get(outcome, 0) + 1
        return dict(counts, phase=self.phase, total=len(self.items), done=sum(counts.values()), listed=len(self.index["sid"]),
                    in_flight=getattr(self.gate, "in_flight", 0), throttled=getattr(self.gate, "throttled", 0))

    def resume(self, item, record):
        """decide() for a SIM an earlier run of this batch sent a write for (see resume_decision): True when the
        journal decides it (not written again), False to plan it like any other SIM."""
        recorded = self.journal.recorded.get(record["sid"]) if self.journal is not None else None
        if recorded is None:
            return False
        own = dict((f.option, f) for f in self.fields)
        changes = tuple(sorted(recorded["changes"].items()))
        known = all(o in own for o, dummy in changes)
        # An absolute value (not an action such as a reset) may be sent twice with the effect of once.
        idempotent = known and all(not own[o].sets for o, dummy in changes)
        decision = resume_decision(recorded, known and self.applied(record, changes), idempotent)
        if decision == "plan":
            return False
        self.journal.decided += 1
        if decision == "changed":
            before = dict((own[o].record_field, v) for o, v in recorded["before"].items() if o in own)
            item.record, item.changes, item.outcome, item.after = dict(record, **before), dict(changes), "changed", record
        else:
            item.outcome = "failed"
            item.error = {"code": None, "status": None, "more_info": None,
                          "message": "an earlier run sent a write to this SIM (journal %s) that may have been applied; the "
                                     "listing does not show it and the write is not idempotent: not sent again" % self.journal.path}
        return True

    def write_journaled(self, write):
        """write_one(), with its journal lines: "sending" on disk before it is sent, "done" after its answer."""
        if self.journal is not None:
            before = dict((o, write.before.get(self.endpoint.field(o).record_field)) for o, dummy in write.changes)
            try:
                self.journal.sending(write.sid, dict(write.changes), before)
            except OSError as err:
                return "failed", write.before, {"code": None, "status": None, "more_info": None,
                                                "message": "not sent: the journal %s cannot be written: %s"
                                                % (self.journal.path, err.strerror or err)}
        outcome = self.write_one(write)
        if self.journal is not None:
            try:
                self.journal.done(write.sid, outcome[0], outcome[2])
            except OSError:
                pass   # the next run reads this SIM from the listing instead
        return outcome

    # -- the report ------------------------------------------------------------------------------------------------

    def describe(self, record, options):
        return self.writer.describe(record, options) if record is not None else None

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
            counts[item.outcome] = counts.get(item.outcome, 0) + 1
            if item.outcome == "changed" and record["sid"] not in seen:
                seen.add(record["sid"])
                if "status" in item.changes:
                    key = "%s -> %s" % (record.get("status"), item.changes["status"])
                    transitions[key] = transitions.get(key, 0) + 1
                diff_before.append("%s %s\n" % (record["sid"], " ".join("%s=%s" % (o, before[o]) for o in sorted(item.changes))))
                diff_after.append("%s %s\n" % (record["sid"], " ".join("%s=%s" % (o, after[o]) for o in sorted(item.changes))))
            results.append({"sim": item.wanted.given, "sid": record["sid"] if record else None, "outcome": item.outcome,
                            "before": before, "after": after, "error": item.error})
        result = {"changed": counts["changed"] > 0 or self.unsettled > 0, "results": results, "counts": counts, "transitions": transitions,
                  "throttled": self.gate.throttled if self.gate else 0}
        if self.journal is not None:
            result["journal"] = self.journal.summary()
        if self.module.diff_mode:
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
        skipped = counts.get(NOT_ATTEMPTED, 0)
        return ("%d of %d SIMs failed and %d were not found (%d changed, %d unchanged%s)%s%s"
                % (counts["failed"], len(result["results"]), counts["not_found"], counts["changed"], counts["unchanged"],
                   ", %d not attempted" % skipped if skipped else "", ": " + examples if examples else "",
                   "; ..." if len(failed) > 5 else ""))


# -- progress and the journal ----------------------------------------------------------------------------------------

# The file the action plugin of sim_batch or sim_register reads the progress from, while the module runs on the controller.
PROGRESS_ENV = "SIMFLEET_SIM_BATCH_PROGRESS"
PROGRESS_SECONDS = 1.0
JOURNAL_KIND = "simfleet.twilio.sim_batch journal"
JOURNAL_VERSION = 1


class ProgressFile:
    """Writes ``snapshot()`` as JSON to a file every PROGRESS_SECONDS while the batch runs, replacing it whole each
    time, for the action plugin that shows it. Best effort: a file that cannot be written never fails the batch."""

    def __init__(self, path, snapshot):
        self.path = path
        self.snapshot = snapshot
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sim_batch-progress", daemon=True)

    def start(self):
        self.write()
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(PROGRESS_SECONDS):
            self.write()

    def write(self):
        try:
            data = dict(self.snapshot(), seconds=round(time.monotonic() - self.started, 1))
            temporary = "%s.%d.tmp" % (self.path, os.getpid())
            with open(temporary, "w") as handle:
                json.dump(data, handle)
            os.replace(temporary, self.path)
        except (OSError, ValueError, TypeError, KeyError, RuntimeError):
            pass   # the display only misses one update

    def stop(self):
        self._stop.set()
        self._thread.join(10)
        self.write()


def resume_decision(recorded, applied, idempotent):
    """What a run resuming a journal does with a SIM that an earlier run of the same batch sent a write for.

    ``recorded``: that SIM's entry of the journal (``outcome`` "changed" or "failed" once its answer came, None when
    the run stopped before it); ``applied``: the listing shows the values that write sent; ``idempotent``: the write
    sets absolute values (sending it twice has the effect of sending it once).

    The rule: a write that was sent is never sent again unless the listing proves it was not applied and it is
    idempotent. "changed": not written again (recorded done, or the listing shows it applied); "plan": planned like any
    SIM, from the listing (a write again only if the listing still differs); "refuse": reported failed, not sent."""
    if recorded.get("outcome") == "changed" or applied:
        return "changed"
    return "plan" if idempotent else "refuse"


class Journal:
    """The journal of a batch (``journal: PATH``), one JSON object a line: a header naming the batch, then
    ``{"sending": SID, ...}`` before each SIM's write is sent (flushed to disk first) and ``{"done": SID, ...}`` after
    its answer, and ``{"end": ...}`` once every SIM of the batch has its outcome.

    A run finding an unfinished journal of the same batch (product and values asked) resumes it: see
    resume_decision. A finished journal is started over; one of another batch, or a file that is no journal, is
    refused, naming the file. A last line cut short (the run was killed while writing it) is dropped: its write
    was never sent, as a write is sent only once its line is on disk.

    ``kind`` (the header's name of this kind of journal), ``module`` (the module its messages name) and header() let
    another module keep a journal of its own the same way (sim_register)."""

    kind = JOURNAL_KIND
    module = "sim_batch"

    def __init__(self, path, batch, check_mode):
        self.path = path
        self.batch = batch
        self.check_mode = check_mode
        self.recorded = {}      # SID -> {"changes", "before", "outcome", "error"} of the earlier runs
        self.resumed = False
        self.decided = 0        # SIMs decided from the journal in this run, not written
        self._fd = None
        self._lock = threading.Lock()

    # -- opening: before any request -------------------------------------------------------------------------------

    def open(self):
        """Read the journal and make it ready to append; returns a problem message or None."""
        try:
            if self.check_mode:
                if not os.path.exists(self.path):
                    return None
                with open(self.path, "rb") as handle:
                    return self._read(handle.read())[0]
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return "journal %s is in use by another run of %s" % (self.path, self.module)
            content = b""
            while True:
                chunk = os.pread(self._fd, 1 << 20, len(content))
                if not chunk:
                    break
                content += chunk
            problem, keep = self._read(content)
            if problem:
                return problem
            if not self.resumed:
                os.ftruncate(self._fd, 0)
                self._append(self.header(), sync=True)
            elif keep < len(content):
                os.ftruncate(self._fd, keep)   # the line cut short by a kill
                os.fsync(self._fd)
            return None
        except OSError as err:
            return "journal %s cannot be used: %s" % (self.path, err.strerror or err)

    def header(self):
        """The first line: what tells this batch's journal from another's (a hook: sim_register names its rows)."""
        return {"journal": self.kind, "version": JOURNAL_VERSION, "product": self.batch.params["product"],
                "asked": self.batch.asked()}

    def _read(self, content):
        """(problem or None, bytes to keep) of the journal's content; fills recorded and resumed."""
        lines = content.split(b"\n")
        # The last piece has no newline: empty, or a line cut short by a kill while it was written (its write was
        # never sent: a write is sent once its whole line is written). A header cut short is started over.
        if len(lines) == 1 and self.line(self.header()).startswith(content):
            return None, 0
        entries, keep = [], 0
        for number, line in enumerate(lines[:-1], 1):
            try:
                entry = json.loads(line.decode("utf-8"))
                if not isinstance(entry, dict):
                    raise ValueError("not an object")
            except ValueError:
                if number == 1:
                    break   # no journal at all: refused below
                return ("journal %s: line %d is not a journal entry; the file is left as it is (remove it to start "
                        "the batch anew)" % (self.path, number)), 0
            entries.append(entry)
            keep += len(line) + 1
        header = entries[0] if entries else {}
        if header.get("journal") != self.kind:
            return "journal %s exists and is not a %s journal; it is left as it is: give another path" % (self.path, self.module), 0
        if any("end" in entry for entry in entries):
            return None, keep   # a finished batch: started over
        expected = self.header()
        if header.get("product") != expected["product"] or header.get("asked") != expected["asked"]:
            return ("journal %s belongs to an unfinished batch of product %s with %s; this task asks product %s with %s: "
                    "run that batch to finish it, or remove the file (or give another journal) to start this one"
                    % (self.path, header.get("product"), self.show(header.get("asked")), expected["product"],
                       self.show(expected["asked"]))), 0
        for entry in entries[1:]:
            sid = entry.get("sending") or entry.get("done")
            if not isinstance(sid, str):
                continue
            if "sending" in entry:
                self.recorded[sid] = {"changes": entry.get("changes") or {}, "before": entry.get("before") or {},
                                      "outcome": None, "error": None}
            elif sid in self.recorded:
                self.recorded[sid].update(outcome=entry.get("outcome"), error=entry.get("error"))
        self.resumed = True
        return None, keep

    @staticmethod
    def show(asked):
        if not isinstance(asked, dict):
            return repr(asked)
        return ", ".join("%s=%s" % item for item in sorted(asked.items())) or "nothing"

    # -- appending: from the writing threads -----------------------------------------------------------------------

    @staticmethod
    def line(entry):
        return (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8")

    def _append(self, entry, sync=False):
        line = self.line(entry)
        with self._lock:
            written = os.write(self._fd, line)
        if written != len(line):
            raise OSError(0, "short write (%d of %d bytes)" % (written, len(line)))
        if sync:
            os.fsync(self._fd)

    def sending(self, sid, changes, before):
        """Before a write is sent: on disk first, so that no write is ever sent without its line."""
        if self._fd is not None:
            self._append({"sending": sid, "changes": changes, "before": before}, sync=True)

    def done(self, sid, outcome, error):
        """After a write's answer. Not synced: a line lost to a crash only makes the next run read the SIM."""
        if self._fd is not None:
            self._append({"done": sid, "outcome": outcome, "error": (error or {}).get("message")})

    def end(self, counts):
        if self._fd is not None:
            self._append({"end": True, "counts": counts}, sync=True)

    def close(self):
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)   # releases the lock

    def summary(self):
        return {"path": self.path, "resumed": self.resumed, "from_journal": self.decided}


def run_batch_module():
    """main() of simfleet.twilio.sim_batch."""
    Batch().run()


Reporting.journal_class = Journal
