# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Contract tests against a mock generated from Twilio's OpenAPI description (tests/openapi).

Every info module runs through ``ansible-playbook`` with every filter on its own, all filters together,
``limit``, and fetches by SID (found and not found) and by unique name. The mock validates every request
against the description and answers with records generated from it (validated before sending); the tests
assert that it saw no invalid request and that each module returned exactly the records it served.

The write side: the endpoint table's writable fields are checked against the request bodies of the create,
update and delete operations (names, types, enumerations, required parameters, create-only and update-only
fields), and every state module runs through ``ansible-playbook`` with options that make it write (update,
create, delete, members added and removed, commands sent), then again in check mode, which must send no write.
Every write the modules send is validated by the mock; the tests assert the exact writes (method, path, form)
each task's options call for, and that each module returned the record the write was answered with.
"""

import collections
import datetime
import importlib
import math
import re

import pytest
import requests


from _ansible import run_plays, run_tasks  # noqa: E402
from _table import INFO_MODULES, STATE_MODULES  # noqa: E402
from openapi.openapi_mock import (  # noqa: E402
    FILTER_FIELDS, NOT_FOUND_HEX, NOT_FOUND_NAME, SID_PATTERN, OpenAPIMock, _json_content, example_record, form_schema,
    resolve, snake_case, success_code,
)

from ansible_collections.simfleet.twilio.plugins.module_utils._client import MAX_PAGE_SIZE  # noqa: E402
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS, REDACTED, SID_PATTERNS  # noqa: E402
from ansible_collections.simfleet.twilio.plugins.module_utils._module import info_argument_spec  # noqa: E402
from ansible_collections.simfleet.twilio.plugins.module_utils._state import StateModule  # noqa: E402

# the endpoints that have an info module (the table also describes endpoints used only internally)
MODULE_ENDPOINTS = dict((name, ENDPOINTS[name]) for name in INFO_MODULES)
# every endpoint an info module lists: its own, and the one its parent options narrow it to
LISTED_ENDPOINTS = dict(MODULE_ENDPOINTS, **dict((e.per_parent, ENDPOINTS[e.per_parent]) for e in MODULE_ENDPOINTS.values() if e.per_parent))
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
ISSUE_MODULES = {"wireless_sim", "supersim_sim", "supersim_esim_profile", "supersim_ip_command", "supersim_sms_command"}

ACCOUNT_SID = "AC" + "c0ffee00" * 4
AUTH_TOKEN = "openapi-mock-token-" + "5" * 13
PAGE_SIZE = 2        # small pages: every listing below spans two pages
LIMIT = 3
UNIQUE_NAME = "mock unique name"   # a space: the module must quote it into the path
# marks an assertion that failed on a difference between the endpoint table and the description
MISMATCH = "MISMATCH between plugins/module_utils/_endpoints.py and Twilio's description"


@pytest.fixture(scope="module")
def mock():
    with OpenAPIMock(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


def operation(mock, endpoint, fetch=False):
    spec = mock.specs[endpoint.product]
    template = spec_template(spec, endpoint.path + "/{Sid}" if fetch else endpoint.path)
    return spec, spec["paths"][template]["get"] if template else None


def item_schema(mock, endpoint):
    spec, op = operation(mock, endpoint)
    schema = resolve(spec, _json_content(op)["schema"])
    return resolve(spec, schema["properties"][endpoint.key]["items"])


def filter_value(mock, endpoint, param, form="sid"):
    """A value for a query parameter taken from the description: its example, its enumeration, or the
    matching field of the operation's example record. ``form="name"`` gives a unique name instead of a SID."""
    spec, op = operation(mock, endpoint)
    parameter = next(p for p in op["parameters"] if p["name"] == param)
    schema = resolve(spec, parameter["schema"])
    if form == "name":
        return "mock-%s-name" % param.lower()
    if schema.get("format") == "date-time":
        # a ten-day window that ends yesterday: within every window Twilio answers
        start = endpoint.window is not None and param == next(f.param for f in endpoint.filters if f.option == endpoint.window.start)
        return (NOW - datetime.timedelta(days=11 if start else 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for example in parameter.get("examples", {}).values():
        return example["value"]
    if "enum" in schema:
        return schema["enum"][-1]
    field = FILTER_FIELDS.get(param)
    field = field[0] if isinstance(field, tuple) else field
    record = example_record(spec, spec_template(spec, endpoint.path), endpoint.key)
    if field and record.get(field):
        return record[field]
    return "sample-%s" % param.lower()


def module_name(endpoint):
    return "simfleet.twilio.%s_info" % endpoint.name


def connection(mock):
    return {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "base_url": mock.product_url}


def build_cases(mock):
    """(task, expectation) for every module: each filter alone, all together, limit, fetches."""
    cases = []
    for listed in LISTED_ENDPOINTS.values():
        module = next(e for e in MODULE_ENDPOINTS.values() if listed in (e, ENDPOINTS.get(e.per_parent)))
        endpoint = listed
        parents = dict((parent, parent_value(mock, listed, parent)) for parent in listed.parents)

        # called within this iteration only, so the loop's endpoint, module and parents are the ones meant
        def add(label, args, page_size=PAGE_SIZE, limit=None, params=None, fetch=None, reveal=False):
            task_args = dict(connection(mock), **dict(parents, **args))
            if page_size is not None:
                task_args["page_size"] = page_size
            if limit is not None:
                task_args["limit"] = limit
            if reveal:
                task_args["reveal_secrets"] = True
            name = "%s: %s" % (endpoint.name, label)
            sent_page_size = min(page_size or 1000, limit) if limit else (page_size or 1000)
            cases.append(({"name": name, module_name(module): task_args},
                          dict(endpoint=endpoint, params=params or {}, page_size=sent_page_size, limit=limit,
                               fetch=fetch, reveal=reveal,
                               expanded=[e for e in endpoint.expansions if args.get(e.option)])))

        add("no filter, default page size", {}, page_size=None)
        all_args, all_params = {}, {}
        for f in endpoint.filters:
            value = filter_value(mock, endpoint, f.param)
            args, params = {f.option: value}, {f.param: value}
            if endpoint.window is not None and f.option == endpoint.window.start:
                # a start is always sent with its end (by default now): given here, so the request is known
                end = endpoint.filter_param(endpoint.window.end)
                args[endpoint.window.end] = params[end] = filter_value(mock, endpoint, end)
            add("%s=%s" % (f.option, value), args, params=params)
            all_args[f.option], all_params[f.param] = value, value
            if isinstance(FILTER_FIELDS.get(f.param), tuple):   # SID or unique name
                name = filter_value(mock, endpoint, f.param, form="name")
                add("%s by unique name" % f.option, {f.option: name}, params={f.param: name})
        if len(endpoint.filters) > 1:
            add("all filters", all_args, params=all_params)
        add("limit", {}, page_size=None, limit=LIMIT)
        for expansion in endpoint.expansions:
            add("with %s" % expansion.option, {expansion.option: True})
        if not endpoint.fetchable:
            continue
        sid_schema = resolve(mock.specs[endpoint.product], item_schema(mock, endpoint)["properties"]["sid"])
        prefix = SID_PATTERN.match(sid_schema["pattern"]).group(1)
        example_sid = example_record(mock.specs[endpoint.product], endpoint.path + "/{Sid}").get("sid")
        add("fetch by sid", {"sid": example_sid}, page_size=None, fetch=example_sid)
        if endpoint.name == "supersim_ip_command":   # 404 is not in the description; one case is enough here
            add("fetch a missing sid", {"sid": prefix + NOT_FOUND_HEX}, page_size=None, fetch=prefix + NOT_FOUND_HEX)
        if endpoint.fetch_by_unique_name:
            add("fetch by unique name", {"sid": UNIQUE_NAME}, page_size=None, fetch=UNIQUE_NAME)
        if endpoint.secret_fields:
            add("reveal secrets", {}, page_size=5, reveal=True)
    return cases


def parent_value(mock, endpoint, parent):
    """A value for a parent option: the SID the description's own example names for it."""
    spec = mock.specs[endpoint.product]
    record = example_record(spec, spec_template(spec, endpoint.path), endpoint.key)
    return record.get(parent + "_sid") or "mock-%s-name" % parent


def redacted(endpoint, records, reveal):
    if reveal:
        return records
    return [dict((k, REDACTED if k in endpoint.secret_fields and v is not None else v) for k, v in record.items())
            for record in records]


# -- the endpoint table against the description ------------------------------------------------------

def test_every_module_is_covered():
    assert set(MODULE_ENDPOINTS) >= ISSUE_MODULES


def test_every_list_operation_of_the_description_has_an_info_module(mock):
    """Each GET that answers a list page is read by an info module: listed, or added to each record (expansions)."""
    covered = set((e.product, spec_template(mock.specs[e.product], e.path)) for e in LISTED_ENDPOINTS.values())
    covered |= set((ENDPOINTS[x.endpoint].product, spec_template(mock.specs[ENDPOINTS[x.endpoint].product], ENDPOINTS[x.endpoint].path))
                   for e in MODULE_ENDPOINTS.values() for x in e.expansions)
    lists = set()
    for product, spec in mock.specs.items():
        for template, operations in spec["paths"].items():
            op = operations.get("get")
            if op and "meta" in resolve(spec, _json_content(op)["schema"]).get("properties", {}):
                lists.add((product, template))
    assert len(lists) == 18
    assert sorted(lists - covered) == []


@pytest.mark.parametrize("name", sorted(LISTED_ENDPOINTS))
def test_endpoint_table_matches_description(mock, name):
    """Paths, list key, every query parameter, enumerations, times, SID patterns and fetches are Twilio's."""
    endpoint = LISTED_ENDPOINTS[name]
    spec, op = operation(mock, endpoint)
    assert op is not None, "%s: %s: no GET %s" % (MISMATCH, name, endpoint.path)
    fetch_spec, fetch_op = operation(mock, endpoint, fetch=True)
    assert endpoint.fetchable == (fetch_op is not None), "%s: %s: fetchable=%s" % (MISMATCH, name, endpoint.fetchable)
    assert fetch_op is None or fetch_op["operationId"].startswith("Fetch")
    schema = resolve(spec, _json_content(op)["schema"])
    assert endpoint.key in schema["properties"] and "meta" in schema["properties"]
    params = dict((p["name"], resolve(spec, p["schema"])) for p in op["parameters"] if p["in"] == "query")
    filter_params = [f.param for f in endpoint.filters]
    # every filter Twilio offers, and nothing else
    assert sorted(filter_params) == sorted(set(params) - {"PageSize", "Page", "PageToken"})
    assert params["PageSize"]["minimum"] == 1 and params["PageSize"]["maximum"] == 1000
    argspec = info_argument_spec(endpoint)
    items = item_schema(mock, endpoint)
    for f in endpoint.filters:
        enum = params[f.param].get("enum")
        assert list(f.choices or []) == list(enum or []), "%s: %s: Filter(%r, %r) choices %s, the description's %s" % (
            MISMATCH, name, f.option, f.param, list(f.choices or []), enum)
        if endpoint in MODULE_ENDPOINTS.values():
            assert argspec[f.option].get("choices") == (list(enum) if enum else None), f.option
        assert f.time == (params[f.param].get("format") == "date-time"), "%s: %s: Filter(%r) time" % (MISMATCH, name, f.option)
        if f.pattern in SID_PATTERNS.values():
            field = FILTER_FIELDS[f.param]
            field = field[0] if isinstance(field, tuple) else field
            assert f.pattern == resolve(spec, items["properties"][field])["pattern"], f.option
        elif f.pattern:
            assert params[f.param].get("format") == "iso-country-code" and f.pattern == r"[A-Z]{2}", f.option
    sid = resolve(spec, items["properties"]["sid"]) if "sid" in items["properties"] else None
    if sid is None:
        assert endpoint.sid_pattern is None, "%s: %s has no SID in the description" % (MISMATCH, name)
    elif "pattern" in sid:
        assert endpoint.sid_pattern == sid["pattern"]
    else:   # no pattern in the description: the examples' SIDs must fit the table's
        example = example_record(spec, spec_template(spec, endpoint.path), endpoint.key)
        assert re.fullmatch(endpoint.sid_pattern, example["sid"]), (name, example["sid"])
    # the path's placeholders are the endpoint's parents, in order
    assert PLACEHOLDER.findall(endpoint.path) == ["{%s}" % parent for parent in endpoint.parents]
    for field in endpoint.secret_fields:
        assert field in items["properties"]


# -- the mock catches what it must catch ---------------------------------------------------------------

def test_mock_flags_invalid_requests(mock):
    """The checks the module tests rely on do fail on bad requests (so their silence means something)."""
    session = requests.Session()
    session.auth = (ACCOUNT_SID, AUTH_TOKEN)
    before = len(mock.violations)
    bad = [
        ("supersim/v1/IpCommands", {"PageSize": 0}),
        ("supersim/v1/IpCommands", {"PageSize": 1001}),
        ("supersim/v1/IpCommands", {"Status": "delivered"}),          # an SMS status, not an IP one
        ("wireless/v1/Sims", {"Fleet": "HF" + "a" * 32}),              # a Super SIM filter
        ("supersim/v1/SmsCommands", {"Page": 1}),                      # Page without its PageToken
        ("supersim/v1/SmsCommands/HG" + "a" * 32, {}),                  # wrong SID prefix
        ("supersim/v1/Commands", {}),                                   # no such operation
    ]
    for path, params in bad:
        session.get("%s/%s" % (mock.base_url, path), params=params, timeout=10)
    found = mock.violations[before:]
    assert len(found) >= len(bad), found
    for path, params in bad:
        assert any(path in v for v in found), (path, found)
    del mock.violations[before:]
    # without credentials: refused by the description's security scheme
    answer = requests.get("%s/supersim/v1/Sims" % mock.base_url, timeout=10)
    assert answer.status_code in (400, 401)
    del mock.violations[before:]


def test_mock_validates_its_responses(mock):
    """The response check rejects a body that breaks the description."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request, Response
    import json

    sid = "HG" + "b" * 32
    request = Request(EnvironBuilder(path="/supersim/v1/IpCommands/" + sid, base_url=mock.base_url,
                                     headers={"Authorization": "Basic eDp5"}).get_environ())
    record = requests.get("%s/supersim/v1/IpCommands/%s" % (mock.base_url, sid), auth=(ACCOUNT_SID, AUTH_TOKEN),
                          timeout=10).json()
    assert mock.response_errors("supersim", request, Response(json.dumps(record), mimetype="application/json")) == []
    for broken in ({"status": "lost"}, {"sid": "HX" + "b" * 32}, {"device_port": "100"}):
        body = dict(record, **broken)
        assert mock.response_errors("supersim", request, Response(json.dumps(body), mimetype="application/json")), broken
    body = dict(record)
    del body["payload"]
    assert mock.response_errors("supersim", request, Response(json.dumps(body), mimetype="application/json"))


# -- every module, every filter --------------------------------------------------------------------

def test_every_module_and_filter_against_the_description(mock, tmp_path):
    cases = build_cases(mock)
    mock.violations.clear()
    known = set(mock.datasets)
    first_request = len(mock.requests)
    run = run_tasks(str(tmp_path / "contract"), [task for task, _expected in cases])
    assert run.rc == 0, run.output[-4000:]
    assert mock.violations == [], "\n".join(mock.violations)
    agents = set(r["user_agent"] for r in mock.requests[first_request:])
    assert len(agents) == 1 and agents.pop().startswith("simfleet.twilio/"), agents

    for task, expect in cases:
        endpoint = expect["endpoint"]
        result = run.ok(task["name"])
        assert set(result) >= {endpoint.key}, task["name"]
        returned = result[endpoint.key]
        if expect["fetch"] is not None:
            sid = expect["fetch"]
            served = mock.fetched.get((endpoint.product, endpoint.path + "/{Sid}", sid))
            if sid.endswith(NOT_FOUND_HEX) or sid == NOT_FOUND_NAME:
                assert served is None and returned == [], task["name"]
            else:
                assert served is not None, "%s: the mock never served %s" % (task["name"], sid)
                assert returned == redacted(endpoint, [served], False), task["name"]
            continue
        key = mock.dataset_key(endpoint.product, spec_template(mock.specs[endpoint.product], endpoint.path), expect["params"],
                               expect["page_size"])
        served = mock.datasets.get(key)
        assert served is not None, "%s: no request with %s" % (task["name"], key)
        limit = expect["limit"]
        expected = served[:limit] if limit else served
        for expansion in expect["expanded"]:
            # every record with its members: the listing the mock serves under any record of the endpoint
            members = ENDPOINTS[expansion.endpoint]
            api = mock.specs[members.product]
            member_key = mock.dataset_key(members.product, spec_template(api, members.path), {}, MAX_PAGE_SIZE)
            assert mock.page_requests[member_key] == len(returned), task["name"]
            for record in returned:
                assert record.pop(expansion.option) == mock.datasets[member_key], task["name"]
        assert len(returned) == len(expected), task["name"]
        assert returned == redacted(endpoint, expected, expect["reveal"]), task["name"]
        # pages: every page of a full listing, exactly one page when the limit fits in it
        pages = 1 if limit else math.ceil(len(served) / expect["page_size"])
        assert pages >= 1 and mock.page_requests[key] == pages, (task["name"], mock.page_requests[key])
        if not limit and expect["page_size"] <= 100:
            assert pages >= 2, "%s: the generated listing should span pages" % task["name"]
        for record in returned:
            for param, value in expect["params"].items():
                field = FILTER_FIELDS.get(param)
                if isinstance(field, tuple):
                    field = field[0] if value.startswith(field[1]) else None
                if field in record:
                    assert record[field] == value, (task["name"], field)
        if endpoint.secret_fields:
            for record in returned:
                for field in endpoint.secret_fields:
                    if expect["reveal"]:
                        assert record[field] != REDACTED
                    elif record[field] is not None:
                        assert record[field] == REDACTED
    # every listing and fetch the modules made was one of the cases above
    expanded = set(e.endpoint for _task, case in cases for e in case["expanded"])
    assert len(set(mock.datasets) - known) == sum(1 for _task, e in cases if e["fetch"] is None) + len(expanded)


# == the write side ====================================================================================

# the endpoints with writable fields (some are reached only through another module: the members of a set)
WRITE_ENDPOINTS = sorted(name for name, endpoint in ENDPOINTS.items() if endpoint.fields)
OPTION_TYPES = {"str": "string", "int": "integer", "bool": "boolean", "list": "array"}
PYTHON_TYPES = {"str": str, "int": int, "bool": bool, "list": list}
PLACEHOLDER = re.compile(r"{\w+}")
# The options a module needs besides state=absent to delete (an irreversible delete asks for a confirmation).
ABSENT_OPTIONS = {"wireless_sim": {"confirm_delete": True}}
# The value of an identifying option that finds no record, where NOT_FOUND_NAME cannot be one: an eSIM profile is
# ordered without an EID (with a generated matching ID), which no listing finds (the mock's listings match any EID).
NOT_FOUND_VALUES = {"eid": None}


class SpecOf(collections.namedtuple("SpecOf", "spec command")):
    """A module's StateSpec, with whether its module is a CommandModule."""

    def __getattr__(self, name):
        return getattr(self.spec, name)


class _Caught(Exception):
    """Stops a module's main() once its StateSpec is known."""


def state_spec(name):
    """The StateSpec a state module runs with: its main() stopped where the module (a StateModule, a CommandModule or
    a subclass of either) is built. The spec's ``command``: whether the module sends a command every run."""
    module = importlib.import_module("ansible_collections.simfleet.twilio.plugins.modules." + name)
    caught = []

    def capture(self, spec):
        caught.append(SpecOf(spec, self.command))
        raise _Caught()

    original = StateModule.__init__
    StateModule.__init__ = capture
    try:
        module.main()
    except _Caught:
        pass
    finally:
        StateModule.__init__ = original
    assert len(caught) == 1, "%s: main() should build its module from one StateSpec" % name
    return caught[0]


def is_command(endpoint):
    """A command is sent (created), never changed: it has final statuses instead of a state to keep."""
    return bool(endpoint.final_statuses)


def updatable(endpoint):
    """Whether the state modules change existing records of the endpoint (POST {path}/{Sid}): not commands, not
    the members of a set (those are added and removed), and not records with only create-only fields (an eSIM
    profile is ordered, never changed)."""
    return not is_command(endpoint) and not endpoint.parents and any(not f.create_only for f in endpoint.fields)


def spec_template(spec, path):
    """The description's path template for one of the table's, whose placeholders have other names."""
    shape = PLACEHOLDER.sub("{}", path)
    found = [template for template in spec["paths"] if PLACEHOLDER.sub("{}", template) == shape]
    assert len(found) <= 1, found
    return found[0] if found else None


def write_operation(mock, endpoint, method, record=False):
    """(template, operation) of a method on the endpoint's list path, or on its record path; (template, None)."""
    spec = mock.specs[endpoint.product]
    template = spec_template(spec, endpoint.path + ("/{Sid}" if record else ""))
    return template, spec["paths"][template].get(method) if template else None


def body_properties(mock, endpoint, operation):
    schema = form_schema(mock.specs[endpoint.product], operation) if operation else None
    return (schema or {}).get("properties", {})


def record_schema(mock, endpoint):
    spec = mock.specs[endpoint.product]
    template = spec_template(spec, endpoint.path + "/{Sid}")
    return resolve(spec, _json_content(spec["paths"][template]["get"])["schema"])


def field_problems(mock, endpoint, f, op, prop_ref):
    """What is wrong with a field as a parameter of one operation's request body (type, enumeration, pattern)."""
    spec = mock.specs[endpoint.product]
    prop = resolve(spec, prop_ref)
    where = "%s: Field(%r, %r) in %s" % (endpoint.name, f.option, f.param, op["operationId"])
    problems = []
    sent_type = "string" if f.sets else OPTION_TYPES[f.type]   # an action option sends its ``sets`` value
    if prop.get("type") != sent_type:
        problems.append("%s: the module sends %s, the description has type %s" % (where, sent_type, prop.get("type")))
    if f.type == "list" and resolve(spec, prop.get("items", {})).get("type") != "string":
        problems.append("%s: list elements are strings, the description's items are %s" % (where, prop.get("items")))
    enum = prop.get("enum")
    if f.sets:
        if enum is not None and f.sets not in enum:
            problems.append("%s: sends %r, not one of the description's %s" % (where, f.sets, enum))
    elif enum is not None:
        # Equal to the enumeration, in its order. One exception: where the description reuses the record's own status enumeration
        # for the status parameter (every status the record can show, also those only Twilio sets, such as a
        # wireless SIM's canceled or updating), the choices are the statuses the table's transitions lead to, all
        # of them in the enumeration.
        record_prop = record_schema(mock, endpoint)["properties"].get(f.record_field, {})
        shared = "$ref" in prop_ref and record_prop.get("$ref") == prop_ref["$ref"]
        targets = set(status for status, _sources in endpoint.transitions)
        status_subset = shared and f.record_field == "status" and set(f.choices) == targets and targets <= set(enum)
        if list(f.choices) != list(enum) and not status_subset:
            problems.append("%s: choices %s, the description's enumeration is %s" % (where, list(f.choices), enum))
    if f.ref and prop.get("pattern") and ENDPOINTS[f.ref].sid_pattern != prop["pattern"]:
        problems.append("%s: refers to %s (%s), the description takes %s" % (
            where, f.ref, ENDPOINTS[f.ref].sid_pattern, prop["pattern"]))
    return problems


# -- the table's writable fields against the description -----------------------------------------------

@pytest.mark.parametrize("name", WRITE_ENDPOINTS)
def test_write_table_matches_description(mock, name):
    """Every field's parameter is in the request body of each operation that sends it, with Twilio's type and
    enumeration; create-only fields are not parameters of the update, update-only ones not of the create;
    required_to_create covers what the create requires; creatable and deletable endpoints have those operations."""
    endpoint = ENDPOINTS[name]
    list_template, create = write_operation(mock, endpoint, "post")
    _template, update = write_operation(mock, endpoint, "post", record=True)
    _template, delete = write_operation(mock, endpoint, "delete", record=True)
    assert list_template is not None, "%s: no path %s in the description" % (name, endpoint.path)
    # the table's placeholders name the parents the description's do (NetworkAccessProfileSid: network_access_profile)
    assert [snake_case(p) for p in re.findall(r"{(\w+)}", list_template)] == [
        parent + "_sid" for parent in endpoint.parents], list_template
    mismatches = []
    if bool(create) != endpoint.creatable:
        mismatches.append("%s: creatable=%s, but the description %s POST %s" % (
            name, endpoint.creatable, "has" if create else "has no", list_template))
    if endpoint.deletable and not delete:
        mismatches.append("%s: deletable, but the description has no DELETE %s/{Sid}" % (name, list_template))
    if updatable(endpoint) and not update:
        mismatches.append("%s: changed by its module, but the description has no POST %s/{Sid}" % (name, list_template))
    create_body, update_body = body_properties(mock, endpoint, create), body_properties(mock, endpoint, update)
    record_fields = record_schema(mock, endpoint)["properties"]
    for f in endpoint.fields:
        on_create = endpoint.creatable and not f.update_only
        on_update = updatable(endpoint) and not f.create_only
        if not (on_create or on_update):
            mismatches.append("%s: Field(%r) is sent by no operation (create_only on an endpoint without create?)"
                              % (name, f.option))
        for sent, op, body in ((on_create, create, create_body), (on_update, update, update_body)):
            if not sent or op is None:
                continue
            if f.param not in body:
                mismatches.append("%s: Field(%r, %r) is not a parameter of %s, which has %s" % (
                    name, f.option, f.param, op["operationId"], sorted(body)))
            else:
                mismatches.extend(field_problems(mock, endpoint, f, op, body[f.param]))
        if f.create_only and update and f.param in update_body:
            mismatches.append("%s: Field(%r, %r) is create_only, but %s takes it: it can be changed" % (
                name, f.option, f.param, update["operationId"]))
        if f.update_only and create and f.param in create_body:
            mismatches.append("%s: Field(%r, %r) is update_only, but %s takes it" % (
                name, f.option, f.param, create["operationId"]))
        if updatable(endpoint) and not f.create_only and not f.write_only and update and f.param not in update_body:
            mismatches.append("%s: Field(%r, %r) can be changed per the table, but %s does not take it: create_only?" % (
                name, f.option, f.param, update["operationId"]))
        if not is_command(endpoint) and not f.write_only and f.record_field not in record_fields:
            mismatches.append("%s: Field(%r) is compared with the record field %r, which the record does not have" % (
                name, f.option, f.record_field))
    if create is not None:
        required = form_schema(mock.specs[endpoint.product], create).get("required", [])
        missing = sorted(set(required) - set(f.param for f in endpoint.fields if f.required_to_create))
        if missing:
            mismatches.append("%s: %s requires %s, not required_to_create in the table" % (
                name, create["operationId"], missing))
    assert mismatches == [], "%s:\n%s" % (MISMATCH, "\n".join(mismatches))


def test_every_writable_endpoint_has_a_state_module():
    """Every endpoint with writable fields is managed (or sent) by its module, or is the member set of one."""
    reached = set(STATE_MODULES)
    for name in STATE_MODULES:
        members = state_spec(name).members
        if members:
            reached.add(members.endpoint)
    assert "wireless_sim" in STATE_MODULES
    assert set(WRITE_ENDPOINTS) - reached == set(), "writable endpoints no state module reaches"


def module_operations(mock):
    """{(product, method, path template)} of the writes the state and command modules send: the create, the update
    and the delete of their endpoints (a command module deletes too, when its endpoint is deletable), and the members
    added and removed."""
    sent = set()
    for name in STATE_MODULES:
        endpoint, spec = ENDPOINTS[name], state_spec(name)
        endpoints = [(endpoint, endpoint.creatable, updatable(endpoint), endpoint.deletable)]
        if spec.members:
            endpoints.append((ENDPOINTS[spec.members.endpoint], True, False, True))
        for target, create, update, delete in endpoints:
            for method, record, wanted in (("post", False, create), ("post", True, update), ("delete", True, delete)):
                template, op = write_operation(mock, target, method, record=record)
                if wanted and op is not None:
                    sent.add((target.product, method.upper(), template))
    return sent


def test_every_write_of_the_descriptions_is_sent_by_a_module(mock):
    """Every POST and DELETE operation of both descriptions is sent by a module: none is left out."""
    operations = set((product, method.upper(), template) for product, spec in mock.specs.items()
                     for template, item in spec["paths"].items() for method in item if method in ("post", "delete"))
    assert len(operations) == 18
    assert sorted(operations - module_operations(mock)) == [], "POST or DELETE operations no module sends"


@pytest.mark.parametrize("name", STATE_MODULES)
def test_state_module_spec_matches_description(mock, name):
    """How each state module finds its record, the member set it manages and what it sends exist in the description."""
    spec = state_spec(name)
    assert spec.endpoint == name
    endpoint = ENDPOINTS[name]
    api = mock.specs[endpoint.product]
    list_template, create = write_operation(mock, endpoint, "post")
    for key in spec.find_by:
        filters = dict((f.option, f.param) for f in endpoint.filters)
        if key in filters:  # found in a listing filtered by it (an ICCID, an EID)
            params = [p["name"] for p in api["paths"][list_template]["get"]["parameters"]]
            assert filters[key] in params and key in record_schema(mock, endpoint)["properties"], key
        else:   # a SID, or a unique name: both go into the record's path
            assert spec_template(api, endpoint.path + "/{Sid}") is not None, key
            assert key == "sid" or endpoint.fetch_by_unique_name and key in record_schema(mock, endpoint)["properties"], key
    if spec.command:
        assert is_command(endpoint) and create is not None and success_code(create) == "201"
    if spec.absent:
        assert endpoint.deletable
    if spec.members:
        member = ENDPOINTS[spec.members.endpoint]
        assert member.creatable and member.deletable and len(member.parents) == 1
        assert member.path.startswith(endpoint.path + "/")
        assert create is not None, "%s: members given at creation, but there is no create" % name
        prop = resolve(api, body_properties(mock, endpoint, create).get(spec.members.create_param, {}))
        assert prop.get("type") == "array", "%s: %s is not an array parameter of %s: %s" % (
            name, spec.members.create_param, create["operationId"], prop)
        items = resolve(api, prop.get("items", {}))
        assert items.get("type") == "string" and items.get("pattern", member.sid_pattern) == member.sid_pattern


# -- the mock's write checks catch what they must catch ----------------------------------------------

def test_mock_flags_invalid_writes(mock):
    session = requests.Session()
    session.auth = (ACCOUNT_SID, AUTH_TOKEN)
    before, writes = len(mock.violations), len(mock.writes)
    hw = "HW" + "a" * 32
    bad = [
        ("POST", "supersim/v1/Fleets", {"NetworkAccessProfile": "HA" + "a" * 32, "Bogus": "1"}),      # unknown
        ("POST", "supersim/v1/Fleets", {"DataLimit": "5"}),                                          # required missing
        ("POST", "supersim/v1/Sims", {}),                                                           # required missing
        ("POST", "supersim/v1/Fleets", [("NetworkAccessProfile", "HA" + "a" * 32), ("UniqueName", "a"),
                                        ("UniqueName", "b")]),                                     # given twice
        ("POST", "supersim/v1/Fleets", {"NetworkAccessProfile": "x", "DataEnabled": "True"}),          # loose bool
        ("POST", "supersim/v1/Fleets", {"NetworkAccessProfile": "x", "DataLimit": "5.0"}),             # not integer
        ("POST", "supersim/v1/Fleets", {"NetworkAccessProfile": "x", "IpCommandsMethod": "PUT"}),      # enumeration
        ("POST", "supersim/v1/Fleets", {"NetworkAccessProfile": "x", "SmsCommandsUrl": "/relative"}),  # not a URL
        ("POST", "supersim/v1/Fleets/HF" + "a" * 32, {"DataEnabled": "false"}),                     # create only
        ("POST", "supersim/v1/NetworkAccessProfiles/HA" + "a" * 32 + "/Networks", {"Network": "HX" + "a" * 32}),
        ("DELETE", "wireless/v1/RatePlans/WP" + "a" * 32, {"UniqueName": "x"}),                     # body on DELETE
        ("DELETE", "supersim/v1/Fleets/HF" + "a" * 32, None),                                       # no such operation
        ("POST", "wireless/v1/Sims", {"UniqueName": "x"}),                                          # no such operation
        ("POST", "wireless/v1/Sims/DE" + "a" * 32, {"Status": "frozen"}),
    ]
    for method, path, data in bad:
        session.request(method, "%s/%s" % (mock.base_url, path), data=data, timeout=10)
    found = mock.violations[before:]
    for method, path, data in bad:
        assert any(v.startswith("%s /%s?" % (method, path)) for v in found), (method, path, data, found)
    # arrays may repeat; a good write is answered with its success status and a validated record
    good = session.post("%s/supersim/v1/NetworkAccessProfiles" % mock.base_url,
                        data=[("UniqueName", "x"), ("Networks", hw), ("Networks", "HW" + "b" * 32)], timeout=10)
    assert good.status_code == 201 and good.json()["unique_name"] == "x"
    gone = session.delete("%s/wireless/v1/RatePlans/WP%s" % (mock.base_url, "c" * 32), timeout=10)
    assert gone.status_code == 204 and gone.content == b""
    missing = session.delete("%s/wireless/v1/RatePlans/WP%s" % (mock.base_url, NOT_FOUND_HEX), timeout=10)
    assert missing.status_code == 404
    assert len(mock.violations) == before + len(found), "valid writes flagged: %s" % mock.violations[before + len(found):]
    assert [w["status"] for w in mock.writes[-3:]] == [201, 204, 404]
    assert all(w["response_validated"] for w in mock.writes[-3:-1])
    assert len(mock.writes) - writes == len(bad) + 3 - 2   # the two that are no operation are no writes
    del mock.violations[before:]


# -- every state module writes, as the description says ------------------------------------------------

def new_value(mock, endpoint, f, current, label, create):
    """A value for a field's option: differs from the record's ``current`` one; when creating, the description's
    example value where it has one (a field that refers to another record: a unique name the module resolves)."""
    api = mock.specs[endpoint.product]
    if f.sets:
        return True
    if f.ref:
        target = ENDPOINTS[f.ref]
        if target.fetch_by_unique_name:
            return "%s-%s" % (label, f.option.replace("_", "-"))
        return SID_PATTERN.match(target.sid_pattern).group(1) + "b" * 32
    _t, create_op = write_operation(mock, endpoint, "post")
    _t, update_op = write_operation(mock, endpoint, "post", record=True)
    prop = resolve(api, dict(body_properties(mock, endpoint, update_op), **body_properties(mock, endpoint, create_op))
                   .get(f.param, {}))
    if f.choices:
        statuses = [current] if not create else ["new", current]   # a new record, then the status it was created with
        allowed = [c for c in f.choices if (create or c != current) and (
            f.option != "status" or all(endpoint.allowed_from(c) is None or s in endpoint.allowed_from(c) for s in statuses))]
        if create and current in allowed:
            return current
        return allowed[0]
    if create and f.option != "unique_name" and isinstance(current, PYTHON_TYPES[f.type]) and not (
            f.type == "int" and isinstance(current, bool)):
        return current
    if f.type == "bool":
        return not current
    if f.type == "int":
        return (current if isinstance(current, int) else 0) + 7
    if f.type == "list":
        return list(current[:-1]) if isinstance(current, list) and len(current) > 1 else [label]
    if prop.get("format") == "uri" or f.url:
        return "https://hooks.example.com/%s/%s" % (label, f.option)
    return "%s-%s" % (label, f.option.replace("_", "-"))


def form_pairs(values, fields):
    """The form pairs the options ask for: ``{option: value}`` with references already resolved to SIDs."""
    pairs = []
    for f in fields:
        value = f.sets if f.sets else values[f.option]
        value = f.form_value(value)
        pairs.extend((f.param, v) for v in (value if isinstance(value, list) else [value]))
    return pairs


def build_write_cases(mock, label):
    """(task, case) for every state module: everything it writes, derived from the table and its StateSpec."""
    cases = []
    for number, name in enumerate(STATE_MODULES):
        endpoint, spec = ENDPOINTS[name], state_spec(name)
        api = mock.specs[endpoint.product]
        current = served_record(mock, endpoint)
        _t, create_op = write_operation(mock, endpoint, "post")
        created = {}
        for example in (create_op or {}).get("responses", {}).get("201", {}).get("content", {}).get(
                "application/json", {}).get("examples", {}).values():
            created = resolve(api, example)["value"]
            break

        def add(kind, args, expect="write", check=True, **extra):
            task_name = "%s %s: %s" % (label, name, kind)
            task = {"name": task_name, "simfleet.twilio." + name: dict(connection(mock), **args)}
            if expect == "refused":
                task["ignore_errors"] = True
            cases.append((task, dict(module=name, endpoint=endpoint, spec=spec, kind=kind, args=args, expect=expect,
                                     check=check, current=current, **extra)))

        def values(kind, fields, create, record):
            prefix = "%s-%s-%s" % (label, name.replace("_", "-"), kind.replace(" ", "-"))
            return dict((f.option, new_value(mock, endpoint, f, record.get(f.record_field), prefix, create))
                        for f in fields)

        if spec.command:
            add("send", values("send", endpoint.fields, True, current))
            continue
        # an existing record: every field that can change, changed
        key = spec.find_by[0]
        found_by = (SID_PATTERN.match(endpoint.sid_pattern).group(1) + "%032x" % (0xa0000000 + number) if key == "sid"
                    else "%s-%s-existing" % (label, name.replace("_", "-")))
        changing = [f for f in endpoint.fields if not f.create_only and f.option not in spec.find_by]
        if changing:
            add("update", dict(values("update", changing, False, current), **{key: found_by}), found_by=(key, found_by))
        # a new record: every field (those Twilio takes only on update are set right after the create)
        if endpoint.creatable:
            fields = [f for f in endpoint.fields if f.option != key]
            args = dict(values("create", fields, True, dict(current, **created)), **{key: NOT_FOUND_VALUES.get(key, NOT_FOUND_NAME)})
            for other in spec.find_by[1:]:  # found by none of its identifying options: the listing is empty too
                args[other] = NOT_FOUND_NAME
            if spec.members:
                member = ENDPOINTS[spec.members.endpoint]
                prefix = SID_PATTERN.match(member.sid_pattern).group(1)
                args[spec.members.option] = [prefix + "%032x" % (0xb0000000 + n) for n in (1, 2)]
            add("create", args)
            # create-only fields of an existing record cannot change: refused before any write
            frozen = [f for f in endpoint.fields if f.create_only and not f.write_only and f.option not in spec.find_by]
            if frozen:
                add("change create-only", dict(values("frozen", frozen, False, current),
                                               **{key: "%s-%s-frozen" % (label, name.replace("_", "-"))}),
                    expect="refused", check=False)
        else:
            add("missing record", dict(values("missing", changing[:1], False, current), **{key: NOT_FOUND_NAME}),
                expect="refused", check=False)
        if spec.members:
            add("members", {key: "%s-%s-members" % (label, name.replace("_", "-")), spec.members.option: None},
                found_by=(key, "%s-%s-members" % (label, name.replace("_", "-"))))
        if spec.absent:
            absent = dict(ABSENT_OPTIONS.get(name, {}), state="absent")
            add("delete", dict(absent, **{key: "%s-%s-doomed" % (label, name.replace("_", "-"))}),
                found_by=(key, "%s-%s-doomed" % (label, name.replace("_", "-"))))
            add("absent already", dict(absent, **{key: NOT_FOUND_NAME}), expect="unchanged", check=False)
    return cases


def served_record(mock, endpoint):
    """A record the mock serves for the endpoint's record path (all but its SID and names are the same for any)."""
    sid = SID_PATTERN.match(endpoint.sid_pattern).group(1) + "d" * 32
    answer = requests.get("%s/%s%s" % (mock.base_url, endpoint.product, endpoint.fetch_path(sid)),
                          auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def members_dataset(mock, spec):
    """The member records the mock serves for any record's set (the listing the module reads, at its page size)."""
    member = ENDPOINTS[spec.members.endpoint]
    api = mock.specs[member.product]
    template = spec_template(api, member.path)
    path = PLACEHOLDER.sub(SID_PATTERN.match(ENDPOINTS[spec.endpoint].sid_pattern).group(1) + "c" * 32, template)
    answer = requests.get("%s/%s%s" % (mock.base_url, member.product, path), params={"PageSize": MAX_PAGE_SIZE},
                          auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=10)
    assert answer.status_code == 200
    key = mock.dataset_key(member.product, template, {}, MAX_PAGE_SIZE)
    return key, mock.datasets[key]


def fill_members(mock, cases):
    """The members cases keep all but the first member the mock serves and add a new one."""
    for task, case in cases:
        if case["kind"] == "members":
            key, records = members_dataset(mock, case["spec"])
            prefix = records[0]["sid"][:2]
            wanted = [r["sid"] for r in records[1:]] + [prefix + "%032x" % 0xbeef]
            task["simfleet.twilio." + case["module"]][case["spec"].members.option] = wanted
            case.update(dataset=key, listed=mock.page_requests[key], removed=[records[0]["sid"]], added=[wanted[-1]],
                        wanted=wanted)


def resolved(mock, f, value):
    """The SID the module sends for an option that names a record: the one the mock served for that name."""
    target = ENDPOINTS[f.ref]
    if re.fullmatch(target.sid_pattern, value):
        return value
    served = mock.fetched.get((target.product, target.path + "/{Sid}", value))
    assert served is not None, "the module did not look up %s %r" % (f.ref, value)
    return served["sid"]


def expected_writes(mock, case, result):
    """[(method, path, sorted form pairs)] the task's options call for, in order."""
    endpoint, spec, args = case["endpoint"], case["spec"], case["args"]
    product = endpoint.product
    # the options that find the record are not sent, but when creating (a unique name, an ICCID)
    kept = () if case["kind"] == "create" else spec.find_by
    set_fields = [f for f in endpoint.fields if args.get(f.option) is not None and f.option not in kept]
    sids = dict((f.option, resolved(mock, f, args[f.option])) for f in set_fields if f.ref)
    values = dict((f.option, sids.get(f.option, args[f.option])) for f in set_fields)

    def write(method, path, fields, extra=()):
        return (method, "/%s%s" % (product, path), sorted(form_pairs(values, fields) + list(extra)))

    def found_sid():
        key, value = case["found_by"]
        if key == "sid" and re.fullmatch(endpoint.sid_pattern, value):
            return value
        return mock.fetched[(product, endpoint.path + "/{Sid}", value)]["sid"]

    kind = case["kind"]
    if kind == "send":
        return [write("POST", endpoint.list_path(), [f for f in set_fields if not f.update_only])]
    if kind == "update":
        # the fields whose value differs from the record's (an action already under way is no change), and the
        # write-only ones, which go with them
        current = case["current"]
        changed = [f for f in set_fields if not f.create_only and (
            f.write_only or current.get(f.record_field) != (f.sets or values[f.option]))]
        return [write("POST", endpoint.fetch_path(found_sid()), changed)]
    if kind == "create":
        extra = [(spec.members.create_param, m) for m in args[spec.members.option]] if spec.members else []
        # the create with the name it is found by, when that is a field (a unique name) and not the SID
        first = [f for f in set_fields if not f.update_only]
        writes = [write("POST", endpoint.list_path(), first, extra)]
        later = [f for f in set_fields if f.update_only and not f.write_only]
        if later:
            sent_later = later + [f for f in set_fields if f.write_only and not f.create_only]
            writes.append(write("POST", endpoint.fetch_path(result[endpoint.item]["sid"]), sent_later))
        return writes
    if kind == "members":
        member = ENDPOINTS[spec.members.endpoint]
        parents = {member.parents[0]: found_sid()}
        added = [("POST", "/%s%s" % (product, member.list_path(**parents)), [(member.fields[0].param, sid)]) for sid in case["added"]]
        removed = [("DELETE", "/%s%s" % (product, member.fetch_path(sid, **parents)), []) for sid in case["removed"]]
        return added + removed
    if kind == "delete":
        return [("DELETE", "/%s%s" % (product, endpoint.fetch_path(found_sid())), [])]
    return []


def test_every_state_module_writes_as_the_description_says(mock, tmp_path, monkeypatch):
    """Each state module, with options that make it write, sends exactly the writes its options call for, each one
    valid for Twilio's description, and returns the record the write was answered with; in check mode, none."""
    assert STATE_MODULES, "no state modules"
    # Twilio sends commands only to SIMs in some statuses (the description's example SIM is new): the mock's are active.
    monkeypatch.setattr(mock, "fetch_overrides", dict(((ENDPOINTS[f.ref].product, ENDPOINTS[f.ref].path), {"status": "active"})
                                                      for name in STATE_MODULES for f in ENDPOINTS[name].fields if f.ref_statuses))
    # check mode (and the cases that are refused, or need nothing): no write at all
    quiet = build_write_cases(mock, "check")
    fill_members(mock, quiet)
    tasks = []
    for task, case in quiet:
        if case["check"]:
            task.update(check_mode=True, diff=True)
        tasks.append(task)
    mock.violations.clear()
    requests_before = len(mock.requests)
    run = run_tasks(str(tmp_path / "check"), tasks)
    assert run.rc == 0, run.output[-4000:]
    assert mock.violations == [], "\n".join(mock.violations)
    assert ["%s %s" % (r["method"], r["path"]) for r in mock.requests[requests_before:] if r["method"] != "GET"] == [], \
        "writes in check mode, or where there was nothing to change"
    for task, case in quiet:
        if case["expect"] == "refused":
            assert "msg" in run.failed(task["name"]), task["name"]
            continue
        result = run.ok(task["name"])
        assert result["changed"] is (case["expect"] == "write"), task["name"]
        if case["check"]:
            assert "diff" in result, task["name"]
            if case["kind"] in ("create", "send"):  # nothing created; a command as it would be sent, without a SID
                item = result[case["endpoint"].item]
                assert item is None if case["kind"] == "create" else "sid" not in item and item["status"] == "queued", task["name"]

    # for real: every write validated, and exactly the ones the options call for
    cases = [(task, case) for task, case in build_write_cases(mock, "apply") if case["check"]]
    fill_members(mock, cases)
    writes_before, requests_before = len(mock.writes), len(mock.requests)
    run = run_tasks(str(tmp_path / "apply"), [task for task, _case in cases])
    assert run.rc == 0, run.output[-4000:]
    assert mock.violations == [], "\n".join(mock.violations)
    sent = mock.writes[writes_before:]
    # every request that was not a GET was a write of the description, checked by the mock
    assert len([r for r in mock.requests[requests_before:] if r["method"] != "GET"]) == len(sent) > 0
    agents = set(r["user_agent"] for r in mock.requests[requests_before:])
    assert len(agents) == 1 and agents.pop().startswith("simfleet.twilio/"), agents
    for write in sent:
        assert write["problems"] == [] and write["response_validated"], write
        operation = mock.specs[write["path"].split("/")[1]]["paths"][write["template"]][write["method"].lower()]
        assert write["status"] == int(success_code(operation)), write
    unmatched = list(sent)
    operations = collections.defaultdict(set)
    for task, case in cases:
        result = run.ok(task["name"])
        assert result["changed"] is True, task["name"]
        matched = []
        for method, path, form in expected_writes(mock, case, result):
            found = next((w for w in unmatched if (w["method"], w["path"], sorted(w["form"])) == (method, path, form)),
                         None)
            assert found is not None, "%s: no write %s %s %s among\n%s" % (task["name"], method, path, form, "\n".join(
                "%s %s %s" % (w["method"], w["path"], sorted(w["form"])) for w in unmatched))
            unmatched.remove(found)
            matched.append(found)
            operations[case["module"]].add(found["operation"])
        item = case["endpoint"].item
        if case["kind"] in ("send", "update", "create"):  # as answered, but for the secrets a module redacts
            assert result[item] == redacted(case["endpoint"], [matched[-1]["record"]], False)[0], task["name"]
        if case["kind"] == "create" and len(matched) > 1:
            assert matched[0]["record"]["sid"] == result[item]["sid"]
        if case["kind"] == "members":
            option = case["spec"].members.option
            assert result[option] == sorted(case["wanted"]), task["name"]
            assert mock.page_requests[case["dataset"]] == case["listed"] + 1, "the module did not list the members"
        if case["kind"] == "delete":
            assert result[item] is None
    assert unmatched == [], "writes no option called for:\n%s" % "\n".join(
        "%s %s %s" % (w["method"], w["path"], w["form"]) for w in unmatched)

    # every operation a module is for was reached: create, update, delete, members added and removed, commands sent
    for name in STATE_MODULES:
        endpoint, spec = ENDPOINTS[name], state_spec(name)
        wanted = set()
        _t, create = write_operation(mock, endpoint, "post")
        _t, update = write_operation(mock, endpoint, "post", record=True)
        _t, delete = write_operation(mock, endpoint, "delete", record=True)
        if endpoint.creatable:
            wanted.add(create["operationId"])
        if updatable(endpoint) and any(not f.create_only and f.option not in spec.find_by for f in endpoint.fields):
            wanted.add(update["operationId"])
        if spec.absent:
            wanted.add(delete["operationId"])
        if spec.members:
            member = ENDPOINTS[spec.members.endpoint]
            wanted.add(write_operation(mock, member, "post")[1]["operationId"])
            wanted.add(write_operation(mock, member, "delete", record=True)[1]["operationId"])
        assert wanted and operations[name] >= wanted, (name, sorted(wanted), sorted(operations[name]))


def luhn_complete(digits):
    """``digits`` with the Luhn check digit an ICCID ends with."""
    def valid(number):
        total = 0
        for index, digit in enumerate(reversed(number)):
            value = int(digit) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        return total % 10 == 0
    return next(digits + str(check) for check in range(10) if valid(digits + str(check)))


def test_sim_register_writes_as_the_description_says(mock, tmp_path):
    """sim_register's listing and registrations are each valid for Twilio's description: one POST /v1/Sims with Iccid
    and RegistrationCode per new SIM; in check mode, none."""
    iccids = [luhn_complete("89883070000%08d" % n) for n in (7101, 7102)]
    rows = [{"iccid": iccid, "registration_code": "CODE%d" % n} for n, iccid in enumerate(iccids)]
    tasks = [{"name": "register in check mode", "simfleet.twilio.sim_register": dict(connection(mock), sims=rows),
              "check_mode": True},
             {"name": "register", "simfleet.twilio.sim_register": dict(connection(mock), sims=rows)}]
    mock.violations.clear()
    before = len(mock.requests)
    run = run_plays(str(tmp_path / "register"), [dict(tasks=tasks, spread=False)])
    assert run.rc == 0, run.output[-4000:]
    assert mock.violations == [], "\n".join(mock.violations)
    writes = [(r["method"], r["path"], sorted(r["form"])) for r in mock.requests[before:] if r["method"] != "GET"]
    # the registrations go out concurrently: in any order
    assert sorted(writes) == sorted(("POST", "/supersim/v1/Sims", sorted([("Iccid", row["iccid"]),
                                                                          ("RegistrationCode", row["registration_code"])]))
                                    for row in rows), writes
    assert run.ok("register")["counts"]["registered"] == 2 and "CODE0" not in run.output
