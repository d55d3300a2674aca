# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The shared client on KORE: OAuth 2.0 client credentials, the token's lifecycle and where each credential goes.

The token endpoint and the API run on two loopback servers (two origins), as KORE's do.
"""

import json
import threading
import time
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioClient, TwilioError
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS

SIMS = ENDPOINTS["wireless_sim"]
CLIENT_ID = "kore-client-unit-0001"
CLIENT_SECRET = "kore-secret-" + "5" * 28


def sim_record(index):
    return {"sid": "DE%032x" % index, "unique_name": "sim-%d" % index, "status": "active"}


class TokenServer:
    """KORE's token endpoint: issues numbered tokens with a lifetime, or the answers queued in ``answers``."""

    def __init__(self, server, lifetime="3600"):
        self.server, self.lifetime = server, lifetime
        self.requests = []
        self.answers = []
        self.issued = []
        self._lock = threading.Lock()
        server.expect_request("/api-services/v1/auth/token", method="POST").respond_with_handler(self.handle)

    @property
    def url(self):
        return self.server.url_for("/api-services/v1/auth/token")

    def handle(self, request):
        with self._lock:
            self.requests.append({"form": parse_qs(request.get_data(as_text=True)), "authorization": request.headers.get("Authorization"),
                                  "content_type": request.headers.get("Content-Type")})
            if self.answers:
                return self.answers.pop(0)
            token = "access-token-%04d-%s" % (len(self.issued) + 1, "x" * 20)
            self.issued.append(token)
        body = {"access_token": token, "expires_in": self.lifetime, "token_type": "Bearer", "scope": "supersim wireless"}
        return Response(json.dumps(body), content_type="application/json")


class ApiServer:
    """A KORE list endpoint that accepts the token server's live tokens, or answers what is queued in ``answers``."""

    def __init__(self, server, tokens, records, delay=0.0):
        self.server, self.tokens, self.records, self.delay = server, tokens, records, delay
        self.requests = []
        self.answers = []
        self.revoked = set()
        server.expect_request("/programmable-wireless/v1/Sims").respond_with_handler(self.handle)

    def handle(self, request):
        self.requests.append({"authorization": request.headers.get("Authorization"), "query": request.query_string.decode(),
                              "body": request.get_data(as_text=True)})
        time.sleep(self.delay)
        if self.answers:
            return self.answers.pop(0)
        token = (request.headers.get("Authorization") or "")[len("Bearer "):]
        if token not in self.tokens.issued or token in self.revoked:
            return kore_error(401, 20003, "Authenticate")
        size = int(request.args.get("PageSize", 50))
        page = int(request.args.get("Page", 0))
        chunk = self.records[page * size:(page + 1) * size]
        next_url = None
        if (page + 1) * size < len(self.records):
            next_url = self.server.url_for("/programmable-wireless/v1/Sims?PageSize=%d&Page=%d&PageToken=PT%d" % (size, page + 1, page + 1))
        return Response(json.dumps({"sims": chunk, "meta": {"key": "sims", "next_page_url": next_url}}), content_type="application/json")


def kore_error(status, code, message, more_info=True, headers=None):
    body = {"status": status, "message": message, "code": code}
    if more_info:
        body["more_info"] = "https://docs.korewireless.com/errors/%d" % code
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers or {})


@pytest.fixture
def token_server():
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


def kore_client(api, tokens, **kwargs):
    options = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_url=tokens.url,
                   base_url=api.server.url_for("/{product}"), timeout=5, max_retries=3, max_retry_time=10,
                   backoff_base=0.01, backoff_max=0.05)
    options.update(kwargs)
    return TwilioClient(**options)


def test_one_token_for_every_page_and_each_credential_only_where_it_belongs(httpserver, token_server):
    tokens = TokenServer(token_server)
    api = ApiServer(httpserver, tokens, [sim_record(i) for i in range(2500)])
    with kore_client(api, tokens) as client:
        records = client.list_records(SIMS)
    assert len({r["sid"] for r in records}) == 2500
    assert len(tokens.requests) == 1 and client.token_requests == 1
    # The client secret goes only to the token URL, form-encoded, with no Authorization header.
    assert tokens.requests[0]["form"] == {"grant_type": ["client_credentials"], "client_id": [CLIENT_ID], "client_secret": [CLIENT_SECRET]}
    assert tokens.requests[0]["authorization"] is None
    assert tokens.requests[0]["content_type"] == "application/x-www-form-urlencoded"
    # The bearer token goes only to the API, in the Authorization header.
    assert [r["authorization"] for r in api.requests] == ["Bearer " + tokens.issued[0]] * 3
    assert not any(CLIENT_SECRET in json.dumps(r) for r in api.requests)


def test_a_token_is_renewed_shortly_before_it_expires(httpserver, token_server):
    tokens = TokenServer(token_server, lifetime="1")  # expires_in comes as a string, as KORE sends it
    api = ApiServer(httpserver, tokens, [sim_record(i) for i in range(30)], delay=0.2)
    with kore_client(api, tokens) as client:
        records = client.list_records(SIMS, page_size=2)  # 15 pages of 0.2 s: 3 seconds
    assert len({r["sid"] for r in records}) == 30
    assert 3 <= len(tokens.requests) <= 6, len(tokens.requests)
    assert all(r["authorization"].startswith("Bearer access-token-") for r in api.requests)
    assert len(api.requests) == 15  # no page was refused: each token was replaced before it expired


def test_a_refused_token_costs_one_renewal_and_the_request_is_sent_again(httpserver, token_server):
    tokens = TokenServer(token_server)
    api = ApiServer(httpserver, tokens, [sim_record(i) for i in range(3)])
    with kore_client(api, tokens) as client:
        client.list_records(SIMS)
        api.revoked.add(tokens.issued[0])
        assert len(client.list_records(SIMS)) == 3
    assert len(tokens.requests) == 2
    assert [r["authorization"] for r in api.requests] == ["Bearer " + tokens.issued[0]] * 2 + ["Bearer " + tokens.issued[1]]


def test_a_token_refused_again_right_after_renewal_is_a_clear_failure(httpserver, token_server):
    tokens = TokenServer(token_server)
    api = ApiServer(httpserver, tokens, [sim_record(1)])
    api.answers = [kore_error(401, 20003, "Authenticate")] * 5
    with kore_client(api, tokens) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert len(tokens.requests) == 2 and len(api.requests) == 2
    assert str(err.value).startswith("KORE API error 20003 (HTTP 401) for GET %s: Authenticate, see https://docs.korewireless.com/errors/20003"
                                     % api.server.url_for("/programmable-wireless/v1/Sims"))
    assert "refused again right after it was renewed" in str(err.value)
    assert not any(token in str(err.value) for token in tokens.issued) and CLIENT_SECRET not in str(err.value)


def test_a_wrong_secret_fails_with_kores_description_and_no_api_request(httpserver, token_server):
    tokens = TokenServer(token_server)
    api = ApiServer(httpserver, tokens, [sim_record(1)])
    tokens.answers = [Response(json.dumps({"error": "unauthorized_client", "error_description": "Invalid client or Invalid client credentials"}),
                               status=401, content_type="application/json")]
    with kore_client(api, tokens, client_secret="wrong-secret-0000") as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert str(err.value) == ("KORE token request failed: POST %s answered HTTP 401: unauthorized_client: "
                              "Invalid client or Invalid client credentials" % tokens.url)
    assert err.value.http_status == 401
    assert len(tokens.requests) == 1 and api.requests == []


@pytest.mark.parametrize("answer", [
    Response(json.dumps({"error": "temporarily_unavailable"}), status=503, content_type="application/json"),
    Response("slow down", status=429, headers={"Retry-After": "0.05"}),
])
def test_token_requests_are_retried_like_api_requests(httpserver, token_server, answer):
    tokens = TokenServer(token_server)
    tokens.answers = [answer, answer]
    api = ApiServer(httpserver, tokens, [sim_record(1)])
    with kore_client(api, tokens) as client:
        assert len(client.list_records(SIMS)) == 1
    assert len(tokens.requests) == 3


def test_token_requests_give_up_within_the_bounds(httpserver, token_server):
    tokens = TokenServer(token_server)
    tokens.answers = [Response("down", status=503)] * 10
    api = ApiServer(httpserver, tokens, [sim_record(1)])
    with kore_client(api, tokens, max_retries=2) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert "KORE token endpoint answered HTTP 503" in str(err.value) and "gave up after 3 attempts" in str(err.value)
    assert api.requests == []


@pytest.mark.parametrize("body,message", [
    ({"token_type": "Bearer", "expires_in": "3600"}, "has no access_token"),
    ({"access_token": "", "expires_in": "3600"}, "has no access_token"),
    ({"access_token": "t", "expires_in": "soon"}, "expires_in must be a positive number"),
    ({"access_token": "t", "expires_in": "-5"}, "expires_in must be a positive number"),
    ({"access_token": "t", "expires_in": "inf"}, "expires_in must be a positive number"),
    ({"access_token": "t", "expires_in": 60, "token_type": "MAC"}, "unsupported token_type"),
    ({"access_token": "t", "expires_in": 10 ** 400}, "expires_in must be a positive number"),
    ({"access_token": "t\r\nX-Evil: 1", "expires_in": "60"}, "not printable ASCII without spaces"),
    ({"access_token": "t\u00e9", "expires_in": "60"}, "not printable ASCII without spaces"),
    (["access_token"], "has no access_token"),
])
def test_malformed_token_answers_fail_clearly(httpserver, token_server, body, message):
    tokens = TokenServer(token_server)
    tokens.answers = [Response(json.dumps(body), content_type="application/json")]
    api = ApiServer(httpserver, tokens, [sim_record(1)])
    with kore_client(api, tokens) as client, pytest.raises(TwilioError, match=message):
        client.list_records(SIMS)
    assert api.requests == []


def test_errors_without_more_info_link_to_kores_error_pages(httpserver, token_server):
    tokens = TokenServer(token_server)
    api = ApiServer(httpserver, tokens, [])
    api.answers = [kore_error(400, 83000, "Super SIM registration failed", more_info=False)]
    with kore_client(api, tokens) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert err.value.more_info == "https://docs.korewireless.com/errors/83000"
    assert str(err.value) == ("KORE API error 83000 (HTTP 400) for GET %s: Super SIM registration failed, see https://docs.korewireless.com/errors/83000"
                              % api.server.url_for("/programmable-wireless/v1/Sims"))


def test_a_server_echoing_the_token_does_not_put_it_in_the_error(httpserver, token_server):
    tokens = TokenServer(token_server)
    api = ApiServer(httpserver, tokens, [])

    def echo(request):
        return kore_error(400, 20001, "bad header %s" % request.headers.get("Authorization"))

    httpserver.clear_all_handlers()
    httpserver.expect_request("/programmable-wireless/v1/Sims").respond_with_handler(echo)
    with kore_client(api, tokens) as client, pytest.raises(TwilioError) as err:
        client.list_records(SIMS)
    assert tokens.issued[0] not in str(err.value) and "bad header Bearer <redacted>" in str(err.value)


def test_a_redirect_of_the_token_request_is_not_followed(httpserver, token_server):
    tokens = TokenServer(token_server)
    tokens.answers = [Response(status=307, headers={"Location": httpserver.url_for("/steal")})]
    api = ApiServer(httpserver, tokens, [])
    with kore_client(api, tokens) as client, pytest.raises(TwilioError, match="refusing to follow the redirect"):
        client.list_records(SIMS)
    assert len(httpserver.log) == 0


def test_tokens_are_shared_by_threads(httpserver, token_server):
    tokens = TokenServer(token_server)
    api = ApiServer(httpserver, tokens, [sim_record(i) for i in range(5)])
    with kore_client(api, tokens) as client:
        threads = [threading.Thread(target=client.list_records, args=(SIMS,)) for dummy in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(tokens.requests) == 1 and len(api.requests) == 6


@pytest.mark.parametrize("kwargs,message", [
    (dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, auth_token="t"), "credentials of both platforms are set"),
    (dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, account_sid="AC" + "1" * 32, api_key="SK" + "1" * 32,
          api_secret="s"), "credentials of both platforms are set"),
    (dict(client_id=CLIENT_ID), "client_secret is required on KORE"),
    (dict(platform="kore", client_secret=CLIENT_SECRET), "client_id is required on KORE"),
    (dict(platform="twilio", account_sid="AC" + "1" * 32, client_id=CLIENT_ID, client_secret=CLIENT_SECRET),
     "platform is twilio, but client_id, client_secret are credentials of the other platform"),
    (dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_url="ftp://example.com/token"), "token_url must be an http or https URL"),
    (dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_url="https://a:b@example.com/token"), "token_url must not carry credentials"),
    (dict(platform="sky", client_id=CLIENT_ID), "platform must be one of kore, twilio"),
])
def test_bad_kore_configuration_is_refused(kwargs, message):
    with pytest.raises(TwilioError, match=message) as err:
        TwilioClient(**kwargs)
    assert CLIENT_SECRET not in str(err.value)


# -- authentication failures cost a bounded number of token requests for the whole run -------------------------------

def run_threads(client, workers=8, each=25):
    """``workers`` threads sharing the client, ``each`` listings per thread (a batch's pool): every error, by thread."""
    errors = []
    lock = threading.Lock()

    def work():
        for dummy in range(each):
            try:
                client.list_records(SIMS)
            except TwilioError as err:
                with lock:
                    errors.append(err)

    threads = [threading.Thread(target=work) for dummy in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_a_token_endpoint_down_after_the_first_token_costs_a_few_token_requests_for_the_whole_run(httpserver, token_server):
    tokens = TokenServer(token_server, lifetime="1")
    api = ApiServer(httpserver, tokens, [sim_record(1)])
    with kore_client(api, tokens, max_retries=5) as client:
        assert len(client.list_records(SIMS)) == 1
        tokens.answers = [Response(json.dumps({"error": "temporarily_unavailable"}), status=503, content_type="application/json")] * 1000
        time.sleep(1.0)  # the token expires
        start = time.monotonic()
        errors = run_threads(client)
        seconds = time.monotonic() - start
    # The first token, then one renewal with at most TOKEN_MAX_RETRIES (2) retries, shared by the 8 threads.
    assert len(tokens.requests) == 4 and client.token_requests == 2
    assert len(errors) == 200 and seconds < 10
    assert len(api.requests) == 1  # no request without a token
    first = [str(e) for e in errors if "earlier in this run" not in str(e)]
    assert len(first) == 1 and "answered HTTP 503: temporarily_unavailable; gave up after 3 attempts" in first[0], first
    later = [str(e) for e in errors if "earlier in this run" in str(e)]
    assert len(later) == 199
    assert all(message.startswith("not sent: KORE authentication failed earlier in this run: KORE token request failed") for message in later)
    assert all(e.http_status == 503 for e in errors)


def test_a_client_the_token_endpoint_refuses_costs_one_token_request_for_the_whole_run(httpserver, token_server):
    tokens = TokenServer(token_server)
    tokens.answers = [Response(json.dumps({"error": "unauthorized_client", "error_description": "Invalid client"}), status=401,
                               content_type="application/json")] * 1000
    api = ApiServer(httpserver, tokens, [sim_record(1)])
    with kore_client(api, tokens) as client:
        errors = run_threads(client)
    assert len(tokens.requests) == 1 and len(errors) == 200 and api.requests == []
    assert all(e.http_status == 401 and "unauthorized_client: Invalid client" in str(e) for e in errors)


def test_an_api_that_refuses_every_token_costs_two_tokens_for_the_whole_run(httpserver, token_server):
    tokens = TokenServer(token_server)
    api = ApiServer(httpserver, tokens, [sim_record(1)])
    api.revoked = RefuseAll()
    with kore_client(api, tokens) as client:
        start = time.monotonic()
        errors = run_threads(client)
        seconds = time.monotonic() - start
    assert len(tokens.requests) == 2 and client.token_requests == 2
    assert len(errors) == 200 and seconds < 10
    # Each thread sent at most its first request and its retry with the renewed token; then nothing more.
    assert len(api.requests) <= 16
    assert all(e.http_status == 401 and e.code == 20003 for e in errors)
    assert sum("refused 2 access tokens in a row: no further token is requested" in str(e) for e in errors) >= 1
    assert sum(str(e).startswith("not sent: KORE authentication failed earlier in this run") for e in errors) >= 190
    for error in errors:
        assert not any(token in str(error) for token in tokens.issued) and CLIENT_SECRET not in str(error)


def test_a_token_refused_once_is_not_the_end_of_the_run(httpserver, token_server):
    tokens = TokenServer(token_server)
    api = ApiServer(httpserver, tokens, [sim_record(1)])
    with kore_client(api, tokens) as client:
        for dummy in range(3):  # revoked, renewed, taken: three times over
            client.list_records(SIMS)
            api.revoked.add(tokens.issued[-1])
        assert len(client.list_records(SIMS)) == 1
    assert len(tokens.requests) == 4


class RefuseAll(set):
    """A revocation list that holds every token."""

    def __contains__(self, item):
        return True


# -- what a hostile server echoes never shows -------------------------------------------------------------------------

SPECIAL_TOKEN = "tok/en+with=special-" + "x" * 24


def token_forms(token):
    import base64
    from urllib.parse import quote, quote_plus

    return [token, quote(token, safe=""), quote_plus(token), base64.b64encode(token.encode()).decode()]


@pytest.mark.parametrize("form", [0, 1, 3])
def test_a_token_type_echoing_the_token_is_not_quoted(httpserver, token_server, form):
    tokens = TokenServer(token_server)
    tokens.answers = [Response(json.dumps({"access_token": SPECIAL_TOKEN, "expires_in": "60", "token_type": token_forms(SPECIAL_TOKEN)[form]}),
                               content_type="application/json")]
    api = ApiServer(httpserver, tokens, [sim_record(1)])
    with kore_client(api, tokens) as client, pytest.raises(TwilioError, match="unsupported token_type '<redacted>'") as err:
        client.list_records(SIMS)
    assert not any(f in str(err.value) for f in token_forms(SPECIAL_TOKEN)) and api.requests == []


@pytest.mark.parametrize("form", [0, 1, 3, 4])
def test_token_answers_echoing_the_client_secret_are_scrubbed(httpserver, token_server, form):
    import base64

    secret = "kore/secret+" + "5" * 28
    forms = token_forms(secret) + [base64.b64encode(("%s:%s" % (CLIENT_ID, secret)).encode()).decode()]
    tokens = TokenServer(token_server)
    tokens.answers = [Response(json.dumps({"error": "invalid_client", "error_description": "no such client " + forms[form]}),
                               status=400, content_type="application/json"),
                      Response(json.dumps({"access_token": "t" * 20, "expires_in": "60", "token_type": forms[form]}),
                               content_type="application/json")]
    api = ApiServer(httpserver, tokens, [sim_record(1)])
    for dummy in range(2):
        with kore_client(api, tokens, client_secret=secret) as client, pytest.raises(TwilioError) as err:
            client.list_records(SIMS)
        text = str(err.value) + json.dumps(err.value.to_dict())
        assert "<redacted>" in text and not any(f in text for f in forms), text


@pytest.mark.parametrize("form", [0, 1, 2, 3])
@pytest.mark.parametrize("where", ["next_page_url", "message", "more_info", "code", "location", "record"])
def test_an_api_echoing_the_bearer_token_never_gets_it_out(httpserver, token_server, where, form):
    tokens = TokenServer(token_server)
    tokens.answers = [Response(json.dumps({"access_token": SPECIAL_TOKEN, "expires_in": "3600", "token_type": "Bearer"}),
                               content_type="application/json")]

    def echo(request):
        token = request.headers["Authorization"].split(" ", 1)[1]
        e = token_forms(token)[form]
        answers = {
            "next_page_url": lambda: Response(json.dumps({"sims": [sim_record(1)], "meta": {"next_page_url": "http://other.invalid/?t=" + e}}),
                                              content_type="application/json"),
            "message": lambda: kore_error(400, 20001, "bad token " + e),
            "more_info": lambda: Response(json.dumps({"code": 20001, "message": "bad", "more_info": "https://x.example/" + e}), status=400,
                                          content_type="application/json"),
            "code": lambda: Response(json.dumps({"code": e, "message": "bad"}), status=400, content_type="application/json"),
            "location": lambda: Response(status=307, headers={"Location": "http://other.invalid/?t=" + e}),
            "record": lambda: Response(json.dumps({"sims": [dict(sim_record(1), friendly_name=e)], "meta": {"next_page_url": None}}),
                                       content_type="application/json"),
        }
        return answers[where]()

    httpserver.expect_request("/programmable-wireless/v1/Sims").respond_with_handler(echo)
    with kore_client(SimpleNamespace(server=httpserver), tokens) as client:
        if where == "record":
            text = json.dumps(client.list_records(SIMS))
        else:
            with pytest.raises(TwilioError) as err:
                client.list_records(SIMS)
            text = str(err.value) + json.dumps(err.value.to_dict())
    assert "<redacted>" in text, text
    assert not any(f in text for f in token_forms(SPECIAL_TOKEN)), text
