# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""supersim_esim_profile against the simulator: an order and its wait until available, idempotence by EID (a failed
profile does not count), a generated matching ID, redaction unless reveal_secrets, check mode and diff, a failed
order with wait, and input refused before any request."""

import pytest

EID = "89049032005008882600033489000001"
REFUSED_EID = "89049032005008882600033499999999"  # the simulator's SM-DP+ refuses EIDs ending in eight nines


@pytest.fixture
def sim(simulator_factory):
    return simulator_factory(wireless_sims=0, super_sims=4, esim_profiles=2, command_step_seconds=0.05)


def options(server, **extra):
    return dict(server.connection, **dict(dict(wait_timeout=10), **extra))


def orders(server):
    return [w for w in server.write_log() if w["route"] == "POST /supersim/v1/ESimProfiles"]


def test_check_mode_order_wait_redaction_and_idempotence(run_module, sim):
    failed, result = run_module("supersim_esim_profile", options(sim, eid=EID, _ansible_check_mode=True, _ansible_diff=True))
    assert not failed and result["changed"] is True and result["esim_profile"] is None
    assert result["diff"] == {"before": {}, "after": {"eid": EID}} and orders(sim) == []
    failed, result = run_module("supersim_esim_profile", options(sim, eid=EID, wait=True, callback_url="https://example.com/cb"))
    assert not failed and result["changed"] is True
    profile = result["esim_profile"]
    assert profile["status"] == "available" and profile["eid"] == EID
    assert profile["activation_code"] == "<redacted>" and profile["matching_id"] is None
    assert [w["params"] for w in orders(sim)] == [{"Eid": EID, "CallbackUrl": "https://example.com/cb"}]
    # Again: the profile of the EID is found, nothing is ordered; reveal_secrets shows the activation code.
    failed, result = run_module("supersim_esim_profile", options(sim, eid=EID, reveal_secrets=True))
    assert not failed and result["changed"] is False and result["esim_profile"]["sid"] == profile["sid"]
    assert result["esim_profile"]["activation_code"].startswith("LPA:1$")
    assert len(orders(sim)) == 1


def test_a_generated_matching_id_is_ordered_every_run(run_module, sim):
    for run in (1, 2):
        failed, result = run_module("supersim_esim_profile", options(sim, generate_matching_id=True, wait=True,
                                                                     reveal_secrets=True))
        assert not failed and result["changed"] is True
        assert result["esim_profile"]["matching_id"] and result["esim_profile"]["eid"] is None
        assert orders(sim)[-1]["params"] == {"GenerateMatchingId": "true"} and len(orders(sim)) == run


def test_a_failed_order_fails_with_the_profile_error_and_is_ordered_again(run_module, sim):
    failed, result = run_module("supersim_esim_profile", options(sim, eid=REFUSED_EID, wait=True))
    assert failed and result["changed"] is True and "failed: error 8.1.1" in result["msg"]
    # A failed profile is not usable: the next run orders again.
    failed, result = run_module("supersim_esim_profile", options(sim, eid=REFUSED_EID))
    assert not failed and result["changed"] is True and len(orders(sim)) == 2


@pytest.mark.parametrize("args,message", [
    ({}, "one of eid and generate_matching_id=true is required"),
    ({"generate_matching_id": False}, "one of eid and generate_matching_id=true is required"),
    ({"eid": "1234"}, "eid must be the 32 digits of an EID"),
    ({"eid": EID, "callback_url": "ftp://x"}, "callback_url must be an absolute http or https URL"),
    ({"eid": EID, "wait_timeout": 0}, "wait_timeout must be between"),
])
def test_bad_input_is_refused_before_any_request(run_module, sim, args, message):
    sim.reset_stats()
    failed, result = run_module("supersim_esim_profile", options(sim, **args))
    assert failed and message in result["msg"] and sim.stats()["requests"] == 0
