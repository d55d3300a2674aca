# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The body of every state and command module: find the record, compare, diff, check mode, apply, wait.

A module describes itself with a StateSpec (how its record is found, which options it adds) over the endpoint's
writable fields (_endpoints.Field), which a _write.Writer checks, compares and turns into requests; it runs in the
module wrapper (_module.SimfleetModule). StateModule brings a record to a state, CommandModule sends a new command
every run. A resource that behaves unusually subclasses one of them and overrides a hook: find() (the current
record), build_request() (the form of a write), compare() (what differs), after_write() (waiting for the record to
settle), final_statuses() (when a command has ended), arguments() (options of the module's own).

Private to the collection: its interface may change between releases.
"""

import time
from collections import namedtuple
from dataclasses import dataclass
from typing import Optional, Tuple

from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioError
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    ENDPOINTS,
    identifier_problem,
    matches,
)
from ansible_collections.simfleet.twilio.plugins.module_utils._module import SimfleetModule
from ansible_collections.simfleet.twilio.plugins.module_utils._write import (
    WAIT_OPTIONS,
    Writer,
    referenced_record,
    referenced_sid,
    unknown_reference,
    wait_timeout_problem,
)

POLL_SECONDS = 1.0
# The statuses in which a command has ended without reaching the device: waiting for it then fails.
FAILED_COMMAND_STATUSES = ("failed", "undelivered")
# The statuses an asked status goes on to by itself, which meet it: a ready SIM becomes active when first used, Twilio
# cancels a deactivated wireless SIM.
FOLLOWS = {"ready": ("active",), "deactivated": ("canceled",)}
# What a change of a member set is: the members to add and to remove, and those there were.
MemberChanges = namedtuple("MemberChanges", "add remove existing")


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
    name), C(unique_name) or C(iccid) (a listing filtered by ICCID); absent: the module takes C(state) and can delete;
    members: a subresource set; info_module: the module that lists what a failed send (of a command) may have created.
    """

    endpoint: str
    find_by: Tuple[str, ...] = ()
    absent: bool = False
    members: Optional[Members] = None
    info_module: Optional[str] = None


def state_argument_spec(spec, command=False):
    """The module's own options (SimfleetModule adds the connection options); a command requires the fields a
    creation needs."""
    endpoint = ENDPOINTS[spec.endpoint]
    argument_spec = {}
    for f in endpoint.fields:
        option = dict(type=f.type)
        if f.type == "list":
            option["elements"] = "str"
        if f.choices:
            option["choices"] = list(f.choices)
        if f.no_log:
            option["no_log"] = True
        if command and f.required_to_create:
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


class StateModule:
    """Brings one record to the state the options describe."""

    command = False

    def __init__(self, spec):
        self.spec = spec
        self.endpoint = ENDPOINTS[spec.endpoint]
        self.writer = Writer(self.endpoint)
        argument_spec, module_options = self.arguments()
        self.module = SimfleetModule(argument_spec, **module_options)
        self.params = self.module.params
        self.client = None
        self.notes = []  # said in the result's msg: why a change asked for was not written
        self.written = None  # the record the last successful write answered
        self.deadline = None  # the end of every wait of the run, set by the first one

    def arguments(self):
        """Hook: (the module's own options, other AnsibleModule keyword arguments), from the spec and the endpoint's
        fields. A module with options of its own (a confirmation an irreversible change needs) adds them here."""
        spec = self.spec
        return state_argument_spec(spec, self.command), dict(
            required_one_of=[list(spec.find_by)] if len(spec.find_by) > 1 else None)

    # -- validation, before any request ----------------------------------------------------------------------------

    def problems(self):
        params = self.params
        problems = self.writer.problems(params)
        for name in self.spec.find_by:
            if params.get(name) is not None:
                problems.append(identifier_problem(name, params[name]))
        problems = [problem for problem in problems if problem]
        if self.spec.members:
            pattern = ENDPOINTS[self.spec.members.endpoint].sid_pattern
            for value in params.get(self.spec.members.option) or []:
                if not matches(pattern, value):
                    problems.append("%s must list SIDs matching %s, got %r" % (self.spec.members.option, pattern, value))
        problems.append(wait_timeout_problem(params))
        return [problem for problem in problems if problem]

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
        return self.writer.desired(self.params, self.resolve)

    def record_value(self, record, option):
        return self.writer.value(record, option)

    # -- the run ---------------------------------------------------------------------------------------------------

    def run(self):
        self.module.refuse(self.problems())
        try:
            with self.module.client() as self.client:
                result, diff = self.act()
        except _AfterWrite as err:
            extra = {"applied": err.applied} if err.applied is not None else {}
            self.module.fail(err, changed=True, **dict(extra, **{self.endpoint.item: err.record}))
        except TwilioError as err:
            self.module.fail(err)
        if self.notes:
            result["msg"] = "; ".join(self.notes)
        self.module.exit(result, diff)

    def act(self):
        """(result, diff) of the run: the record brought to the state asked for, or removed."""
        return self.manage()

    def fail(self, message, **extra):
        raise TwilioError(message, **extra)

    def after_write(self, record, what, advice="", asked=None, applied=None):
        """Hook: the record once a write has been answered (by default, waited for when asked: wait()). A failure
        here still reports the change and the record written."""
        try:
            return self.wait(record, asked=asked)
        except _Ended as err:  # a final status: the record as it ended
            raise _AfterWrite("%s %s, but %s" % (what, record.get("sid"), err.message), err.record, err, applied) from None
        except TwilioError as err:
            raise _AfterWrite("%s %s, but %s%s" % (what, record.get("sid"), err.message, advice), record, err, applied) from None

    def compare(self, current, desired):
        """Hook: {option: value} of what differs between the record and what is asked for."""
        return self.writer.changes(current, desired)

    def build_request(self, values, create=False, write_only=True):
        """Hook: Twilio's form for a write of ``values`` (a creation or an update), with the write-only options set
        (callbacks, a registration code) unless ``write_only`` is false."""
        return self.writer.form(values, self.params if write_only else None, create=create)

    def creation(self, desired):
        """({option: value} sent with the creation, {option: value} written right after it): the fields Twilio does
        not take when it creates the resource (update_only) come after."""
        now = dict((o, v) for o, v in desired.items() if not self.endpoint.field(o).update_only)
        return now, dict((o, v) for o, v in desired.items() if o not in now)

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
        changes = self.compare(current, desired)
        frozen = [option for option in changes if self.endpoint.field(option).create_only] if changes else []
        if frozen:
            self.fail("cannot change %s of the existing %s %s: Twilio sets %s only when it is created (it is %s, asked %s); "
                      "create a new one instead" % (", ".join(frozen), what, current.get("unique_name") or current["sid"],
                                                    "it" if len(frozen) == 1 else "them",
                                                    ", ".join(repr(self.record_value(current, o)) for o in frozen),
                                                    ", ".join(repr(changes[o]) for o in frozen)))
        if "status" in changes:
            self.check_transition(current.get("status"), changes["status"])
        members = self.member_changes(current) if self.spec.members else None
        changed = bool(changes) or bool(members and (members.add or members.remove))
        diff = self.diff(current, changes, members)
        record = current
        applied = changed and not self.module.check_mode
        if applied:
            done = {}
            try:
                record = self.apply(current, changes, done)
                if members:
                    self.apply_members(current["sid"], members, done)
            except TwilioError as err:
                if not done:
                    raise
                # An earlier request of this write was applied: the change is reported, with what it made.
                raise _AfterWrite("changed %s %s (applied: %s), but %s" % (what, current["sid"], ", ".join(sorted(done)), err.message),
                                  self.written or record, err, done) from None
            record = self.after_write(record, "changed %s" % what, asked=changes.get("status"), applied=done)
        result = {"changed": changed, item: record}
        if members:
            result[self.spec.members.option] = sorted(set(members.existing) - set(members.remove) | set(members.add)) \
                if applied else members.existing
        return result, diff

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
        creation, later = self.creation(desired)
        form = self.build_request(creation, create=True)
        members = self.params.get(self.spec.members.option) if self.spec.members else None
        if members:
            form[self.spec.members.create_param] = list(members)
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
            result[item] = self.after_write(record, "created %s" % what, asked=desired.get("status"), applied=done)
        if self.spec.members:
            result[self.spec.members.option] = sorted(members or [])
        return result, diff

    def remove(self, current):
        item = self.endpoint.item
        result = {"changed": current is not None, item: None}
        if current is not None and not self.module.check_mode:
            self.client.delete(self.endpoint, current["sid"])
        return result, {"before": self.describe(current) if current else {}, "after": {}}

    def apply(self, record, changes, done):
        """Write the changes: the values in one request (absolute values, safe to repeat), then each action (a
        field that sets, such as a reset) in a request of its own, never repeated. ``done`` gets each option once its
        request has succeeded, and ``self.written`` the record Twilio last answered."""
        values = dict((o, v) for o, v in changes.items() if not self.endpoint.field(o).sets)
        if values:
            record = self.written = self.client.update(self.endpoint, record["sid"], self.build_request(values))
            done.update(values)
        for option in changes:
            if option not in values:
                record = self.written = self.client.update(self.endpoint, record["sid"],
                                                           self.build_request({option: changes[option]}, write_only=False),
                                                           idempotent=False)
                done[option] = changes[option]
        return record

    # -- comparing and diffs ---------------------------------------------------------------------------------------

    def describe(self, record):
        return self.writer.describe(record)

    def diff(self, current, changes, members):
        before = dict((option, self.record_value(current, option)) for option in changes)
        after = dict(changes)
        if members and (members.add or members.remove):
            before[self.spec.members.option] = members.existing
            after[self.spec.members.option] = sorted(set(members.existing) - set(members.remove) | set(members.add))
        return {"before": before, "after": after}

    def check_transition(self, current, asked):
        problem = self.writer.transition_problem(current, asked)
        if problem:
            self.fail(problem)

    def identity(self):
        return ", ".join("%s=%s" % (name, self.params[name]) for name in self.spec.find_by if self.params.get(name) is not None)

    # -- members of a subresource ----------------------------------------------------------------------------------

    def members_of(self, sid):
        endpoint = ENDPOINTS[self.spec.members.endpoint]
        return sorted(r["sid"] for r in self.client.list_records(endpoint, parents={endpoint.parents[0]: sid}))

    def member_changes(self, current):
        """MemberChanges, or None when the option is not set."""
        wanted = self.params.get(self.spec.members.option)
        if wanted is None:
            return None
        existing = self.members_of(current["sid"])
        return MemberChanges(sorted(set(wanted) - set(existing)), sorted(set(existing) - set(wanted)), existing)

    def apply_members(self, sid, members, done):
        """Add and remove members (MemberChanges), one request each; ``done`` gets, under the option's name, those added
        and removed so far."""
        endpoint = ENDPOINTS[self.spec.members.endpoint]
        parents = {endpoint.parents[0]: sid}
        field = endpoint.fields[0]
        made = {"added": [], "removed": []}
        for member in members.add:
            self.client.create(endpoint, {field.param: member}, parents=parents)
            made["added"].append(member)
            done[self.spec.members.option] = made
        for member in members.remove:
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
        if not self.params.get("wait"):  # an option of the modules whose records settle or end (WAIT_OPTIONS)
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
        """Hook: whether the record has settled (a SIM) or ended (a command), so that wait() stops polling."""
        if self.endpoint.final_statuses:
            return record.get("status") in self.final_statuses() + FAILED_COMMAND_STATUSES
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


class CommandModule(StateModule):
    """Sends one command every run: never retried once it may have reached Twilio. Check mode sends nothing and returns
    the command that would be sent; a SIM that cannot receive it fails before any write (see resolve)."""

    command = True

    def act(self):
        endpoint = self.endpoint
        desired = self.desired()
        form = self.build_request(desired, create=True)
        result = {"changed": True, endpoint.item: None}
        diff = {"before": {}, "after": desired}
        if self.module.check_mode:
            result[endpoint.item] = self.predicted(desired)
            return result, diff
        try:
            record = self.client.create(endpoint, form)
        except TwilioError as err:
            if err.may_be_applied:
                target = next(f for f in endpoint.fields if f.ref)
                self.fail("%s. Before sending it again, look for it with simfleet.twilio.%s (%s: %s)"
                          % (err.message, self.spec.info_module, target.option, self.params[target.option]),
                          http_status=err.http_status, code=err.code, more_info=err.more_info)
            raise
        result[endpoint.item] = self.after_write(record, "sent %s" % endpoint.item, "; it was sent: do not send it again")
        return result, diff

    def final_statuses(self):
        """Hook: the statuses in which the command has reached the end Twilio reports (besides failing)."""
        return self.endpoint.final_statuses

    def predicted(self, desired):
        """The command check mode would send, as Twilio's record shows it (field names, Twilio's defaults for the
        options not set, the status and direction of a new command), without a SID: Twilio gives it when it is sent."""
        command = dict(self.endpoint.created_with)
        for f in self.endpoint.fields:
            value = desired.get(f.option, f.default)
            if not f.write_only and value is not None:
                command[f.record_field] = value
        return command


def run_state_module(spec):
    """main() of every state module."""
    StateModule(spec).run()


def run_command_module(spec):
    """main() of every command module."""
    CommandModule(spec).run()
