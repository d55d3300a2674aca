# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Contract tests against a mock generated from Twilio's OpenAPI description (tests/openapi).

Every info module runs through ``ansible-playbook`` with every filter on its own, all filters together,
``limit``, and fetches by SID (found and not found) and by unique name. The mock validates every request
against the description and answers with records generated from it (validated before sending); the tests
assert that it saw no invalid request and that each module returned exactly the records it served.
"""

import math
import os
import sys

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS)
for _path in (HERE, os.path.join(TESTS, "openapi"), os.path.join(ROOT, "build", "collections")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from _ansible import run_tasks  # noqa: E402
from openapi_mock import (  # noqa: E402
    FILTER_FIELDS, NOT_FOUND_HEX, NOT_FOUND_NAME, SID_PATTERN, OpenAPIMock, _json_content, example_record, resolve,
)

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS, REDACTED  # noqa: E402
from ansible_collections.simfleet.twilio.plugins.module_utils._module import info_argument_spec  # noqa: E402

# the endpoints that have an info module (the table also describes endpoints used only internally)
MODULE_ENDPOINTS = dict((name, endpoint) for name, endpoint in ENDPOINTS.items()
                        if os.path.exists(os.path.join(ROOT, "plugins", "modules", name + "_info.py")))
ISSUE_MODULES = {"wireless_sim", "supersim_sim", "supersim_esim_profile", "supersim_ip_command", "supersim_sms_command"}

ACCOUNT_SID = "AC" + "c0ffee00" * 4
AUTH_TOKEN = "openapi-mock-token-" + "5" * 13
PAGE_SIZE = 2        # small pages: every listing below spans two pages
LIMIT = 3
UNIQUE_NAME = "mock unique name"   # a space: the module must quote it into the path


@pytest.fixture(scope="module")
def mock():
    with OpenAPIMock(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


def operation(mock, endpoint, fetch=False):
    spec = mock.specs[endpoint.product]
    path = endpoint.path + "/{Sid}" if fetch else endpoint.path
    return spec, spec["paths"][path]["get"]


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
    for example in parameter.get("examples", {}).values():
        return example["value"]
    if "enum" in schema:
        return schema["enum"][-1]
    field = FILTER_FIELDS.get(param)
    field = field[0] if isinstance(field, tuple) else field
    record = example_record(spec, endpoint.path, endpoint.key)
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
    for endpoint in MODULE_ENDPOINTS.values():
        def add(label, args, page_size=PAGE_SIZE, limit=None, params=None, fetch=None, reveal=False):
            task_args = dict(connection(mock), **args)
            if page_size is not None:
                task_args["page_size"] = page_size
            if limit is not None:
                task_args["limit"] = limit
            if reveal:
                task_args["reveal_secrets"] = True
            name = "%s: %s" % (endpoint.name, label)
            sent_page_size = min(page_size or 1000, limit) if limit else (page_size or 1000)
            cases.append(({"name": name, module_name(endpoint): task_args},
                          dict(endpoint=endpoint, params=params or {}, page_size=sent_page_size, limit=limit,
                               fetch=fetch, reveal=reveal)))

        add("no filter, default page size", {}, page_size=None)
        all_args, all_params = {}, {}
        for f in endpoint.filters:
            value = filter_value(mock, endpoint, f.param)
            add("%s=%s" % (f.option, value), {f.option: value}, params={f.param: value})
            all_args[f.option], all_params[f.param] = value, value
            if isinstance(FILTER_FIELDS.get(f.param), tuple):   # SID or unique name
                name = filter_value(mock, endpoint, f.param, form="name")
                add("%s by unique name" % f.option, {f.option: name}, params={f.param: name})
        add("all filters", all_args, params=all_params)
        add("limit", {}, page_size=None, limit=LIMIT)
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


def redacted(endpoint, records, reveal):
    if reveal:
        return records
    return [dict((k, REDACTED if k in endpoint.secret_fields and v is not None else v) for k, v in record.items())
            for record in records]


# -- the endpoint table against the description ------------------------------------------------------

def test_every_module_is_covered():
    assert set(MODULE_ENDPOINTS) >= ISSUE_MODULES


@pytest.mark.parametrize("name", sorted(MODULE_ENDPOINTS))
def test_endpoint_table_matches_description(mock, name):
    """Paths, list key, every query parameter, enumerations and SID patterns are Twilio's."""
    endpoint = MODULE_ENDPOINTS[name]
    spec, op = operation(mock, endpoint)
    fetch_spec, fetch_op = operation(mock, endpoint, fetch=True)
    assert fetch_op["operationId"].startswith("Fetch")
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
        assert list(f.choices or []) == list(enum or []), f.option
        assert argspec[f.option].get("choices") == (list(enum) if enum else None), f.option
        if f.pattern:
            field = FILTER_FIELDS[f.param]
            field = field[0] if isinstance(field, tuple) else field
            assert f.pattern == resolve(spec, items["properties"][field])["pattern"], f.option
    assert endpoint.sid_pattern == resolve(spec, items["properties"]["sid"])["pattern"]
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
        key = mock.dataset_key(endpoint.product, endpoint.path, expect["params"], expect["page_size"])
        served = mock.datasets.get(key)
        assert served is not None, "%s: no request with %s" % (task["name"], key)
        limit = expect["limit"]
        expected = served[:limit] if limit else served
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
    assert len(set(mock.datasets) - known) == sum(1 for _task, e in cases if e["fetch"] is None)
