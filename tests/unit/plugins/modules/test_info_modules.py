# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every info module shares: validation before any request, filters, fetch, errors.

Each module runs in-process against a real HTTP server on loopback (pytest-httpserver).
"""

import datetime
import json
import os
import time

import pytest
from werkzeug.wrappers import Response

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS, SID_PATTERNS

ACCOUNT = "AC" + "1" * 32
TOKEN = "token-" + "7" * 26
MODULES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))),
                           "plugins", "modules")
# Every info module, from the module files and the endpoint table.
MODULES = dict((name[:-3], ENDPOINTS[name[:-len("_info.py")]]) for name in sorted(os.listdir(MODULES_DIR)) if name.endswith("_info.py"))
FETCHABLE = sorted(name for name, endpoint in MODULES.items() if endpoint.fetchable)
# Values of the filters that take a pattern other than a SID's.
PATTERN_EXAMPLES = {r"[A-Z]{2}": "US"}
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def valid_value(f, endpoint=None):
    if f.choices:
        return f.choices[-1]
    if f.time:
        # A window of ten days that ends yesterday: within every limit Twilio sets.
        window = endpoint.window if endpoint is not None else None
        days = 11 if window is not None and f.option == window.start else 1
        return iso(NOW - datetime.timedelta(days=days))
    if f.pattern:
        return f.pattern[1:3] + "0123456789abcdef" * 2 if f.pattern in SID_PATTERNS.values() else PATTERN_EXAMPLES[f.pattern]
    return "value-of-" + f.option


def a_sid(endpoint, n=1):
    return endpoint.sid_pattern[1:3] + "%032x" % n


def a_record(endpoint, n=1, **fields):
    """A record of the endpoint: with a SID when its records have one, else told apart by a field of its own."""
    record = {"sid": a_sid(endpoint, n)} if endpoint.sid_pattern else {"n": n}
    record.update(fields)
    return record


def parent_args(endpoint):
    """Values for the parent options an info module requires (a unique name: Twilio takes one in the path)."""
    return dict((parent, "%s-0042" % parent) for parent in endpoint.parents)


def base_args(server, **extra):
    args = dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url=server.url_for("/{product}"), max_retries=0)
    args.update(extra)
    return args


def module_args(server, endpoint, **extra):
    """base_args plus the parent options the module requires."""
    return base_args(server, **dict(parent_args(endpoint), **extra))


def list_url(endpoint):
    return "/%s%s" % (endpoint.product, endpoint.list_path(**parent_args(endpoint)))


def serve_list(server, endpoint, records):
    body = {endpoint.key: records, "meta": {"key": endpoint.key, "next_page_url": None}}
    server.expect_request(list_url(endpoint)).respond_with_json(body)


@pytest.fixture(params=sorted(MODULES))
def module(request):
    return request.param, MODULES[request.param]


@pytest.fixture(params=FETCHABLE)
def fetchable_module(request):
    return request.param, MODULES[request.param]


def test_every_filter_reaches_twilio_as_its_query_parameter(run_module, httpserver, module):
    name, endpoint = module
    records = [a_record(endpoint, n, status="x") for n in range(3)]
    serve_list(httpserver, endpoint, records)
    filters = dict((f.option, valid_value(f, endpoint)) for f in endpoint.filters)
    failed, result = run_module(name, module_args(httpserver, endpoint, page_size=250, **filters))
    assert not failed, result
    assert result[endpoint.key] == records
    assert result["changed"] is False
    (request, _response), = httpserver.log
    expected = dict((f.param, valid_value(f, endpoint)) for f in endpoint.filters)
    expected["PageSize"] = "250"
    assert dict(request.args) == expected


@pytest.mark.parametrize("option_value", ["bogus", "ACTIVE"])
def test_enumerations_are_refused_before_any_request(run_module, httpserver, module, option_value):
    name, endpoint = module
    for f in endpoint.filters:
        if not f.choices:
            continue
        failed, result = run_module(name, module_args(httpserver, endpoint, **{f.option: option_value}))
        assert failed
        assert f.option in result["msg"]
        for choice in f.choices:
            assert choice in result["msg"]
    assert len(httpserver.log) == 0


def test_sid_patterns_are_checked_before_any_request(run_module, httpserver, module):
    name, endpoint = module
    for f in endpoint.filters:
        if f.pattern:
            failed, result = run_module(name, module_args(httpserver, endpoint, **{f.option: "HSnot-a-sid"}))
            assert failed and f.option in result["msg"] and f.pattern in result["msg"]
    if endpoint.fetchable and not endpoint.fetch_by_unique_name:
        failed, result = run_module(name, base_args(httpserver, sid="some-name"))
        assert failed and "sid must match %s" % endpoint.sid_pattern in result["msg"]
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("args,message", [
    (dict(page_size=0), "page_size must be between 1 and 1000, got 0"),
    (dict(page_size=1001), "page_size must be between 1 and 1000, got 1001"),
    (dict(limit=0), "limit must be 1 or more, got 0"),
    (dict(timeout=0), "timeout must be greater than 0"),
    (dict(max_retries=-1), "max_retries must be 0 or more"),
    (dict(account_sid=None), "account_sid is required: set the option or the TWILIO_ACCOUNT_SID environment variable"),
    (dict(account_sid="AC123"), "account_sid must match ^AC[0-9a-fA-F]{32}$"),
    (dict(api_key="SKnope", api_secret="s"), "api_key must match ^SK[0-9a-fA-F]{32}$"),
    (dict(base_url="http://[::1/{product}"), "base_url must be an http or https URL"),
    (dict(auth_token=None), "auth_token is required unless api_key and api_secret are set"),
    (dict(api_key="SK" + "2" * 32), "api_key and api_secret must be set together"),
    (dict(base_url="ftp://example.com/{product}"), "base_url must be an http or https URL"),
])
def test_bad_options_are_refused_before_any_request(run_module, httpserver, module, args, message):
    name, endpoint = module
    failed, result = run_module(name, module_args(httpserver, endpoint, **args))
    assert failed
    assert message in result["msg"]
    assert TOKEN not in json.dumps(result)
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("blank", ["", " ", "\t\n"])
def test_blank_filter_values_are_refused_not_sent(run_module, httpserver, module, blank):
    name, endpoint = module
    for f in endpoint.filters:
        failed, result = run_module(name, module_args(httpserver, endpoint, **{f.option: blank}))
        # Enumerations are refused by their choices, every other filter by the blank check.
        expected = "value of %s must be one of" if f.choices else "%s must not be empty or blank"
        assert failed and expected % f.option in result["msg"], (f.option, result)
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("sid", [".", "..", "%2e", "%2E%2e", "%252e%252e", "a/b", "..%2f", " DE1", "name\n", "", "  ", "x\x7fy", "tab\there"])
def test_sid_values_that_are_path_tokens_or_padded_are_refused(run_module, httpserver, fetchable_module, sid):
    name, endpoint = fetchable_module
    failed, result = run_module(name, base_args(httpserver, sid=sid))
    assert failed and "sid must" in result["msg"], result
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("value", [".", "..", "%2e%2E", "a/b", " sim-1", "sim-1\n", "", "x\x7fy"])
def test_parent_values_that_are_path_tokens_or_padded_are_refused(run_module, httpserver, module, value):
    name, endpoint = module
    parents = sorted(parent_args(endpoint))
    if endpoint.per_parent:
        parents += list(ENDPOINTS[endpoint.per_parent].parents)
    for parent in parents:
        failed, result = run_module(name, module_args(httpserver, endpoint, **{parent: value}))
        assert failed and "%s must" % parent in result["msg"], result
    assert len(httpserver.log) == 0


def test_a_sid_with_a_trailing_newline_is_refused(run_module, httpserver, module):
    name, endpoint = module
    if endpoint.fetchable:
        failed, result = run_module(name, base_args(httpserver, sid=a_sid(endpoint) + "\n"))
        assert failed and "sid must" in result["msg"]
    for f in endpoint.filters:
        if f.pattern in SID_PATTERNS.values():
            failed, result = run_module(name, module_args(httpserver, endpoint, **{f.option: f.pattern[1:3] + "0" * 32 + "\n"}))
            assert failed and "%s must be a SID matching" % f.option in result["msg"]
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("args,message", [
    (dict(timeout="inf"), "timeout must be greater than 0 and at most 3600"),
    (dict(timeout="nan"), "timeout must be greater than 0 and at most 3600"),
    (dict(timeout="1e308"), "timeout must be greater than 0 and at most 3600"),
    (dict(max_retry_time="inf"), "max_retry_time must be 0 or more and at most 86400"),
    (dict(max_retry_time="1e308"), "max_retry_time must be 0 or more and at most 86400"),
    (dict(base_url="http://127.0.0.1:1/{product}?debug=1"), "base_url must not have a query string or a fragment"),
    (dict(base_url="http://127.0.0.1:1/{product}#top"), "base_url must not have a query string or a fragment"),
])
def test_absurd_connection_values_are_refused_naming_the_option(run_module, httpserver, module, args, message):
    name, endpoint = module
    failed, result = run_module(name, module_args(httpserver, endpoint, **args))
    assert failed and message in result["msg"], result
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("name", sorted(name for name in FETCHABLE if MODULES[name].filters))
def test_sid_cannot_be_combined_with_filters(run_module, httpserver, name):
    endpoint = MODULES[name]
    f = endpoint.filters[0]
    failed, result = run_module(name, base_args(httpserver, sid=a_sid(endpoint), **{f.option: valid_value(f)}))
    assert failed and "sid fetches one record and cannot be combined with %s" % f.option in result["msg"]
    assert len(httpserver.log) == 0


def test_fetch_by_sid_and_not_found(run_module, httpserver, fetchable_module):
    name, endpoint = fetchable_module
    record = {"sid": a_sid(endpoint, 5), "status": "x"}
    prefix = "/%s%s/" % (endpoint.product, endpoint.path)
    httpserver.expect_request(prefix + record["sid"]).respond_with_json(record)
    missing = a_sid(endpoint, 6)
    body = {"code": 20404, "message": "The requested resource was not found", "more_info": "https://www.twilio.com/docs/errors/20404",
            "status": 404}
    httpserver.expect_request(prefix + missing).respond_with_json(body, status=404)

    failed, result = run_module(name, base_args(httpserver, sid=record["sid"]))
    assert not failed and result[endpoint.key] == [record]
    failed, result = run_module(name, base_args(httpserver, sid=missing))
    assert not failed and result[endpoint.key] == []


def test_api_errors_fail_with_twilio_fields(run_module, httpserver, module):
    name, endpoint = module
    body = {"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}
    httpserver.expect_request(list_url(endpoint)).respond_with_json(body, status=401)
    failed, result = run_module(name, module_args(httpserver, endpoint))
    assert failed
    assert result["msg"] == ("Twilio API error 20003 (HTTP 401) for GET %s: Authenticate, see https://www.twilio.com/docs/errors/20003"
                             % httpserver.url_for(list_url(endpoint)))
    assert result["error"] == {"code": 20003, "message": result["msg"], "more_info": body["more_info"], "status": 401}
    assert TOKEN not in json.dumps(result)


def test_connection_options_come_from_the_environment(run_module, httpserver, module, monkeypatch):
    name, endpoint = module
    serve_list(httpserver, endpoint, [a_record(endpoint)])
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_BASE_URL", httpserver.url_for("/{product}"))
    failed, result = run_module(name, parent_args(endpoint))
    assert not failed, result
    assert len(result[endpoint.key]) == 1


def test_limit_and_paging(run_module, httpserver, module):
    name, endpoint = module
    pages = [[a_record(endpoint, page * 10 + n) for n in range(2)] for page in range(3)]
    path = list_url(endpoint)

    def handler(request):
        page = int(request.args.get("Page", 0))
        next_url = httpserver.url_for("%s?PageSize=2&Page=%d&PageToken=T%d" % (path, page + 1, page + 1)) if page < 2 else None
        return Response(json.dumps({endpoint.key: pages[page], "meta": {"key": endpoint.key, "next_page_url": next_url}}),
                        content_type="application/json")

    httpserver.expect_request(path).respond_with_handler(handler)
    failed, result = run_module(name, module_args(httpserver, endpoint, page_size=2))
    assert not failed and result[endpoint.key] == pages[0] + pages[1] + pages[2]
    httpserver.clear_log()
    failed, result = run_module(name, module_args(httpserver, endpoint, page_size=2, limit=3))
    assert not failed and result[endpoint.key] == pages[0] + pages[1][:1]
    assert len(httpserver.log) == 2


@pytest.mark.parametrize("name", sorted(name for name, endpoint in MODULES.items() if endpoint.newest_first))
def test_created_after_is_validated_before_any_request(run_module, httpserver, name):
    endpoint = MODULES[name]
    failed, result = run_module(name, base_args(httpserver, created_after="last tuesday"))
    assert failed and "created_after must be an ISO 8601 timestamp" in result["msg"]
    failed, result = run_module(name, base_args(httpserver, created_after="2026-11-01T00:00:00Z", sid=a_sid(endpoint)))
    assert failed and "cannot be combined with created_after" in result["msg"]
    assert len(httpserver.log) == 0


def test_created_after_is_offered_only_where_twilio_lists_newest_first():
    offered = sorted(name for name, endpoint in MODULES.items() if endpoint.newest_first)
    assert offered == ["supersim_ip_command_info", "supersim_sms_command_info", "wireless_command_info"]


TIMED = sorted(name for name, endpoint in MODULES.items() if any(f.time for f in endpoint.filters))
WINDOWED = sorted(name for name, endpoint in MODULES.items() if endpoint.window is not None)


@pytest.mark.parametrize("name", TIMED)
def test_relative_and_iso_times_reach_twilio_as_utc_timestamps(run_module, httpserver, name):
    endpoint = MODULES[name]
    window = endpoint.window
    serve_list(httpserver, endpoint, [])
    failed, result = run_module(name, module_args(httpserver, endpoint, **{window.start: "-3d", window.end: "now"}))
    assert not failed, result
    failed, result = run_module(name, module_args(httpserver, endpoint, **{window.start: "2026-11-02", window.end: "2026-11-03T04:05:06+02:00"}))
    assert not failed, result
    (relative, _r1), (absolute, _r2) = httpserver.log
    params = dict((f.option, f.param) for f in endpoint.filters)
    start = datetime.datetime.strptime(relative.args[params[window.start]], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    end = datetime.datetime.strptime(relative.args[params[window.end]], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    assert end - start == datetime.timedelta(days=3)
    assert abs((end - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 60
    assert absolute.args[params[window.start]] == "2026-11-02T00:00:00Z"
    assert absolute.args[params[window.end]] == "2026-11-03T02:05:06Z"


@pytest.mark.parametrize("name", TIMED)
@pytest.mark.parametrize("value", ["last tuesday", "-30", "30d", "-30y", "2026-13-01", "-1234567d"])
def test_unreadable_times_are_refused_naming_the_option_and_the_forms(run_module, httpserver, name, value):
    endpoint = MODULES[name]
    for f in endpoint.filters:
        if f.time:
            failed, result = run_module(name, module_args(httpserver, endpoint, **{f.option: value}))
            assert failed and "%s must be an ISO 8601 date or time" % f.option in result["msg"] and "-30d" in result["msg"], result
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("name", WINDOWED)
def test_a_window_that_ends_before_it_starts_is_refused(run_module, httpserver, name):
    endpoint = MODULES[name]
    window = endpoint.window
    failed, result = run_module(name, module_args(httpserver, endpoint, **{window.start: "-1d", window.end: "-2d"}))
    assert failed and "%s must be before %s" % (window.start, window.end) in result["msg"], result
    assert len(httpserver.log) == 0


def limit_cases():
    for name in WINDOWED:
        for limit in MODULES[name].window.limits:
            yield pytest.param(name, limit, id="%s-%s-%s" % (name, limit.option, limit.value))


@pytest.mark.parametrize("name,limit", list(limit_cases()))
def test_windows_twilio_refuses_are_refused_before_any_request_and_the_longest_allowed_is_sent(run_module, httpserver, name, limit):
    endpoint = MODULES[name]
    window = endpoint.window
    serve_list(httpserver, endpoint, [])
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    next_day = (now + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0)
    if next_day - now < datetime.timedelta(minutes=1):
        # the module judges a start's age from the start of its own UTC day: never straddle midnight
        time.sleep((next_day - now).total_seconds() + 1)
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    # an hour back, but not into yesterday: a window reaching back its whole length from yesterday would also be
    # older than the furthest a start may reach (max_age_months before the start of today)
    end = max(now - datetime.timedelta(hours=1), now.replace(hour=0, minute=0, second=0))
    longest = limit.earliest_start(end)
    too_long = longest - datetime.timedelta(seconds=1)
    failed, result = run_module(name, module_args(httpserver, endpoint, **{limit.option: limit.value, window.start: iso(too_long), window.end: iso(end)}))
    assert failed and "Twilio error %d" % limit.code in result["msg"] and limit.length in result["msg"], result
    assert len(httpserver.log) == 0
    failed, result = run_module(name, module_args(httpserver, endpoint, **{limit.option: limit.value, window.start: iso(longest), window.end: iso(end)}))
    assert not failed, result
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("name", sorted(name for name in WINDOWED if MODULES[name].window.max_age_months))
def test_a_start_too_far_back_is_refused(run_module, httpserver, name):
    endpoint = MODULES[name]
    window = endpoint.window
    too_far = {window.start: "-%dd" % (window.max_age_months * 31 + 1), window.end: "-%dd" % (window.max_age_months * 31 - 5)}
    failed, result = run_module(name, module_args(httpserver, endpoint, **too_far))
    assert failed and "%s must be at most %d months before the start of today" % (window.start, window.max_age_months) in result["msg"], result
    assert "Twilio error %d" % window.max_age_code in result["msg"]
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("name", sorted(name for name, endpoint in MODULES.items() if endpoint.per_parent))
def test_a_parent_option_narrows_the_listing_to_the_per_parent_endpoint(run_module, httpserver, name):
    endpoint = MODULES[name]
    narrow = ENDPOINTS[endpoint.per_parent]
    whole = [a_record(endpoint, 1)]
    one = [a_record(narrow, 2)]
    serve_list(httpserver, endpoint, whole)
    serve_list(httpserver, narrow, one)
    failed, result = run_module(name, module_args(httpserver, endpoint))
    assert not failed and result[endpoint.key] == whole, result
    failed, result = run_module(name, module_args(httpserver, endpoint, **parent_args(narrow)))
    assert not failed and result[endpoint.key] == one, result
    assert [request.path for request, _response in httpserver.log] == [list_url(endpoint), list_url(narrow)]


@pytest.mark.parametrize("name", sorted(name for name, endpoint in MODULES.items() if endpoint.parents))
def test_a_required_parent_is_refused_when_missing(run_module, httpserver, name):
    endpoint = MODULES[name]
    failed, result = run_module(name, base_args(httpserver))
    assert failed and "missing required arguments: %s" % ", ".join(sorted(endpoint.parents)) in result["msg"], result
    assert len(httpserver.log) == 0


def expansion_cases():
    for name, endpoint in sorted(MODULES.items()):
        for expansion in endpoint.expansions:
            yield pytest.param(name, expansion, id="%s-%s" % (name, expansion.option))


@pytest.mark.parametrize("name,expansion", list(expansion_cases()))
def test_expansions_add_each_records_members_only_when_asked(run_module, httpserver, name, expansion):
    endpoint = MODULES[name]
    members = ENDPOINTS[expansion.endpoint]
    records = [a_record(endpoint, n) for n in range(3)]
    serve_list(httpserver, endpoint, records)
    for n, record in enumerate(records):
        body = {members.key: [a_record(members, 10 + n)], "meta": {"key": members.key, "next_page_url": None}}
        path = "/%s%s" % (members.product, members.list_path(**{expansion.parent: record["sid"]}))
        httpserver.expect_request(path).respond_with_json(body)
    failed, result = run_module(name, module_args(httpserver, endpoint))
    assert not failed and result[endpoint.key] == records and len(httpserver.log) == 1
    failed, result = run_module(name, module_args(httpserver, endpoint, **{expansion.option: True}))
    assert not failed, result
    assert [record[expansion.option] for record in result[endpoint.key]] == [[a_record(members, 10 + n)] for n in range(3)]
    assert len(httpserver.log) == 1 + 1 + len(records)


@pytest.mark.parametrize("name", sorted(name for name, endpoint in MODULES.items() if not endpoint.sid_pattern))
def test_records_without_a_sid_are_never_merged(run_module, httpserver, name):
    """Two equal records on two pages (the same figures for two periods) are both returned."""
    endpoint = MODULES[name]
    same = {"account_sid": ACCOUNT, "data_total": 0}
    path = list_url(endpoint)

    def handler(request):
        page = int(request.args.get("Page", 0))
        next_url = httpserver.url_for("%s?PageSize=1&Page=1&PageToken=T1" % path) if page == 0 else None
        return Response(json.dumps({endpoint.key: [same], "meta": {"key": endpoint.key, "next_page_url": next_url}}),
                        content_type="application/json")

    httpserver.expect_request(path).respond_with_handler(handler)
    failed, result = run_module(name, module_args(httpserver, endpoint, page_size=1))
    assert not failed, result
    assert result[endpoint.key] == [same, same]
    assert len(httpserver.log) == 2
