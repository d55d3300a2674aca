"""simfleet.twilio.sim_events: the webhook mode over real HTTP on loopback (signatures of both platforms,
batches, duplicates, bad bodies, the size limit), option checks, and the poll mode against the simulator."""
import asyncio
import hashlib
import json
import logging
import math
import ssl
import subprocess
import urllib.parse

import aiohttp
import pytest
import yaml
from twilio.request_validator import RequestValidator

from ansible_collections.simfleet.twilio.extensions.eda.plugins.event_source import sim_events
from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioClient
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS

SECRET = "a35974bdf1c769b8bb"
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
PUBLIC_URL = "https://events.example.com/kore/hook"
TWILIO_URL = "https://events.example.com/twilio/hook"
PREFIX = "com.korewireless.iot."


def cloudevent(number, kind="supersim.connection.attachment.rejected", prefix=PREFIX, **data):
    event_id = "EZ%032x" % number
    body = {"event_sid": event_id, "event_type": prefix + kind, "account_sid": "AC" + "1" * 32,
            "sim_sid": "HS%032x" % (number % 7), "sim_iccid": "8988307%013d" % (number % 7), "sim_unique_name": "pump-%d" % (number % 7),
            "fleet_sid": "HF" + "2" * 32, "timestamp": "2026-12-06T21:00:00Z", "network": {"mcc": "204", "mnc": "08"},
            "error": {"code": 42301, "message": "rejected"}}
    body.update(data)
    return {"specversion": "1.0", "type": prefix + kind, "source": "/v1/Sims/" + body["sim_sid"], "id": event_id,
            "time": "2026-12-06T21:00:00Z", "dataschema": "x", "datacontenttype": "application/json", "data": body}


def kore_headers(body, secret=SECRET, url=PUBLIC_URL):
    """Headers as KORE sends them: an independent computation of the documented formula."""
    digest = hashlib.sha256((secret + "POST" + url).encode() + body).hexdigest()
    return {"Content-Type": "application/json", "kore-signature": digest, "user-agent": "KoreProxy/1.1"}


class Webhook:
    """A running webhook source on loopback with its queue."""

    def __init__(self, **options):
        self.options = dict({"host": "127.0.0.1", "port": 0, "callback_url": PUBLIC_URL, "secret": SECRET}, **options)
        self.queue = asyncio.Queue(maxsize=self.options.pop("queue_size", 0))

    async def __aenter__(self):
        self.settings = sim_events.parse_args(self.options, environ={})
        self.runner, self.receiver, port = await sim_events.start_webhook(self.queue, self.settings)
        path = urllib.parse.urlsplit(self.settings["callback_url"] or "/").path or "/"
        self.url = "http://127.0.0.1:%d%s" % (port, path)
        self.session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc):
        await self.session.close()
        await self.runner.cleanup()

    async def post(self, body, headers=None, url=None, method="POST"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        async with self.session.request(method, url or self.url, data=data, headers=headers if headers is not None
                                        else kore_headers(data)) as response:
            return response.status, await response.text()

    def drain(self):
        events = []
        while not self.queue.empty():
            events.append(self.queue.get_nowait())
        return events


# -- signatures -----------------------------------------------------------------------------------------------------


def test_kore_signature_matches_the_documented_vectors():
    assert sim_events.kore_signature("12345", "POST", "https://testendpoint.com", b"field1=value1&field2=value2") \
        == "f562d3959f68b5a30fc7a63f8bbf40987f633575f4231ffceb4f76dd154ea3ce"
    assert sim_events.kore_signature(SECRET, "POST", "https://testendpoint.com", b'{"field1":"value1","field2":"value2"}') \
        == "d21c555b37789cdb9433a85760d326f0c637d5c17676b8dc49918ec629c67d59"
    # The query string and the fragment of the callback URL are not signed.
    assert sim_events.kore_signature("12345", "POST", "https://testendpoint.com?a=1#f", b"field1=value1&field2=value2") \
        == "f562d3959f68b5a30fc7a63f8bbf40987f633575f4231ffceb4f76dd154ea3ce"


def test_twilio_signature_agrees_with_twilio_python():
    validator = RequestValidator(AUTH_TOKEN)
    url = TWILIO_URL + "?bodySHA256=" + hashlib.sha256(b"[]").hexdigest()
    assert sim_events.twilio_signature(AUTH_TOKEN, url) == validator.compute_signature(url, {})
    form = {"b": "2", "a": "1", "CallSid": "CA1"}
    assert sim_events.twilio_signature(AUTH_TOKEN, TWILIO_URL, form.items()) == validator.compute_signature(TWILIO_URL, form)


@pytest.mark.asyncio
async def test_a_kore_batch_puts_one_event_per_cloudevent_in_the_shape_of_the_issue():
    batch = [cloudevent(n) for n in range(50)]
    batch[3] = cloudevent(3, "supersim.connection.data-session.updated", data_session_data_total=123)
    async with Webhook() as hook:
        status, text = await hook.post(batch)
        events = hook.drain()
    assert status == 200, text
    assert json.loads(text) == {"queued": 50, "duplicates": 0}
    assert [event["id"] for event in events] == [element["id"] for element in batch]
    first = events[0]
    assert first == {"type": PREFIX + "supersim.connection.attachment.rejected", "kind": "supersim.connection.attachment.rejected",
                     "id": batch[0]["id"], "time": batch[0]["time"], "source": batch[0]["source"],
                     "sim": {"sid": batch[0]["data"]["sim_sid"], "iccid": batch[0]["data"]["sim_iccid"],
                             "unique_name": "pump-0", "fleet_sid": "HF" + "2" * 32},
                     "data": batch[0]["data"]}
    assert events[3]["kind"] == "supersim.connection.data-session.updated"
    assert events[3]["data"]["data_session_data_total"] == 123
    assert "meta" not in first  # ansible-rulebook adds its own


@pytest.mark.asyncio
async def test_a_single_cloudevent_and_missing_sim_fields():
    event = cloudevent(1)
    for name in ("sim_unique_name", "fleet_sid"):
        del event["data"][name]
    async with Webhook() as hook:
        status, dummy = await hook.post(event)
        events = hook.drain()
    assert status == 200
    assert len(events) == 1
    assert events[0]["sim"]["unique_name"] is None and events[0]["sim"]["fleet_sid"] is None
    assert events[0]["sim"]["sid"] == event["data"]["sim_sid"]


@pytest.mark.asyncio
async def test_twilio_and_kore_prefixes_give_the_same_kind():
    assert sim_events.kind_of("com.twilio.iot.supersim.connection.attachment.rejected") == "supersim.connection.attachment.rejected"
    assert sim_events.kind_of(PREFIX + "supersim.connection.data-session.ended") == "supersim.connection.data-session.ended"
    assert sim_events.kind_of("simfleet.sim.status_changed") == "sim.status_changed"


@pytest.mark.asyncio
async def test_missing_or_wrong_kore_signatures_get_401_and_queue_nothing(caplog):
    caplog.set_level(logging.DEBUG)
    body = json.dumps([cloudevent(1)]).encode()
    async with Webhook() as hook:
        results = [
            await hook.post(body, headers={"Content-Type": "application/json"}),  # no header
            await hook.post(body, headers=kore_headers(body, secret="not-the-secret")),
            await hook.post(body, headers=kore_headers(body, url=hook.url)),  # signed for the local URL, not the public one
            await hook.post(body, headers=kore_headers(body + b" ")),  # signature of another body
            await hook.post(body, headers=dict(kore_headers(body), **{"kore-signature": ""})),
        ]
        events = hook.drain()
        good = await hook.post(body)
    assert [status for status, dummy in results] == [401] * 5
    assert events == []
    assert good[0] == 200
    everything = caplog.text + "".join(text for dummy, text in results)
    assert SECRET not in everything
    assert "signature" in results[1][1]


@pytest.mark.asyncio
async def test_twilio_signatures_with_body_hash():
    body = json.dumps([cloudevent(1), cloudevent(2)]).encode()
    query = "?bodySHA256=" + hashlib.sha256(body).hexdigest()
    signed = RequestValidator(AUTH_TOKEN).compute_signature(TWILIO_URL + query, {})
    async with Webhook(platform="twilio", callback_url=TWILIO_URL, secret=None, auth_token=AUTH_TOKEN) as hook:
        url = hook.url + query
        ok = await hook.post(body, headers={"Content-Type": "application/json", "X-Twilio-Signature": signed}, url=url)
        queued = hook.drain()
        # The same signature and hash with another body: the body hash does not match.
        tampered = body.replace(b"pump", b"pomp")
        bad_body = await hook.post(tampered, headers={"X-Twilio-Signature": signed}, url=url)
        # A body hash that matches, signed with another token.
        other = RequestValidator("f" * 32).compute_signature(TWILIO_URL + query, {})
        bad_token = await hook.post(body, headers={"X-Twilio-Signature": other}, url=url)
        missing = await hook.post(body, headers={}, url=url)
        # No bodySHA256 at all for a JSON body.
        no_hash = await hook.post(body, headers={"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(TWILIO_URL, {})})
        after = hook.drain()
    assert ok[0] == 200, ok
    assert len(queued) == 2
    assert [bad_body[0], bad_token[0], missing[0], no_hash[0]] == [401, 401, 401, 401]
    assert after == []
    assert AUTH_TOKEN not in "".join(text for dummy, text in (bad_body, bad_token, missing, no_hash))


@pytest.mark.asyncio
async def test_twilio_signature_with_the_default_port_in_the_url():
    body = json.dumps(cloudevent(5)).encode()
    query = "?bodySHA256=" + hashlib.sha256(body).hexdigest()
    signed = RequestValidator(AUTH_TOKEN).compute_signature("https://events.example.com:443/twilio/hook" + query, {})
    async with Webhook(platform="twilio", callback_url=TWILIO_URL, secret=AUTH_TOKEN) as hook:
        status, dummy = await hook.post(body, headers={"X-Twilio-Signature": signed}, url=hook.url + query)
    assert status == 200


# -- duplicates -----------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_redelivered_batches_and_event_sids_queue_nothing_new():
    batch = [cloudevent(n) for n in range(10)]
    async with Webhook() as hook:
        first = await hook.post(batch)
        again = await hook.post(batch)
        # The same event through the other system during the migration: another id, the same data.event_sid.
        twin = cloudevent(3, prefix="com.twilio.iot.")
        twin["id"] = "twilio-copy-of-3"
        overlap = [batch[9], cloudevent(10), twin, cloudevent(11)]
        third = await hook.post(overlap)
        events = hook.drain()
    assert first[0] == again[0] == third[0] == 200
    assert json.loads(again[1]) == {"queued": 0, "duplicates": 10}
    assert json.loads(third[1]) == {"queued": 2, "duplicates": 2}
    assert [event["id"] for event in events] == [e["id"] for e in batch] + [cloudevent(10)["id"], cloudevent(11)["id"]]


@pytest.mark.asyncio
async def test_concurrent_duplicates_are_queued_once():
    batch = [cloudevent(n) for n in range(50)]
    async with Webhook() as hook:
        answers = await asyncio.gather(*(hook.post(batch) for dummy in range(8)))
        events = hook.drain()
    assert {status for status, dummy in answers} == {200}
    assert sorted(event["id"] for event in events) == sorted(e["id"] for e in batch)


def test_dedup_memory_is_bounded_by_count_and_by_time():
    now = [0.0]
    dedup = sim_events.Dedup(window=10, size=3, clock=lambda: now[0])
    assert dedup.admit([("a",), ("b",), ("c",), ("d",), ("b", "x")]) == [True, True, True, True, False]
    assert len(dedup) == 3
    assert dedup.admit([("a",)]) == [True]  # the oldest was forgotten for room
    now[0] = 10.5
    assert dedup.admit([("d",)]) == [True]  # out of the window: forgotten
    assert len(dedup) == 1


# -- bad input ------------------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_bad_bodies_get_400_and_nothing_of_the_request_is_queued():
    good = cloudevent(1)
    cases = {
        "not json": b"{not json",
        "empty": b"",
        "number": b"42",
        "missing type": json.dumps([good, {k: v for k, v in cloudevent(2).items() if k != "type"}]).encode(),
        "empty id": json.dumps([good, dict(cloudevent(3), id="")]).encode(),
        "string element": json.dumps([good, "x"]).encode(),
        "bad time": json.dumps([dict(cloudevent(4), time=5)]).encode(),
        "not utf-8": b"\xff\xfe[",
    }
    async with Webhook() as hook:
        answers = {name: await hook.post(body, headers=kore_headers(body)) for name, body in cases.items()}
        events = hook.drain()
        still = await hook.post([good])
    assert {name: status for name, (status, dummy) in answers.items()} == dict.fromkeys(cases, 400)
    assert "element 1" in answers["missing type"][1] and "type" in answers["missing type"][1]
    assert events == []
    assert still[0] == 200  # and the source still serves; the good event was never queued before


@pytest.mark.asyncio
async def test_only_post_on_the_callback_path():
    body = json.dumps([cloudevent(1)]).encode()
    async with Webhook() as hook:
        get = await hook.post(b"", headers={}, method="GET")
        put = await hook.post(body, method="PUT")
        other = await hook.post(body, url=hook.url.replace("/kore/hook", "/other"))
        root = await hook.post(body, url=hook.url.replace("/kore/hook", "/"))
        events = hook.drain()
    assert (get[0], put[0], other[0], root[0]) == (405, 405, 404, 404)
    assert events == []


@pytest.mark.asyncio
async def test_bodies_over_the_limit_get_413():
    limit = 2000
    big = json.dumps([cloudevent(n) for n in range(10)]).encode()
    assert len(big) > limit

    async def chunks():
        for start in range(0, len(big), 500):
            yield big[start:start + 500]

    async with Webhook(max_body_bytes=limit) as hook:
        declared = await hook.post(big)
        async with hook.session.post(hook.url, data=chunks(), headers=kore_headers(big)) as response:
            streamed = response.status
        events = hook.drain()
        small = await hook.post([cloudevent(1)])
    assert declared[0] == 413 and streamed == 413
    assert events == []
    assert small[0] == 200


@pytest.mark.asyncio
async def test_a_full_queue_delays_the_answer_and_loses_nothing():
    batch = [cloudevent(n) for n in range(5)]
    async with Webhook(queue_size=1) as hook:
        post = asyncio.ensure_future(hook.post(batch))
        received = []
        while len(received) < 5:
            received.append(await asyncio.wait_for(hook.queue.get(), 5))
        status, dummy = await post
    assert status == 200
    assert [event["id"] for event in received] == [e["id"] for e in batch]


@pytest.mark.asyncio
async def test_unverified_mode_warns_and_accepts_unsigned_requests(caplog):
    caplog.set_level(logging.WARNING)
    queue = asyncio.Queue()
    settings = sim_events.parse_args({"verify": False, "host": "127.0.0.1", "port": 0}, environ={})
    task = asyncio.ensure_future(sim_events.run_webhook(queue, settings))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert "verify is false" in caplog.text
    async with Webhook(verify=False, callback_url=None, secret=None) as hook:
        status, dummy = await hook.post([cloudevent(1)], headers={"Content-Type": "application/json"})
        assert status == 200 and hook.queue.qsize() == 1


@pytest.mark.asyncio
async def test_tls(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    async with Webhook(certfile=str(cert), keyfile=str(key)) as hook:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        body = json.dumps([cloudevent(1)]).encode()
        async with hook.session.post(hook.url.replace("http://", "https://"), data=body, headers=kore_headers(body),
                                     ssl=context) as response:
            assert response.status == 200
        with pytest.raises(aiohttp.ClientError):
            await hook.post(body)  # plain HTTP to a TLS port
    assert hook.queue.qsize() == 1


# -- options --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("options, message", [
    ({"mode": "push"}, "mode must be one of webhook, poll, got 'push'"),
    ({"platform": "aws"}, "platform must be one of kore, twilio, got 'aws'"),
    ({"prot": 5000}, "unknown option prot; known options: "),
    ({"port": 70000}, "port must be between 0 and 65535"),
    ({"port": "x"}, "port must be an integer, got 'x'"),
    ({"verify": "maybe"}, "verify must be a boolean (true or false), got 'maybe'"),
    ({"max_body_bytes": 0}, "max_body_bytes must be at least 1"),
    ({"public_url": PUBLIC_URL}, "callback_url and its alias public_url are both set: set one"),
    ({"secret": None}, "secret is required unless verify is false"),
    ({"callback_url": "ftp://x/y"}, "callback_url must be an http or https URL"),
    ({"mode": "poll", "interval": 0}, "interval must be greater than 0"),
    ({"mode": "poll", "product": "both"}, "product must be one of supersim, wireless, got 'both'"),
    ({"mode": "poll"}, "account_sid is required"),
])
def test_bad_options_are_refused_with_a_message_naming_them(options, message):
    args = dict({"callback_url": PUBLIC_URL, "secret": SECRET}, **options)
    with pytest.raises(ValueError) as err:
        sim_events.parse_args(args, environ={})
    assert message in str(err.value)
    assert SECRET not in str(err.value)


def test_a_secret_of_the_wrong_type_is_not_quoted():
    with pytest.raises(ValueError) as err:
        sim_events.parse_args({"callback_url": PUBLIC_URL, "secret": 987654321}, environ={})
    assert "secret must be a string, got a int" in str(err.value)
    assert "987654321" not in str(err.value)


def test_documentation_matches_the_options():
    documented = yaml.safe_load(sim_events.DOCUMENTATION)
    assert set(documented["options"]) == set(sim_events.OPTIONS)
    for name, option in sim_events.OPTIONS.items():
        doc = documented["options"][name]
        assert (doc["type"], doc.get("default"), sorted(doc.get("choices") or [])) \
            == (option.kind, option.default, sorted(option.choices or [])), name
        assert all(isinstance(line, str) for line in doc["description"]), name
        assert doc.get("aliases", []) == list(option.aliases), name
    assert documented["name"] == "sim_events" and documented["version_added"] == "2.0.0"
    examples = yaml.safe_load(sim_events.EXAMPLES)
    assert [list(source)[0] for play in examples for source in play["sources"]] == ["simfleet.twilio.sim_events"] * 2


@pytest.mark.asyncio
async def test_without_callback_url_the_url_as_received_is_signed_and_aliases_work():
    body = json.dumps([cloudevent(1)]).encode()
    async with Webhook(callback_url=None, secret=None, signing_secret=SECRET) as hook:
        assert hook.url.endswith(":%d/" % hook.runner.addresses[0][1])
        good = await hook.post(body, headers=kore_headers(body, url=hook.url))
        public = await hook.post(body, headers=kore_headers(body))  # signed for another URL
        other_path = await hook.post(body, headers=kore_headers(body, url=hook.url + "x"), url=hook.url + "x")
        events = hook.drain()
    assert (good[0], public[0], other_path[0]) == (200, 401, 404)
    assert len(events) == 1
    async with Webhook(callback_url=None, public_url=PUBLIC_URL) as hook:
        assert hook.url.endswith("/kore/hook")
        assert (await hook.post(body))[0] == 200


def test_secret_and_credentials_from_the_environment():
    settings = sim_events.parse_args({"callback_url": PUBLIC_URL}, environ={"SIM_EVENTS_SECRET": "s3"})
    assert settings["secret"] == "s3" and settings["platform"] == "kore" and settings["port"] == 5000
    environ = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t", "TWILIO_PLATFORM": "twilio"}
    settings = sim_events.parse_args({"mode": "poll"}, environ=environ)
    assert settings["auth_token"] == "t" and settings["platform"] == "twilio"


# -- poll mode ------------------------------------------------------------------------------------------------------


def poll_options(sim, **options):
    return dict({"mode": "poll", "interval": 0.05, "account_sid": sim.account_sid, "auth_token": sim.auth_token,
                 "base_url": sim.product_url, "max_retries": 0}, **options)


@pytest.mark.asyncio
async def test_poll_baseline_then_status_changes(simulator_factory):
    sim = simulator_factory(seed=3, wireless_sims=10, super_sims=1200)
    queue = asyncio.Queue()
    poller = sim_events.Poller(queue, sim_events.parse_args(poll_options(sim), environ={}))
    sim.reset_stats()
    assert await poller.poll_once() == 0.05
    assert queue.empty()  # the first listing is the baseline
    assert sim.stats()["requests"] == math.ceil(1200 / 1000)
    active = [record for record in sim.truth["supersim_sims"] if record["status"] == "active"][0]
    client = TwilioClient(account_sid=sim.account_sid, auth_token=sim.auth_token, base_url=sim.product_url)
    client.update(ENDPOINTS["supersim_sim"], active["sid"], {"Status": "inactive"})
    client.close()
    sim.reset_stats()
    await poller.poll_once()
    assert sim.stats()["requests"] == 2
    events = [queue.get_nowait() for dummy in range(queue.qsize())]
    assert len(events) == 1
    event = events[0]
    assert event["type"] == "simfleet.sim.status_changed" and event["kind"] == "sim.status_changed"
    assert event["data"] == {"from": "active", "to": "inactive"}
    assert event["sim"] == {"sid": active["sid"], "iccid": active["iccid"], "unique_name": active["unique_name"],
                            "fleet_sid": active["fleet_sid"]}
    assert event["source"].endswith("/supersim/v1/Sims")
    await poller.poll_once()
    assert queue.empty()  # no change, no event
    poller.client.close()


@pytest.mark.asyncio
async def test_poll_emit_initial_and_wireless_on_kore(simulator_factory):
    sim = simulator_factory(seed=4, wireless_sims=30, super_sims=5, platform="kore")
    queue = asyncio.Queue()
    options = {"mode": "poll", "interval": 1, "product": "wireless", "emit_initial": True, "client_id": sim.client_id,
               "client_secret": sim.client_secret, "token_url": sim.token_url, "base_url": sim.product_url}
    poller = sim_events.Poller(queue, sim_events.parse_args(options, environ={}))
    await poller.poll_once()
    events = [queue.get_nowait() for dummy in range(queue.qsize())]
    poller.client.close()
    assert len(events) == 30
    assert {event["type"] for event in events} == {"simfleet.sim.added"}
    assert {event["sim"]["sid"] for event in events} == {record["sid"] for record in sim.kore_truth["wireless_sims"]}
    assert all(event["sim"]["fleet_sid"] is None for event in events)


def test_diff_listings_reports_added_removed_and_changed():
    before = {"A": {"sid": "A", "status": "active"}, "B": {"sid": "B", "status": "ready"}}
    after = {"A": {"sid": "A", "status": "inactive"}, "C": {"sid": "C", "status": "new"}}
    events = sim_events.diff_listings(before, after, "src")
    assert sorted((e["type"], e["sim"]["sid"], e["data"]["from"], e["data"]["to"]) for e in events) == [
        ("simfleet.sim.added", "C", None, "new"), ("simfleet.sim.removed", "B", "ready", None),
        ("simfleet.sim.status_changed", "A", "active", "inactive")]


@pytest.mark.asyncio
async def test_poll_failures_are_events_with_backoff_and_the_source_goes_on(simulator_factory):
    sim = simulator_factory(seed=5, wireless_sims=5, super_sims=20)
    queue = asyncio.Queue()
    poller = sim_events.Poller(queue, sim_events.parse_args(poll_options(sim, interval=2), environ={}))
    assert await poller.poll_once() == 2
    sim.set_faults(rate_5xx=1.0, status_5xx=503)
    waits = [await poller.poll_once() for dummy in range(5)]
    errors = [queue.get_nowait() for dummy in range(queue.qsize())]
    sim.clear_faults()
    assert waits == [4, 8, 16, 20, 20]  # doubling, at most 10 intervals
    assert len(errors) == 5
    assert {event["type"] for event in errors} == {"simfleet.source.error"}
    assert errors[0]["data"]["status"] == 503 and errors[0]["data"]["consecutive_failures"] == 1
    assert errors[-1]["data"]["retry_in"] == 20
    assert sim.auth_token not in json.dumps(errors)
    assert await poller.poll_once() == 2
    assert queue.empty()  # back to normal: the baseline was kept, nothing changed
    poller.client.close()


@pytest.mark.asyncio
async def test_poll_mode_runs_as_the_source_until_cancelled(simulator_factory):
    sim = simulator_factory(seed=6, wireless_sims=5, super_sims=10)
    queue = asyncio.Queue()
    task = asyncio.ensure_future(sim_events.main(queue, poll_options(sim, interval=0.05, emit_initial=True)))
    events = [await asyncio.wait_for(queue.get(), 10) for dummy in range(10)]
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert {event["type"] for event in events} == {"simfleet.sim.added"}


def test_kore_signature_in_upper_case_hex_matches():
    # Hex is case-free; the verifier compares in constant time (hmac.compare_digest).
    verifier = sim_events.Verifier("kore", SECRET, PUBLIC_URL)
    body = b"[]"
    upper = hashlib.sha256((SECRET + "POST" + PUBLIC_URL).encode() + body).hexdigest().upper()
    assert verifier.check("POST", "", {"kore-signature": upper}, body) is None
    assert verifier.check("POST", "", {"kore-signature": "x" * 64}, body) == "wrong signature"
    assert SECRET not in repr(verifier)
