# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""wireless_sim state=absent against the simulator: refused without confirm_delete before any request, check mode
writes nothing, the diff, the delete, and a second run that changes nothing."""

import pytest


@pytest.fixture
def sim(simulator_factory):
    return simulator_factory(wireless_sims=12, super_sims=0)


def test_absent_is_refused_without_confirmation_before_any_request(run_module, sim):
    target = sim.truth["wireless_sims"][0]["sid"]
    sim.reset_stats()
    failed, result = run_module("wireless_sim", dict(sim.connection, sid=target, state="absent"))
    assert failed and "confirm_delete=true" in result["msg"] and "nothing was changed" in result["msg"]
    assert sim.stats()["requests"] == 0
    failed, result = run_module("wireless_sim", dict(sim.connection, sid=target, state="absent", confirm_delete=False))
    assert failed and "confirm_delete" in result["msg"]


def test_absent_check_mode_delete_and_idempotence(run_module, sim):
    record = next(s for s in sim.truth["wireless_sims"] if s["status"] == "deactivated")
    count = len(sim.truth["wireless_sims"])
    args = dict(sim.connection, sid=record["sid"], state="absent", confirm_delete=True, _ansible_diff=True)
    failed, result = run_module("wireless_sim", dict(args, _ansible_check_mode=True))
    assert not failed and result["changed"] is True and result["sim"] is None
    assert result["diff"]["after"] == {} and result["diff"]["before"]["status"] == "deactivated"
    assert len(sim.truth["wireless_sims"]) == count and sim.write_log() == []
    failed, result = run_module("wireless_sim", args)
    assert not failed and result["changed"] is True and result["sim"] is None
    assert record["sid"] not in [s["sid"] for s in sim.truth["wireless_sims"]]
    assert [(w["method"], w["sid"], w["status"]) for w in sim.write_log()] == [("DELETE", record["sid"], 204)]
    failed, result = run_module("wireless_sim", args)
    assert not failed and result["changed"] is False and result["diff"] == {"before": {}, "after": {}}
    assert len(sim.write_log()) == 1


def test_absent_by_iccid(run_module, sim):
    record = sim.truth["wireless_sims"][1]
    failed, result = run_module("wireless_sim", dict(sim.connection, iccid=record["iccid"], state="absent", confirm_delete=True))
    assert not failed and result["changed"] is True
    assert record["sid"] not in [s["sid"] for s in sim.truth["wireless_sims"]]


def test_present_is_unchanged_by_the_new_options(run_module, sim):
    record = next(s for s in sim.truth["wireless_sims"] if s["status"] == "active")
    failed, result = run_module("wireless_sim", dict(sim.connection, sid=record["sid"], friendly_name="kept"))
    assert not failed and result["changed"] is True and result["sim"]["friendly_name"] == "kept"
