# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""wireless_command state=absent against the simulator: the guard, check mode, the diff, the delete and idempotence;
sending (state=present) still needs sim and command."""

import pytest


@pytest.fixture
def sim(simulator_factory):
    return simulator_factory(wireless_sims=12, super_sims=0, wireless_commands=4, command_step_seconds=0)


def test_absent_is_refused_without_confirmation_or_sid_before_any_request(run_module, sim):
    target = sim.truth["commands"][0]["sid"]
    sim.reset_stats()
    failed, result = run_module("wireless_command", dict(sim.connection, sid=target, state="absent"))
    assert failed and "confirm_delete=true" in result["msg"]
    failed, result = run_module("wireless_command", dict(sim.connection, state="absent", confirm_delete=True))
    assert failed and "sid" in result["msg"]
    failed, result = run_module("wireless_command", dict(sim.connection, sid="DE" + "0" * 32, state="absent", confirm_delete=True))
    assert failed and "sid must be a command SID" in result["msg"]
    failed, result = run_module("wireless_command", dict(sim.connection, command="READ"))
    assert failed and "sim" in result["msg"]
    assert sim.stats()["requests"] == 0


def test_absent_check_mode_delete_and_idempotence(run_module, sim):
    record = sim.truth["commands"][0]
    args = dict(sim.connection, sid=record["sid"], state="absent", confirm_delete=True, _ansible_diff=True)
    failed, result = run_module("wireless_command", dict(args, _ansible_check_mode=True))
    assert not failed and result["changed"] is True and result["command"] is None
    assert result["diff"]["before"]["command"] == record["command"] and result["diff"]["after"] == {}
    assert sim.write_log() == []
    failed, result = run_module("wireless_command", args)
    assert not failed and result["changed"] is True
    assert record["sid"] not in [c["sid"] for c in sim.truth["commands"]]
    failed, result = run_module("wireless_command", args)
    assert not failed and result["changed"] is False
    assert [(w["method"], w["status"]) for w in sim.write_log()] == [("DELETE", 204)]


def test_present_sends_a_command(run_module, sim):
    target = next(s for s in sim.truth["wireless_sims"] if s["status"] == "active")
    failed, result = run_module("wireless_command", dict(sim.connection, sim=target["sid"], command="READ METER"))
    assert not failed and result["changed"] is True and result["command"]["sid"].startswith("DC")
