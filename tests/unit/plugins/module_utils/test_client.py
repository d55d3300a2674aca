# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shared client against real HTTP servers on loopback (pytest-httpserver)."""

import base64
import json
import os
import time
from urllib.parse import quote, quote_plus

import pytest
import yaml
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from ansible_collections.simfleet.twilio.plugins.module_utils._client import (
    USER_AGENT,
    TwilioClient,
    TwilioError,
)
from ansible_collections.simfleet.twilio.plugins.module_utils import _client
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS

SIMS = ENDPOINTS["wireless_sim"]

ACCOUNT = "AC" + "1" * 32
TOKEN = "token-" + "7" * 26
KEY = "SK" + "2" * 32
SECRET = "secret-" + "9" * 25


def sim_record(index):
    return {"sid": "DE%032x" % index, "unique_name": "sim-%d" % index, "status": "active"}


class FakeList:
    """A Twilio-like list endpoint over ``records``, paged with PageToken, counting what it is asked."""

    def __init__(self, server, records, path="/v1/Sims", key="sims"):
        self.server = server
        self.records = records
        self.path = path
        self.key = key
        self.requests = []
        self.faults = []  # responses to give before the real ones, consumed in order
        server.expect_request(path).respond_with_handler(self.handle)

    def handle(self, request):
        self.requests.append(request)
        if self.faults:
            return self.faults.pop(0)
        size = int(request.args.get("PageSize", 50))
        page = int(request.args.get("Page", 0))
        chunk = self.records[page * size:(page + 1) * size]
        more = (page + 1) * size < len(self.records)
        next_url = None
        if more:
            next_url = self.server.url_for("%s?PageSize=%d&Page=%d&PageToken=PT%d" % (self.path, size, page + 1, page + 1))
        body = {self.key: chunk, "meta": {"key": self.key, "page": page, "page_size": size, "next_page_url": next_url}}
        return Response(json.dumps(body), content_type="application/json")


def twilio_error(status, code, message, headers=None):
    body = {"code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/%d" % code, "status": status}
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers or {})


def client_for(server, **kwargs):
    options = dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url=server.url_for("/"), timeout=5,
                   max_retries=4, max_retry_time=10, backoff_base=0.01, backoff_max=0.05)
    options.update(kwargs)
    return TwilioClient(**options)


def test_lists_2500_records_in_three_full_pages(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(2500)])
    with client_for(httpserver) as client:
        records = client.list_records(SIMS)
    assert len(records) == 2500
    assert len({r["sid"] for r in records}) == 2500
    assert len(fake.requests) == 3
    assert [r.args.get("PageSize") for r in fake.requests] == ["1000"] * 3


def test_limit_asks_for_no_more_than_needed(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(2500)])
    with client_for(httpserver) as client:
        records = client.list_records(SIMS, limit=1234)
    assert len(records) == 1234
    assert len(fake.requests) <= 2

    fake.requests.clear()
    with client_for(httpserver) as client:
        records = client.list_records(SIMS, limit=20)
    assert len(records) == 20
    assert [r.args.get("PageSize") for r in fake.requests] == ["20"]


def test_stop_at_ends_paging_at_the_first_matching_record(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(100)])
    with client_for(httpserver) as client:
        records = client.list_records(SIMS, page_size=10, stop_at=lambda r: r["sid"] == sim_record(25)["sid"])
    assert [r["sid"] for r in records] == [sim_record(i)["sid"] for i in range(25)]
    assert len(fake.requests) == 3


def test_filters_are_sent_and_none_values_dropped(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(3)])
    with client_for(httpserver) as client:
        client.list_records(SIMS, params={"Status": "active", "Iccid": None})
    assert fake.requests[0].args.get("Status") == "active"
    assert "Iccid" not in fake.requests[0].args


def test_duplicate_sids_across_pages_are_returned_once(httpserver):
    records = [sim_record(i) for i in range(10)]
    records[5] = sim_record(4)  # the API shifted under us: record 4 appears on two pages
    FakeList(httpserver, records)
    with client_for(httpserver) as client:
        got = client.list_records(SIMS, page_size=5)
    assert [r["sid"] for r in got] == [sim_record(i)["sid"] for i in (0, 1, 2, 3, 4, 6, 7, 8, 9)]


def test_429_storm_with_retry_after_still_returns_everything(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(2500)])
    storm = twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": "0.01"})
    fake.faults = [storm] * 3
    start = time.monotonic()
    with client_for(httpserver) as client:
        records = client.list_records(SIMS)
    assert len({r["sid"] for r in records}) == 2500
    assert len(fake.requests) == 6
    assert time.monotonic() - start < 5


class RecordingGate:
    """A gate that admits everything and records what the client tells it."""

    def __init__(self):
        self.entered = 0
        self.left = []

    def enter(self):
        self.entered += 1

    def leave(self, too_many, retry_after):
        self.left.append((too_many, retry_after))


def test_a_gate_admits_every_attempt_and_hears_of_each_429(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(2500)])
    fake.faults = [twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": "0.01"})] * 2
    gate = RecordingGate()
    with client_for(httpserver, gate=gate) as client:
        records = client.list_records(SIMS)
    assert len(records) == 2500
    assert gate.entered == len(fake.requests) == 5
    assert gate.left == [(True, 0.01), (True, 0.01), (False, None), (False, None), (False, None)]


def test_retry_after_is_honoured(httpserver):
    fake = FakeList(httpserver, [sim_record(1)])
    fake.faults = [twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": "1"})]
    start = time.monotonic()
    with client_for(httpserver, backoff_base=0.001) as client:
        client.list_records(SIMS)
    assert time.monotonic() - start >= 1.0


def test_retry_after_beyond_max_retry_time_fails_at_once(httpserver):
    fake = FakeList(httpserver, [sim_record(1)])
    fake.faults = [twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": "3600"})]
    start = time.monotonic()
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert time.monotonic() - start < 2
    assert "20429" in str(err.value) and "max_retry_time" in str(err.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_transient_5xx_are_retried(httpserver, status):
    fake = FakeList(httpserver, [sim_record(i) for i in range(3)])
    fake.faults = [Response("<html>busy</html>", status=status)] * 2
    with client_for(httpserver) as client:
        records = client.list_records(SIMS)
    assert len(records) == 3
    assert len(fake.requests) == 3


def test_persistent_503_fails_clearly_after_bounded_attempts(httpserver):
    fake = FakeList(httpserver, [sim_record(1)])
    fake.faults = [twilio_error(503, 20503, "Service Unavailable")] * 50
    with client_for(httpserver, max_retries=3) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert len(fake.requests) == 4
    assert err.value.http_status == 503
    assert str(err.value).startswith("Twilio API error 20503 (HTTP 503) for GET %s: Service Unavailable" % httpserver.url_for("/v1/Sims"))
    assert "gave up after 4 attempts" in str(err.value)


def test_401_is_not_retried_and_names_twilio_code(httpserver):
    fake = FakeList(httpserver, [])
    fake.faults = [twilio_error(401, 20003, "Authenticate")]
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert len(fake.requests) == 1
    assert str(err.value) == ("Twilio API error 20003 (HTTP 401) for GET %s: Authenticate, see https://www.twilio.com/docs/errors/20003"
                              % httpserver.url_for("/v1/Sims"))
    assert err.value.to_dict() == {"code": 20003, "message": str(err.value), "more_info": "https://www.twilio.com/docs/errors/20003",
                                   "status": 401}
    assert TOKEN not in str(err.value)


@pytest.mark.parametrize("status", [400, 403, 404, 501])
def test_other_errors_are_not_retried(httpserver, status):
    fake = FakeList(httpserver, [])
    fake.faults = [twilio_error(status, 20001, "Invalid")]
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert len(fake.requests) == 1
    assert err.value.code == 20001 and err.value.http_status == status


def test_error_body_that_is_not_twilio_json(httpserver):
    fake = FakeList(httpserver, [])
    fake.faults = [Response("<html>Forbidden</html>", status=403)]
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert "HTTP 403" in str(err.value) and "not an error of the API" in str(err.value)


def test_broken_json_fails_clearly_with_status(httpserver):
    fake = FakeList(httpserver, [])
    fake.faults = [Response('{"sims": [{"sid": "DE', content_type="application/json")] * 10
    with client_for(httpserver, max_retries=2) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert "not valid JSON (HTTP 200" in str(err.value)
    assert len(fake.requests) == 3


def test_truncated_body_once_is_ridden_out(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(3)])
    fake.faults = [Response('{"sims": [', content_type="application/json")]
    with client_for(httpserver) as client:
        assert len(client.list_records(SIMS)) == 3


def test_list_body_without_records_is_an_error(httpserver):
    fake = FakeList(httpserver, [])
    fake.faults = [Response('{"meta": {"key": "sims"}}', content_type="application/json")]
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="has no 'sims' list"):
        client.list_records(SIMS)


@pytest.fixture
def other_server():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_off_host_next_page_url_is_refused_without_contacting_it(httpserver, other_server):
    other_server.expect_request("/v1/Sims").respond_with_json({"sims": [], "meta": {"next_page_url": None}})
    page = {"sims": [sim_record(1)], "meta": {"key": "sims", "next_page_url": other_server.url_for("/v1/Sims?Page=1&PageToken=x")}}
    httpserver.expect_request("/v1/Sims").respond_with_json(page)
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="refusing to follow next_page_url"):
        client.list_records(SIMS)
    assert len(other_server.log) == 0
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("bad_url", ["http://127.0.0.1:99999/v1/Sims?Page=1", "http://[::1/v1/Sims", "http://127.0.0.1:8o8o/v1/Sims"])
def test_malformed_next_page_url_is_refused(httpserver, bad_url):
    httpserver.expect_request("/v1/Sims").respond_with_json({"sims": [sim_record(1)], "meta": {"key": "sims", "next_page_url": bad_url}})
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="refusing to follow next_page_url: malformed URL"):
        client.list_records(SIMS)


def test_endless_next_page_url_fails_within_seconds(httpserver):
    loop = {"sims": [sim_record(1)], "meta": {"key": "sims", "next_page_url": httpserver.url_for("/v1/Sims?Page=1&PageToken=same")}}
    httpserver.expect_request("/v1/Sims").respond_with_json(loop)
    start = time.monotonic()
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="paging loops"):
        client.list_records(SIMS)
    assert time.monotonic() - start < 3
    assert len(httpserver.log) == 2


def test_timeout_is_retried_then_fails_clearly(httpserver):
    def slow(request):
        time.sleep(0.6)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/v1/Sims").respond_with_handler(slow)
    with client_for(httpserver, timeout=0.2, max_retries=1) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert "timed out after 0.2s" in str(err.value)
    assert "gave up after 2 attempts" in str(err.value)


def test_connection_refused_fails_clearly():
    client = TwilioClient(ACCOUNT, auth_token=TOKEN, base_url="http://127.0.0.1:9/{product}", timeout=1, max_retries=1,
                          backoff_base=0.01, backoff_max=0.01)
    with pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert str(err.value).startswith("cannot connect to Twilio API at 127.0.0.1:9 (connection refused): GET http://127.0.0.1:9/wireless/v1/Sims")


def test_fetch_returns_none_on_404_only(httpserver):
    httpserver.expect_request("/v1/Sims/DE404").respond_with_response(twilio_error(404, 20404, "not found"))
    httpserver.expect_request("/v1/Sims/sim-7").respond_with_json(sim_record(7))
    httpserver.expect_request("/v1/Sims/denied").respond_with_response(twilio_error(403, 20403, "Forbidden"))
    with client_for(httpserver) as client:
        assert client.fetch(SIMS, "DE404") is None
        assert client.fetch(SIMS, "sim-7")["sid"] == sim_record(7)["sid"]
        with pytest.raises(TwilioError, match="20403"):
            client.fetch(SIMS, "denied")


def _basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


@pytest.mark.parametrize("creds,expected", [
    (dict(auth_token=TOKEN), (ACCOUNT, TOKEN)),
    (dict(api_key=KEY, api_secret=SECRET), (KEY, SECRET)),
])
def test_authentication_and_headers(httpserver, creds, expected):
    fake = FakeList(httpserver, [sim_record(1)])
    options = dict(account_sid=ACCOUNT, base_url=httpserver.url_for("/"))
    options.update(creds)
    with TwilioClient(**options) as client:
        client.list_records(SIMS)
    request = fake.requests[0]
    assert request.headers["Authorization"] == _basic(*expected)
    assert request.headers["User-Agent"] == USER_AGENT
    galaxy_yml = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "galaxy.yml")
    with open(galaxy_yml) as f:
        version = yaml.safe_load(f)["version"]
    assert USER_AGENT.startswith("simfleet.twilio/%s " % version), (USER_AGENT, version)


def test_one_session_is_reused_across_pages(httpserver):
    FakeList(httpserver, [sim_record(i) for i in range(30)])
    with client_for(httpserver) as client:
        client.list_records(SIMS, page_size=10)
        assert len(client._sessions) == 1
        assert client.request_count == 3


@pytest.mark.parametrize("kwargs,message", [
    (dict(account_sid=None, auth_token=TOKEN), "account_sid is required"),
    (dict(account_sid=ACCOUNT), "auth_token is required"),
    (dict(account_sid=ACCOUNT, api_key=KEY), "api_key and api_secret must be set together"),
    (dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url="ftp://example.com"), "base_url must be an http or https URL"),
    (dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url="https://user:pw@example.com"), "must not carry credentials"),
    (dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url="http://[::1/{product}"), "base_url must be an http or https URL"),
    (dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url="http://127.0.0.1:99999/{product}"), "base_url must be an http or https URL"),
])
def test_bad_configuration_is_refused_before_any_request(kwargs, message):
    with pytest.raises(TwilioError, match=message):
        TwilioClient(**kwargs)


def base_url(base_url, product, **kwargs):
    options = dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url=base_url)
    options.update(kwargs)
    return TwilioClient(**options).url(product, "")


def test_base_url_product_placeholder():
    assert base_url("https://{product}.twilio.com", "supersim") == "https://supersim.twilio.com"
    assert base_url("http://127.0.0.1:8080/{product}/", "wireless") == "http://127.0.0.1:8080/wireless"
    assert base_url("https://proxy.example.com/twilio", "wireless") == "https://proxy.example.com/twilio"
    assert base_url(None, "wireless") == "https://wireless.twilio.com"


def test_kore_hosts_are_the_default_on_kore():
    kore = dict(account_sid=None, auth_token=None, client_id="client-1", client_secret="s" * 40)
    assert base_url(None, "wireless", **kore) == "https://programmable-wireless.api.korewireless.com"
    assert base_url(None, "supersim", **kore) == "https://supersim.api.korewireless.com"
    assert base_url("http://127.0.0.1:8080/{product}", "wireless", **kore) == "http://127.0.0.1:8080/programmable-wireless"


# -- every response is checked, every request is bounded -------------------------------------------------------------

def page_of(records, next_url=None, key="sims", meta_key="sims"):
    return {key: records, "meta": {"key": meta_key, "next_page_url": next_url}}


class EndlessList:
    """A server that always names a next page: with the same SIDs again, with empty pages, or with new SIDs."""

    def __init__(self, server, mode):
        self.server, self.mode, self.requests = server, mode, 0
        server.expect_request("/v1/Sims").respond_with_handler(self.handle)

    def handle(self, request):
        self.requests += 1
        records = {"same": [sim_record(1), sim_record(2)], "empty": [],
                   "new": [sim_record(self.requests * 10 + i) for i in range(2)]}[self.mode]
        next_url = self.server.url_for("/v1/Sims?PageSize=2&Page=%d&PageToken=PT%d" % (self.requests, self.requests))
        return Response(json.dumps(page_of(records, next_url)), content_type="application/json")


@pytest.mark.parametrize("mode", ["same", "empty"])
def test_paging_that_adds_no_record_is_stopped(httpserver, mode):
    endless = EndlessList(httpserver, mode)
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="paging does not advance"):
        client.list_records(SIMS)
    assert endless.requests == (2 if mode == "same" else 1)


def test_limit_ends_endless_paging(httpserver):
    endless = EndlessList(httpserver, "new")
    with client_for(httpserver) as client:
        assert len(client.list_records(SIMS, limit=5)) == 5
    assert endless.requests == 3


def test_paging_has_a_hard_page_cap(httpserver, monkeypatch):
    monkeypatch.setattr(_client, "MAX_PAGES", 4)
    endless = EndlessList(httpserver, "new")
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="did not end within 4 pages"):
        client.list_records(SIMS)
    assert endless.requests == 4


def test_the_documented_list_key_is_read_whatever_meta_key_says(httpserver):
    # Conforms to Twilio's description, with another meta.key: still parses.
    httpserver.expect_request("/v1/Sims").respond_with_json(page_of([sim_record(1)], meta_key="something_else"))
    with client_for(httpserver) as client:
        assert [r["sid"] for r in client.list_records(SIMS)] == [sim_record(1)["sid"]]


def test_meta_key_naming_another_list_does_not_turn_rate_plans_into_sims(httpserver):
    body = {"rate_plans": [{"sid": "WP" + "1" * 32}], "meta": {"key": "rate_plans", "next_page_url": None}}
    httpserver.expect_request("/v1/Sims").respond_with_json(body)
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="has no 'sims' list"):
        client.list_records(SIMS)


@pytest.mark.parametrize("body,message", [
    ({"sims": [sim_record(1)]}, "no meta object"),
    ({"sims": [sim_record(1)], "meta": ["key"]}, "no meta object"),
    ({"sims": [sim_record(1)], "meta": {"key": 7, "next_page_url": None}}, "meta.key that is not a string"),
    ({"sims": [sim_record(1)], "meta": {"key": "sims", "next_page_url": 42}}, "next_page_url that is not a URL"),
    ({"sims": [sim_record(1)], "meta": {"key": "sims", "next_page_url": ["http://x"]}}, "next_page_url that is not a URL"),
    ({"sims": [sim_record(1), "DE" + "0" * 32], "meta": {"key": "sims", "next_page_url": None}}, "item in 'sims' that is not an object"),
    ({"sims": [{"unique_name": "no-sid"}], "meta": {"key": "sims", "next_page_url": None}}, "without a valid sid"),
    ({"sims": [{"sid": 17}], "meta": {"key": "sims", "next_page_url": None}}, "without a valid sid"),
    ({"sims": [{"sid": "DE" + "0" * 32 + "\n"}], "meta": {"key": "sims", "next_page_url": None}}, "without a valid sid"),
    ({"sims": {"DE1": {}}, "meta": {"key": "sims", "next_page_url": None}}, "has no 'sims' list"),
    ([sim_record(1)], "not an object"),
])
def test_malformed_list_pages_fail_clearly(httpserver, body, message):
    httpserver.expect_request("/v1/Sims").respond_with_json(body)
    with client_for(httpserver) as client, pytest.raises(TwilioError, match=message):
        client.list_records(SIMS)


def test_absurdly_deep_json_fails_clearly_without_retrying(httpserver):
    fake = FakeList(httpserver, [])
    fake.faults = [Response("[" * 200000 + "]" * 200000, content_type="application/json")]
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="nested too deeply"):
        client.list_records(SIMS)
    assert len(fake.requests) == 1


def test_redirect_to_another_origin_is_refused(httpserver, other_server):
    other_server.expect_request("/v1/Sims").respond_with_json(page_of([sim_record(666)]))
    httpserver.expect_request("/v1/Sims").respond_with_response(
        Response(status=302, headers={"Location": other_server.url_for("/v1/Sims")}))
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="refusing to follow the redirect"):
        client.list_records(SIMS)
    assert len(other_server.log) == 0
    assert len(httpserver.log) == 1


def test_redirect_on_the_same_origin_is_followed_with_credentials(httpserver):
    httpserver.expect_request("/v1/Sims").respond_with_response(Response(status=301, headers={"Location": "/v2/Sims?PageSize=1000"}))
    httpserver.expect_request("/v2/Sims").respond_with_json(page_of([sim_record(5)]))
    with client_for(httpserver) as client:
        assert [r["sid"] for r in client.list_records(SIMS)] == [sim_record(5)["sid"]]
    assert httpserver.log[1][0].headers["Authorization"] == _basic(ACCOUNT, TOKEN)


@pytest.fixture(params=["content-length", "connection-close", "headers"])
def trickling_server(request, raw_server):
    """A raw HTTP server that trickles one byte every quarter of a second: the body after its headers (with a
    Content-Length, or closing the connection after the answer), or the headers themselves."""
    mode = request.param
    body = json.dumps(page_of([sim_record(1)])).encode()
    if mode == "connection-close":
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
    elif mode == "headers":
        head, body = b"", b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Slow: " + b"x" * 200 + b"\r\n\r\n" + body
    else:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)

    def trickle(conn, stop):
        conn.sendall(head)
        for byte in body:
            if stop.wait(0.25):
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                break

    return "http://127.0.0.1:%d/" % raw_server(trickle)


def test_a_server_that_trickles_is_cut_off_at_the_timeout(trickling_server):
    start = time.monotonic()
    client = TwilioClient(account_sid=ACCOUNT, auth_token=TOKEN, base_url=trickling_server, timeout=1, max_retries=1,
                          backoff_base=0.01, backoff_max=0.01)
    with client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    elapsed = time.monotonic() - start
    assert "timed out after 1s" in str(err.value) and "gave up after 2 attempts" in str(err.value)
    assert elapsed < 4, elapsed  # two attempts of about a second each, where the body alone takes 20 seconds


@pytest.mark.parametrize("name,value", [
    ("timeout", float("inf")), ("timeout", float("nan")), ("timeout", 1e308), ("timeout", -1), ("timeout", 0),
    ("max_retry_time", float("inf")), ("max_retry_time", float("nan")), ("max_retry_time", 1e308), ("max_retry_time", -0.5),
    ("max_retries", 10 ** 9), ("max_retries", -1),
])
def test_non_finite_or_absurd_numbers_are_refused(name, value):
    with pytest.raises(TwilioError, match="^%s must be " % name):
        TwilioClient(**{"account_sid": ACCOUNT, "auth_token": TOKEN, name: value})


@pytest.mark.parametrize("url", ["https://{product}.twilio.com?x=1", "https://{product}.twilio.com/#frag", "http://127.0.0.1:8080/{product}?"])
def test_base_url_with_query_or_fragment_is_refused(url):
    with pytest.raises(TwilioError, match="base_url must not have a query string or a fragment"):
        TwilioClient(account_sid=ACCOUNT, auth_token=TOKEN, base_url=url)


def test_account_sid_with_a_trailing_newline_is_refused():
    with pytest.raises(TwilioError, match="account_sid must match"):
        TwilioClient(account_sid=ACCOUNT + "\n", auth_token=TOKEN)


# -- TLS ---------------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tls_files(self_signed):
    """A self-signed certificate for 127.0.0.1 and its key, and an unrelated CA bundle."""
    return self_signed("server") + (self_signed("unrelated-ca")[0],)


@pytest.fixture
def tls_server(tls_files):
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files[0], tls_files[1])
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    server.expect_request("/v1/Sims").respond_with_json(page_of([sim_record(3)]))
    yield server
    server.clear()
    server.stop()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_validate_certs_false_holds_when_a_ca_bundle_variable_is_set(tls_server, tls_files, monkeypatch, variable):
    monkeypatch.setenv(variable, tls_files[2])
    with client_for(tls_server, validate_certs=False) as client:
        assert [r["sid"] for r in client.list_records(SIMS)] == [sim_record(3)["sid"]]


def test_certificate_failure_is_not_retried_and_says_so(tls_server):
    with client_for(tls_server, validate_certs=True) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert "TLS certificate problem" in str(err.value) and "certificate verification failed" in str(err.value)
    assert client.request_count == 1


def test_a_body_over_the_size_limit_is_refused(httpserver, monkeypatch):
    monkeypatch.setattr(_client, "MAX_BODY_BYTES", 4096)
    httpserver.expect_request("/v1/Sims").respond_with_json(page_of([sim_record(i) for i in range(100)]))
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="with a body over 4096 bytes"):
        client.list_records(SIMS)
    assert len(httpserver.log) == 1


def test_credentials_echoed_by_a_server_are_scrubbed_everywhere(httpserver):
    def echo(request):
        header = request.headers.get("Authorization")
        body = {"code": 20001, "message": "bad %s" % header, "more_info": "https://x.example/%s" % header.split()[-1], "status": 400}
        return Response(json.dumps(body), status=400, content_type="application/json")

    httpserver.expect_request("/v1/Sims").respond_with_handler(echo)
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    encoded = base64.b64encode(("%s:%s" % (ACCOUNT, TOKEN)).encode()).decode()
    text = json.dumps(err.value.to_dict())
    assert encoded not in text and TOKEN not in text and "<redacted>" in err.value.more_info


def test_a_fetch_answered_with_another_record_fails(httpserver):
    httpserver.expect_request("/v1/Sims/" + sim_record(1)["sid"]).respond_with_json(sim_record(2))
    httpserver.expect_request("/v1/Sims/" + sim_record(3)["sid"]).respond_with_json({"sid": "HS" + "0" * 32})
    with client_for(httpserver) as client:
        with pytest.raises(TwilioError, match="with another record"):
            client.fetch(SIMS, sim_record(1)["sid"])
        with pytest.raises(TwilioError, match="not a wireless_sim record"):
            client.fetch(SIMS, sim_record(3)["sid"])


def test_a_create_that_never_connected_is_retried_one_that_may_have_arrived_is_not(httpserver):
    unresolvable = TwilioClient(account_sid=ACCOUNT, auth_token=TOKEN, base_url="http://no-such-host.invalid/{product}", timeout=2,
                                max_retries=2, backoff_base=0.01, backoff_max=0.01)
    with unresolvable, pytest.raises(TwilioError) as err:
        unresolvable.create(ENDPOINTS["supersim_sms_command"], {"Sim": "x", "Payload": "y"})
    assert unresolvable.request_count == 3 and not err.value.may_be_applied
    fake = FakeList(httpserver, [], path="/v1/SmsCommands", key="sms_commands")
    fake.faults = [twilio_error(503, 20503, "Service Unavailable")] * 3
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.create(ENDPOINTS["supersim_sms_command"], {"Sim": "x", "Payload": "y"})
    assert len(fake.requests) == 1 and err.value.may_be_applied and "it may have been applied" in str(err.value)


# -- Retry-After: never slept beyond the bounds, absurd values never crash ------------------------------------------

def busy_then_page(server, retry_after, path="/v1/Sims"):
    """Answers 429 with ``Retry-After: retry_after`` once, then a page of one SIM; counts the requests."""
    requests = []

    def handle(request):
        requests.append(request)
        if len(requests) == 1:
            return twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": retry_after})
        return Response(json.dumps(page_of([sim_record(1)])), content_type="application/json")

    server.expect_request(path).respond_with_handler(handle)
    return requests


def http_date(seconds_from_now):
    import email.utils

    return email.utils.formatdate(time.time() + seconds_from_now, usegmt=True)


@pytest.mark.parametrize("retry_after,wait", [
    ("3600", "3600 seconds"),
    ("1e308", "1e+308 seconds"),
    ("123456789012345678901234567890", "1.23457e+29 seconds"),
    ("1e999", "an unbounded time"),
    ("Fri, 31 Dec 9999 23:59:59 GMT", "e+11 seconds"),
])
def test_a_retry_after_beyond_the_bound_fails_at_once_naming_the_wait(httpserver, retry_after, wait):
    from ansible_collections.simfleet.twilio.plugins.module_utils._batch import PacingGate

    requests = busy_then_page(httpserver, retry_after)
    gate = PacingGate(4)
    start = time.monotonic()
    with client_for(httpserver, gate=gate, max_retry_time=10) as client:
        with pytest.raises(TwilioError) as err:
            client.list_records(SIMS)
        # The gate the batch's threads share was not paused for that long: the next request goes through at once.
        assert [r["sid"] for r in client.list_records(SIMS)] == [sim_record(1)["sid"]]
    assert time.monotonic() - start < 3
    assert len(requests) == 2
    message = str(err.value)
    assert "20429" in message and "not retried: the API asked to wait " in message and wait in message, message
    assert "of max_retry_time (10s)" in message and not err.value.may_be_applied


@pytest.mark.parametrize("retry_after", ["-5", "NaN", "-1e308", "soon", "Sat, 01 Jan 10000 00:00:00 GMT", http_date(-3600), "0"])
def test_a_retry_after_that_asks_no_wait_is_retried_without_crashing(httpserver, retry_after):
    from ansible_collections.simfleet.twilio.plugins.module_utils._batch import PacingGate

    requests = busy_then_page(httpserver, retry_after)
    start = time.monotonic()
    with client_for(httpserver, gate=PacingGate(4)) as client:
        assert [r["sid"] for r in client.list_records(SIMS)] == [sim_record(1)["sid"]]
    assert len(requests) == 2
    assert time.monotonic() - start < 3


def test_a_retry_after_within_what_is_left_is_waited_and_a_longer_one_is_not(httpserver):
    requests = busy_then_page(httpserver, http_date(2))
    with client_for(httpserver, max_retry_time=10) as client:
        start = time.monotonic()
        client.list_records(SIMS)
    assert 0.5 <= time.monotonic() - start < 5 and len(requests) == 2
    # A write answered 429 with a wait beyond max_retry_time: not sent again, not applied (429).
    httpserver.expect_request("/v1/SmsCommands", method="POST").respond_with_response(
        twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": "30"}))
    with client_for(httpserver, max_retry_time=5) as client, pytest.raises(TwilioError) as err:
        client.create(ENDPOINTS["supersim_sms_command"], {"Sim": "HS" + "1" * 32, "Payload": "x"})
    assert "asked to wait 30 seconds (Retry-After)" in str(err.value) and not err.value.may_be_applied
    assert len([entry for entry in httpserver.log if entry[0].path == "/v1/SmsCommands"]) == 1


# -- answers to writes are checked ------------------------------------------------------------------------------------

SID_1 = sim_record(1)["sid"]
COMMANDS = ENDPOINTS["supersim_sms_command"]


def answer_writes(server, path, *answers):
    """Answers the POSTs to ``path`` with ``answers`` in turn (the last one again and again); counts them."""
    posts = []

    def handle(request):
        posts.append(request.get_data(as_text=True))
        return answers[min(len(posts), len(answers)) - 1]

    server.expect_request(path, method="POST").respond_with_handler(handle)
    return posts


def json_answer(body, status=200):
    return Response(body if isinstance(body, str) else json.dumps(body), status=status, content_type="application/json")


@pytest.mark.parametrize("idempotent", [True, False])
def test_an_update_answered_with_another_record_fails_saying_it_may_have_been_applied(httpserver, idempotent):
    posts = answer_writes(httpserver, "/v1/Sims/" + SID_1, json_answer(sim_record(2)))
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.update(SIMS, SID_1, {"Status": "suspended"}, idempotent=idempotent)
    assert len(posts) == 1
    assert err.value.may_be_applied
    assert "with another record, %s" % sim_record(2)["sid"] in str(err.value) and "may have been applied to wireless_sim %s" % SID_1 in str(err.value)


def test_an_update_by_unique_name_may_rename_the_record(httpserver):
    renamed = dict(sim_record(1), unique_name="renamed")
    answer_writes(httpserver, "/v1/Sims/sim-1", json_answer(renamed))
    answer_writes(httpserver, "/v1/Sims/sim-2", json_answer(dict(sim_record(1), unique_name="other")))
    with client_for(httpserver) as client:
        assert client.update(SIMS, "sim-1", {"UniqueName": "renamed"}) == renamed
        with pytest.raises(TwilioError, match="with another record") as err:
            client.update(SIMS, "sim-2", {"Status": "active"})
    assert err.value.may_be_applied


@pytest.mark.parametrize("answer,message", [
    (json_answer("", status=200), "with an empty body instead of the wireless_sim record: the change may have been applied"),
    (Response(status=204), "with an empty body instead of the wireless_sim record: the change may have been applied"),
    (json_answer('{"sid": "DE' + "1" * 10), "not valid JSON (HTTP 200, 21 bytes)"),
    (json_answer("[" * 100000 + "]" * 100000), "nested too deeply"),
    (json_answer({"status": "suspended"}), "not a wireless_sim record"),
    (json_answer({"sid": "", "status": "suspended"}), "not a wireless_sim record"),
    (json_answer({"sid": "HS" + "1" * 32}), "not a wireless_sim record"),
])
@pytest.mark.parametrize("idempotent", [True, False])
def test_an_update_answered_2xx_without_a_readable_record_is_never_resent(httpserver, answer, message, idempotent):
    posts = answer_writes(httpserver, "/v1/Sims/" + SID_1, answer, json_answer(sim_record(1)))
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.update(SIMS, SID_1, {"Status": "suspended"}, idempotent=idempotent)
    assert len(posts) == 1, "sent again blindly"
    assert err.value.may_be_applied and message in str(err.value)
    assert "may have been applied" in str(err.value)


@pytest.mark.parametrize("answer", [
    json_answer("", status=201),
    json_answer('{"sid": "HC', status=201),
    json_answer({"sid": SID_1, "status": "queued"}, status=201),
])
def test_a_create_answered_2xx_without_its_record_is_never_resent(httpserver, answer):
    posts = answer_writes(httpserver, "/v1/SmsCommands", answer, json_answer({"sid": "HC" + "1" * 32}, status=201))
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.create(COMMANDS, {"Sim": "HS" + "1" * 32, "Payload": "hello"})
    assert len(posts) == 1
    assert err.value.may_be_applied and "may have been applied" in str(err.value)


# -- records follow the published description -------------------------------------------------------------------------

DATA_SESSIONS = ENDPOINTS["wireless_data_session"]


@pytest.mark.parametrize("sid", ["WN" + "a" * 32, "session-1", "WN0123", "DS 42"])
def test_a_data_session_sid_of_any_non_empty_string_is_accepted(httpserver, sid):
    body = {"data_sessions": [{"sid": sid, "sim_sid": SID_1}], "meta": {"key": "data_sessions", "next_page_url": None}}
    httpserver.expect_request("/v1/Sims/%s/DataSessions" % SID_1).respond_with_json(body)
    with client_for(httpserver) as client:
        assert [r["sid"] for r in client.list_records(DATA_SESSIONS, parents={"sim": SID_1})] == [sid]


@pytest.mark.parametrize("record", [{"sid": ""}, {"sid": None}, {"sid": 7}, {"sim_sid": SID_1}])
def test_a_data_session_without_a_sid_is_refused(httpserver, record):
    body = {"data_sessions": [record], "meta": {"key": "data_sessions", "next_page_url": None}}
    httpserver.expect_request("/v1/Sims/%s/DataSessions" % SID_1).respond_with_json(body)
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="without a valid sid"):
        client.list_records(DATA_SESSIONS, parents={"sim": SID_1})


# -- secrets never leave the client, whatever a server echoes ---------------------------------------------------------

# An API secret that URL-encoding changes, so that each echoed form differs from the others.
ECHO_SECRET = "hostile/echo+secret=0123456789"


def echoed(request, form):
    """The credential of ``request`` as a hostile server echoes it: the password, URL-encoded, or the whole basic
    credential (Base64)."""
    credential = request.headers["Authorization"].split(" ", 1)[1]
    password = base64.b64decode(credential).decode().split(":", 1)[1]
    return {"plain": password, "urlencoded": quote(password, safe=""), "basic": credential}[form]


def all_forms(request):
    return [echoed(request, form) for form in ("plain", "urlencoded", "basic")] + [quote_plus(ECHO_SECRET)]


HOSTILE = {
    # where the echo goes: (what the server answers the listing, what the error says)
    "next_page_url off the origin": (lambda s, e: page_of([sim_record(1)], "http://other.invalid/v1/Sims?t=" + e),
                                     "refusing to follow next_page_url"),
    "next_page_url that loops": (lambda s, e: page_of([sim_record(1)], s.url_for("/v1/Sims?Page=1&t=" + e)), "API paging"),
    "malformed next_page_url": (lambda s, e: page_of([sim_record(1)], "http://[" + e), "malformed URL"),
    "next_page_url that is not a URL": (lambda s, e: page_of([sim_record(1)], [e]), "next_page_url that is not a URL"),
    "a record's sid": (lambda s, e: page_of([{"sid": e}]), "without a valid sid"),
    "error message": (lambda s, e: twilio_error(400, 20001, "bad request from " + e), "bad request from"),
    "error more_info": (lambda s, e: Response(json.dumps({"code": 20001, "message": "bad", "more_info": "https://x.example/" + e}),
                                              status=400, content_type="application/json"), "see https://x.example/"),
    "error code": (lambda s, e: Response(json.dumps({"code": e, "message": "bad"}), status=400, content_type="application/json"),
                   "API error"),
    "redirect Location": (lambda s, e: Response(status=302, headers={"Location": "http://other.invalid/steal?t=" + e}),
                          "refusing to follow the redirect"),
}


@pytest.mark.parametrize("form", ["plain", "urlencoded", "basic"])
@pytest.mark.parametrize("where", sorted(HOSTILE))
def test_a_server_echoing_the_credentials_never_gets_them_into_an_error(httpserver, where, form):
    answer, expected = HOSTILE[where]
    seen = []

    def hostile(request):
        seen.append(request)
        body = answer(httpserver, echoed(request, form))
        return body if isinstance(body, Response) else Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/v1/Sims").respond_with_handler(hostile)
    with client_for(httpserver, auth_token=None, api_key=KEY, api_secret=ECHO_SECRET) as client, \
            pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    text = str(err.value) + json.dumps(err.value.to_dict())
    assert expected in text
    assert "<redacted>" in text, text  # the echo reached the error, scrubbed
    for secret in all_forms(seen[0]):
        assert secret not in text, (secret, text)


@pytest.mark.parametrize("form", ["plain", "urlencoded", "basic"])
def test_a_server_echoing_the_credentials_in_records_or_writes_never_gets_them_out(httpserver, form):
    seen = []

    def listing(request):
        seen.append(request)
        return Response(json.dumps(page_of([dict(sim_record(1), friendly_name="x" + echoed(request, form))])), content_type="application/json")

    def fetch(request):
        # Another record, whose SID carries the auth token (a hex one fits a SID's pattern): scrubbed from the answer
        # before it is read, it is no SID at all.
        return Response(json.dumps({"sid": "DE" + echoed(request, "plain")}), content_type="application/json")

    def update(request):
        return Response(json.dumps(dict(sim_record(2), friendly_name=echoed(request, form))), content_type="application/json")

    hex_token = "0123456789abcdef" * 2
    httpserver.expect_request("/v1/Sims").respond_with_handler(listing)
    httpserver.expect_request("/v1/Sims/" + SID_1).respond_with_handler(fetch)
    httpserver.expect_request("/v1/Sims/" + sim_record(2)["sid"], method="POST").respond_with_handler(update)
    outputs = []
    with client_for(httpserver, api_key=KEY, api_secret=ECHO_SECRET, auth_token=None) as client:
        outputs.append(json.dumps(client.list_records(SIMS)))
        outputs.append(json.dumps(client.update(SIMS, sim_record(2)["sid"], {"Status": "active"})))
    with client_for(httpserver, auth_token=hex_token) as client, pytest.raises(TwilioError, match="not a wireless_sim record") as err:
        client.fetch(SIMS, SID_1)
    outputs.append(json.dumps(err.value.to_dict()))
    text = " ".join(outputs)
    assert text.count("<redacted>") == 2, text
    for secret in all_forms(seen[0]) + [hex_token, quote(hex_token), base64.b64encode(("%s:%s" % (ACCOUNT, hex_token)).encode()).decode()]:
        assert secret not in text, (secret, text)
