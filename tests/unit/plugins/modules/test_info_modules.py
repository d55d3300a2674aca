# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every info module shares: validation before any request, filters, fetch, errors.

Each module runs in-process against a real HTTP server on loopback (pytest-httpserver).
"""

import json
import os

import pytest
from werkzeug.wrappers import Response

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS

ACCOUNT = "AC" + "1" * 32
TOKEN = "token-" + "7" * 26
MODULES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))),
                           "plugins", "modules")
# Every info module, from the module files and the endpoint table.
MODULES = dict((name[:-3], ENDPOINTS[name[:-len("_info.py")]]) for name in sorted(os.listdir(MODULES_DIR)) if name.endswith("_info.py"))


def valid_value(f):
    if f.choices:
        return f.choices[-1]
    if f.pattern:
        return f.pattern[1:3] + "0123456789abcdef" * 2
    return "value-of-" + f.option


def a_sid(endpoint, n=1):
    return endpoint.sid_pattern[1:3] + "%032x" % n


def base_args(server, **extra):
    args = dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url=server.url_for("/{product}"), max_retries=0)
    args.update(extra)
    return args


def serve_list(server, endpoint, records):
    body = {endpoint.key: records, "meta": {"key": endpoint.key, "next_page_url": None}}
    server.expect_request("/%s%s" % (endpoint.product, endpoint.path)).respond_with_json(body)


@pytest.fixture(params=sorted(MODULES))
def module(request):
    return request.param, MODULES[request.param]


def test_every_filter_reaches_twilio_as_its_query_parameter(run_module, httpserver, module):
    name, endpoint = module
    records = [{"sid": a_sid(endpoint, n), "status": "x"} for n in range(3)]
    serve_list(httpserver, endpoint, records)
    filters = dict((f.option, valid_value(f)) for f in endpoint.filters)
    failed, result = run_module(name, base_args(httpserver, page_size=250, **filters))
    assert not failed, result
    assert result[endpoint.key] == records
    assert result["changed"] is False
    (request, _response), = httpserver.log
    expected = dict((f.param, valid_value(f)) for f in endpoint.filters)
    expected["PageSize"] = "250"
    assert dict(request.args) == expected


@pytest.mark.parametrize("option_value", ["bogus", "ACTIVE"])
def test_enumerations_are_refused_before_any_request(run_module, httpserver, module, option_value):
    name, endpoint = module
    for f in endpoint.filters:
        if not f.choices:
            continue
        failed, result = run_module(name, base_args(httpserver, **{f.option: option_value}))
        assert failed
        assert f.option in result["msg"]
        for choice in f.choices:
            assert choice in result["msg"]
    assert len(httpserver.log) == 0


def test_sid_patterns_are_checked_before_any_request(run_module, httpserver, module):
    name, endpoint = module
    for f in endpoint.filters:
        if f.pattern:
            failed, result = run_module(name, base_args(httpserver, **{f.option: "HSnot-a-sid"}))
            assert failed and f.option in result["msg"] and f.pattern in result["msg"]
    if not endpoint.fetch_by_unique_name:
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
    name, _endpoint = module
    failed, result = run_module(name, base_args(httpserver, **args))
    assert failed
    assert message in result["msg"]
    assert TOKEN not in json.dumps(result)
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("blank", ["", " ", "\t\n"])
def test_blank_filter_values_are_refused_not_sent(run_module, httpserver, module, blank):
    name, endpoint = module
    for f in endpoint.filters:
        failed, result = run_module(name, base_args(httpserver, **{f.option: blank}))
        # Enumerations are refused by their choices, every other filter by the blank check.
        expected = "value of %s must be one of" if f.choices else "%s must not be empty or blank"
        assert failed and expected % f.option in result["msg"], (f.option, result)
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("sid", [".", "..", "%2e", "%2E%2e", "%252e%252e", "a/b", "..%2f", " DE1", "name\n", "", "  ", "x\x7fy", "tab\there"])
def test_sid_values_that_are_path_tokens_or_padded_are_refused(run_module, httpserver, module, sid):
    name, endpoint = module
    failed, result = run_module(name, base_args(httpserver, sid=sid))
    assert failed and "sid must" in result["msg"], result
    assert len(httpserver.log) == 0


def test_a_sid_with_a_trailing_newline_is_refused(run_module, httpserver, module):
    name, endpoint = module
    failed, result = run_module(name, base_args(httpserver, sid=a_sid(endpoint) + "\n"))
    assert failed and "sid must" in result["msg"]
    for f in endpoint.filters:
        if f.pattern:
            failed, result = run_module(name, base_args(httpserver, **{f.option: f.pattern[1:3] + "0" * 32 + "\n"}))
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
    name, _endpoint = module
    failed, result = run_module(name, base_args(httpserver, **args))
    assert failed and message in result["msg"], result
    assert len(httpserver.log) == 0


def test_sid_cannot_be_combined_with_filters(run_module, httpserver, module):
    name, endpoint = module
    f = endpoint.filters[0]
    failed, result = run_module(name, base_args(httpserver, sid=a_sid(endpoint), **{f.option: valid_value(f)}))
    assert failed and "sid fetches one record and cannot be combined with %s" % f.option in result["msg"]
    assert len(httpserver.log) == 0


def test_fetch_by_sid_and_not_found(run_module, httpserver, module):
    name, endpoint = module
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
    httpserver.expect_request("/%s%s" % (endpoint.product, endpoint.path)).respond_with_json(body, status=401)
    failed, result = run_module(name, base_args(httpserver))
    assert failed
    assert result["msg"] == "Twilio API error 20003 (HTTP 401): Authenticate, see https://www.twilio.com/docs/errors/20003"
    assert result["error"] == {"code": 20003, "message": result["msg"], "more_info": body["more_info"], "status": 401}
    assert TOKEN not in json.dumps(result)


def test_connection_options_come_from_the_environment(run_module, httpserver, module, monkeypatch):
    name, endpoint = module
    serve_list(httpserver, endpoint, [{"sid": a_sid(endpoint)}])
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("TWILIO_BASE_URL", httpserver.url_for("/{product}"))
    failed, result = run_module(name, {})
    assert not failed, result
    assert len(result[endpoint.key]) == 1


def test_limit_and_paging(run_module, httpserver, module):
    name, endpoint = module
    pages = [[{"sid": a_sid(endpoint, page * 10 + n)} for n in range(2)] for page in range(3)]
    path = "/%s%s" % (endpoint.product, endpoint.path)

    def handler(request):
        page = int(request.args.get("Page", 0))
        next_url = httpserver.url_for("%s?PageSize=2&Page=%d&PageToken=T%d" % (path, page + 1, page + 1)) if page < 2 else None
        return Response(json.dumps({endpoint.key: pages[page], "meta": {"key": endpoint.key, "next_page_url": next_url}}),
                        content_type="application/json")

    httpserver.expect_request(path).respond_with_handler(handler)
    failed, result = run_module(name, base_args(httpserver, page_size=2))
    assert not failed and result[endpoint.key] == pages[0] + pages[1] + pages[2]
    httpserver.clear_log()
    failed, result = run_module(name, base_args(httpserver, page_size=2, limit=3))
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
