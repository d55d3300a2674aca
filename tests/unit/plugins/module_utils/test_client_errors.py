# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Errors that say why: every failure of the client names its cause, the host (and port) or the endpoint it
talked to, and the platform's error code and documentation link when the answer has them; never a secret.

Each case is real: a closed port, a name under ``.invalid`` (which never resolves), a TLS server with a
self-signed certificate, servers that accept and never answer, HTTP servers answering errors, the simulator, and a
module run by ``ansible`` itself.
"""

import json
import os
import re
import socket
import ssl
import subprocess
import sys

import pytest
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioClient, TwilioError
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS

SIMS = ENDPOINTS["wireless_sim"]
SMS = ENDPOINTS["supersim_sms_command"]
ACCOUNT = "AC" + "1" * 32
TOKEN = "token-" + "7" * 26
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")


def client(base_url, **kwargs):
    options = dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url=base_url, timeout=2, max_retries=1, max_retry_time=10,
                   backoff_base=0.01, backoff_max=0.01)
    options.update(kwargs)
    return TwilioClient(**options)


def failure(the_client, call=None):
    """The TwilioError of a listing of wireless SIMs (or of ``call(client)``), checked to hold no secret."""
    with the_client, pytest.raises(TwilioError) as err:
        if call is None:
            the_client.list_records(SIMS)
        else:
            call(the_client)
    assert TOKEN not in json.dumps(err.value.to_dict())
    assert str(err.value) == err.value.to_dict()["message"]
    return err.value


@pytest.fixture
def closed_port():
    """A loopback port that nothing listens on: bound, then closed."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


@pytest.fixture
def silent_server():
    """A server that accepts connections (the kernel completes them) and never answers a byte."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def full_backlog():
    """A listening port whose backlog is full: a new connection is never completed (a connect timeout)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for dummy in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    yield port
    for sock in fillers + [listener]:
        sock.close()


@pytest.fixture
def tls_server(self_signed):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*self_signed("server"))
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    server.expect_request("/v1/Sims").respond_with_json({"sims": [], "meta": {"key": "sims", "next_page_url": None}})
    yield server
    server.clear()
    server.stop()


# -- connections -------------------------------------------------------------------------------------------------------

def test_a_closed_port_says_connection_refused_and_names_host_and_port(closed_port):
    the_client = client("http://127.0.0.1:%d/{product}" % closed_port)
    err = failure(the_client)
    assert str(err).startswith("cannot connect to Twilio API at 127.0.0.1:%d (connection refused): GET http://127.0.0.1:%d/wireless/v1/Sims"
                               % (closed_port, closed_port)), str(err)
    assert str(err).endswith("; gave up after 2 attempts")  # a read is retried, as before
    assert the_client.request_count == 2 and err.http_status is None and err.code is None


def test_a_refused_create_is_retried_it_was_never_sent(closed_port):
    the_client = client("http://127.0.0.1:%d/{product}" % closed_port, max_retries=2)
    err = failure(the_client, lambda c: c.create(SMS, {"Sim": "HS" + "0" * 32, "Payload": "x"}))
    assert "(connection refused)" in str(err) and "POST http://127.0.0.1:%d/supersim/v1/SmsCommands" % closed_port in str(err)
    assert the_client.request_count == 3 and not err.may_be_applied


def test_a_name_that_does_not_resolve_says_so_and_points_at_base_url():
    the_client = client("http://simfleet-no-such-host.invalid/{product}", max_retries=0)
    err = failure(the_client)
    assert str(err).startswith("cannot connect to Twilio API at simfleet-no-such-host.invalid:80 (name resolution failed: "), str(err)
    assert "; check base_url): GET http://simfleet-no-such-host.invalid/wireless/v1/Sims" in str(err)


def test_a_self_signed_certificate_says_certificate_verify_failed_and_is_not_retried(tls_server):
    the_client = client(tls_server.url_for("/"), max_retries=3)
    err = failure(the_client)
    where = "127.0.0.1:%d" % tls_server.port
    assert str(err).startswith("TLS certificate problem talking to Twilio API at %s: certificate verification failed "
                               "(certificate verify failed: " % where), str(err)
    assert re.search(r"self[- ]signed certificate", str(err)), str(err)
    assert "validate_certs: false" in str(err)
    assert the_client.request_count == 1


def test_https_to_a_plain_http_server_says_tls_handshake_failed(httpserver):
    url = httpserver.url_for("/").replace("http://", "https://")
    the_client = client(url, max_retries=3)
    err = failure(the_client)
    where = "%s:%d" % (httpserver.host, httpserver.port)
    assert str(err).startswith("TLS problem talking to Twilio API at %s: TLS handshake failed" % where), str(err)
    assert "is %s an https server? check base_url" % where in str(err)
    assert the_client.request_count == 1


def test_a_server_that_never_answers_says_read_timeout(silent_server):
    the_client = client("http://127.0.0.1:%d/{product}" % silent_server, timeout=0.5, max_retries=0)
    err = failure(the_client)
    assert str(err) == ("Twilio API request to 127.0.0.1:%d timed out after 0.5s (read timeout: connected, but no answer): "
                        "GET http://127.0.0.1:%d/wireless/v1/Sims; gave up after 1 attempt" % (silent_server, silent_server))


def test_a_tls_server_that_never_answers_says_tls_handshake_timeout(silent_server):
    the_client = client("https://127.0.0.1:%d/{product}" % silent_server, timeout=0.5, max_retries=0)
    err = failure(the_client)
    assert str(err).startswith("Twilio API request to 127.0.0.1:%d timed out after 0.5s (TLS handshake timeout" % silent_server), str(err)


def test_a_connection_never_made_says_connect_timeout(full_backlog):
    the_client = client("http://127.0.0.1:%d/{product}" % full_backlog, timeout=0.5, max_retries=0)
    err = failure(the_client)
    assert str(err).startswith("Twilio API request to 127.0.0.1:%d timed out after 0.5s (connect timeout: no connection made): "
                               "GET http://127.0.0.1:%d/wireless/v1/Sims" % (full_backlog, full_backlog)), str(err)


@pytest.fixture
def closing_server(raw_server):
    """A server that reads each request and closes the connection without an answer."""
    return raw_server(lambda conn, stop: None)


def test_a_connection_closed_without_an_answer_says_so(closing_server):
    the_client = client("http://127.0.0.1:%d/{product}" % closing_server, max_retries=1)
    err = failure(the_client)
    assert str(err).startswith("cannot reach Twilio API at 127.0.0.1:%d (the server closed the connection without an answer): "
                               "GET http://127.0.0.1:%d/wireless/v1/Sims" % (closing_server, closing_server)), str(err)
    assert the_client.request_count == 2
    # A create that may have reached the server is not sent again, and says so.
    the_client = client("http://127.0.0.1:%d/{product}" % closing_server, max_retries=3)
    err = failure(the_client, lambda c: c.create(SMS, {"Sim": "HS" + "0" * 32, "Payload": "x"}))
    assert the_client.request_count == 1 and err.may_be_applied and "it may have been applied" in str(err)


# -- HTTP errors -------------------------------------------------------------------------------------------------------

def test_an_api_error_names_the_endpoint_status_code_and_documentation(httpserver):
    body = {"code": 21211, "message": "Invalid 'Sim' parameter", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
    httpserver.expect_request("/v1/SmsCommands", method="POST").respond_with_json(body, status=400)
    err = failure(client(httpserver.url_for("/")), lambda c: c.create(SMS, {"Sim": "HS" + "0" * 32, "Payload": "x"}))
    assert str(err) == ("Twilio API error 21211 (HTTP 400) for POST %s: Invalid 'Sim' parameter, see https://www.twilio.com/docs/errors/21211"
                        % httpserver.url_for("/v1/SmsCommands"))
    assert err.to_dict() == {"code": 21211, "status": 400, "more_info": "https://www.twilio.com/docs/errors/21211", "message": str(err)}


def test_an_api_error_without_more_info_links_the_platform_documentation(httpserver):
    httpserver.expect_request("/v1/Sims").respond_with_json({"code": 20003, "message": "Authenticate"}, status=401)
    kore = dict(account_sid=None, auth_token=None, client_id="kore-client", client_secret="kore-secret-" + "5" * 20)
    httpserver.expect_request("/token", method="POST").respond_with_json({"access_token": "A" * 40, "expires_in": 3600})
    err = failure(client(httpserver.url_for("/"), token_url=httpserver.url_for("/token"), max_retries=0, **kore))
    assert str(err).startswith("KORE API error 20003 (HTTP 401) for GET %s: Authenticate, see https://docs.korewireless.com/errors/20003"
                               % httpserver.url_for("/v1/Sims")), str(err)
    assert err.more_info == "https://docs.korewireless.com/errors/20003" and "A" * 40 not in str(err)


def test_the_query_string_of_a_page_is_not_part_of_the_endpoint_named(httpserver):
    next_url = httpserver.url_for("/v1/Sims?PageSize=1&Page=1&PageToken=PT1")
    first = {"sims": [{"sid": "DE" + "1" * 32}], "meta": {"key": "sims", "next_page_url": next_url}}
    httpserver.expect_request("/v1/Sims", query_string="PageSize=1000").respond_with_json(first)
    httpserver.expect_request("/v1/Sims").respond_with_json({"code": 20403, "message": "Forbidden"}, status=403)
    err = failure(client(httpserver.url_for("/")))
    assert str(err).startswith("Twilio API error 20403 (HTTP 403) for GET %s: Forbidden" % httpserver.url_for("/v1/Sims")), str(err)


def test_a_404_that_is_not_the_api_says_base_url_may_be_wrong(httpserver):
    base_url = httpserver.url_for("/twilio-proxy")
    httpserver.expect_request("/twilio-proxy/v1/Sims").respond_with_response(Response("<html>Not Found</html>", status=404))
    httpserver.expect_request("/twilio-proxy/v1/Sims/DE" + "1" * 32).respond_with_response(Response("<html>Not Found</html>", status=404))
    err = failure(client(base_url))
    assert str(err) == ("Twilio API answered HTTP 404 NOT FOUND for GET %s/v1/Sims with a body that is not an error of the API "
                        "(22 bytes): base_url may be wrong (%s): no Twilio API answers at %s/v1/Sims" % (base_url, base_url, base_url))
    # A fetch answered so is an error too, not an empty result: the record may well exist.
    err = failure(client(base_url), lambda c: c.fetch(SIMS, "DE" + "1" * 32))
    assert err.http_status == 404 and "base_url may be wrong" in str(err)


def test_a_base_url_without_product_on_the_simulator_says_base_url_may_be_wrong(simulator):
    the_client = client(simulator.base_url, account_sid=simulator.account_sid, auth_token=simulator.auth_token)
    err = failure(the_client)
    assert err.http_status == 404 and err.code == 20404
    assert str(err).startswith("Twilio API error 20404 (HTTP 404) for GET %s/v1/Sims: " % simulator.base_url), str(err)
    assert str(err).endswith("; the wireless_sim listing itself was not found at %s/v1/Sims: base_url may be wrong (%s, which has no "
                             "{product} placeholder)" % (simulator.base_url, simulator.base_url)), str(err)
    assert simulator.auth_token not in str(err)
    # The same client on the right base_url lists them.
    with client(simulator.product_url, account_sid=simulator.account_sid, auth_token=simulator.auth_token) as good:
        assert len(good.list_records(SIMS)) == len(simulator.truth["wireless_sims"])


def test_a_fetch_of_a_missing_record_is_still_none(simulator):
    with client(simulator.product_url, account_sid=simulator.account_sid, auth_token=simulator.auth_token) as the_client:
        assert the_client.fetch(SIMS, "DE" + "f" * 32) is None


# -- base_url checked before any request -------------------------------------------------------------------------------

@pytest.mark.parametrize("platform,base_url,hosts", [
    ("twilio", "https://wireless.twilio.com", "wireless.twilio.com, supersim.twilio.com"),
    ("twilio", "https://supersim.twilio.com/", "wireless.twilio.com, supersim.twilio.com"),
    ("twilio", "https://api.twilio.com", "wireless.twilio.com, supersim.twilio.com"),
    ("kore", "https://supersim.api.korewireless.com", "programmable-wireless.api.korewireless.com, supersim.api.korewireless.com"),
])
def test_a_platform_host_without_the_product_placeholder_is_refused_before_any_request(platform, base_url, hosts):
    options = dict(platform=platform, base_url=base_url)
    if platform == "kore":
        options.update(account_sid=None, auth_token=None, client_id="kore-client", client_secret="kore-secret-" + "5" * 20)
    with pytest.raises(TwilioError) as err:
        client(**options)
    assert str(err.value).startswith("base_url %s has no {product} placeholder, but %s serves each product on a host of its own (%s): "
                                     "use base_url https://{product}." % (base_url, "KORE" if platform == "kore" else "Twilio", hosts))


@pytest.mark.parametrize("base_url", ["https://proxy.example.com/twilio", "http://127.0.0.1:8080", "https://{product}.twilio.com",
                                      "https://twilio-gateway.example.net/{product}"])
def test_a_single_root_or_a_placeholder_is_accepted(base_url):
    assert client(base_url).url("supersim", "/v1/Sims").endswith("/v1/Sims")


# -- through a real module run -----------------------------------------------------------------------------------------

def test_a_module_run_by_ansible_fails_with_the_message_and_no_traceback(closed_port, tmp_path):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("TWILIO_", "KORE_", "ANSIBLE_")))
    env.update(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_BASE_URL="http://127.0.0.1:%d/{product}" % closed_port,
               TWILIO_MAX_RETRIES="0", ANSIBLE_COLLECTIONS_PATH=os.environ["ANSIBLE_COLLECTIONS_PATH"], ANSIBLE_NOCOLOR="1",
               ANSIBLE_HOME=str(tmp_path / "home"), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([ANSIBLE, "localhost", "-i", "localhost,", "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable,
                           "-m", "simfleet.twilio.wireless_sim_info", "-a", "status=active"],
                          cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    dummy, found, text = proc.stdout.partition("localhost | FAILED! => ")
    assert found, output
    result = json.loads(text)
    assert result["msg"] == ("cannot connect to Twilio API at 127.0.0.1:%d (connection refused): GET http://127.0.0.1:%d/wireless/v1/Sims"
                             "; gave up after 1 attempt" % (closed_port, closed_port))
    assert result["error"] == {"code": None, "status": None, "more_info": None, "message": result["msg"]}
    assert "Traceback" not in output and "exception" not in result and "module_stderr" not in result
    assert TOKEN not in output
