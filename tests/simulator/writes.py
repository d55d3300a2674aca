"""Writes with Twilio's semantics, driven by the resource table (resources.py): creates, updates and deletes,
their validation and error codes, status transitions, asynchronous changes and command lifecycles.

- Parameters are form fields (`Param`); unknown ones are ignored, as Twilio does. A missing required
  parameter, a bad enum, boolean, integer, URL or method value answers 400 with the parameter's code
  (20001 unless the table says otherwise); a reference (SID or unique name) naming nothing answers the
  parameter's `unknown` code; a unique name already taken answers the resource's `conflict` code.
- A status change follows the parameter's `transitions`. With `settle_seconds` > 0 it answers the interim
  status (`updating`, `scheduled` with HTTP 202) and settles later; so does `ResetStatus` (`resetting`, then
  null). A created command goes `queued`, then its lifecycle steps, one every `command_step_seconds`.
- Every write runs under `Store.lock`; delayed steps run on a `Scheduler` thread (or at once when the delay
  is 0, right after the answer is made).
"""
import base64
import binascii
import heapq
import itertools
import json
import random
import re
import threading
import time
import traceback
from collections import namedtuple
from dataclasses import asdict, dataclass, fields
from functools import partial
from urllib.parse import urlsplit

from .errors import api_error
from .fleet import ESIM_ERRORS, SMDP_ADDRESS, iso, luhn_complete, new_sid
from .resources import BY_NAME, HTTP_METHODS, INVALID, NOT_FOUND, REQUESTED
from .store import members, serve

# The answer of a write: HTTP status, JSON body text (None for 204), the SID written, the fields it changed,
# and whether it changed anything at all.
Result = namedtuple("Result", "status body sid changed applied")


@dataclass
class WriteConfig:
    """Timing of asynchronous changes; every field can be changed at run time."""

    settle_seconds: float = 0.0
    command_step_seconds: float = 0.2
    command_failure_rate: float = 0.0


WRITE_SETTINGS = tuple(f.name for f in fields(WriteConfig))


class Clock:
    """Timestamps of writes: the wall clock, or the reference time plus the time elapsed since the start when
    the reference time is ahead of the wall clock, so written dates never precede generated ones."""

    def __init__(self, now):
        self.reference, self.started = now, time.monotonic()

    def stamp(self):
        return iso(max(time.time(), self.reference + time.monotonic() - self.started))


class Scheduler:
    """Runs tasks at their due time, in due order, one at a time, on a daemon thread."""

    def __init__(self):
        self._heap = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._running = threading.Lock()
        self._thread = None
        self._stopped = False

    def add(self, delay, task):
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._order), task))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="simulator-scheduler", daemon=True)
                self._thread.start()
            self._cond.notify()

    def pending(self):
        with self._cond:
            return len(self._heap)

    def flush(self):
        """Run every pending task now, in due order; returns how many ran."""
        return self._run_due(float("inf"))

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def _loop(self):
        while True:
            with self._cond:
                while not self._stopped and not self._due():
                    self._cond.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                if self._stopped:
                    return
            self._run_due(time.monotonic())

    def _due(self):
        return bool(self._heap) and self._heap[0][0] <= time.monotonic()

    def _run_due(self, due_by):
        ran = 0
        with self._running:
            while True:
                with self._cond:
                    if not self._heap or self._heap[0][0] > due_by:
                        return ran
                    task = heapq.heappop(self._heap)[2]
                try:
                    task()
                except Exception:  # pylint: disable=broad-except  # keep the thread serving later tasks
                    traceback.print_exc()
                ran += 1


def check_write_setting(name, value):
    if value < 0 or (name.endswith("_rate") and value > 1):
        raise ValueError(f"write setting {name}={value} out of range")


class Writer:
    """Creates, updates and deletes records of a `Store`; `config` a dict of WriteConfig settings, `now` the
    reference time (epoch seconds), `seed` the seed of written SIDs and drawn command failures."""

    def __init__(self, store, config=None, now=None, seed=0):
        self.store = store
        self.config = WriteConfig()
        self.update_settings(**(config or {}))
        self.clock = Clock(now if now is not None else time.time())
        self.scheduler = Scheduler()
        self._sids = random.Random(f"{seed}-written-sids")
        self._failures = random.Random(f"{seed}-command-failures")
        self._pending = {}  # (account, resource name, sid, field) -> final value of an asynchronous change

    # Settings

    def settings(self):
        return asdict(self.config)

    def update_settings(self, **settings):
        """Change write settings; unknown names or bad values raise ValueError. Returns the new settings."""
        unknown = set(settings) - set(WRITE_SETTINGS)
        if unknown:
            raise ValueError(f"unknown write settings {sorted(unknown)}; known: {list(WRITE_SETTINGS)}")
        for name, value in settings.items():
            value = float(value if value is not None else 0)
            check_write_setting(name, value)
            setattr(self.config, name, value)
        return self.settings()

    def pending(self):
        """Delayed changes (settling statuses, command steps) not yet applied."""
        return self.scheduler.pending()

    def settle(self):
        """Apply every delayed change now; returns how many there were."""
        return self.scheduler.flush()

    def stop(self):
        self.scheduler.stop()

    # Operations: each returns a Result or raises ApiError

    def create(self, account, resource, form, path, parent=None):
        with self.store.lock:
            tables = self.store.tables(account)
            if resource.parent:
                return self._add_member(tables, resource, form, path, parent)
            values = parse(resource.create, form, tables)
            check_any_of(resource, values)
            check_sizes(resource, form)
            check_unique(resource, tables[resource.name], values, None)
            changes, hidden = stored(values)
            if resource.register:
                changes.update(self._claim(resource, tables[resource.name], values))
            record = self._new_record(resource, account, changes)
            table = tables[resource.name].with_first(serve(resource, record, self.store.base_url))
            table.hidden[record["sid"]] = hidden
            self.store.put(account, table)
            body = table.json_of(0)
            followups = self._lifecycle(account, resource, record, hidden)
        self._follow(followups)
        return Result(201, body, record["sid"], list(changes), True)

    def update(self, account, resource, ident, form, path):
        with self.store.lock:
            table = self.store.tables(account)[resource.name]
            position = table.find(ident)
            if position is None:
                raise not_found(path)
            record = table.records[position]
            values = parse(resource.update, form, self.store.tables(account))
            check_unique(resource, table, values, record["sid"])
            check_exclusive(resource, values)
            changes, hidden = stored(values)
            status, followups = self._statuses(account, resource, record, values, changes)
            target = self._move_target(account, resource, record, values)
            changed = self._write(table, position, changes, hidden, touched=[p.field for p, v in values.values() if p.settle])
            body = table.json_of(position)
            if target is not None:
                body = self._move(account, target, resource, record["sid"])
                changed.append("account_sid")
        self._follow(followups)
        return Result(status, body, record["sid"], changed, bool(changed))

    def delete(self, account, resource, ident, path, parent=None):
        with self.store.lock:
            tables = self.store.tables(account)
            if resource.parent:
                return self._remove_member(tables, resource, ident, path, parent)
            table = tables[resource.name]
            position = table.find(ident)
            if position is None:
                raise not_found(path)
            sid = table.sids[position]
            for name, field in resource.in_use_by:
                users = tables[name].where(field, sid)
                if users:
                    raise api_error(resource.conflict, f"{resource.label} {sid} is in use by {len(users)} "
                                                       f"{BY_NAME[name].label} resources and cannot be deleted")
            self.store.put(account, table.without(position))
        return Result(204, None, sid, [], True)

    # Updates

    def _statuses(self, account, resource, record, values, changes):
        """Check status transitions and requirements; turn asynchronous changes into their interim values.
        Returns the HTTP status and the delayed changes [(delay, task)]."""
        status, followups, sid = 200, [], record["sid"]
        for param, value in values.values():
            if param.transitions and not self._transition(account, resource, record, param, value):
                del changes[param.field]
                if param.settle and (account, resource.name, sid, param.field) in self._pending:
                    status = param.settle.http_status
        check_requirements(resource, record, changes)
        for param, value in values.values():
            if param.settle is None or param.field not in changes:
                continue
            final = value if param.settle.final is REQUESTED else param.settle.final
            if self.config.settle_seconds <= 0:
                changes[param.field] = final
                continue
            changes[param.field] = value if param.settle.interim is REQUESTED else param.settle.interim
            self._pending[(account, resource.name, sid, param.field)] = final
            followups.append((self.config.settle_seconds, partial(self._settle, account, resource, sid, param.field, final)))
            status = max(status, param.settle.http_status)
        return status, followups

    def _transition(self, account, resource, record, param, requested):
        """Whether a status change is one (False: already there, or already on its way there); raises the
        parameter's transition error for a change Twilio refuses."""
        current, sid = record[param.field], record["sid"]
        if requested == current or self._pending.get((account, resource.name, sid, param.field)) == requested:
            return False
        if current not in dict(param.transitions).get(requested, ()):
            raise api_error(param.transition_error, f"Cannot change the status of {resource.label} {sid} from "
                                                    f"{current!r} to {requested!r}")
        return True

    def _write(self, table, position, changes, hidden=None, touched=()):
        """Apply `changes` to the record at `position` (a new dict, `date_updated` now); returns the fields that
        changed (`touched` ones count even when their value stays, e.g. a connectivity reset)."""
        record = table.records[position]
        changed = [field for field, value in changes.items() if record.get(field) != value or field in touched]
        if hidden:
            table.hidden[record["sid"]] = dict(table.hidden.get(record["sid"], {}), **hidden)
            changed += list(hidden)
        if not changed:
            return []
        new = dict(record, **changes)
        if "date_updated" in new:
            new["date_updated"] = self.clock.stamp()
        table.replace(position, serve(table.resource, new, self.store.base_url))
        self.store.changed()
        return changed

    def _apply(self, account, resource, sid, changes):
        """A delayed change: write `changes` to the record if it still exists."""
        with self.store.lock:
            table = self.store.tables(account)[resource.name]
            position = table.position.get(sid)
            if position is not None:
                self._write(table, position, changes)

    def _settle(self, account, resource, sid, field, final):
        with self.store.lock:
            self._pending.pop((account, resource.name, sid, field), None)
            self._apply(account, resource, sid, {field: final})

    # Account moves

    def _move_target(self, account, resource, record, values):
        """The account an update moves the record to (None: it stays); raises the move's errors first, before
        anything is written."""
        rule = resource.move
        if rule is None or rule.param not in values or values[rule.param][1] in (None, account):
            return None
        target = values[rule.param][1]
        if target not in self.store.accounts:
            raise api_error(rule.unknown, f"{rule.param} {target} is not this account nor one of its subaccounts")
        if record.get("status") not in rule.statuses:
            raise api_error(rule.status_error, f"{resource.label} {record['sid']} is {record.get('status')!r}: only a "
                                               f"{' or '.join(rule.statuses)} {resource.label} can move to another account")
        name = record.get("unique_name")
        if name is not None and self.store.tables(target)[resource.name].find(name) is not None:
            raise api_error(resource.conflict, f"A {resource.label} with UniqueName {name!r} already exists in {target}")
        return target

    def _move(self, account, target, resource, sid):
        """Move the record (and its hidden fields) from `account` to `target`; returns its JSON as served there."""
        source = self.store.tables(account)[resource.name]
        position = source.position[sid]
        record = dict(source.records[position], account_sid=target, date_updated=self.clock.stamp())
        hidden = source.hidden.pop(sid, None)
        self.store.put(account, source.without(position))
        destination = self.store.tables(target)[resource.name].with_record(serve(resource, record, self.store.base_url))
        if hidden is not None:
            destination.hidden[sid] = hidden
        self.store.put(target, destination)
        return destination.json_of(destination.position[sid])

    # Creates

    def _new_record(self, resource, account, changes):
        record = dict.fromkeys(resource.fields)
        for param in resource.create:
            if param.field and param.default is not None:
                record[param.field] = list(param.default) if isinstance(param.default, tuple) else param.default
        record.update(resource.initial)
        record.update(changes)
        record["sid"] = new_sid(self._sids, resource.prefix)
        stamp = self.clock.stamp()
        for field, value in (("account_sid", account), ("date_created", stamp), ("date_updated", stamp)):
            if field in record:
                record[field] = value
        return record

    def _claim(self, resource, table, values):
        """Register: the fields of a record claimed from the pool of unregistered ones."""
        rule = resource.register
        key, code = values[rule.param][1], values[rule.code][1]
        # A claimable one is in no account (claiming takes it out of the pool): only another is looked up, so that a
        # registration costs no scan of the account's records.
        claimable = self.store.unregistered.get(key) == code
        owned = [] if claimable else table.where(rule.key, key)
        if owned:
            raise api_error(rule.owned, f"The {resource.label} with {rule.param} {key} already belongs to this account: "
                                        f"{table.sids[owned[0]]}")
        if not claimable:
            raise api_error(rule.invalid, f"The {rule.param} and {rule.code} do not belong to a registrable {resource.label}")
        del self.store.unregistered[key]
        return {rule.key: key}

    def _lifecycle(self, account, resource, record, hidden):
        """The delayed status steps of a created record: [(delay, task)]."""
        cycle = resource.lifecycle
        if cycle is None:
            return []
        steps = list(cycle.steps)
        if cycle.receipt_field and record.get(cycle.receipt_field) is False:
            steps = steps[:1]
        failed = self._fails(cycle, record.get(cycle.text_field))
        if failed:
            steps = steps[:1] + [cycle.failed]
        changes = [{cycle.field: status} for status in steps]
        if cycle.address:
            changes[0][cycle.address.field] = self._address(account, cycle.address, record)
        if cycle.outcome:
            changes[-1].update(OUTCOMES[cycle.outcome](record, hidden, failed))
        step = self.config.command_step_seconds
        return [(step * number, partial(self._apply, account, resource, record["sid"], change))
                for number, change in enumerate(changes, 1)]

    def _address(self, account, rule, record):
        """The IP address of the record `rule.by` names: its first one, else one derived from its SID."""
        sid = record[rule.by]
        addresses = self.store.tables(account)[rule.ref].hidden.get(sid, {}).get("ip_addresses") or ()
        if addresses:
            return addresses[0]["ip_address"]
        return f"100.64.{int(sid[-4:-2], 16)}.{int(sid[-2:], 16) % 254 + 1}"

    def _fails(self, cycle, text):
        """A created record fails when its text matches the lifecycle's `fails_when` (a command's contains "fail"),
        or by a seeded draw at `command_failure_rate`."""
        if re.search(cycle.fails_when, str(text or "")):
            return True
        rate = self.config.command_failure_rate
        return rate > 0 and self._failures.random() < rate

    def _follow(self, followups):
        """Run delayed changes: now for a delay of 0 (after the answer was made), else on the scheduler."""
        for delay, task in followups:
            if delay <= 0:
                task()
            else:
                self.scheduler.add(delay, task)

    # Members of a sub-resource (a Network Access Profile's networks)

    def _parent(self, tables, resource, ident, path):
        parents = tables[resource.parent.resource]
        parent = parents.record(ident)
        if parent is None:
            raise not_found(path)
        return parents, parent

    def _member_sids(self, parents, resource, parent):
        return list(parents.hidden.get(parent["sid"], {}).get(resource.parent.members, ()))

    def _set_members(self, parents, resource, parent, sids):
        parents.hidden[parent["sid"]] = dict(parents.hidden.get(parent["sid"], {}), **{resource.parent.members: sids})
        self.store.changed()

    def _add_member(self, tables, resource, form, path, parent_ident):
        parents, parent = self._parent(tables, resource, parent_ident, path)
        values = parse(resource.create, form, tables)
        member = next(value for param, value in values.values() if param.ref)
        current = self._member_sids(parents, resource, parent)
        if member["sid"] in current:
            raise api_error(resource.conflict, f"{resource.label} {member['sid']} is already in "
                                               f"{BY_NAME[resource.parent.resource].label} {parent['sid']}")
        self._set_members(parents, resource, parent, current + [member["sid"]])
        record = next(m for m in members(resource, parent, tables) if m["sid"] == member["sid"])
        return Result(201, json.dumps(record), member["sid"], [resource.parent.members], True)

    def _remove_member(self, tables, resource, ident, path, parent_ident):
        parents, parent = self._parent(tables, resource, parent_ident, path)
        current = self._member_sids(parents, resource, parent)
        if ident not in current:
            raise not_found(path)
        self._set_members(parents, resource, parent, [sid for sid in current if sid != ident])
        return Result(204, None, ident, [resource.parent.members], True)


def esim_profile_outcome(record, hidden, failed):
    """The fields an ordered eSIM profile gets at its last step: the error of a refused order, else the SM-DP+
    address, an ICCID and the activation code (with a matching ID when one was asked for), all derived from
    its SID."""
    if failed:
        code, message = ESIM_ERRORS[0]
        return {"error_code": code, "error_message": message}
    seed = int(record["sid"][2:], 16)
    iccid = luhn_complete("8901" + str(seed)[:14].rjust(14, "0"))
    matching_id = None
    if hidden.get("generate_matching_id"):
        matching_id = "-".join(str(seed)[-16:].rjust(16, "0")[at:at + 4] for at in range(0, 16, 4))
    return {"smdp_plus_address": SMDP_ADDRESS, "iccid": iccid, "matching_id": matching_id,
            "activation_code": f"LPA:1${SMDP_ADDRESS}${matching_id or ''}"}


# The fields of a lifecycle's last step, by `Lifecycle.outcome`.
OUTCOMES = {"esim_profile": esim_profile_outcome}


def not_found(path):
    return api_error(NOT_FOUND, f"The requested resource {path} was not found")


# Parameters


def parse(params, form, tables):
    """{name: (Param, value)} for the parameters given (references resolved to their records); raises the
    parameter's error for a missing required parameter or a bad value."""
    values = {}
    for param in params:
        if param.name not in form or (param.required and form.get(param.name) == ""):
            if param.required:
                raise api_error(param.missing, f"Missing required parameter {param.name} in the post body")
            continue
        if param.kind == "array":
            value = [convert(param, item) for item in form.getlist(param.name)]
        else:
            value = convert(param, form.get(param.name))
        values[param.name] = (param, resolve(tables, param, value) if param.ref else value)
    return values


def invalid(param, raw, why):
    return api_error(INVALID, f"Invalid value for {param.name}: {raw!r} {why}")


def convert(param, raw):
    """A form value as the parameter's kind, checked."""
    if param.choices and raw not in param.choices:
        raise invalid(param, raw, f"is not one of: {', '.join(param.choices)}.")
    return CONVERTERS[param.kind](param, raw)


def to_boolean(param, raw):
    if raw.lower() not in ("true", "false"):
        raise invalid(param, raw, "is not a boolean (true or false).")
    return raw.lower() == "true"


def to_integer(param, raw):
    try:
        value = int(raw)
    except ValueError:
        raise invalid(param, raw, "is not an integer.") from None
    if (param.minimum is not None and value < param.minimum) or (param.maximum is not None and value > param.maximum):
        raise invalid(param, raw, f"is out of range ({param.minimum} to {param.maximum}).")
    return value


def to_uri(param, raw):
    if raw == "":
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid(param, raw, "is not an absolute http or https URL.")
    return raw


def to_method(param, raw):
    if raw.upper() not in HTTP_METHODS:
        raise invalid(param, raw, f"is not one of: {', '.join(HTTP_METHODS)}.")
    return raw.upper()


def to_string(param, raw):
    if param.pattern and raw and not re.fullmatch(param.pattern, raw):
        raise invalid(param, raw, "is not valid.")
    return raw if raw != "" else None


CONVERTERS = {"boolean": to_boolean, "integer": to_integer, "uri": to_uri, "method": to_method, "string": to_string,
              "array": to_string}


def resolve(tables, param, value):
    """The record(s) a reference names (None clears it); raises the parameter's `unknown` error."""
    if value is None:
        return None
    if isinstance(value, list):
        return [resolve(tables, param, item) for item in dict.fromkeys(value)]
    target = BY_NAME[param.ref]
    record = tables[param.ref].record(value)
    if record is None:
        raise api_error(param.unknown, f"{param.name} {value!r} does not name a {target.label} of this account")
    if param.ref_statuses and record.get("status") not in param.ref_statuses:
        raise api_error(param.ref_status_error, f"{target.label} {record['sid']} is {record.get('status')!r}; it must be "
                                                f"{' or '.join(param.ref_statuses)}")
    return record


def stored(values):
    """({field: value} of the record, {field: value} of its hidden fields) from parsed parameters."""
    changes, hidden = {}, {}
    for param, value in values.values():
        if param.ref:
            for field, source in param.copy:
                changes[field] = value[source] if value else None
            value = [item["sid"] for item in value] if isinstance(value, list) else (value["sid"] if value else None)
        if param.field:
            changes[param.field] = value
        if param.hidden:
            hidden[param.hidden] = value
    return changes, hidden


def check_unique(resource, table, values, sid):
    """A unique name may not look like a SID of the resource nor be another record's."""
    for param, value in values.values():
        if not param.unique or value is None:
            continue
        if re.fullmatch(f"{resource.prefix}[0-9a-fA-F]{{32}}", value):
            raise api_error(INVALID, f"Invalid value for {param.name}: {value!r} looks like a {resource.label} SID.")
        other = table.unique_names.get(value)
        if other is not None and table.sids[other] != sid:
            raise api_error(resource.conflict, f"A {resource.label} with {param.name} {value!r} already exists: "
                                               f"{table.sids[other]}")


def check_sizes(resource, form):
    """A message longer than the resource's `Size` rules allow (or not Base64 in binary mode) answers 400."""
    for rule in resource.sizes:
        raw = form.get(rule.param)
        if raw is None:
            continue
        code = rule.code or INVALID
        if rule.mode and form.get(rule.mode) == "binary":
            try:
                size = len(base64.b64decode(raw, validate=True))
            except (binascii.Error, ValueError):
                raise api_error(code, f"Invalid value for {rule.param}: it is not Base64.") from None
            if rule.binary_bytes is not None and size > rule.binary_bytes:
                raise api_error(code, f"Invalid value for {rule.param}: {size} bytes, more than {rule.binary_bytes}.")
            continue
        if rule.text_bytes is not None and len(raw.encode()) > rule.text_bytes:
            raise api_error(code, f"Invalid value for {rule.param}: {len(raw.encode())} bytes, more than {rule.text_bytes}.")
        limit = rule.chars
        if rule.sid and form.get(rule.sid) not in (None, "none"):
            limit = rule.sid_chars
        if limit is not None and len(raw) > limit:
            raise api_error(code, f"Invalid value for {rule.param}: {len(raw)} characters, more than {limit}.")


def check_any_of(resource, values):
    """One of the parameters of each `AnyOf` rule must be given (a boolean one as true)."""
    for rule in resource.any_of:
        if not any(values.get(name, (None, None))[1] not in (None, False) for name in rule.params):
            raise api_error(rule.error, f"One of {' or '.join(rule.params)} is required")


def check_exclusive(resource, values):
    for rule in resource.exclusive:
        if all(name in values for name in rule.params):
            raise api_error(rule.error, f"{' and '.join(rule.params)} cannot be updated in the same request")


def check_requirements(resource, record, changes):
    """A status that needs a field (a fleet, a rate plan) cannot be entered without it nor lose it."""
    after = dict(record, **changes)
    for rule in resource.requirements:
        if after.get("status") not in rule.statuses or after.get(rule.field) is not None:
            continue
        if rule.field in changes:
            raise api_error(rule.removed, f"{resource.label} {record['sid']} is {after['status']!r}: its {rule.field} "
                                          f"cannot be removed")
        if "status" in changes:
            raise api_error(rule.missing, f"{resource.label} {record['sid']} cannot become {after['status']!r} "
                                          f"without a {rule.field}")
