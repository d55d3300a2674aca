# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sim_batch refuses bad input before any request: the simulator it points at sees none. The pacing gate learns an
account's limit and bounds a storm."""

import threading
import time
from types import SimpleNamespace

import pytest

from ansible_collections.simfleet.twilio.plugins.module_utils._batch import PROBE_RUN, BatchStopped, bulk_fields, parse_sims, PacingGate
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS


@pytest.fixture
def batch(run_module, simulator):
    """batch(args) -> (failed, result, requests the simulator saw)."""

    def run(args):
        simulator.reset_stats()
        options = dict(account_sid=simulator.account_sid, auth_token=simulator.auth_token, base_url=simulator.product_url)
        options.update(args)
        failed, result = run_module("sim_batch", options)
        return failed, result, simulator.stats()["requests"]

    return run


def sids(simulator, count=3):
    return [r["sid"] for r in simulator.truth["wireless_sims"][:count]]


@pytest.mark.parametrize("args, expected", [
    (dict(product="wireless", status="inactive"), "status must be one of ready, active, suspended, deactivated for product wireless"),
    (dict(product="supersim", status="suspended"), "status must be one of ready, active, inactive for product supersim"),
    (dict(product="supersim", rate_plan="plan", status="active"), "rate_plan does not apply to product supersim; its options are"),
    (dict(product="wireless", fleet="f", status="active"), "fleet does not apply to product wireless"),
    (dict(product="wireless"), "nothing to change: set at least one of status, rate_plan, friendly_name"),
    (dict(product="wireless", callback_url="https://example.com/cb"), "nothing to change"),
    (dict(product="wireless", status="active", max_concurrency=0), "max_concurrency must be between 1 and 32, got 0"),
    (dict(product="wireless", status="active", max_concurrency=33), "max_concurrency must be between 1 and 32, got 33"),
    (dict(product="wireless", status="active", max_sims=0), "max_sims must be between 1 and 1000000, got 0"),
    (dict(product="wireless", status="active", max_sims=2), "sims lists 3 SIMs, more than max_sims (2): raise max_sims"),
    (dict(product="wireless", status="active", wait_timeout=0), "wait_timeout must be between 1 and 3600 seconds"),
    (dict(product="wireless", sms_url="ftp://example.com"), "sms_url must be an absolute http or https URL"),
    (dict(product="wireless", friendly_name="  "), "friendly_name must not be empty or blank"),
    (dict(product="wireless", rate_plan="../x", status="active"), "rate_plan must be a SID or a unique name, not a path"),
    (dict(product="wireless", status="active", auth_token=None), "auth_token is required"),
])
def test_bad_options_are_refused_before_any_request(batch, simulator, args, expected):
    failed, result, requests = batch(dict(dict(sims=sids(simulator)), **args))
    assert failed
    assert expected in result["msg"]
    assert requests == 0
    assert "results" not in result


def test_unknown_option_value_is_refused_by_the_argument_spec(batch, simulator):
    failed, result, requests = batch(dict(product="cellular", sims=sids(simulator), status="active"))
    assert failed and "product" in result["msg"] and "supersim, wireless" in result["msg"]
    assert requests == 0


@pytest.mark.parametrize("sims, expected", [
    ([{"name": "x"}], "sims[0] is a dictionary without any of the keys sid, sim_sid, unique_name, iccid"),
    ([["DE" + "0" * 32]], "sims[0] must be a SID, unique name or ICCID, or a dictionary"),
    ([True], "sims[0] must be a SID, unique name or ICCID"),
    (["ok-name", " padded"], "sims[1] must not carry leading or trailing white space"),
    (["a/b"], "sims[0] must be a SID or a unique name, not a path"),
    ([{"sid": "HS" + "0" * 32}], "sims[0]: 'HS00000000000000000000000000000000' is not a SID of a wireless SIM"),
    ([""], "sims[0] must be a SID or a unique name"),
])
def test_bad_sims_are_refused_before_any_request(batch, sims, expected):
    failed, result, requests = batch(dict(product="wireless", sims=sims, status="active"))
    assert failed
    assert expected in result["msg"]
    assert requests == 0


def test_many_bad_items_are_summarized(batch):
    failed, result, requests = batch(dict(product="wireless", sims=[{"x": n} for n in range(15)], status="active", max_sims=20))
    assert failed and "and 5 more problems in sims" in result["msg"] and requests == 0


def test_bulk_fields_come_from_the_endpoint_table():
    for name in ("wireless_sim", "supersim_sim"):
        endpoint = ENDPOINTS[name]
        options = [f.option for f in bulk_fields(endpoint)]
        expected = [f.option for f in endpoint.fields if f.option not in ("sid", "unique_name", "iccid") and not f.create_only and not f.sets]
        assert options == expected and "status" in options
    assert "rate_plan" in [f.option for f in bulk_fields(ENDPOINTS["wireless_sim"])]
    assert [f.option for f in bulk_fields(ENDPOINTS["supersim_sim"])] == ["status", "fleet", "callback_url", "callback_method"]


def test_parse_sims_takes_strings_numbers_and_dicts():
    endpoint = ENDPOINTS["wireless_sim"]
    wanted, problems = parse_sims(["name-1", 8901260882204152000, {"sim_sid": "DE" + "a" * 32}, {"iccid": "123"}], endpoint)
    assert problems == []
    assert [(w.value, w.kind) for w in wanted] == [("name-1", None), ("8901260882204152000", None), ("DE" + "a" * 32, "sid"), ("123", "iccid")]


def test_pacing_gate_slows_the_whole_batch_after_a_429():
    # A 429 with nothing else in flight is no overload of the batch's own: the whole batch pauses for its Retry-After
    # and sends half as many at once.
    gate = PacingGate(4)
    gate.enter()
    gate.leave(too_many=True, retry_after=0.2)
    assert gate.limit == 2 and gate.throttled == 1
    started = time.monotonic()
    gate.enter()  # every thread waits for the pause
    assert time.monotonic() - started >= 0.19
    gate.leave()
    # Additive increase: one more after PROBE_RUN times the limit successes in a row, not before.
    for dummy in range(PROBE_RUN * 2 - 2):
        gate.enter()
        gate.leave()
    assert gate.limit == 2
    gate.enter()
    gate.leave()
    assert gate.limit == 3


def overloaded_server(gate, account_limit, requests_per_thread, threads, latency=0.01, retry_after=0.05):
    """Threads sending through the gate to a server that answers 429 past ``account_limit`` requests at once; a thread
    refused waits the Retry-After and sends again, as the client does. Returns (429s, most in flight at the server)."""
    lock = threading.Lock()
    state = {"in_flight": 0, "most": 0, "refused": 0}

    def one():
        while True:
            gate.enter()
            with lock:
                admitted = state["in_flight"] < account_limit
                if admitted:
                    state["in_flight"] += 1
                    state["most"] = max(state["most"], state["in_flight"])
                else:
                    state["refused"] += 1
            if admitted:
                time.sleep(latency)
                with lock:
                    state["in_flight"] -= 1
                gate.leave()
                return
            gate.leave(too_many=True, retry_after=retry_after)
            time.sleep(retry_after)

    def worker():
        for dummy in range(requests_per_thread):
            one()

    workers = [threading.Thread(target=worker) for dummy in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(60)
    return state["refused"], state["most"]


@pytest.mark.parametrize("account_limit", [1, 5, 25])
def test_pacing_gate_learns_the_account_limit_from_one_overload(account_limit):
    gate = PacingGate(32)
    started = time.monotonic()
    refused, most = overloaded_server(gate, account_limit, requests_per_thread=10, threads=32)
    # The first burst is one overload: cut to what the server accepted at once, not one thread less per 429, so the
    # 320 requests take about as long as at the account's limit (the floor), and the server's limit is used fully.
    floor = 320 * 0.01 / account_limit
    assert time.monotonic() - started <= 1.5 * floor + 1.0, (time.monotonic() - started, floor)
    assert most == account_limit
    # 32 requests sent at once, then a probe now and then; the old gate refused thousands here.
    assert refused <= 32 + 320 // (PROBE_RUN * account_limit) + 16, refused
    assert gate.throttled == refused


def test_pacing_gate_counts_one_overload_once():
    gate = PacingGate(8)
    entered = threading.Barrier(9)
    refused, accepted = threading.Event(), threading.Event()

    def one(index):
        gate.enter()
        entered.wait()
        (accepted if index < 3 else refused).wait()
        gate.leave(too_many=index >= 3, retry_after=0.01)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    entered.wait()
    refused.set()   # the server refuses five of the eight sent together, then answers the three it held
    for thread in threads[3:]:
        thread.join(10)
    accepted.set()
    for thread in threads[:3]:
        thread.join(10)
    # Five 429s of requests sent together: one decrease, to the three the server accepted, and no pause.
    assert gate.decreases == 1 and gate.throttled == 5
    assert gate.limit == 3 and gate.resume_at <= time.monotonic()
    started = time.monotonic()
    gate.enter()
    assert time.monotonic() - started < 0.5
    gate.leave()


def test_a_429_beside_requests_the_api_all_answers_ends_the_pause_and_twice_is_the_account_limit():
    # A busy controller sends a burst late, so the API seemed to accept 6 at once where the account allows 5: each
    # later 429 of a sixth request comes with no more in flight than that, and once paused the whole batch for the
    # Retry-After (a batch above the account's limit took 8 times as long as at it on a loaded machine).
    gate = PacingGate(6, max_wait=60)
    gate.proven = 6

    def overload_beside_five():
        entered, answered = threading.Barrier(6), threading.Event()

        def held():
            gate.enter()
            entered.wait()
            answered.wait()
            gate.leave()

        threads = [threading.Thread(target=held) for dummy in range(5)]
        for thread in threads:
            thread.start()
        entered.wait()
        gate.enter()
        gate.leave(too_many=True, retry_after=30.0)   # the sixth: 429
        assert gate.resume_at > time.monotonic() + 20  # a rate limit, until the others are answered
        answered.set()
        for thread in threads:
            thread.join(10)

    overload_beside_five()
    # The API answered the five others: no rate limit, the pause is over; once is not yet the limit.
    assert gate.resume_at <= time.monotonic() and gate.limit == 6
    overload_beside_five()
    # Refused twice beside exactly five: the account's limit is 5, and a 429 above it is over-admission.
    assert gate.resume_at <= time.monotonic() and gate.limit == 5 and gate.proven == 5
    assert gate.decreases == 0 and gate.throttled == 2


@pytest.mark.parametrize("wait", [1e308, float("1" * 30), float("inf"), 3600.0])
def test_a_retry_after_beyond_max_wait_never_pauses_nor_crashes(wait):
    gate = PacingGate(4, max_wait=60)
    gate.enter()
    gate.note(SimpleNamespace(retry_after=wait, http_status=429, redirect=None))
    gate.leave(too_many=True, retry_after=None)     # the client hands over no pause for it
    gate.enter()
    gate.note(SimpleNamespace(retry_after=wait, http_status=429, redirect=None))
    gate.leave(too_many=True, retry_after=wait)     # nor does the gate take one when it is handed over
    started = time.monotonic()
    gate.enter()
    assert time.monotonic() - started < 0.5
    gate.leave()
    assert gate.throttled == 2 and gate.resume_at == 0.0


def test_the_storm_bound_stops_every_thread_and_a_success_starts_it_over():
    gate = PacingGate(4, max_wait=60, max_failures=3)
    for status in (503, None, 200, 429, 503):
        gate.enter()
        gate.note(None if status == 200 else SimpleNamespace(retry_after=0.0, http_status=status, redirect=None))
        gate.leave(too_many=status == 429, retry_after=0.0 if status == 429 else None)
    assert gate.stopped is None and gate.failures == 2
    sleeper = threading.Thread(target=gate.sleep, args=(30,))
    sleeper.start()
    gate.enter()
    gate.note(SimpleNamespace(retry_after=None, http_status=500, redirect=None))
    gate.leave()
    assert "3 requests in a row failed" in gate.stopped and "max_consecutive_failures" in gate.stopped
    sleeper.join(5)
    assert not sleeper.is_alive()   # a wait ends as soon as the batch stops
    with pytest.raises(BatchStopped) as err:
        gate.enter()
    assert "HTTP 500" in str(err.value)


def test_an_empty_sims_list_sends_no_request(batch):
    failed, result, requests = batch(dict(product="wireless", sims=[], status="suspended"))
    assert not failed and result["changed"] is False and requests == 0
    assert result["results"] == [] and result["counts"] == {"changed": 0, "unchanged": 0, "not_found": 0, "failed": 0}


@pytest.mark.parametrize("value", [0, 10001])
def test_max_consecutive_failures_is_bounded(batch, simulator, value):
    failed, result, requests = batch(dict(product="wireless", sims=sids(simulator), status="active", max_consecutive_failures=value))
    assert failed and "max_consecutive_failures must be between 1 and 10000, got %d" % value in result["msg"] and requests == 0
