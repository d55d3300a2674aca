# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""simfleet.twilio.sim_batch in real ansible-playbook runs against the simulator: a big batch under a fault
storm, mixed outcomes, writes whose answer is lost, check mode and diff; pacing that learns the account's limit,
storms that end the batch, Retry-After values past every bound (a misbehaving server of the test's own in front of
the simulator) and SIMs that settle in another status than asked."""

import collections
import json
import math
import re
import time

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from _ansible import play, run_playbook

WIRELESS_TO = {"suspended": ("ready", "active", "suspended")}


def connection(sim):
    return {"group/simfleet.twilio.twilio": {"account_sid": sim.account_sid, "auth_token": sim.auth_token,
                                             "base_url": sim.product_url, "max_retries": 10, "max_retry_time": 60}}


def run_batch(sim, workdir, args, name="batch", check=False, diff=False):
    task = {"name": name, "simfleet.twilio.sim_batch": args, "ignore_errors": True}
    if check:
        task["check_mode"] = True
    if diff:
        task["diff"] = True
    run = run_playbook(str(workdir), [play([task], connection(sim))])
    return run, run[name]


def by_sid(records):
    return dict((r["sid"], r) for r in records)


def reached_by_sid(sim):
    """How many writes of each SID reached the writer (answered 200, or applied and then answered with a fault),
    among the writes the simulator's log holds (the last 10,000)."""
    counts = collections.Counter()
    for entry in sim.write_log():
        if entry["status"] == 200 or entry["fault"] in ("5xx_after_apply", "drop_after_apply"):
            counts[entry["sid"]] += 1
    return counts


def test_large_batch_under_a_fault_storm_ends_exactly_in_the_asked_state(simulator_factory, tmp_path):
    sim = simulator_factory(seed=12, wireless_sims=10000, super_sims=5,
                            faults={"rate_429": 0.2, "rate_5xx": 0.05, "retry_after": 0.01, "seed": 3})
    before = by_sid(sim.truth["wireless_sims"])
    asked = [sid for sid, r in before.items() if r["status"] in WIRELESS_TO["suspended"]]
    to_change = set(sid for sid in asked if before[sid]["status"] != "suspended")
    assert len(asked) > 5000 and len(to_change) > 2500  # a big batch, most of it needing the change
    sim.reset_stats()

    run, result = run_batch(sim, tmp_path / "first", {"product": "wireless", "sims": asked, "status": "suspended",
                                                      "max_sims": 10000, "max_concurrency": 16})
    assert result["_outcome"] == "ok", result.get("msg")
    assert run.seconds < 90  # about 50 s on an idle 2-core machine: a stalled batch (long pauses, retries exhausted) takes far longer
    after = by_sid(sim.truth["wireless_sims"])
    assert all(after[sid]["status"] == "suspended" for sid in asked)
    untouched = set(before) - set(asked)
    assert all(after[sid]["status"] == before[sid]["status"] for sid in untouched)
    # The report, SIM by SIM, against the simulator's truth.
    assert [r["sid"] for r in result["results"]] == asked
    for item in result["results"]:
        assert item["sim"] == item["sid"]
        assert item["outcome"] == ("changed" if item["sid"] in to_change else "unchanged")
        assert item["before"] == {"status": before[item["sid"]]["status"]}
        assert item["after"] == {"status": after[item["sid"]]["status"]}
        assert item["error"] is None
    assert result["counts"] == {"changed": len(to_change), "unchanged": len(asked) - len(to_change), "not_found": 0, "failed": 0}
    expected = collections.Counter("%s -> suspended" % before[sid]["status"] for sid in to_change)
    assert result["transitions"] == dict(expected)
    # The storm was real, the batch slowed down for it, and no SIM was written more than once.
    stats = sim.stats()
    assert stats["faults"].get("429", 0) > 500 and stats["faults"].get("5xx", 0) > 100
    assert result["throttled"] > 500
    writes = sim.writes(log=False)
    assert writes["applied"] == {"wireless_sims": len(to_change)}
    reached = reached_by_sid(sim)
    assert set(reached) <= to_change and len(reached) > 1000 and max(reached.values()) == 1
    assert set(entry["path"].rsplit("/", 1)[1] for entry in sim.write_log()) <= to_change

    sim.reset_stats()
    run, again = run_batch(sim, tmp_path / "second", {"product": "wireless", "sims": asked, "status": "suspended",
                                                      "max_sims": 10000, "max_concurrency": 16})
    assert again["_outcome"] == "ok" and again["changed"] is False
    assert again["counts"] == {"changed": 0, "unchanged": len(asked), "not_found": 0, "failed": 0}
    assert again["transitions"] == {}
    assert sim.writes(log=False)["requests"] == 0
    # Reads by listing only: the pages of the listing, each page retried at most as often as the storm made it.
    listing = sim.stats()["by_route"]
    assert set(listing) == {"GET /wireless/v1/Sims"}
    assert sim.stats()["by_status"].get("200") == math.ceil(len(before) / 1000)


def test_unknown_sims_forbidden_transitions_and_a_401_in_the_middle(simulator_factory, tmp_path):
    sim = simulator_factory(seed=5, wireless_sims=300, super_sims=5)
    before = by_sid(sim.truth["wireless_sims"])
    active = [sid for sid, r in before.items() if r["status"] == "active"][:40]
    dead = [sid for sid, r in before.items() if r["status"] in ("deactivated", "canceled")][:5]
    named = [r for r in sim.truth["wireless_sims"] if r["status"] == "ready" and r["unique_name"]][:2]
    assert len(active) == 40 and len(dead) == 5 and len(named) == 2
    unknown = ["no-such-sim", "DE" + "0" * 32, {"iccid": "000000000000000000"}]
    sims = active[:20] + dead + [{"sid": named[0]["sid"], "note": "from an info module"}, named[1]["unique_name"]] + unknown + active[20:]
    # One listing page, then the eleventh write answers 401.
    sim.set_faults(fail_after=11, fail_next=1, fail_status=401)
    sim.reset_stats()
    run, result = run_batch(sim, tmp_path, {"product": "wireless", "sims": sims, "status": "suspended"})
    assert result["_outcome"] == "failed"
    after = by_sid(sim.truth["wireless_sims"])

    outcomes = [r["outcome"] for r in result["results"]]
    assert len(outcomes) == len(sims)
    refused_401 = [r for r in result["results"] if r["error"] and r["error"]["status"] == 401]
    assert len(refused_401) == 1 and refused_401[0]["sid"] in active
    lost = refused_401[0]["sid"]
    for item, given in zip(result["results"], sims):
        assert item["sim"] == given
        sid = item["sid"]
        if sid in active and sid != lost or sid in (named[0]["sid"], named[1]["sid"]):
            assert item["outcome"] == "changed" and after[sid]["status"] == "suspended" and item["error"] is None
            assert item["after"] == {"status": "suspended"}
        elif sid == lost:
            assert item["outcome"] == "failed" and after[sid]["status"] == "active"
            assert "HTTP 401" in item["error"]["message"]
        elif sid in dead:
            assert item["outcome"] == "failed" and after[sid]["status"] == before[sid]["status"]
            assert "status cannot change from %s to suspended" % before[sid]["status"] in item["error"]["message"]
        else:
            assert sid is None and item["outcome"] == "not_found" and item["before"] is None
    assert result["counts"] == {"changed": 41, "unchanged": 0, "not_found": 3, "failed": 6}
    assert result["transitions"] == {"active -> suspended": 39, "ready -> suspended": 2}
    assert "6 of 50 SIMs failed and 3 were not found (41 changed" in result["msg"]
    log = sim.write_log()
    assert set(e["sid"] for e in log if e["status"] == 200) == set(active) - {lost} | {named[0]["sid"], named[1]["sid"]}
    assert [e["path"].rsplit("/", 1)[1] for e in log if e["status"] == 401] == [lost]
    assert len(log) == 42  # never the refused transitions, and the 401 not sent again
    assert set(sim.stats()["by_route"]) == {"GET /wireless/v1/Sims", "POST /wireless/v1/Sims/{Sid}"}


def test_strict_refuses_before_any_write(simulator_factory, tmp_path):
    sim = simulator_factory(seed=5, wireless_sims=100, super_sims=5)
    active = [r["sid"] for r in sim.truth["wireless_sims"] if r["status"] == "active"][:5]
    sim.reset_stats()
    run, result = run_batch(sim, tmp_path, {"product": "wireless", "sims": active + ["ghost-sim"], "status": "suspended", "strict": True})
    assert result["_outcome"] == "failed"
    assert "strict: nothing was written, as 1 of the 6 SIMs cannot be changed: ghost-sim: no wireless SIM" in result["msg"]
    assert sim.writes(log=False)["requests"] == 0
    # every SIM is still reported: the unknown one, and the others as not attempted
    assert [r["outcome"] for r in result["results"]] == ["failed"] * 5 + ["not_found"]
    assert all(r["error"]["message"].startswith("not attempted: strict") for r in result["results"][:5])
    assert result["counts"] == {"changed": 0, "unchanged": 0, "not_found": 1, "failed": 5} and result["changed"] is False


def test_writes_whose_answer_is_lost_are_read_back_not_resent(simulator_factory, tmp_path):
    sim = simulator_factory(seed=8, wireless_sims=5, super_sims=400)
    sim.set_write_settings(settle_seconds=0)
    before = by_sid(sim.truth["supersim_sims"])
    fleets = sim.truth["fleets"]
    target = fleets[0]
    asked = [sid for sid, r in before.items() if r["status"] in ("active", "inactive", "ready")][:150]
    to_change = set(sid for sid in asked if before[sid]["status"] != "inactive" or before[sid]["fleet_sid"] != target["sid"])
    sim.set_faults(rate_5xx_after_apply=0.15, after_apply_drop_rate=0.1, seed=4)
    sim.reset_stats()
    run, result = run_batch(sim, tmp_path, {"product": "supersim", "sims": asked, "status": "inactive",
                                            "fleet": target["unique_name"], "timeout": 5})
    assert result["_outcome"] == "ok", result.get("msg")
    after = by_sid(sim.truth["supersim_sims"])
    assert all(after[sid]["status"] == "inactive" and after[sid]["fleet_sid"] == target["sid"] for sid in asked)
    assert result["counts"]["changed"] == len(to_change)
    reached = reached_by_sid(sim)
    assert set(reached) == to_change and max(reached.values()) == 1
    assert sim.writes(log=False)["applied"] == {"supersim_sims": len(to_change)}
    lost = sim.writes(log=False)["faults"]
    assert lost.get("5xx_after_apply", 0) + lost.get("drop_after_apply", 0) > 10
    routes = sim.stats()["by_route"]
    # One read per write whose answer was lost (and its retries), and the fleet resolved once.
    assert routes.get("GET /supersim/v1/Fleets/{Sid}") == 1
    assert 0 < routes.get("GET /supersim/v1/Sims/{Sid}", 0) <= 2 * (lost.get("5xx_after_apply", 0) + lost.get("drop_after_apply", 0))


def test_check_mode_writes_nothing_and_reports_the_same_counts_with_diff(simulator_factory, tmp_path):
    sim = simulator_factory(seed=9, wireless_sims=200, super_sims=5)
    before = by_sid(sim.truth["wireless_sims"])
    sims = [r["sid"] for r in sim.truth["wireless_sims"] if r["status"] in ("active", "suspended", "ready")][:60]
    args = {"product": "wireless", "sims": sims, "status": "suspended"}
    sim.reset_stats()
    check_run, planned = run_batch(sim, tmp_path / "check", args, check=True, diff=True)
    assert sim.writes(log=False)["requests"] == 0
    assert by_sid(sim.truth["wireless_sims"]) == before
    changing = [sid for sid in sims if before[sid]["status"] != "suspended"]
    assert planned["changed"] is (len(changing) > 0) and len(changing) > 5
    for sid in changing:
        assert "-%s status=%s" % (sid, before[sid]["status"]) in check_run.stdout
        assert "+%s status=suspended" % sid in check_run.stdout
    assert planned["diff"]["before"].count("\n") == len(changing)

    run, applied = run_batch(sim, tmp_path / "apply", args)
    assert applied["counts"] == planned["counts"] and applied["transitions"] == planned["transitions"]
    assert [(r["sid"], r["outcome"], r["before"], r["after"]) for r in applied["results"]] == \
        [(r["sid"], r["outcome"], r["before"], r["after"]) for r in planned["results"]]
    assert sim.writes(log=False)["requests"] == len(changing)


def test_a_listing_that_fails_midway_reports_every_sim(simulator_factory, tmp_path):
    sim = simulator_factory(seed=6, wireless_sims=2500, super_sims=5)
    listed = sim.truth["wireless_sims"]  # as served: the first 1000 are the first page
    asked = [r["sid"] for r in listed if r["status"] == "active"]
    on_first_page = set(r["sid"] for r in listed[:1000])
    assert any(sid not in on_first_page for sid in asked)
    # The first request (page one of the listing) is answered; every later one, page two included, gets 401.
    # A SIM of page one named a second time, by its unique name: it shares the outcome of its write.
    named = next(r for r in listed[:1000] if r["status"] == "active" and r["unique_name"])
    sim.set_faults(fail_after=1, fail_next=100000, fail_status=401)
    run, result = run_batch(sim, tmp_path, {"product": "wireless", "sims": asked + [named["unique_name"]], "status": "suspended",
                                            "max_sims": 2500})
    sim.clear_faults()
    assert result["_outcome"] == "failed" and "HTTP 401" in result["msg"]
    after = by_sid(sim.truth["wireless_sims"])
    assert all(after[sid]["status"] == "active" for sid in asked)  # nothing got through
    # Page one's writes were sent while the listing went on: every SIM is reported.
    assert sim.writes(log=False)["requests"] > 0 and result["changed"] is False
    again = result["results"].pop()
    assert again["sim"] == named["unique_name"] and again["sid"] == named["sid"]
    first = next(r for r in result["results"] if r["sid"] == named["sid"])
    assert (again["outcome"], again["error"]) == (first["outcome"], first["error"])
    assert [r["sid"] or r["sim"] for r in result["results"]] == asked
    assert result["counts"] == {"changed": 0, "unchanged": 0, "not_found": 0, "failed": len(asked) + 1}
    for item in result["results"]:
        if item["sid"] in on_first_page:
            assert "HTTP 401" in item["error"]["message"]
        else:
            assert item["error"]["message"].startswith("not attempted: ") and "HTTP 401" in item["error"]["message"]


def test_sims_with_a_change_in_progress_are_not_written_in_check_mode_or_for_real(simulator_factory, tmp_path):
    """Twilio refuses a change while one is in progress: such SIMs get the same plan in check mode and in a real run
    (failed, not written), and strict refuses the batch before any write."""
    sim = simulator_factory(seed=3, wireless_sims=400, super_sims=5)
    before = by_sid(sim.truth["wireless_sims"])
    settling = [sid for sid, r in before.items() if r["status"] in ("updating", "scheduled")][:2]
    movable = [sid for sid, r in before.items() if r["status"] == "active"][:2]
    assert len(settling) == 2 and len(movable) == 2
    args = {"product": "wireless", "sims": settling + movable, "status": "suspended"}
    sim.reset_stats()
    run, checked = run_batch(sim, tmp_path / "check", args, check=True)
    run, strict = run_batch(sim, tmp_path / "strict", dict(args, strict=True))
    assert sim.write_log() == []   # neither check mode nor strict sent a write
    run, real = run_batch(sim, tmp_path / "real", args)
    for result in (checked, real):
        outcomes = dict((item["sid"], item["outcome"]) for item in result["results"])
        assert outcomes == dict([(sid, "failed") for sid in settling] + [(sid, "changed") for sid in movable]), outcomes
        assert all("a change in progress" in item["error"]["message"] for item in result["results"] if item["sid"] in settling)
    assert checked["counts"] == real["counts"] and checked["transitions"] == real["transitions"]
    assert strict["_outcome"] == "failed" and "a change in progress" in strict["msg"]
    written = [entry["sid"] for entry in sim.write_log()]
    assert sorted(written) == sorted(movable)
    after = by_sid(sim.truth["wireless_sims"])
    assert [after[sid]["status"] for sid in settling] == [before[sid]["status"] for sid in settling]


# ---------------------------------------------------------------------------------------------------------------
# Pacing, storms and whole-batch bounds


def active_sids(sim, count):
    sids = [r["sid"] for r in sim.truth["wireless_sims"] if r["status"] == "active"][:count]
    assert len(sids) == count
    return sids


def test_max_concurrency_above_the_account_limit_costs_no_time_and_fails_no_sim(simulator_factory, tmp_path):
    """An account limit of 5: a batch started at the ceiling of 32 finds it at once and takes about as long as one
    run at 5; the 429s of the pacing (retried up to max_retries: 5, the default) fail no SIM."""
    sim = simulator_factory(seed=21, wireless_sims=900, super_sims=5)
    sids = active_sids(sim, 400)
    sim.set_faults(max_concurrency=5, latency_ms=40)
    seconds, refused = {}, {}
    for name, sims, concurrency in (("at_the_limit", sids[:200], 5), ("above_it", sids[200:], 32)):
        sim.reset_stats()
        run, result = run_batch(sim, tmp_path / name, {"product": "wireless", "sims": sims, "status": "suspended",
                                                       "max_concurrency": concurrency, "max_retries": 5})
        assert result["_outcome"] == "ok", result.get("msg")
        assert result["counts"] == {"changed": 200, "unchanged": 0, "not_found": 0, "failed": 0}
        seconds[name], refused[name] = run.seconds, sim.stats()["faults"].get("concurrency", 0)
        assert result["throttled"] == refused[name]
    assert all(r["status"] == "suspended" for r in sim.truth["wireless_sims"] if r["sid"] in set(sids))
    assert seconds["above_it"] <= 1.5 * seconds["at_the_limit"], seconds
    # The overload of the start (27 refused together, more while the threads start), then a probe now and then: far
    # from a 429 per write.
    assert refused["above_it"] < 100, refused


@pytest.mark.parametrize("status", [429, 503])
def test_a_permanent_storm_ends_the_batch_within_the_bound(simulator_factory, tmp_path, status):
    sim = simulator_factory(seed=22, wireless_sims=300, super_sims=5)
    asked = active_sids(sim, 100)
    # The listing is answered; from then on every request fails, before anything is applied.
    sim.set_faults(fail_after=1, fail_next=10 ** 6, fail_status=status)
    sim.reset_stats()
    run, result = run_batch(sim, tmp_path, {"product": "wireless", "sims": asked, "status": "suspended", "max_retries": 5})
    assert result["_outcome"] == "failed"
    assert run.seconds < 25
    assert result["msg"].startswith("the batch stopped after 10 requests in a row failed") and "max_consecutive_failures" in result["msg"]
    counts = result["counts"]
    assert counts["changed"] == counts["unchanged"] == counts["not_found"] == 0
    assert counts["failed"] + counts["not_attempted"] == 100 and counts["not_attempted"] >= 80, counts
    assert "not attempted" in result["msg"]
    sent = set(entry["path"].rsplit("/", 1)[1] for entry in sim.write_log())
    for item in result["results"]:
        assert "the batch stopped" in item["error"]["message"], item
        if item["outcome"] == "not_attempted":
            assert item["sid"] not in sent and item["error"]["message"].startswith("not attempted: ")
        else:
            assert item["outcome"] == "failed" and item["sid"] in sent
    assert not sim.writes(log=False)["applied"].get("wireless_sims")
    # The listing, the ten failures, and at most the requests already in flight when the tenth came back.
    assert sim.stats()["requests"] <= 1 + 10 + 4


@pytest.mark.parametrize("faults", [{"rate_429": 1.0}, {"rate_5xx": 1.0}], ids=["429", "5xx"])
def test_a_storm_from_the_start_ends_in_seconds_and_attempts_no_sim(simulator_factory, tmp_path, faults):
    sim = simulator_factory(seed=22, wireless_sims=300, super_sims=5, faults=faults)
    asked = active_sids(sim, 100)
    run, result = run_batch(sim, tmp_path, {"product": "wireless", "sims": asked, "status": "suspended", "max_retries": 5})
    assert result["_outcome"] == "failed" and run.seconds < 30
    assert result["counts"] == {"changed": 0, "unchanged": 0, "not_found": 0, "failed": 0, "not_attempted": 100}
    assert all(item["outcome"] == "not_attempted" and item["error"]["message"].startswith("not attempted: ")
               for item in result["results"])
    assert sim.writes(log=False)["requests"] == 0


def forwarding_server(sim, answer):
    """A server of the test's own in front of the simulator: ``answer(request)`` may answer a request itself
    (a werkzeug Response) or return None to have it forwarded, or a callable to rewrite the simulator's JSON."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)

    def handler(request):
        own = answer(request)
        if isinstance(own, Response):
            return own
        forwarded = requests.request(request.method, sim.base_url + request.path, params=list(request.args.items(multi=True)),
                                     data=list(request.form.items(multi=True)) or None,
                                     headers={"Authorization": request.headers.get("Authorization", "")}, timeout=30)
        body = forwarded.content
        if own is not None and forwarded.status_code < 300:
            body = json.dumps(own(forwarded.json()))
        return Response(body, status=forwarded.status_code, content_type="application/json")

    server.expect_request(re.compile(r"/(wireless|supersim)/.*")).respond_with_handler(handler)
    server.start()
    return server


def run_through(server, sim, workdir, args):
    base_url = "http://127.0.0.1:%d/{product}" % server.port
    defaults = {"group/simfleet.twilio.twilio": {"account_sid": sim.account_sid, "auth_token": sim.auth_token, "base_url": base_url}}
    task = {"name": "batch", "simfleet.twilio.sim_batch": args, "ignore_errors": True}
    run = run_playbook(str(workdir), [play([task], defaults)])
    return run, run["batch"]


def test_a_retry_after_beyond_max_retry_time_fails_that_sim_at_once(simulator_factory, tmp_path):
    sim = simulator_factory(seed=23, wireless_sims=200, super_sims=5)
    asked = active_sids(sim, 30)
    # Every other SIM is refused with a wait of an hour; two with absurd ones.
    hostile = dict((sid, "3600") for sid in asked[1::2])
    hostile.update({asked[5]: "1e308", asked[11]: "1" * 30})
    refused, posted = collections.Counter(), []

    def answer(request):
        sid = request.path.rsplit("/", 1)[-1]
        if request.method == "POST":
            posted.append(time.monotonic())
        if request.method == "POST" and sid in hostile:
            refused[sid] += 1
            body = json.dumps({"code": 20429, "message": "Too Many Requests", "more_info": None, "status": 429})
            return Response(body, status=429, headers={"Retry-After": hostile[sid]}, content_type="application/json")
        return None

    server = forwarding_server(sim, answer)
    try:
        run, result = run_through(server, sim, tmp_path, {"product": "wireless", "sims": asked, "status": "suspended"})
    finally:
        server.stop()
    assert result["_outcome"] == "failed" and "Traceback" not in run.output
    # Never slept, and the batch never paused: the writes went out one after another without a gap.
    assert len(posted) == 30 and max(posted) - min(posted) < 4, max(posted) - min(posted)
    assert result["counts"] == {"changed": 15, "unchanged": 0, "not_found": 0, "failed": 15}
    for item in result["results"]:
        if item["sid"] in hostile:
            wait = "%g" % float(hostile[item["sid"]])
            assert item["outcome"] == "failed" and item["error"]["status"] == 429
            assert "Retry-After" in item["error"]["message"] and wait in item["error"]["message"], item["error"]
        else:
            assert item["outcome"] == "changed"
    # Each refused once: a wait that long is never made, and the write is not sent again.
    assert refused == dict((sid, 1) for sid in hostile)


def test_wait_fails_naming_the_status_a_sim_settled_in(simulator_factory, tmp_path):
    """Twilio answers the change as under way (updating), and the SIM then settles back in active: waiting fails for
    that SIM, naming the status; the others are changed."""
    sim = simulator_factory(seed=24, wireless_sims=200, super_sims=5)
    asked = active_sids(sim, 6)
    reverting = asked[2]
    written = []

    def answer(request):
        sid = request.path.rsplit("/", 1)[-1]
        if request.method == "POST" and sid == reverting:
            written.append(sid)
            return lambda record: dict(record, status="updating")
        if request.method == "GET" and request.path.endswith("/Sims") and written:
            return lambda page: dict(page, sims=[dict(r, status="active") if r["sid"] == reverting else r for r in page["sims"]])
        return None

    server = forwarding_server(sim, answer)
    try:
        run, result = run_through(server, sim, tmp_path,
                                  {"product": "wireless", "sims": asked, "status": "suspended", "wait": True, "wait_timeout": 30})
    finally:
        server.stop()
    assert result["_outcome"] == "failed" and result["changed"] is True, json.dumps(result)[:3000]
    assert result["counts"] == {"changed": 5, "unchanged": 0, "not_found": 0, "failed": 1}
    item = next(i for i in result["results"] if i["sid"] == reverting)
    assert item["outcome"] == "failed" and item["after"] == {"status": "active"}
    assert "settled in status active, not suspended as asked" in item["error"]["message"]
    assert "settled in status active" in result["msg"]
