"""The simulator's Connection Events (tests/simulator/events.py): signed KORE-style batches sent to a sink of the
test's own, as SIMs change status, attach and use data; retries after 5xx with the same body and idempotency
token; duplicates; the command line flags."""
import base64
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from simulator import Simulator
from simulator.events import KINDS, TYPE_PREFIX

SECRET = "sink-secret-123"
SIMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Sink:
    """An HTTP server recording every POST (path, headers, body); answers `statuses` in turn, then 200."""

    def __init__(self, statuses=()):
        self.requests = []
        self.statuses = list(statuses)
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (the name http.server calls)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with sink.lock:
                    sink.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                          "body": body})
                    status = sink.statuses.pop(0) if sink.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def events(self):
        with self.lock:
            return [event for request in self.requests for event in json.loads(request["body"])]


@pytest.fixture
def sink():
    sinks = []

    def make(statuses=()):
        made = Sink(statuses)
        sinks.append(made)
        return made
    yield make
    for made in sinks:
        made.close()


def signature(body, url, secret=SECRET):
    """KORE's documented formula, computed here independently of the simulator."""
    return hashlib.sha256((secret + "POST" + url).encode() + body).hexdigest()


def events_config(url, **settings):
    return dict({"url": url, "secret": SECRET, "flush_seconds": 0.05, "retry_seconds": 0.05}, **settings)


def test_batches_are_signed_and_shaped_as_kore_sends_them(simulator_factory, sink):
    target = sink()
    sim = simulator_factory(seed=7, wireless_sims=2, super_sims=10, events=events_config(target.url))
    sid = sim.truth["supersim_sims"][0]["sid"]
    sim.events.reject(sid, times=120)
    assert sim.events.flush(20)
    assert [len(json.loads(request["body"])) for request in target.requests] == [50, 50, 20]
    for request in target.requests:
        headers = {name.lower(): value for name, value in request["headers"].items()}
        assert request["path"] == "/hook"
        assert headers["kore-signature"] == signature(request["body"], target.url)
        assert headers["user-agent"] == "KoreProxy/1.1"
        assert headers["content-type"] == "application/json"
        assert headers["kore-idempotency-token"] and headers["date"]
    event = target.events()[0]
    assert event["type"] == TYPE_PREFIX + "supersim.connection.attachment.rejected"
    assert {"specversion", "type", "source", "id", "time", "data"} <= set(event)
    assert event["specversion"] == "1.0"
    assert event["data"]["event_sid"] == event["id"]
    assert event["data"]["sim_sid"] == sid and event["data"]["error"]["code"]
    assert len({event["id"] for event in target.events()}) == 120


def test_a_status_change_through_the_api_makes_attachment_and_session_events(simulator_factory, sink):
    target = sink()
    sim = simulator_factory(seed=8, wireless_sims=2, super_sims=20, events=events_config(target.url))
    ready = next(record for record in sim.truth["supersim_sims"] if record["status"] in ("ready", "inactive"))
    request = urllib.request.Request(
        sim.base_url + "/supersim/v1/Sims/" + ready["sid"], data=urllib.parse.urlencode({"Status": "active"}).encode(),
        method="POST", headers={"Authorization": "Basic " + base64.b64encode(
            ("%s:%s" % (sim.account_sid, sim.auth_token)).encode()).decode()})
    urllib.request.urlopen(request, timeout=10).read()
    deadline = time.monotonic() + 10
    while len(target.events()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    kinds = [event["type"][len(TYPE_PREFIX):] for event in target.events()]
    assert kinds == ["supersim.connection.attachment.accepted", "supersim.connection.data-session.started"]
    assert {event["data"]["sim_sid"] for event in target.events()} == {ready["sid"]}
    sim.events.session(ready["sid"], download=5000, upload=1000, end=True)
    assert sim.events.flush(10)
    last = target.events()[-1]
    assert last["type"].endswith("data-session.ended")
    assert last["data"]["data_session_data_total"] == 6000


def test_5xx_answers_are_retried_with_the_same_body_and_token_and_duplicates_are_sent(simulator_factory, sink):
    target = sink(statuses=[503, 500])
    sim = simulator_factory(seed=9, wireless_sims=2, super_sims=5,
                            events=events_config(target.url, duplicate_rate=1.0))
    sim.events.reject(sim.truth["supersim_sims"][0]["sid"], times=3)
    assert sim.events.flush(20)
    bodies = [request["body"] for request in target.requests]
    tokens = [request["headers"]["kore-idempotency-token"] for request in target.requests]
    assert len(bodies) == 4  # 503, 500, 200, then the duplicate
    assert len(set(bodies)) == 1 and len(set(tokens)) == 1
    stats = sim.events.stats()
    assert stats["status_503"] == 1 and stats["status_500"] == 1 and stats["status_200"] == 2
    assert stats["delivered_events"] == 3 and stats["duplicate_batches"] == 1


def test_a_sink_that_never_answers_2xx_is_given_up_after_max_attempts(simulator_factory, sink):
    target = sink(statuses=[503] * 10)
    sim = simulator_factory(seed=9, wireless_sims=2, super_sims=5, events=events_config(target.url, max_attempts=3))
    sim.events.reject(sim.truth["supersim_sims"][0]["sid"])
    assert sim.events.flush(20)
    assert len(target.requests) == 3
    assert sim.events.stats()["failed_batches"] == 1


def test_random_activity_from_the_command_line(sink):
    target = sink()
    sim = Simulator(seed=10, wireless_sims=2, super_sims=10, subprocess=True,
                    events=events_config(target.url, activity_rate=50.0, seed=3))
    with sim:
        deadline = time.monotonic() + 20
        while len(target.events()) < 20 and time.monotonic() < deadline:
            time.sleep(0.1)
    events = target.events()
    assert len(events) >= 20
    assert {event["type"][len(TYPE_PREFIX):] for event in events} <= set(KINDS)
    for request in target.requests:
        assert request["headers"]["kore-signature"] == signature(request["body"], target.url)


def test_bad_event_settings_are_refused():
    with pytest.raises(ValueError, match="events batch_size must be between 1 and 1000"):
        Simulator(events={"url": "http://127.0.0.1:1/x", "batch_size": 0})
    with pytest.raises(ValueError, match="events url must be an http or https URL"):
        Simulator(events={"url": "ftp://x"})
    result = subprocess.run([sys.executable, SIMULATOR_DIR, "--events-url", "http://127.0.0.1:1/x",
                             "--events-duplicate-rate", "2"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "events duplicate_rate must be between 0 and 1, got 2.0" in result.stderr
    assert "Traceback" not in result.stderr
