# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shared client against real HTTP servers on loopback (pytest-httpserver)."""

import base64
import json
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from ansible_collections.simfleet.twilio.plugins.module_utils._client import (
    USER_AGENT,
    TwilioClient,
    TwilioError,
    resolve_base_url,
)

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
        records = client.list_records("wireless", "/v1/Sims", "sims")
    assert len(records) == 2500
    assert len({r["sid"] for r in records}) == 2500
    assert len(fake.requests) == 3
    assert [r.args.get("PageSize") for r in fake.requests] == ["1000"] * 3


def test_limit_asks_for_no_more_than_needed(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(2500)])
    with client_for(httpserver) as client:
        records = client.list_records("wireless", "/v1/Sims", "sims", limit=1234)
    assert len(records) == 1234
    assert len(fake.requests) <= 2

    fake.requests.clear()
    with client_for(httpserver) as client:
        records = client.list_records("wireless", "/v1/Sims", "sims", limit=20)
    assert len(records) == 20
    assert [r.args.get("PageSize") for r in fake.requests] == ["20"]


def test_stop_at_ends_paging_at_the_first_matching_record(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(100)])
    with client_for(httpserver) as client:
        records = client.list_records("wireless", "/v1/Sims", "sims", page_size=10, stop_at=lambda r: r["sid"] == sim_record(25)["sid"])
    assert [r["sid"] for r in records] == [sim_record(i)["sid"] for i in range(25)]
    assert len(fake.requests) == 3


def test_filters_are_sent_and_none_values_dropped(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(3)])
    with client_for(httpserver) as client:
        client.list_records("wireless", "/v1/Sims", "sims", params={"Status": "active", "Iccid": None})
    assert fake.requests[0].args.get("Status") == "active"
    assert "Iccid" not in fake.requests[0].args


def test_duplicate_sids_across_pages_are_returned_once(httpserver):
    records = [sim_record(i) for i in range(10)]
    records[5] = sim_record(4)  # the API shifted under us: record 4 appears on two pages
    FakeList(httpserver, records)
    with client_for(httpserver) as client:
        got = client.list_records("wireless", "/v1/Sims", "sims", page_size=5)
    assert [r["sid"] for r in got] == [sim_record(i)["sid"] for i in (0, 1, 2, 3, 4, 6, 7, 8, 9)]


def test_429_storm_with_retry_after_still_returns_everything(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(2500)])
    storm = twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": "0.01"})
    fake.faults = [storm] * 3
    start = time.monotonic()
    with client_for(httpserver) as client:
        records = client.list_records("wireless", "/v1/Sims", "sims")
    assert len({r["sid"] for r in records}) == 2500
    assert len(fake.requests) == 6
    assert time.monotonic() - start < 5


def test_retry_after_is_honoured(httpserver):
    fake = FakeList(httpserver, [sim_record(1)])
    fake.faults = [twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": "1"})]
    start = time.monotonic()
    with client_for(httpserver, backoff_base=0.001) as client:
        client.list_records("wireless", "/v1/Sims", "sims")
    assert time.monotonic() - start >= 1.0


def test_retry_after_beyond_max_retry_time_fails_at_once(httpserver):
    fake = FakeList(httpserver, [sim_record(1)])
    fake.faults = [twilio_error(429, 20429, "Too Many Requests", headers={"Retry-After": "3600"})]
    start = time.monotonic()
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.list_records("wireless", "/v1/Sims", "sims")
    assert time.monotonic() - start < 2
    assert "20429" in str(err.value) and "max_retry_time" in str(err.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_transient_5xx_are_retried(httpserver, status):
    fake = FakeList(httpserver, [sim_record(i) for i in range(3)])
    fake.faults = [Response("<html>busy</html>", status=status)] * 2
    with client_for(httpserver) as client:
        records = client.list_records("wireless", "/v1/Sims", "sims")
    assert len(records) == 3
    assert len(fake.requests) == 3


def test_persistent_503_fails_clearly_after_bounded_attempts(httpserver):
    fake = FakeList(httpserver, [sim_record(1)])
    fake.faults = [twilio_error(503, 20503, "Service Unavailable")] * 50
    with client_for(httpserver, max_retries=3) as client, pytest.raises(TwilioError) as err:
        client.list_records("wireless", "/v1/Sims", "sims")
    assert len(fake.requests) == 4
    assert err.value.http_status == 503
    assert str(err.value).startswith("Twilio API error 20503 (HTTP 503): Service Unavailable")
    assert "gave up after 4 attempts" in str(err.value)


def test_401_is_not_retried_and_names_twilio_code(httpserver):
    fake = FakeList(httpserver, [])
    fake.faults = [twilio_error(401, 20003, "Authenticate")]
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.list_records("wireless", "/v1/Sims", "sims")
    assert len(fake.requests) == 1
    assert str(err.value) == "Twilio API error 20003 (HTTP 401): Authenticate, see https://www.twilio.com/docs/errors/20003"
    assert err.value.to_dict() == {"code": 20003, "message": str(err.value), "more_info": "https://www.twilio.com/docs/errors/20003",
                                   "status": 401}
    assert TOKEN not in str(err.value)


@pytest.mark.parametrize("status", [400, 403, 404, 501])
def test_other_errors_are_not_retried(httpserver, status):
    fake = FakeList(httpserver, [])
    fake.faults = [twilio_error(status, 20001, "Invalid")]
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.list_records("wireless", "/v1/Sims", "sims")
    assert len(fake.requests) == 1
    assert err.value.code == 20001 and err.value.http_status == status


def test_error_body_that_is_not_twilio_json(httpserver):
    fake = FakeList(httpserver, [])
    fake.faults = [Response("<html>Forbidden</html>", status=403)]
    with client_for(httpserver) as client, pytest.raises(TwilioError) as err:
        client.list_records("wireless", "/v1/Sims", "sims")
    assert "HTTP 403" in str(err.value) and "not a Twilio error" in str(err.value)


def test_broken_json_fails_clearly_with_status(httpserver):
    fake = FakeList(httpserver, [])
    fake.faults = [Response('{"sims": [{"sid": "DE', content_type="application/json")] * 10
    with client_for(httpserver, max_retries=2) as client, pytest.raises(TwilioError) as err:
        client.list_records("wireless", "/v1/Sims", "sims")
    assert "not valid JSON (HTTP 200" in str(err.value)
    assert len(fake.requests) == 3


def test_truncated_body_once_is_ridden_out(httpserver):
    fake = FakeList(httpserver, [sim_record(i) for i in range(3)])
    fake.faults = [Response('{"sims": [', content_type="application/json")]
    with client_for(httpserver) as client:
        assert len(client.list_records("wireless", "/v1/Sims", "sims")) == 3


def test_list_body_without_records_is_an_error(httpserver):
    fake = FakeList(httpserver, [])
    fake.faults = [Response('{"meta": {"key": "sims"}}', content_type="application/json")]
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="has no 'sims' list"):
        client.list_records("wireless", "/v1/Sims", "sims")


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
        client.list_records("wireless", "/v1/Sims", "sims")
    assert len(other_server.log) == 0
    assert len(httpserver.log) == 1


@pytest.mark.parametrize("bad_url", ["http://127.0.0.1:99999/v1/Sims?Page=1", "http://[::1/v1/Sims", "http://127.0.0.1:8o8o/v1/Sims"])
def test_malformed_next_page_url_is_refused(httpserver, bad_url):
    httpserver.expect_request("/v1/Sims").respond_with_json({"sims": [sim_record(1)], "meta": {"key": "sims", "next_page_url": bad_url}})
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="refusing to follow next_page_url: malformed URL"):
        client.list_records("wireless", "/v1/Sims", "sims")


def test_endless_next_page_url_fails_within_seconds(httpserver):
    loop = {"sims": [sim_record(1)], "meta": {"key": "sims", "next_page_url": httpserver.url_for("/v1/Sims?Page=1&PageToken=same")}}
    httpserver.expect_request("/v1/Sims").respond_with_json(loop)
    start = time.monotonic()
    with client_for(httpserver) as client, pytest.raises(TwilioError, match="paging loops"):
        client.list_records("wireless", "/v1/Sims", "sims")
    assert time.monotonic() - start < 3
    assert len(httpserver.log) == 2


def test_timeout_is_retried_then_fails_clearly(httpserver):
    def slow(request):
        time.sleep(0.6)
        return Response("{}", content_type="application/json")

    httpserver.expect_request("/v1/Sims").respond_with_handler(slow)
    with client_for(httpserver, timeout=0.2, max_retries=1) as client, pytest.raises(TwilioError) as err:
        client.list_records("wireless", "/v1/Sims", "sims")
    assert "timed out after 0.2s" in str(err.value)
    assert "gave up after 2 attempts" in str(err.value)


def test_connection_refused_fails_clearly():
    client = TwilioClient(ACCOUNT, auth_token=TOKEN, base_url="http://127.0.0.1:9/{product}", timeout=1, max_retries=1,
                          backoff_base=0.01, backoff_max=0.01)
    with pytest.raises(TwilioError) as err:
        client.list_records("wireless", "/v1/Sims", "sims")
    assert "cannot reach Twilio API at http://127.0.0.1:9/wireless/v1/Sims" in str(err.value)


def test_fetch_returns_none_on_404_only(httpserver):
    httpserver.expect_request("/v1/Sims/DE404").respond_with_response(twilio_error(404, 20404, "not found"))
    httpserver.expect_request("/v1/Sims/pump-1").respond_with_json(sim_record(7))
    httpserver.expect_request("/v1/Sims/denied").respond_with_response(twilio_error(403, 20403, "Forbidden"))
    with client_for(httpserver) as client:
        assert client.fetch("wireless", "/v1/Sims/DE404") is None
        assert client.fetch("wireless", "/v1/Sims/pump-1")["sid"] == sim_record(7)["sid"]
        with pytest.raises(TwilioError, match="20403"):
            client.fetch("wireless", "/v1/Sims/denied")


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
        client.list_records("wireless", "/v1/Sims", "sims")
    request = fake.requests[0]
    assert request.headers["Authorization"] == _basic(*expected)
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("simfleet.twilio/1.0.0")


def test_one_session_is_reused_across_pages(httpserver):
    FakeList(httpserver, [sim_record(i) for i in range(30)])
    with client_for(httpserver) as client:
        client.list_records("wireless", "/v1/Sims", "sims", page_size=10)
        assert len(client._sessions) == 1
        assert client.request_count == 3


@pytest.mark.parametrize("kwargs,message", [
    (dict(account_sid=None, auth_token=TOKEN), "account_sid is required"),
    (dict(account_sid=ACCOUNT), "auth_token is required"),
    (dict(account_sid=ACCOUNT, api_key=KEY), "api_key and api_secret must be given together"),
    (dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url="ftp://example.com"), "base_url must be an http or https URL"),
    (dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url="https://user:pw@example.com"), "must not carry credentials"),
    (dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url="http://[::1/{product}"), "base_url must be an http or https URL"),
    (dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url="http://127.0.0.1:99999/{product}"), "base_url must be an http or https URL"),
])
def test_bad_configuration_is_refused_before_any_request(kwargs, message):
    with pytest.raises(TwilioError, match=message):
        TwilioClient(**kwargs)


def test_base_url_product_placeholder():
    assert resolve_base_url("https://{product}.twilio.com", "supersim") == "https://supersim.twilio.com"
    assert resolve_base_url("http://127.0.0.1:8080/{product}/", "wireless") == "http://127.0.0.1:8080/wireless"
    assert resolve_base_url("https://proxy.example.com/twilio", "wireless") == "https://proxy.example.com/twilio"
    assert resolve_base_url(None, "wireless") == "https://wireless.twilio.com"
