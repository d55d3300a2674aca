# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writes under a fault storm: one ``ansible-playbook`` run that sets the statuses of 60 wireless SIMs and sends 12
SMS commands while the simulator answers 20% of all requests with 429 and 5% with 503.

Field updates set absolute values and are retried, so every SIM ends in exactly the asked status, each changed once.
Command sends are never retried after a 503 (the command may have been sent): every command the simulator applied was
applied once, every task that reports success sent exactly its own command, and every failed send says so.
"""

from collections import Counter


from _ansible import run_tasks  # noqa: E402

SIMS = 60
COMMANDS = 12
STORM = dict(rate_429=0.2, retry_after=0.01, rate_5xx=0.05, status_5xx=503, seed=17)


def connection(sim):
    return dict(account_sid=sim.account_sid, auth_token=sim.auth_token, base_url=sim.product_url, max_retries=8, max_retry_time=30)


def test_status_changes_and_commands_under_a_fault_storm(simulator_factory, tmp_path):
    sim = simulator_factory(seed=41, wireless_sims=300, super_sims=40, settle_seconds=0, command_step_seconds=60)
    truth = sim.truth
    candidates = [r for r in truth["wireless_sims"] if r["status"] in ("active", "suspended") and r["rate_plan_sid"]]
    assert len(candidates) >= SIMS, len(candidates)
    asked = dict((r["sid"], "suspended" if r["status"] == "active" else "active") for r in candidates[:SIMS])
    targets = [r for r in truth["supersim_sims"] if r["status"] == "active"][:COMMANDS]
    assert len(targets) == COMMANDS
    tasks = [{"name": "status %s" % sid, "simfleet.twilio.wireless_sim": dict(connection(sim), sid=sid, status=status)}
             for sid, status in asked.items()]
    tasks += [{"name": "command %d" % n, "ignore_errors": True,
               "simfleet.twilio.supersim_sms_command": dict(connection(sim), sim=target["sid"], payload="storm-%03d" % n)}
              for n, target in enumerate(targets)]
    sim.reset_stats()
    sim.set_faults(**STORM)
    run = run_tasks(str(tmp_path), tasks, workers=4, timeout=900)
    stats = sim.stats()
    sim.clear_faults()
    writes = sim.writes()

    # The storm happened.
    assert stats["by_status"].get("429", 0) > 20 and stats["by_status"].get("503", 0) > 2, stats["by_status"]
    # Every status change succeeded, and each SIM was changed exactly once.
    for sid in asked:
        assert run.ok("status %s" % sid)["changed"] is True
    final = dict((r["sid"], r["status"]) for r in sim.truth["wireless_sims"])
    assert dict((sid, final[sid]) for sid in asked) == asked
    changed_sims = Counter(entry["sid"] for entry in writes["log"] if entry["resource"] == "wireless_sims" and entry["applied"])
    assert set(changed_sims) == set(asked) and set(changed_sims.values()) == {1}
    # No command sent twice: each applied once, the successful tasks' commands exactly, the failed ones say why.
    sent = Counter(r["payload"] for r in sim.truth["sms_commands"] if r["payload"].startswith("storm-"))
    assert set(sent.values()) <= {1}
    assert writes["applied"].get("sms_commands", 0) == sum(sent.values())
    succeeded = set()
    for n in range(COMMANDS):
        result = run["command %d" % n]
        if result["_outcome"] == "ok":
            succeeded.add("storm-%03d" % n)
            assert result["command"]["payload"] == "storm-%03d" % n
        else:
            assert "it may have been applied" in result["msg"] and "simfleet.twilio.supersim_sms_command_info" in result["msg"]
    assert set(sent) == succeeded
    print("storm: %d requests (%s), %d SIM statuses set, %d of %d commands sent once, %d refused without a retry"
          % (stats["requests"], dict(stats["by_status"]), len(asked), len(succeeded), COMMANDS, COMMANDS - len(succeeded)))
