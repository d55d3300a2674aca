# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""wireless_sim move_to_account, the account move it shares with supersim_sim (_account_move.AccountMoveModule),
against the simulator: the confirmation guard, a SIM that is not new, check mode and diff, the move (not read back),
and a second run, which says the SIM may have been moved already. tests/unit/plugins/modules/test_supersim_sim_move.py
has the same cases for a Super SIM."""

import pytest


@pytest.fixture
def sim(simulator_factory):
    return simulator_factory(wireless_sims=40, super_sims=0)


def with_status(server, status):
    return next(s for s in server.truth["wireless_sims"] if s["status"] == status)


def test_a_move_without_its_confirmation_is_refused_before_any_request(run_module, sim):
    sim.reset_stats()
    failed, result = run_module("wireless_sim", dict(sim.connection, sid=with_status(sim, "new")["sid"], move_to_account=sim.second_account_sid))
    assert failed and "set confirm_account_move=true" in result["msg"] and sim.stats()["requests"] == 0


def test_a_sim_that_is_not_new_is_not_moved(run_module, sim):
    failed, result = run_module("wireless_sim", dict(sim.connection, sid=with_status(sim, "active")["sid"],
                                                     move_to_account=sim.second_account_sid, confirm_account_move=True))
    assert failed and "moves only a SIM whose status is new" in result["msg"] and sim.write_log() == []


def test_check_mode_the_move_and_a_second_run(run_module, sim):
    record = with_status(sim, "new")
    args = dict(sim.connection, sid=record["sid"], move_to_account=sim.second_account_sid, confirm_account_move=True, _ansible_diff=True)
    failed, result = run_module("wireless_sim", dict(args, _ansible_check_mode=True))
    assert not failed and result["changed"] is True and sim.write_log() == []
    assert result["account_move"] == {"before": sim.account_sid, "after": sim.second_account_sid}
    assert result["diff"] == {"before": {"account_sid": sim.account_sid}, "after": {"account_sid": sim.second_account_sid}}
    failed, result = run_module("wireless_sim", args)
    assert not failed and result["changed"] is True and "no longer see it" in result["msg"], result
    assert [w["params"] for w in sim.write_log()] == [{"AccountSid": sim.second_account_sid}]
    assert record["sid"] not in [s["sid"] for s in sim.truth["wireless_sims"]]
    failed, result = run_module("wireless_sim", args)
    assert failed and "may have moved it" in result["msg"] and len(sim.write_log()) == 1
