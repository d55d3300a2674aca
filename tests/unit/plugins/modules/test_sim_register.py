# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sim_register: rows are read and checked before any request (bad ones refused by line, the first 10 and a count),
then run in-process against the simulator: registration, settings, idempotence, check mode, a lost answer, the
journal; registration codes never appear in a result, not even when the server echoes them."""

import base64
import json
from urllib.parse import quote

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from ansible_collections.simfleet.twilio.plugins.action import sim_register as action
from ansible_collections.simfleet.twilio.plugins.module_utils import _register
from ansible_collections.simfleet.twilio.plugins.module_utils._register import Redactor, iccid_problem, luhn_valid, parse_rows

HEADER = "iccid,registration_code,unique_name,fleet,status\n"


def luhn_complete(digits):
    return next(digits + str(check) for check in range(10) if luhn_valid(digits + str(check)))


@pytest.fixture
def fleet(simulator_factory):
    return simulator_factory(seed=41, wireless_sims=0, super_sims=4, unregistered_sims=40)


def register(run_module, sim, **args):
    options = dict(account_sid=sim.account_sid, auth_token=sim.auth_token, base_url=sim.product_url, max_retries=0)
    options.update(args)
    return run_module("sim_register", options)


def csv_file(tmp_path, rows, name="sims.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(",".join(value or "" for value in row) + "\n" for row in rows))
    return str(path)


def writes(sim):
    return [e for e in sim.stats(log=True)["log"] if e["method"] == "POST"]


# -- rows ------------------------------------------------------------------------------------------------------------

def test_iccids_are_checked_by_digits_length_and_luhn():
    good = luhn_complete("8988307000000000001")
    assert iccid_problem(good) is None
    assert iccid_problem(luhn_complete("89883070000000001")) is None                 # 18 digits
    assert iccid_problem(luhn_complete("898830700000000000001")) is None             # 22 digits
    assert "has 17 digits; ICCIDs have 18 to 22" in iccid_problem(luhn_complete("8988307000000000"))
    assert "has 23 digits" in iccid_problem(luhn_complete("8988307000000000000000"))
    assert "fails its Luhn check" in iccid_problem(good[:-1] + str((int(good[-1]) + 1) % 10))
    assert "digits only" in iccid_problem("8988307000000000001X")
    assert "digits only" in iccid_problem("８９８８３０７０００００００００００００１")    # full-width digits


def test_bad_rows_are_named_by_line_first_ten_and_counted(tmp_path):
    good = [luhn_complete("89883070000000%05d" % n) for n in range(20)]
    rows = [(good[0], "CODE000001", "a", None, None),
            (good[0][:-1] + str((int(good[0][-1]) + 1) % 10), "CODE000002", None, None, None),   # line 3: Luhn
            (good[2], None, None, None, None),                                                    # line 4: no code
            (good[0], "CODE000004", None, None, None),                                            # line 5: duplicate
            (good[4], "CODE000005", "a", None, "gone")]                                           # line 6: name, status
    rows += [("123", "CODE%06d" % n, None, None, None) for n in range(10)]                       # lines 7-16: length
    params = dict(src=csv_file(tmp_path, rows), format="auto", fleet=None, status=None)
    parsed, problems, fatal = parse_rows(params)
    assert fatal is None and [r.number for r in parsed] == [2]
    assert len(problems) == 14
    assert problems[0].startswith("line 3: ICCID %s fails its Luhn check" % rows[1][0])
    assert problems[1] == "line 4: no registration code"
    assert problems[2] == "line 5: ICCID %s is also on line 2" % good[0]
    assert problems[3] == "line 6: status must be one of ready, active, inactive, got 'gone'; unique name 'a' is also on line 2"
    assert problems[4] == "line 7: ICCID 123 has 3 digits; ICCIDs have 18 to 22"
    assert not any("CODE" in p for p in problems)


def test_unknown_columns_and_json_lines(tmp_path):
    path = tmp_path / "sims.csv"
    path.write_text("iccid,registration_code,colour\n")
    dummy, problems, dummy = parse_rows(dict(src=str(path), format="auto", fleet=None, status=None))
    assert problems == ["line 1: unknown columns colour (the columns are iccid, registration_code, unique_name, fleet, status)"]
    iccid = luhn_complete("8988307000000000001")
    path = tmp_path / "sims.jsonl"
    path.write_text(json.dumps({"iccid": int(iccid), "registration_code": "X"}) + "\n\n[1]\n"
                    + json.dumps({"iccid": iccid, "registration_code": "Y", "pin": 1}) + "\n")
    rows, problems, dummy = parse_rows(dict(src=str(path), format="auto", fleet="lab", status="active"))
    assert [(r.number, r.iccid, r.fleet, r.status) for r in rows] == [(1, iccid, "lab", "active")]
    assert problems == ["line 3: not a JSON object",
                        "line 4: unknown columns pin (the columns are iccid, registration_code, unique_name, fleet, status)"]


def test_bad_rows_an_unreadable_file_and_bad_options_are_refused_before_any_request(run_module, fleet, tmp_path):
    fleet.reset_stats()
    wrong = [luhn_complete("898830700000000001%02d" % n) for n in range(13)]
    rows = [(iccid[:-1] + str((int(iccid[-1]) + 1) % 10), "SECRETCODE", None, None, None) for iccid in wrong]
    failed, result = register(run_module, fleet, src=csv_file(tmp_path, rows))
    assert failed and "results" not in result
    assert result["msg"].startswith("13 bad rows in src %s, nothing was sent: line 2: ICCID" % (tmp_path / "sims.csv"))
    assert result["msg"].count("; line ") == 9 and result["msg"].endswith("; and 3 more")
    assert "SECRETCODE" not in json.dumps(result)
    failed, result = register(run_module, fleet, src=str(tmp_path / "missing.csv"))
    assert failed and result["msg"] == "src %s cannot be read: No such file or directory" % (tmp_path / "missing.csv")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00")
    failed, result = register(run_module, fleet, src=str(tmp_path / "binary.csv"))
    assert failed and result["msg"].startswith("src %s cannot be read" % (tmp_path / "binary.csv"))
    pool = fleet.truth["unregistered_sims"][:3]
    good = csv_file(tmp_path, [(s["iccid"], s["registration_code"], None, None, None) for s in pool], "good.csv")
    failed, result = register(run_module, fleet, src=good, max_sims=2)
    assert failed and result["msg"] == "src %s holds 3 SIMs, more than max_sims (2): raise max_sims to register this many at once" % good
    failed, result = register(run_module, fleet, src=good, max_concurrency=0)
    assert failed and result["msg"] == "max_concurrency must be between 1 and 32, got 0"
    assert fleet.stats()["requests"] == 0


# -- runs against the simulator --------------------------------------------------------------------------------------

def test_register_then_settings_then_nothing(run_module, fleet, tmp_path):
    pool = fleet.truth["unregistered_sims"][:6]
    owned = fleet.truth["supersim_sims"][0]
    rows = [(s["iccid"], s["registration_code"], "tracker-%d" % n if n < 2 else None, None, "active" if n == 2 else None)
            for n, s in enumerate(pool)]
    rows.append((owned["iccid"], "0000000000", None, None, None))
    src = csv_file(tmp_path, rows)

    fleet.reset_stats()
    failed, plan = register(run_module, fleet, src=src, fleet="lab", _ansible_check_mode=True, _ansible_diff=True)
    assert not failed and plan["changed"]
    assert writes(fleet) == []
    assert plan["counts"] == {"registered": 6, "exists": 0, "updated": 1, "unchanged": 0, "failed": 0}
    lab = next(f["sid"] for f in fleet.truth["fleets"] if f["unique_name"] == "lab")
    assert plan["results"][0]["after"] == {"fleet": lab, "unique_name": "tracker-0", "status": "new"}
    assert plan["results"][0]["before"] is None and plan["results"][0]["row"] == 2
    assert "%s (not in the account)" % pool[0]["iccid"] in plan["diff"]["before"]

    failed, result = register(run_module, fleet, src=src, fleet="lab")
    assert not failed, result["msg"]
    assert result["counts"] == plan["counts"]
    by_iccid = dict((r["iccid"], r) for r in fleet.truth["supersim_sims"])
    for n, s in enumerate(pool):
        sim = by_iccid[s["iccid"]]
        assert sim["fleet_sid"] == lab and result["results"][n]["sid"] == sim["sid"]
    assert by_iccid[pool[0]["iccid"]]["unique_name"] == "tracker-0"
    assert by_iccid[pool[2]["iccid"]]["status"] in ("active", "scheduled")
    # One registration per new SIM, one update per SIM with settings (all of them here: the fleet).
    posts = writes(fleet)
    assert len([e for e in posts if e["path"].endswith("/v1/Sims")]) == 6 and len(posts) == 13

    fleet.reset_stats()
    failed, again = register(run_module, fleet, src=src, fleet="lab")
    assert not failed and not again["changed"]
    assert again["counts"] == {"registered": 0, "exists": 0, "updated": 0, "unchanged": 7, "failed": 0}
    assert writes(fleet) == []
    failed, plain = register(run_module, fleet, src=src)
    assert plain["counts"]["exists"] == 4 and plain["counts"]["unchanged"] == 3   # rows asking a name or status


def test_rows_that_cannot_work_fail_alone_or_with_strict_stop_everything(run_module, fleet):
    pool = fleet.truth["unregistered_sims"][:4]
    sims = [dict(iccid=pool[0]["iccid"], registration_code=pool[0]["registration_code"], fleet="no-such-fleet"),
            dict(iccid=pool[1]["iccid"], registration_code=pool[1]["registration_code"], status="inactive"),
            dict(iccid=pool[2]["iccid"], registration_code=pool[2]["registration_code"]),
            dict(iccid=pool[3]["iccid"], registration_code=pool[3]["registration_code"], status="active")]
    fleet.reset_stats()
    failed, result = register(run_module, fleet, sims=sims, strict=True)
    assert failed and "strict: nothing was written, as 3 of the 4 SIMs cannot be registered as asked" in result["msg"]
    assert writes(fleet) == []
    failed, result = register(run_module, fleet, sims=sims)
    assert failed and [r["outcome"] for r in result["results"]] == ["failed", "failed", "registered", "failed"]
    assert result["results"][0]["error"]["message"] == "fleet: no supersim fleet has the SID or unique name 'no-such-fleet'"
    assert "status cannot change from new to inactive" in result["results"][1]["error"]["message"]
    assert result["results"][3]["error"]["message"].startswith("status active needs a fleet")
    assert result["results"][2]["row"] == 2
    assert "1 registered" in result["msg"] and len(writes(fleet)) == 1


def test_a_lost_answer_is_looked_up_and_never_registers_twice(run_module, fleet, tmp_path):
    pool = fleet.truth["unregistered_sims"][:5]
    sims = [dict(iccid=s["iccid"], registration_code=s["registration_code"]) for s in pool]
    fleet.set_faults(rate_5xx_after_apply=1.0)     # every write applied, then answered 5xx
    journal = tmp_path / "register.journal"
    failed, result = register(run_module, fleet, sims=sims, journal=str(journal))
    fleet.clear_faults()
    assert not failed, result["msg"]
    assert result["counts"]["registered"] == 5
    registrations = [e for e in writes(fleet) if e["path"].endswith("/v1/Sims")]
    assert len(registrations) == 5
    text = journal.read_text()
    assert '"end"' in text and not any(s["registration_code"] in text for s in pool)


def test_an_interrupted_run_is_resumed_from_its_journal(run_module, fleet, tmp_path):
    pool = fleet.truth["unregistered_sims"][:12]
    sims = [dict(iccid=s["iccid"], registration_code=s["registration_code"]) for s in pool]
    journal = tmp_path / "register.journal"
    fleet.set_faults(fail_after=5, fail_next=100000, fail_status=503)   # the listing and 4 registrations pass
    failed, first = register(run_module, fleet, sims=sims, journal=str(journal), max_concurrency=1, max_consecutive_failures=3)
    fleet.clear_faults()
    # Two registrations answered 503 (not applied) and could not be looked up: failed; the rest never sent.
    assert failed and first["counts"] == {"registered": 4, "exists": 0, "updated": 0, "unchanged": 0, "failed": 2, "not_attempted": 6}
    assert "looking the ICCID up to learn whether the registration was applied failed too" in first["results"][4]["error"]["message"]
    assert '"end"' not in journal.read_text()
    fleet.reset_stats()
    failed, second = register(run_module, fleet, sims=sims, journal=str(journal))
    assert not failed, second["msg"]
    assert second["journal"] == {"path": str(journal), "resumed": True, "from_journal": 4}
    assert second["counts"] == {"registered": 12, "exists": 0, "updated": 0, "unchanged": 0, "failed": 0}
    assert len(writes(fleet)) == 8                   # only the SIMs the account did not have yet


# -- secrets ---------------------------------------------------------------------------------------------------------

def test_redactor_finds_every_form_of_every_code():
    redactor = Redactor(["A1+B2/C3=D4", "0123456789"])
    text = "codes A1+B2/C3=D4, %s, %s and 0123456789" % (quote("A1+B2/C3=D4", safe=""), base64.b64encode(b"0123456789").decode())
    assert redactor.text(text) == "codes <redacted>, <redacted>, <redacted> and <redacted>"
    assert redactor.tree({"a": ["x0123456789y", 5]}) == {"a": ["x<redacted>y", 5]}


def test_codes_echoed_by_the_server_never_reach_the_result_or_the_journal(run_module, tmp_path):
    codes = ["ECHO%06d" % n for n in range(3)]
    iccids = [luhn_complete("89883070000000%05d" % n) for n in range(3)]
    with HTTPServer() as server:
        server.expect_request("/supersim/v1/Sims", method="GET").respond_with_json(
            {"sims": [], "meta": {"next_page_url": None, "key": "sims"}})

        def refuse(request):
            code = request.form["RegistrationCode"]
            echoed = "code %s (%s, %s) is not valid" % (code, quote(code), base64.b64encode(code.encode()).decode())
            return Response(json.dumps({"code": 83002, "message": echoed, "more_info": "https://x/%s" % code, "status": 400}),
                            status=400, content_type="application/json")

        server.expect_request("/supersim/v1/Sims", method="POST").respond_with_handler(refuse)
        journal = tmp_path / "j"
        failed, result = run_module("sim_register", dict(
            account_sid="AC" + "0" * 32, auth_token="t" * 32, base_url=server.url_for("/") + "{product}",
            sims=[dict(iccid=i, registration_code=c) for i, c in zip(iccids, codes)], journal=str(journal),
            _ansible_diff=True))
    assert failed and result["counts"]["failed"] == 3
    assert "is not valid" in result["results"][0]["error"]["message"]
    shown = json.dumps(result) + journal.read_text()
    for code in codes:
        for form in (code, quote(code), base64.b64encode(code.encode()).decode()):
            assert form not in shown


def test_the_progress_line():
    line = action.progress_line("ops", dict(phase="writing", total=10, done=6, registered=3, updated=1, exists=1, unchanged=0,
                                            failed=1, not_attempted=0, in_flight=2, throttled=5), 12.7)
    assert line == ("sim_register [ops]: 6/10 SIMs done (3 registered, 1 updated, 1 exists, 0 unchanged, 1 failed), "
                    "2 requests in flight, 5 throttled, 12 s")
    assert action.progress_line("ops", None, 1) == "sim_register [ops]: starting, 1 s"


def test_a_sim_registered_by_someone_else_after_the_listing_is_that_sim(run_module, fleet, monkeypatch):
    """The API answers "already in this account" (409) for a SIM another job registered between the listing and
    the write: the SIM is looked up by ICCID and reported as there, not failed, and not registered twice. A real
    run cannot place the other job's request in that gap, so it is made right after the module's listing."""
    claim = fleet.unregistered_sims[0]
    planned = _register.Register.plan

    def plan_then_someone_else_registers(self):
        planned(self)
        answer = requests.post(fleet.base_url + "/supersim/v1/Sims", auth=(fleet.account_sid, fleet.auth_token),
                               data={"Iccid": claim["iccid"], "RegistrationCode": claim["registration_code"]}, timeout=10)
        assert answer.status_code == 201, answer.text

    monkeypatch.setattr(_register.Register, "plan", plan_then_someone_else_registers)
    failed, result = register(run_module, fleet, sims=[{"iccid": claim["iccid"], "registration_code": claim["registration_code"]}])
    assert not failed, result["msg"]
    registered = [w for w in writes(fleet) if w["path"].endswith("/Sims")]
    assert len(registered) == 2   # the other job's, then the module's, answered 409
    assert result["results"][0]["outcome"] == "exists" and result["results"][0]["sid"] is not None
    assert [s["sid"] for s in fleet.truth["supersim_sims"] if s["iccid"] == claim["iccid"]] == [result["results"][0]["sid"]]
