# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sim_register in real ansible-playbook runs against the simulator: 10,000 Super SIMs from a CSV file. A file with
bad rows is refused (by line) without a request; check mode predicts and writes nothing; the fixed file registers
every SIM (checked against the simulator's truth) with one listing and one request per new SIM; a second identical
run changes nothing. No registration code appears in any output (-vvv included), result or journal."""

import json

from _ansible import play, run_playbook

SIMS = 10000


def connection(sim):
    return {"group/simfleet.twilio.twilio": {"account_sid": sim.account_sid, "auth_token": sim.auth_token,
                                             "base_url": sim.product_url, "max_retries": 10, "max_retry_time": 60}}


def run_register(sim, workdir, args, name="register", check=False, diff=False, verbosity=0):
    task = {"name": name, "simfleet.twilio.sim_register": args, "ignore_errors": True, "check_mode": check, "diff": diff}
    run = run_playbook(str(workdir), [play([task], connection(sim))], verbosity=verbosity)
    return run, run[name]


def csv_text(rows):
    return "iccid,registration_code,unique_name,fleet,status\n" + "".join("%s,%s,%s,%s,%s\n" % row for row in rows)


def posts(sim):
    """How many POST requests the simulator saw since its stats were reset."""
    return sim.stats()["writes"]["by_method"].get("POST", 0)


def test_ten_thousand_sims_from_a_file(simulator_factory, tmp_path):
    sim = simulator_factory(seed=23, wireless_sims=0, super_sims=10, unregistered_sims=SIMS)
    pool = sim.truth["unregistered_sims"]
    owned = sim.truth["supersim_sims"][:5]
    # Rows: every registrable SIM, the first 50 named, the next 50 activated in a fleet; 5 SIMs the account has already.
    fleet = sim.truth["fleets"][0]
    rows = [(s["iccid"], s["registration_code"], "meter-%05d" % n if n < 50 else "", fleet["unique_name"] if 50 <= n < 100 else "",
             "active" if 50 <= n < 100 else "") for n, s in enumerate(pool)]
    rows += [(s["iccid"], "0123456789", "", "", "") for s in owned]
    codes = set(s["registration_code"] for s in pool) | {"0123456789"}
    # A code that happens to be part of an ICCID or SID (the ICCIDs are shown) is not searched for.
    shown_ids = " ".join([s["iccid"] for s in pool] + [r["iccid"] + " " + r["sid"] for r in sim.truth["supersim_sims"]])
    searched = sorted(c for c in codes if c not in shown_ids)
    assert len(searched) > len(codes) * 0.99
    fixed = tmp_path / "delivery.csv"
    fixed.write_text(csv_text(rows))

    # Bad rows: refused by line before any request.
    bad_rows = list(rows)
    luhn_wrong = rows[7][0][:-1] + str((int(rows[7][0][-1]) + 1) % 10)
    bad_rows[7] = (luhn_wrong, rows[7][1], "", "", "")                  # line 9
    bad_rows[100] = (rows[100][0], "", "", "", "")                       # line 102
    bad_rows[5000] = (rows[4000][0], rows[4000][1], "", "", "")          # line 5002: the ICCID of line 4002
    bad = tmp_path / "bad.csv"
    bad.write_text(csv_text(bad_rows))
    args = dict(src=str(bad), max_sims=20000, max_concurrency=8, journal=str(tmp_path / "delivery.journal"))
    sim.reset_stats()
    refused_run, refused = run_register(sim, tmp_path / "bad", args)
    assert refused["_outcome"] == "failed" and "results" not in refused
    assert refused["msg"] == ("3 bad rows in src %s, nothing was sent: line 9: ICCID %s fails its Luhn check (a digit is wrong); "
                              "line 102: no registration code; line 5002: ICCID %s is also on line 4002" % (bad, luhn_wrong, rows[4000][0]))
    assert sim.stats()["requests"] == 0

    # Check mode: the plan, no write.
    args["src"] = str(fixed)
    check_run, plan = run_register(sim, tmp_path / "check", args, check=True, diff=True)
    assert plan["_outcome"] == "ok", plan.get("msg")
    assert plan["changed"] and plan["counts"] == {"registered": SIMS, "exists": 5, "updated": 0, "unchanged": 0, "failed": 0}
    assert posts(sim) == 0 and not (tmp_path / "delivery.journal").exists()

    # The run: one listing (one page: 10 SIMs), then one request per new SIM and one more per SIM with a setting.
    sim.reset_stats()
    real_run, result = run_register(sim, tmp_path / "real", args, verbosity=3)
    assert result["_outcome"] == "ok", result.get("msg")
    assert result["counts"] == {"registered": SIMS, "exists": 5, "updated": 0, "unchanged": 0, "failed": 0}
    by_iccid = dict((r["iccid"], r) for r in sim.truth["supersim_sims"])
    assert len(by_iccid) == SIMS + 10 and all(s["iccid"] in by_iccid for s in pool)
    assert [by_iccid[pool[n]["iccid"]]["unique_name"] for n in (0, 49)] == ["meter-00000", "meter-00049"]
    assert all(by_iccid[s["iccid"]]["status"] in ("active", "scheduled") and by_iccid[s["iccid"]]["fleet_sid"] == fleet["sid"]
               for s in pool[50:100])
    assert all(r["sid"] == by_iccid[r["iccid"]]["sid"] for r in result["results"])
    assert posts(sim) == SIMS + 100
    assert sim.stats()["requests"] == SIMS + 100 + 1 + 1     # and the listing page, and the fleet's name resolved
    assert "sim_register [localhost]: " in real_run.stdout

    # A second identical run: nothing to write.
    sim.reset_stats()
    again_run, again = run_register(sim, tmp_path / "again", args)
    assert again["_outcome"] == "ok" and not again["changed"]
    assert again["counts"] == {"registered": 0, "exists": SIMS - 100 + 5, "updated": 0, "unchanged": 100, "failed": 0}
    assert posts(sim) == 0

    # No registration code anywhere: outputs (-vvv), results, diff, the journal.
    everything = "".join(run.output + json.dumps(run.results) for run in (refused_run, check_run, real_run, again_run))
    everything += (tmp_path / "delivery.journal").read_text()
    leaked = [code for code in searched if code in everything]
    assert leaked == []
