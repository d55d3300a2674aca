# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""End-to-end tests of the writes that retire, move, order and rename: real ``ansible-playbook`` against the simulator.

One ``ansible-playbook`` run, one play per module, its tasks in order: check mode with ``--diff``, the change,
the same change again (idempotence), the guard that refuses without its confirmation option, and the redaction of
secrets, for supersim_esim_profile, supersim_sim (move_to_account), wireless_sim and wireless_command
(state=absent), wireless_rate_plan (data_limit_strategy, create-only changes) and supersim_network_access_profile
(rename). Every expectation is read from the simulator (truth, write log) before or after the run.
"""

import json

import pytest

from _ansible import run_plays  # noqa: E402
from simulator import Simulator  # noqa: E402

EID = "89049032005008882600033489000007"
REDACTED = "<redacted>"


def task(name, module, args, **keywords):
    """A task that never stops its play: every outcome is checked by the tests."""
    return dict({"name": name, "simfleet.twilio.%s" % module: args, "ignore_errors": True}, **keywords)


def check(name, module, args):
    return task(name, module, args, check_mode=True, diff=True)


@pytest.fixture(scope="module")
def sim():
    with Simulator(seed=41, wireless_sims=16, super_sims=8, unregistered_sims=2, wireless_commands=4,
                   command_step_seconds=0.05) as started:
        yield started


@pytest.fixture(scope="module")
def picks(sim):
    truth = sim.truth
    return {
        "claim": sim.unregistered_sims[0],
        "doomed_sim": next(s for s in truth["wireless_sims"] if s["status"] == "deactivated"),
        "doomed_command": truth["commands"][0],
        "profile": truth["network_access_profiles"][0],
        "truth": truth,
    }


@pytest.fixture(scope="module")
def run(sim, picks, tmp_path_factory):
    claim, doomed_sim, doomed_command, profile = (picks[k] for k in ("claim", "doomed_sim", "doomed_command", "profile"))
    move = dict(sid="moving-sim", move_to_account=sim.second_account_sid)
    gone_sim = dict(sid=doomed_sim["sid"], state="absent")
    gone_command = dict(sid=doomed_command["sid"], state="absent")
    plan = dict(unique_name="e2e-throttled", data_limit=50, data_limit_strategy="throttle", international_roaming=["data"])
    rename = dict(sid=profile["sid"], unique_name="e2e-renamed-nap")
    plays = [
        [check("esim check", "supersim_esim_profile", dict(eid=EID)),
         task("esim order", "supersim_esim_profile", dict(eid=EID, wait=True, wait_timeout=30), diff=True),
         task("esim again", "supersim_esim_profile", dict(eid=EID)),
         task("esim revealed", "supersim_esim_profile", dict(eid=EID, reveal_secrets=True)),
         task("esim refused", "supersim_esim_profile", dict(generate_matching_id=False))],
        [task("register", "supersim_sim", dict(iccid=claim["iccid"], registration_code=claim["registration_code"],
                                               unique_name="moving-sim")),
         task("move refused", "supersim_sim", move),
         check("move check", "supersim_sim", dict(move, confirm_account_move=True)),
         task("move", "supersim_sim", dict(move, confirm_account_move=True), diff=True),
         task("move again", "supersim_sim", dict(move, confirm_account_move=True)),
         task("move seen by the new account", "supersim_sim", dict(move, confirm_account_move=True,
                                                                   account_sid=sim.second_account_sid,
                                                                   auth_token=sim.second_auth_token))],
        [task("sim delete refused", "wireless_sim", gone_sim),
         check("sim delete check", "wireless_sim", dict(gone_sim, confirm_delete=True)),
         task("sim delete", "wireless_sim", dict(gone_sim, confirm_delete=True), diff=True),
         task("sim delete again", "wireless_sim", dict(gone_sim, confirm_delete=True))],
        [task("command delete refused", "wireless_command", gone_command),
         check("command delete check", "wireless_command", dict(gone_command, confirm_delete=True)),
         task("command delete", "wireless_command", dict(gone_command, confirm_delete=True), diff=True),
         task("command delete again", "wireless_command", dict(gone_command, confirm_delete=True))],
        [check("plan check", "wireless_rate_plan", plan),
         task("plan create", "wireless_rate_plan", plan, diff=True),
         task("plan again", "wireless_rate_plan", plan),
         check("plan create-only change check", "wireless_rate_plan", dict(plan, data_limit=60)),
         task("plan create-only change", "wireless_rate_plan", dict(plan, data_limit=60))],
        [check("rename check", "supersim_network_access_profile", rename),
         task("rename", "supersim_network_access_profile", rename, diff=True),
         task("rename again", "supersim_network_access_profile", rename),
         task("rename unknown sid", "supersim_network_access_profile", dict(rename, sid="HA" + "0" * 32))],
    ]
    connection = dict(account_sid=sim.account_sid, auth_token=sim.auth_token, base_url=sim.product_url)
    defaults = {"group/simfleet.twilio.twilio": connection}
    sim.reset_writes()
    result = run_plays(str(tmp_path_factory.mktemp("more-writes")),
                       [dict(tasks=tasks, spread=False, module_defaults=defaults) for tasks in plays], workers=1)
    assert result.rc == 0, result.output[-4000:]
    assert "Traceback" not in result.output
    return result


def writes(sim, route):
    return [w for w in sim.write_log() if w["route"] == route]


def test_esim_profile_order(run, sim):
    checked = run.ok("esim check")
    assert checked["changed"] is True and checked["esim_profile"] is None
    assert checked["diff"] == {"before": {}, "after": {"eid": EID}}
    ordered = run.ok("esim order")
    assert ordered["changed"] is True and ordered["esim_profile"]["status"] == "available"
    assert ordered["esim_profile"]["activation_code"] == REDACTED
    again = run.ok("esim again")
    assert again["changed"] is False and again["esim_profile"]["sid"] == ordered["esim_profile"]["sid"]
    revealed = run.ok("esim revealed")["esim_profile"]["activation_code"]
    assert revealed.startswith("LPA:1$") and revealed in [p["activation_code"] for p in sim.truth["esim_profiles"]]
    assert revealed not in json.dumps([ordered, again])  # shown only when asked for
    assert "generate_matching_id=true is required" in run.failed("esim refused")["msg"]
    assert len(writes(sim, "POST /supersim/v1/ESimProfiles")) == 1


def test_super_sim_account_move(run, sim, picks):
    registered = run.ok("register")["sim"]
    assert "confirm_account_move=true" in run.failed("move refused")["msg"]
    checked = run.ok("move check")
    assert checked["account_move"] == {"before": sim.account_sid, "after": sim.second_account_sid}
    assert checked["diff"] == {"before": {"account_sid": sim.account_sid}, "after": {"account_sid": sim.second_account_sid}}
    moved = run.ok("move")
    assert moved["changed"] is True and moved["sim"]["account_sid"] == sim.second_account_sid
    assert "no longer see it" in moved["msg"]
    assert "may have moved it" in run.failed("move again")["msg"]
    assert run.ok("move seen by the new account")["changed"] is False
    assert registered["sid"] not in [s["sid"] for s in sim.truth["supersim_sims"]]
    assert registered["sid"] in [s["sid"] for s in sim.truth_for(sim.second_account_sid)["supersim_sims"]]
    moves = [w for w in writes(sim, "POST /supersim/v1/Sims/{Sid}") if "AccountSid" in w["params"]]
    assert [(w["sid"], w["status"]) for w in moves] == [(registered["sid"], 200)]


@pytest.mark.parametrize("module,prefix,truth_key", [("wireless_sim", "sim", "wireless_sims"),
                                                     ("wireless_command", "command", "commands")])
def test_deletes(run, sim, picks, module, prefix, truth_key):
    doomed = picks["doomed_sim" if module == "wireless_sim" else "doomed_command"]
    refused = run.failed("%s delete refused" % prefix)
    assert "confirm_delete=true" in refused["msg"]
    checked = run.ok("%s delete check" % prefix)
    assert checked["changed"] is True and checked["diff"]["after"] == {} and checked["diff"]["before"]
    deleted = run.ok("%s delete" % prefix)
    assert deleted["changed"] is True and deleted["diff"]["after"] == {}
    assert run.ok("%s delete again" % prefix)["changed"] is False
    assert doomed["sid"] not in [r["sid"] for r in sim.truth[truth_key]]
    deletes = [w for w in sim.write_log() if w["method"] == "DELETE" and w["resource"] == truth_key]
    assert [(w["sid"], w["status"]) for w in deletes] == [(doomed["sid"], 204)]


def test_rate_plan_every_create_field(run, sim):
    assert run.ok("plan check")["changed"] is True
    created = run.ok("plan create")
    assert created["changed"] is True and created["rate_plan"]["data_limit"] == 50
    assert run.ok("plan again")["changed"] is False
    for name in ("plan create-only change check", "plan create-only change"):
        assert "create a new one instead" in run.failed(name)["msg"]
    creates = writes(sim, "POST /wireless/v1/RatePlans")
    assert len(creates) == 1 and creates[0]["params"]["DataLimitStrategy"] == "throttle"


def test_network_access_profile_rename(run, sim, picks):
    profile = picks["profile"]
    checked = run.ok("rename check")
    assert checked["diff"] == {"before": {"unique_name": profile["unique_name"]}, "after": {"unique_name": "e2e-renamed-nap"}}
    assert run.ok("rename")["network_access_profile"]["unique_name"] == "e2e-renamed-nap"
    assert run.ok("rename again")["changed"] is False
    assert "no network access profile" in run.failed("rename unknown sid")["msg"]
    renames = writes(sim, "POST /supersim/v1/NetworkAccessProfiles/{Sid}")
    assert [w["params"] for w in renames] == [{"UniqueName": "e2e-renamed-nap"}]
