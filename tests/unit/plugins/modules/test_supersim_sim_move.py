# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""supersim_sim move_to_account against the simulator (account 2 stands in for a subaccount): the confirmation guard,
a SIM that is not new, check mode and diff, the move (not read back: the old credentials no longer see the SIM), and a
second run, which says the SIM may have been moved already."""

import pytest


@pytest.fixture
def sim(simulator_factory):
    return simulator_factory(wireless_sims=0, super_sims=6, unregistered_sims=2)


def registered(run_module, server):
    claim = server.unregistered_sims[0]
    failed, result = run_module("supersim_sim", dict(server.connection, iccid=claim["iccid"], registration_code=claim["registration_code"]))
    assert not failed and result["sim"]["status"] == "new"
    server.reset_writes()
    return result["sim"]


@pytest.mark.parametrize("args,message", [
    ({"confirm_account_move": False}, "set confirm_account_move=true"),
    ({"move_to_account": "AC123", "confirm_account_move": True}, "move_to_account must be an account SID"),
    ({"status": "active", "confirm_account_move": True}, "cannot be set with status"),
])
def test_bad_moves_are_refused_before_any_request(run_module, sim, args, message):
    sim.reset_stats()
    base = {"sid": "HS" + "0" * 32, "move_to_account": sim.second_account_sid}
    failed, result = run_module("supersim_sim", dict(sim.connection, **dict(base, **args)))
    assert failed and message in result["msg"] and sim.stats()["requests"] == 0


def test_a_sim_that_is_not_new_is_not_moved(run_module, sim):
    active = next(s for s in sim.truth["supersim_sims"] if s["status"] == "active")
    failed, result = run_module("supersim_sim", dict(sim.connection, sid=active["sid"], move_to_account=sim.second_account_sid,
                                                     confirm_account_move=True))
    assert failed and "moves only a SIM whose status is new" in result["msg"] and sim.write_log() == []


def test_check_mode_move_and_second_run(run_module, sim):
    record = registered(run_module, sim)
    args = dict(sim.connection, sid=record["sid"], unique_name="handed-over", move_to_account=sim.second_account_sid,
                confirm_account_move=True, _ansible_diff=True)
    failed, result = run_module("supersim_sim", dict(args, _ansible_check_mode=True))
    assert not failed and result["changed"] is True
    assert result["account_move"] == {"before": sim.account_sid, "after": sim.second_account_sid}
    assert result["diff"] == {"before": {"unique_name": None, "account_sid": sim.account_sid},
                              "after": {"unique_name": "handed-over", "account_sid": sim.second_account_sid}}
    assert sim.write_log() == []
    failed, result = run_module("supersim_sim", args)
    assert not failed and result["changed"] is True, result
    assert result["sim"]["account_sid"] == sim.second_account_sid and result["sim"]["unique_name"] == "handed-over"
    assert "no longer see it" in result["msg"]
    assert [w["params"] for w in sim.write_log()] == [{"UniqueName": "handed-over"}, {"AccountSid": sim.second_account_sid}]
    assert record["sid"] not in [s["sid"] for s in sim.truth["supersim_sims"]]
    assert record["sid"] in [s["sid"] for s in sim.truth_for(sim.second_account_sid)["supersim_sims"]]
    failed, result = run_module("supersim_sim", args)
    assert failed and "may have moved it" in result["msg"] and len(sim.write_log()) == 2
    # With the new account's credentials: there, nothing to do.
    other = dict(args, account_sid=sim.second_account_sid, auth_token=sim.second_auth_token)
    failed, result = run_module("supersim_sim", other)
    assert not failed and result["changed"] is False and "account_move" not in result


def test_without_move_nothing_changes(run_module, sim):
    record = registered(run_module, sim)
    failed, result = run_module("supersim_sim", dict(sim.connection, sid=record["sid"], unique_name="stays"))
    assert not failed and result["changed"] is True and "account_move" not in result
