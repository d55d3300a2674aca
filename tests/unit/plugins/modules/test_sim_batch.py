# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sim_batch refuses bad input before any request: the simulator it points at sees none."""

import time

import pytest

from ansible_collections.simfleet.twilio.plugins.module_utils._batch import bulk_fields, parse_sims, PacingGate
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
    gate = PacingGate(4)
    gate.enter()
    gate.leave(too_many=True, retry_after=0.2)
    assert gate.limit == 3 and gate.throttled == 1
    started = time.monotonic()
    gate.enter()  # every thread waits for the pause
    assert time.monotonic() - started >= 0.19
    gate.leave()
    gate.enter()
    gate.leave()
    assert gate.limit == 4  # two successes bring one thread back
