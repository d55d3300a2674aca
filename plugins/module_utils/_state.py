# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The body of every state module: find the record, compare, diff, check mode, apply, wait.

A module describes itself with a StateSpec (how its record is found, which options it adds) over the endpoint's
writable fields (_endpoints.Field); everything else is shared. Private to the collection: its interface may change.
"""

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


def unknown_reference(f, value):
    return "%s: no %s has the SID or unique name %r" % (f.option, ENDPOINTS[f.ref].name.replace("_", " "), value)


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
        """The current record, or None: by each identifying option that is set, in order, until one finds it. A
        record the API answers must be the one asked for."""
        endpoint, params = self.endpoint, self.params
        filters = dict((f.option, f.param) for f in endpoint.filters)
        for name in self.spec.find_by:
            value = params.get(name)
            if value is None:
                continue
            if name in filters:  # a listing filtered by it (an ICCID); otherwise the record's own path
                records = [r for r in self.client.list_records(endpoint, params={filters[name]: value}, limit=2)
                           if r.get(name) == value]
                if len(records) > 1:
                    self.fail("%s=%s matches more than one %s" % (name, value, endpoint.item.replace("_", " ")))
                record = records[0] if records else None
            else:
                record = self.client.fetch(endpoint, value)  # checks that the record is the one asked for
            if record is not None:
                return record
        return None

    def resolve(self, f, value):
        """The SID of the record an option names by SID or unique name."""
        sid = referenced_sid(self.client, f, value)
        if sid is None:
            self.fail(unknown_reference(f, value))
        return sid

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
            self.module.fail_json(msg=str(err), error=err.to_dict(), changed=True, **{self.endpoint.item: err.record})
        except TwilioError as err:
            self.module.fail_json(msg=str(err), error=err.to_dict())
        self.module.exit_json(**result)

    def fail(self, message, **extra):
        raise TwilioError(message, **extra)

    def settle(self, record, what, advice=""):
        """wait(), after a write: a failure then still reports the change and the record written."""
        try:
            return self.wait(record)
        except TwilioError as err:
            raise _AfterWrite("%s %s, but %s%s" % (what, record.get("sid"), err.message, advice), record, err) from None

    def manage(self):
        current = self.find()
        item = self.endpoint.item
        if self.spec.absent and self.params["state"] == "absent":
            return self.remove(current)
        desired = self.desired()
        if current is None:
            return self.create(desired)
        changes = dict((option, value) for option, value in desired.items() if not self.same(self.record_value(current, option), value))
        frozen = [option for option in changes if self.endpoint.field(option).create_only] if changes else []
        if frozen:
            self.fail("cannot change %s of the existing %s %s: Twilio sets %s only when it is created (it is %s, asked %s); "
                      "create a new one instead" % (", ".join(frozen), item.replace("_", " "), current.get("unique_name") or current["sid"],
                                                    "it" if len(frozen) == 1 else "them",
                                                    ", ".join(repr(self.record_value(current, o)) for o in frozen),
                                                    ", ".join(repr(changes[o]) for o in frozen)))
        if "status" in changes and current.get("status") not in self.endpoint.settling:
            self.check_transition(current.get("status"), changes["status"])
        member_changes = self.member_changes(current) if self.spec.members else None
        changed = bool(changes) or bool(member_changes and (member_changes[0] or member_changes[1]))
        diff = self.diff(current, changes, member_changes)
        record = current
        applied = changed and not self.module.check_mode
        if applied:
            record = self.apply(current, changes)
            if member_changes:
                self.apply_members(current["sid"], *member_changes)
            record = self.settle(record, "changed %s" % item.replace("_", " "))
        result = {"changed": changed, item: record}
        if member_changes:
            add, remove, existing = member_changes
            result[self.spec.members.option] = sorted(set(existing) - set(remove) | set(add)) if applied else existing
        if self.module._diff:
            result["diff"] = diff
        return result

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
            if later:
                try:
                    if "status" in later:
                        self.check_transition(record.get("status"), later["status"])
                    record = self.apply(record, later)
                except TwilioError as err:
                    raise _AfterWrite("created %s %s, but %s" % (what, record["sid"], err.message), record, err) from None
            result[item] = self.settle(record, "created %s" % what)
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
        """Send a command: never retried once it may have reached Twilio; check mode sends nothing."""
        endpoint = self.endpoint
        desired = self.desired()
        form = self.form(desired, write_only=True, create=True)
        result = {"changed": True, endpoint.item: None}
        if self.module._diff:
            result["diff"] = {"before": {}, "after": desired}
        if self.module.check_mode:
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

    def apply(self, record, changes):
        """Write the changes: the values in one request (absolute values, safe to repeat), then each action (a
        field that sets, such as a reset) in a request of its own, never repeated."""
        values = dict((o, v) for o, v in changes.items() if not self.endpoint.field(o).sets)
        if values:
            record = self.client.update(self.endpoint, record["sid"], self.form(values, write_only=True))
        for option in changes:
            if option not in values:
                record = self.client.update(self.endpoint, record["sid"], self.form({option: changes[option]}), idempotent=False)
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

    def apply_members(self, sid, add, remove, dummy):
        endpoint = ENDPOINTS[self.spec.members.endpoint]
        parents = {endpoint.parents[0]: sid}
        field = endpoint.fields[0]
        for member in add:
            self.client.create(endpoint, {field.param: member}, parents=parents)
        for member in remove:
            self.client.delete(endpoint, member, parents=parents)

    # -- waiting ---------------------------------------------------------------------------------------------------

    def wait(self, record):
        """Poll until the record settles (a SIM) or reaches a final status (a command), when asked to wait."""
        endpoint = self.endpoint
        if not self.params.get("wait") or not (endpoint.settling or endpoint.final_statuses):
            return record
        deadline = time.monotonic() + self.params["wait_timeout"]
        while not self.settled(record):
            if time.monotonic() >= deadline:
                self.fail("%s %s did not settle within %s seconds: its status is still %s"
                          % (endpoint.item, record["sid"], self.params["wait_timeout"], record.get("status")))
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
            record = self.client.fetch(endpoint, record["sid"]) or record
        return record

    def settled(self, record):
        if self.endpoint.final_statuses:
            finals = self.endpoint.final_statuses + tuple(f.final_when_false for f in self.endpoint.fields
                                                          if f.final_when_false and self.params.get(f.option) is False)
            return record.get("status") in finals
        actions = [f for f in self.endpoint.fields if f.sets and self.params.get(f.option)]
        return record.get("status") not in self.endpoint.settling and not any(record.get(f.record_field) == f.sets for f in actions)


class _AfterWrite(TwilioError):
    """A failure after a write was made: the module reports the change and the record."""

    def __init__(self, message, record, cause):
        super().__init__(message, http_status=cause.http_status, code=cause.code, more_info=cause.more_info)
        self.record = record


def run_state_module(spec):
    """main() of every state module."""
    StateModule(spec).run()
