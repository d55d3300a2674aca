# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The body of every state module: find the record, compare, diff, check mode, apply, wait.

A module describes itself with a StateSpec (how its record is found, which options it adds) over the endpoint's
writable fields (_endpoints.Field); everything else is shared. Private to the collection: its interface may change.
"""

import base64
import binascii
import re
import time
from dataclasses import dataclass
from typing import Optional, Tuple

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.simfleet.twilio.plugins.module_utils._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    TwilioError,
    client_from_options,
    connection_problems,
)
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    ENDPOINTS,
    blank,
    identifier_problem,
    matches,
)
from ansible_collections.simfleet.twilio.plugins.module_utils._module import connection_argument_spec

POLL_SECONDS = 1.0
# The statuses in which a command has ended without reaching the device: waiting for it then fails.
FAILED_COMMAND_STATUSES = ("failed", "undelivered")
# The statuses an asked status goes on to by itself, which meet it: a ready SIM becomes active when first used, Twilio
# cancels a deactivated wireless SIM.
FOLLOWS = {"ready": ("active",), "deactivated": ("canceled",)}
URL = re.compile(r"https?://[^/?#\s]+[^\s]*\Z")
WAIT_OPTIONS = dict(wait=dict(type="bool", default=False), wait_timeout=dict(type="int", default=120))


@dataclass(frozen=True)
class Members:
    """A set of related records managed through a subresource, such as the networks of a network access profile.

    option: the module option (a list of SIDs); endpoint: the ENDPOINTS name of the subresource, whose parent is the
    managed record; create_param: the parameter that gives the set at creation of the managed record.
    """

    option: str
    endpoint: str
    create_param: str


@dataclass(frozen=True)
class StateSpec:
    """How a state module finds its record and what it adds to the endpoint's fields.

    find_by: the options that identify the record, in order: C(sid) (a SID or, where the endpoint allows, a unique
    name), C(unique_name) or C(iccid) (a listing filtered by ICCID); command: the module sends a new record every
    run (a command) instead of managing one; absent: the module takes C(state) and can delete; members: a subresource
    set; info_module: the module that lists what a failed send may have created.
    """

    endpoint: str
    find_by: Tuple[str, ...] = ()
    command: bool = False
    absent: bool = False
    members: Optional[Members] = None
    info_module: Optional[str] = None


def state_argument_spec(spec):
    endpoint = ENDPOINTS[spec.endpoint]
    argument_spec = connection_argument_spec()
    for f in endpoint.fields:
        option = dict(type=f.type)
        if f.type == "list":
            option["elements"] = "str"
        if f.choices:
            option["choices"] = list(f.choices)
        if f.no_log:
            option["no_log"] = True
        if spec.command and f.required_to_create:
            option["required"] = True
        argument_spec[f.option] = option
    for name in spec.find_by:
        argument_spec.setdefault(name, dict(type="str"))
    if len(spec.find_by) == 1:
        argument_spec[spec.find_by[0]] = dict(argument_spec[spec.find_by[0]], required=True)
    if spec.members:
        argument_spec[spec.members.option] = dict(type="list", elements="str")
    if spec.absent:
        argument_spec["state"] = dict(type="str", default="present", choices=["present", "absent"])
    if endpoint.settling or endpoint.final_statuses:
        argument_spec.update(WAIT_OPTIONS)
    return argument_spec


def referenced_sid(client, f, value):
    """The SID of the record that field ``f`` names by ``value`` (a SID, or a unique name where the referenced endpoint
    fetches by one), or None when no record has it."""
    target = ENDPOINTS[f.ref]
    if matches(target.sid_pattern, value):
        return value
    record = client.fetch(target, value) if target.fetch_by_unique_name else None
    return record["sid"] if record is not None else None


def referenced_record(client, f, value):
    """The record that field ``f`` names by ``value`` (a SID, or a unique name where the referenced endpoint fetches by
    one), or None when no record has it."""
    target = ENDPOINTS[f.ref]
    if matches(target.sid_pattern, value) or target.fetch_by_unique_name:
        return client.fetch(target, value)
    return None


def unknown_reference(f, value):
    return "%s: no %s has the SID or unique name %r" % (f.option, ENDPOINTS[f.ref].name.replace("_", " "), value)


def length_problem(f, value, params):
    """Why ``value`` of the message field ``f`` is longer than Twilio takes (or not Base64 in binary mode), counted in
    the unit Twilio's description states; None when it fits."""
    rule = f.length
    mode = (params.get(rule.mode) if rule.mode else None) or "text"
    if mode == "binary":
        try:
            size = len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            return "%s must be Base64 with %s=binary, got %r" % (f.option, rule.mode, value[:40])
        if rule.binary_bytes is not None and size > rule.binary_bytes:
            return "%s must be at most %d bytes with %s=binary (counted decoded from Base64), got %d" % (
                f.option, rule.binary_bytes, rule.mode, size)
        return None
    if rule.text_bytes is not None and len(value.encode("utf-8")) > rule.text_bytes:
        return "%s must be at most %d bytes of UTF-8 text, got %d" % (f.option, rule.text_bytes, len(value.encode("utf-8")))
    sid = params.get(rule.sid) if rule.sid else None
    if sid not in (None, "none") and rule.sid_chars is not None and len(value) > rule.sid_chars:
        return "%s must be at most %d characters with %s=%s (the command's SID takes the rest of the %d), got %d" % (
            f.option, rule.sid_chars, rule.sid, sid, rule.chars, len(value))
    if rule.chars is not None and len(value) > rule.chars:
        return "%s must be at most %d characters of text, got %d" % (f.option, rule.chars, len(value))
    return None


class StateModule:
    """Brings one record to the state the options describe, or sends one command."""

    def __init__(self, spec):
        self.spec = spec
        self.endpoint = ENDPOINTS[spec.endpoint]
        self.module = AnsibleModule(argument_spec=state_argument_spec(spec), supports_check_mode=True,
                                    required_one_of=[list(spec.find_by)] if len(spec.find_by) > 1 else None)
        if not HAS_REQUESTS:
            self.module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
        self.params = self.module.params
        self.client = None
        self.notes = []  # said in the result's msg: why a change asked for was not written
        self.written = None  # the record the last successful write answered
        self.deadline = None  # the end of every wait of the run, set by the first one

    # -- validation, before any request ----------------------------------------------------------------------------

    def problems(self):
        params, endpoint = self.params, self.endpoint
        problems = connection_problems(params)
        for f in endpoint.fields:
            value = params.get(f.option)
            if blank(value):
                problems.append("%s must not be empty or blank" % f.option)
            elif f.bounds and value is not None and not f.bounds[0] <= value <= f.bounds[1]:
                problems.append("%s must be between %d and %d, got %s" % (f.option, f.bounds[0], f.bounds[1], value))
            elif f.url and value is not None and not URL.match(value):
                problems.append("%s must be an absolute http or https URL, got %r" % (f.option, value))
            elif f.ref and isinstance(value, str):
                problems.append(identifier_problem(f.option, value))
            elif f.length and isinstance(value, str):
                problems.append(length_problem(f, value, params))
        for name in self.spec.find_by:
            if params.get(name) is not None:
                problems.append(identifier_problem(name, params[name]))
        problems = [problem for problem in problems if problem]
        if self.spec.members:
            pattern = ENDPOINTS[self.spec.members.endpoint].sid_pattern
            for value in params.get(self.spec.members.option) or []:
                if not matches(pattern, value):
                    problems.append("%s must list SIDs matching %s, got %r" % (self.spec.members.option, pattern, value))
        if params.get("wait_timeout") is not None and not 1 <= params["wait_timeout"] <= 3600:
            problems.append("wait_timeout must be between 1 and 3600 seconds, got %s" % params["wait_timeout"])
        return problems

    # -- reading ---------------------------------------------------------------------------------------------------

    def find(self):
        """The current record, or None.

        The first identifying option that is set decides: a record it does not find is not looked for by the others
        (an unknown SID never falls back to an ICCID or a unique name), and every other identifying option that is set
        must match the record it finds. A record the API answers must be the one asked for.
        """
        params = self.params
        given = [name for name in self.spec.find_by if params.get(name) is not None]
        if not given:
            return None
        name = given[0]
        record = self.lookup(name, params[name])
        if record is None and name == "sid":
            record = self.renamed(params[name], given[1:])
        if record is not None:
            for other in given[1:]:
                if record.get(other) != params[other]:
                    self.fail("%s=%s is the %s %s, whose %s is %s, not %s: nothing was changed"
                              % (name, params[name], self.endpoint.item.replace("_", " "), record.get("sid"), other,
                                 record.get(other), params[other]))
        return record

    def lookup(self, name, value):
        """The record that the identifying option ``name`` names by ``value``, or None."""
        endpoint = self.endpoint
        filters = dict((f.option, f.param) for f in endpoint.filters)
        if name in filters:  # a listing filtered by it (an ICCID); otherwise the record's own path
            records = [r for r in self.client.list_records(endpoint, params={filters[name]: value}, limit=2)
                       if r.get(name) == value]
            if len(records) > 1:
                self.fail("%s=%s matches more than one %s" % (name, value, endpoint.item.replace("_", " ")))
            return records[0] if records else None
        return self.client.fetch(endpoint, value)  # checks that the record is the one asked for

    def renamed(self, value, others):
        """The record that an earlier run renamed from the unique name ``value`` (given as C(sid)) to the asked
        C(unique_name), or None: so that a second identical rename changes nothing. Only for a unique name, never for a
        SID, only when C(unique_name) asks for another one, and only a record that the other identifying options set
        (``others``, an ICCID) also match."""
        endpoint, new = self.endpoint, self.params.get("unique_name")
        if new is None or new == value or not endpoint.fetch_by_unique_name or matches(endpoint.sid_pattern, value) \
                or identifier_problem("unique_name", new) is not None:
            return None
        record = self.client.fetch(endpoint, new)
        if record is None or record.get("unique_name") != new or any(record.get(o) != self.params[o] for o in others):
            return None
        self.notes.append("no %s has the unique name %s: the %s %s already has the unique name %s asked for"
                          % (endpoint.item.replace("_", " "), value, endpoint.item.replace("_", " "), record.get("sid"), new))
        return record

    def resolve(self, f, value):
        """The SID of the record an option names by SID or unique name. A field that needs the record in some statuses
        (the SIM a command goes to) reads it and fails, before any write, when Twilio would refuse it."""
        if not f.ref_statuses:
            sid = referenced_sid(self.client, f, value)
            if sid is None:
                self.fail(unknown_reference(f, value))
            return sid
        record = referenced_record(self.client, f, value)
        if record is None:
            self.fail(unknown_reference(f, value))
        if record.get("status") not in f.ref_statuses:
            self.fail("%s: the %s %s is %s, and Twilio accepts a %s only for one that is %s: %s"
                      % (f.option, ENDPOINTS[f.ref].item.replace("_", " ") if ENDPOINTS[f.ref].item else f.option,
                         record.get("sid"), record.get("status"), self.endpoint.item, " or ".join(f.ref_statuses),
                         "Twilio would refuse it (check mode)" if self.module.check_mode else "nothing was sent"))
        return record["sid"]

    def desired(self):
        """{option: value} of every field set, references resolved to SIDs (write-only fields left out)."""
        desired = {}
        for f in self.endpoint.fields:
            value = self.params.get(f.option)
            if value is None or value is False and f.sets or f.write_only:
                continue
            desired[f.option] = f.sets if f.sets else self.resolve(f, value) if f.ref else value
        return desired

    def record_value(self, record, option):
        return record.get(self.endpoint.field(option).record_field)

    # -- the run ---------------------------------------------------------------------------------------------------

    def run(self):
        problems = self.problems()
        if problems:
            self.module.fail_json(msg="; ".join(problems))
        try:
            with client_from_options(self.params) as self.client:
                result = self.send() if self.spec.command else self.manage()
        except _AfterWrite as err:
            extra = {"applied": err.applied} if err.applied is not None else {}
            self.module.fail_json(msg=str(err), error=err.to_dict(), changed=True, **dict(extra, **{self.endpoint.item: err.record}))
        except TwilioError as err:
            self.module.fail_json(msg=str(err), error=err.to_dict())
        if self.notes:
            result["msg"] = "; ".join(self.notes)
        self.module.exit_json(**result)

    def fail(self, message, **extra):
        raise TwilioError(message, **extra)

    def settle(self, record, what, advice="", asked=None, applied=None):
        """wait(), after a write: a failure then still reports the change and the record written."""
        try:
            return self.wait(record, asked=asked)
        except _Ended as err:  # a final status: the record as it ended
            raise _AfterWrite("%s %s, but %s" % (what, record.get("sid"), err.message), err.record, err, applied) from None
        except TwilioError as err:
            raise _AfterWrite("%s %s, but %s%s" % (what, record.get("sid"), err.message, advice), record, err, applied) from None

    def manage(self):
        current = self.find()
        item = self.endpoint.item
        what = item.replace("_", " ")
        if self.spec.absent and self.params["state"] == "absent":
            return self.remove(current)
        desired = self.desired()
        if current is None:
            return self.create(desired)
        if "status" in desired and current.get("status") in self.endpoint.settling:
            current = self.under_way(current, desired)
        changes = dict((option, value) for option, value in desired.items() if not self.same(self.record_value(current, option), value))
        frozen = [option for option in changes if self.endpoint.field(option).create_only] if changes else []
        if frozen:
            self.fail("cannot change %s of the existing %s %s: Twilio sets %s only when it is created (it is %s, asked %s); "
                      "create a new one instead" % (", ".join(frozen), what, current.get("unique_name") or current["sid"],
                                                    "it" if len(frozen) == 1 else "them",
                                                    ", ".join(repr(self.record_value(current, o)) for o in frozen),
                                                    ", ".join(repr(changes[o]) for o in frozen)))
        if "status" in changes:
            self.check_transition(current.get("status"), changes["status"])
        member_changes = self.member_changes(current) if self.spec.members else None
        changed = bool(changes) or bool(member_changes and (member_changes[0] or member_changes[1]))
        diff = self.diff(current, changes, member_changes)
        record = current
        applied = changed and not self.module.check_mode
        if applied:
            done = {}
            try:
                record = self.apply(current, changes, done)
                if member_changes:
                    self.apply_members(current["sid"], *member_changes, done=done)
            except TwilioError as err:
                if not done:
                    raise
                # An earlier request of this write was applied: the change is reported, with what it made.
                raise _AfterWrite("changed %s %s (applied: %s), but %s" % (what, current["sid"], ", ".join(sorted(done)), err.message),
                                  self.written or record, err, done) from None
            record = self.settle(record, "changed %s" % what, asked=changes.get("status"), applied=done)
        result = {"changed": changed, item: record}
        if member_changes:
            add, remove, existing = member_changes
            result[self.spec.members.option] = sorted(set(existing) - set(remove) | set(add)) if applied else existing
        if self.module._diff:
            result["diff"] = diff
        return result

    def under_way(self, current, desired):
        """A record whose status is changing (C(updating), C(scheduled)): Twilio does not show toward which status, and
        accepts a request for that status again, so the status is not written while the change is under way. With wait
        (not in check mode), the module waits for it to settle and then compares; otherwise it reports no change of
        status and says why."""
        if self.params.get("wait") and not self.module.check_mode:
            return self.wait(current, status_only=True)
        self.notes.append("the %s %s is %s (a status change is under way): status %s was not written again; with wait "
                          "the module waits for the change to settle, then compares"
                          % (self.endpoint.item.replace("_", " "), current["sid"], current.get("status"), desired["status"]))
        del desired["status"]
        return current

    def create(self, desired):
        endpoint, item = self.endpoint, self.endpoint.item
        what = item.replace("_", " ")
        if not endpoint.creatable:
            self.fail("no %s matches %s: this module changes existing ones only" % (what, self.identity()))
        missing = [f.option for f in endpoint.fields if f.required_to_create and self.params.get(f.option) is None]
        if missing:
            self.fail("no %s matches %s; to create one, set %s" % (what, self.identity(), ", ".join(missing)))
        if "status" in desired:
            self.check_transition("new", desired["status"])
        creation = dict((o, v) for o, v in desired.items() if not endpoint.field(o).update_only)
        form = self.form(creation, write_only=True, create=True)
        members = self.params.get(self.spec.members.option) if self.spec.members else None
        if members:
            form[self.spec.members.create_param] = list(members)
        later = dict((o, v) for o, v in desired.items() if o not in creation)
        diff = {"before": {}, "after": dict(desired, **({self.spec.members.option: sorted(members)} if members else {}))}
        result = {"changed": True, item: None}
        if not self.module.check_mode:
            record = self.client.create(endpoint, form)
            done = dict(creation, **({self.spec.members.option: sorted(members)} if members else {}))
            if later:
                try:
                    if "status" in later:
                        self.check_transition(record.get("status"), later["status"])
                    record = self.apply(record, later, done)
                except TwilioError as err:
                    raise _AfterWrite("created %s %s, but %s" % (what, record["sid"], err.message), self.written or record, err,
                                      done) from None
            result[item] = self.settle(record, "created %s" % what, asked=desired.get("status"), applied=done)
        if self.spec.members:
            result[self.spec.members.option] = sorted(members or [])
        if self.module._diff:
            result["diff"] = diff
        return result

    def remove(self, current):
        item = self.endpoint.item
        result = {"changed": current is not None, item: None}
        if current is not None and not self.module.check_mode:
            self.client.delete(self.endpoint, current["sid"])
        if self.module._diff:
            result["diff"] = {"before": self.describe(current) if current else {}, "after": {}}
        return result

    def send(self):
        """Send a command: never retried once it may have reached Twilio; check mode sends nothing and returns the
        command that would be sent. A SIM that cannot receive it fails before any write (see resolve)."""
        endpoint = self.endpoint
        desired = self.desired()
        form = self.form(desired, write_only=True, create=True)
        result = {"changed": True, endpoint.item: None}
        if self.module._diff:
            result["diff"] = {"before": {}, "after": desired}
        if self.module.check_mode:
            result[endpoint.item] = self.predicted(desired)
            return result
        try:
            record = self.client.create(endpoint, form)
        except TwilioError as err:
            if err.may_be_applied:
                target = next(f for f in endpoint.fields if f.ref)
                self.fail("%s. Before sending it again, look for it with simfleet.twilio.%s (%s: %s)"
                          % (err.message, self.spec.info_module, target.option, self.params[target.option]),
                          http_status=err.http_status, code=err.code, more_info=err.more_info)
            raise
        result[endpoint.item] = self.settle(record, "sent %s" % endpoint.item, "; it was sent: do not send it again")
        return result

    def predicted(self, desired):
        """The command check mode would send, as Twilio's record shows it (field names, Twilio's defaults for the
        options not set, the status and direction of a new command), without a SID: Twilio gives it when it is sent."""
        command = dict(self.endpoint.created_with)
        for f in self.endpoint.fields:
            value = desired.get(f.option, f.default)
            if not f.write_only and value is not None:
                command[f.record_field] = value
        return command

    def apply(self, record, changes, done):
        """Write the changes: the values in one request (absolute values, safe to repeat), then each action (a
        field that sets, such as a reset) in a request of its own, never repeated. ``done`` gets each option once its
        request has succeeded, and ``self.written`` the record Twilio last answered."""
        values = dict((o, v) for o, v in changes.items() if not self.endpoint.field(o).sets)
        if values:
            record = self.written = self.client.update(self.endpoint, record["sid"], self.form(values, write_only=True))
            done.update(values)
        for option in changes:
            if option not in values:
                record = self.written = self.client.update(self.endpoint, record["sid"], self.form({option: changes[option]}),
                                                           idempotent=False)
                done[option] = changes[option]
        return record

    # -- comparing, diffs and forms --------------------------------------------------------------------------------

    @staticmethod
    def same(current, desired):
        if isinstance(desired, list):
            return sorted(str(v) for v in desired) == sorted(str(v) for v in (current or []))
        if isinstance(desired, bool) or isinstance(current, bool):
            return current is desired
        if isinstance(desired, int) and current is not None:
            try:
                return int(current) == desired
            except (TypeError, ValueError):
                return False
        return current == desired

    def describe(self, record):
        return dict((f.option, record.get(f.record_field)) for f in self.endpoint.fields if not f.write_only)

    def diff(self, current, changes, member_changes):
        before = dict((option, self.record_value(current, option)) for option in changes)
        after = dict(changes)
        if member_changes and (member_changes[0] or member_changes[1]):
            existing = member_changes[2]
            before[self.spec.members.option] = existing
            after[self.spec.members.option] = sorted(set(existing) - set(member_changes[1]) | set(member_changes[0]))
        return {"before": before, "after": after}

    def form(self, values, write_only=False, create=False):
        form = {}
        for option, value in values.items():
            f = self.endpoint.field(option)
            form[f.param] = f.form_value(value)
        if write_only:
            for f in self.endpoint.fields:
                if f.write_only and self.params.get(f.option) is not None and (not f.update_only if create else not f.create_only):
                    form[f.param] = f.form_value(self.params[f.option])
        return form

    def check_transition(self, current, asked):
        allowed = self.endpoint.allowed_from(asked)
        if allowed is not None and current not in allowed:
            self.fail("status cannot change from %s to %s: Twilio allows %s only from %s"
                      % (current, asked, asked, ", ".join(allowed)))

    def identity(self):
        return ", ".join("%s=%s" % (name, self.params[name]) for name in self.spec.find_by if self.params.get(name) is not None)

    # -- members of a subresource ----------------------------------------------------------------------------------

    def members_of(self, sid):
        endpoint = ENDPOINTS[self.spec.members.endpoint]
        return sorted(r["sid"] for r in self.client.list_records(endpoint, parents={endpoint.parents[0]: sid}))

    def member_changes(self, current):
        """(to add, to remove, existing), or None when the option is not set."""
        wanted = self.params.get(self.spec.members.option)
        if wanted is None:
            return None
        existing = self.members_of(current["sid"])
        return sorted(set(wanted) - set(existing)), sorted(set(existing) - set(wanted)), existing

    def apply_members(self, sid, add, remove, dummy, done):
        """Add and remove members, one request each; ``done`` gets, under the option's name, those added and removed
        so far."""
        endpoint = ENDPOINTS[self.spec.members.endpoint]
        parents = {endpoint.parents[0]: sid}
        field = endpoint.fields[0]
        made = {"added": [], "removed": []}
        for member in add:
            self.client.create(endpoint, {field.param: member}, parents=parents)
            made["added"].append(member)
            done[self.spec.members.option] = made
        for member in remove:
            self.client.delete(endpoint, member, parents=parents)
            made["removed"].append(member)
            done[self.spec.members.option] = made

    # -- waiting ---------------------------------------------------------------------------------------------------

    def wait(self, record, asked=None, status_only=False):
        """Poll until the record settles (a SIM) or reaches a final status (a command), when asked to wait.

        One deadline, O(wait_timeout) from the first wait, bounds every wait of the run. A command that ends in a failed
        status fails; so does a record that settles in another status than ``asked`` (or one it goes on to by itself).
        status_only: wait only for the status to settle, not for an action under way.
        """
        endpoint = self.endpoint
        if not self.params.get("wait") or not (endpoint.settling or endpoint.final_statuses):
            return record
        if self.deadline is None:
            self.deadline = time.monotonic() + self.params["wait_timeout"]
        while not self.settled(record, status_only):
            if time.monotonic() >= self.deadline:
                self.fail("%s %s did not settle within %s seconds: its status is still %s"
                          % (endpoint.item, record["sid"], self.params["wait_timeout"], record.get("status")))
            time.sleep(min(POLL_SECONDS, max(0.0, self.deadline - time.monotonic())))
            record = self.client.fetch(endpoint, record["sid"]) or record
        status = record.get("status")
        if endpoint.final_statuses and status in FAILED_COMMAND_STATUSES:
            raise _Ended("%s %s ended with status %s: Twilio could not deliver it" % (endpoint.item, record["sid"], status), record)
        if asked is not None and status != asked and status not in FOLLOWS.get(asked, ()):
            raise _Ended("%s %s settled in status %s, not %s as asked" % (endpoint.item, record["sid"], status, asked), record)
        return record

    def settled(self, record, status_only=False):
        if self.endpoint.final_statuses:
            finals = self.endpoint.final_statuses + FAILED_COMMAND_STATUSES + tuple(
                f.final_when_false for f in self.endpoint.fields if f.final_when_false and self.params.get(f.option) is False)
            return record.get("status") in finals
        actions = [] if status_only else [f for f in self.endpoint.fields if f.sets and self.params.get(f.option)]
        return record.get("status") not in self.endpoint.settling and not any(record.get(f.record_field) == f.sets for f in actions)


class _Ended(TwilioError):
    """A record that settled or ended in another status than the one asked for; ``record`` as it ended."""

    def __init__(self, message, record):
        super().__init__(message)
        self.record = record


class _AfterWrite(TwilioError):
    """A failure after a write was made: the module reports the change, the record and what was applied."""

    def __init__(self, message, record, cause, applied=None):
        super().__init__(message, http_status=cause.http_status, code=cause.code, more_info=cause.more_info)
        self.record = record
        self.applied = applied


def run_state_module(spec):
    """main() of every state module."""
    StateModule(spec).run()
