# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""sim_batch's journal, run in-process against a simulator of the test's own: a journal of another batch or a file
that is not one is refused before any request, a resumed batch never sends again a write that was sent unless the
listing proves it was not applied, check mode never writes the journal, and the resume rule itself."""

import json

import pytest

from ansible_collections.simfleet.twilio.plugins.action import sim_batch as action
from ansible_collections.simfleet.twilio.plugins.module_utils import _batch
from ansible_collections.simfleet.twilio.plugins.module_utils._batch import JOURNAL_KIND, resume_decision
from ansible_collections.simfleet.twilio.plugins.plugin_utils import _progress_action


@pytest.fixture
def fleet(simulator_factory):
    return simulator_factory(seed=31, wireless_sims=60, super_sims=2)


def batch(run_module, sim, **args):
    options = dict(account_sid=sim.account_sid, auth_token=sim.auth_token, base_url=sim.product_url, product="wireless")
    options.update(args)
    return run_module("sim_batch", options)


def write_journal(path, entries, product="wireless", asked=None):
    header = {"journal": JOURNAL_KIND, "version": 1, "product": product, "asked": asked or {"status": "suspended"}}
    path.write_text("".join(json.dumps(e) + "\n" for e in [header] + entries))


def active_sids(sim, count):
    sids = [r["sid"] for r in sim.truth["wireless_sims"] if r["status"] == "active"][:count]
    assert len(sids) == count
    return sids


def test_a_journal_of_another_batch_or_no_journal_is_refused_before_any_request(run_module, fleet, tmp_path):
    sims = active_sids(fleet, 3)
    other = tmp_path / "other.journal"
    write_journal(other, [{"sending": sims[0], "changes": {"status": "active"}, "before": {"status": "suspended"}}],
                  asked={"status": "active"})
    stranger = tmp_path / "notes.txt"
    stranger.write_text("my notes\n")
    fleet.reset_stats()
    failed, result = batch(run_module, fleet, sims=sims, status="suspended", journal=str(other))
    assert failed and "results" not in result
    assert ("journal %s belongs to an unfinished batch of product wireless with status=active; this task asks product "
            "wireless with status=suspended" % other) in result["msg"]
    failed, result = batch(run_module, fleet, sims=sims, status="suspended", journal=str(stranger))
    assert failed and result["msg"] == "journal %s exists and is not a sim_batch journal; it is left as it is: give another path" % stranger
    assert stranger.read_text() == "my notes\n"
    broken = tmp_path / "broken.journal"
    write_journal(broken, [])
    broken.write_text(broken.read_text() + "garbage\n" + json.dumps({"done": sims[0], "outcome": "changed"}) + "\n")
    failed, result = batch(run_module, fleet, sims=sims, status="suspended", journal=str(broken))
    assert failed and "journal %s: line 2 is not a journal entry" % broken in result["msg"]
    assert fleet.stats()["requests"] == 0


def test_a_resumed_batch_sends_a_write_again_only_when_the_listing_proves_it_was_not_applied(run_module, fleet, tmp_path):
    sent, failed_before, recorded_done, applied_unrecorded, fresh = active_sids(fleet, 5)
    journal = tmp_path / "batch.journal"
    change = {"changes": {"status": "suspended"}, "before": {"status": "active"}}
    write_journal(journal, [
        dict(change, sending=sent),                                   # killed before its answer: not applied
        dict(change, sending=failed_before), {"done": failed_before, "outcome": "failed", "error": "HTTP 400"},
        dict(change, sending=recorded_done), {"done": recorded_done, "outcome": "changed", "error": None},
        dict(change, sending=applied_unrecorded),                     # killed after the server applied it
    ])
    with open(journal, "a") as handle:
        handle.write('{"sending": "DE0')                              # a last line cut short by the kill
    # The write of applied_unrecorded reached the API before the kill.
    failed, result = batch(run_module, fleet, sims=[applied_unrecorded], status="suspended")
    assert not failed and result["counts"]["changed"] == 1
    fleet.reset_stats()

    failed, result = batch(run_module, fleet, sims=[sent, failed_before, recorded_done, applied_unrecorded, fresh],
                           status="suspended", journal=str(journal))
    assert not failed, result["msg"]
    written = sorted(e["sid"] for e in fleet.write_log())
    assert written == sorted([sent, failed_before, fresh])           # each once; never recorded_done, applied_unrecorded
    outcomes = dict((r["sid"], (r["outcome"], r["before"], r["after"])) for r in result["results"])
    assert outcomes[applied_unrecorded] == ("changed", {"status": "active"}, {"status": "suspended"})
    # recorded done: not written again, even though the listing no longer shows the change
    assert outcomes[recorded_done] == ("changed", {"status": "active"}, {"status": "active"})
    assert all(outcomes[sid][0] == "changed" for sid in (sent, failed_before, fresh))
    assert result["journal"] == {"path": str(journal), "resumed": True, "from_journal": 2}
    entries = [json.loads(line) for line in journal.read_text().splitlines()]   # the cut line is gone
    assert entries[-1] == {"end": True, "counts": {"changed": 5, "unchanged": 0, "not_found": 0, "failed": 0}}
    added = entries[7:]   # after the header and the six lines of the killed run
    assert sorted(e["sending"] for e in added if "sending" in e) == sorted([sent, failed_before, fresh])
    assert sorted((e["done"], e["outcome"]) for e in added if "done" in e) == sorted((s, "changed") for s in (sent, failed_before, fresh))

    # A finished journal is started over: the same batch again writes nothing.
    fleet.reset_stats()
    failed, result = batch(run_module, fleet, sims=[sent, failed_before, fresh], status="suspended", journal=str(journal))
    assert not failed and result["changed"] is False and fleet.writes(log=False)["requests"] == 0
    assert result["journal"] == {"path": str(journal), "resumed": False, "from_journal": 0}
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    assert entries[0]["journal"] == JOURNAL_KIND and entries[1:] == [
        {"end": True, "counts": {"changed": 0, "unchanged": 3, "not_found": 0, "failed": 0}}]


def test_check_mode_reads_the_journal_and_never_writes_it(run_module, fleet, tmp_path):
    done, other = active_sids(fleet, 2)
    journal = tmp_path / "batch.journal"
    write_journal(journal, [{"sending": done, "changes": {"status": "suspended"}, "before": {"status": "active"}},
                            {"done": done, "outcome": "changed", "error": None}])
    content = journal.read_text()
    fleet.reset_stats()
    failed, result = batch(run_module, fleet, sims=[done, other], status="suspended", journal=str(journal),
                           _ansible_check_mode=True)
    assert not failed and result["journal"] == {"path": str(journal), "resumed": True, "from_journal": 1}
    assert journal.read_text() == content
    missing = tmp_path / "new.journal"
    failed, result = batch(run_module, fleet, sims=[done, other], status="suspended", journal=str(missing), _ansible_check_mode=True)
    assert not failed and not missing.exists()
    assert fleet.writes(log=False)["requests"] == 0


@pytest.mark.parametrize("recorded, applied, idempotent, expected", [
    ({"outcome": "changed"}, False, False, "changed"),    # recorded done: never sent again
    ({"outcome": "changed"}, True, True, "changed"),
    ({"outcome": None}, True, False, "changed"),          # the listing shows it applied
    ({"outcome": "failed"}, True, True, "changed"),
    ({"outcome": None}, False, True, "plan"),             # proven not applied, and safe to send again
    ({"outcome": "failed"}, False, True, "plan"),
    ({"outcome": None}, False, False, "refuse"),          # may have been applied, not safe to send again
    ({"outcome": "failed"}, False, False, "refuse"),
])
def test_a_write_that_was_sent_is_sent_again_only_when_proven_not_applied_and_idempotent(recorded, applied, idempotent, expected):
    assert resume_decision(recorded, applied, idempotent) == expected


def test_the_action_plugin_and_the_module_name_the_same_progress_variable():
    assert _progress_action.PROGRESS_ENV == _batch.PROGRESS_ENV
    line = action.progress_line("pumps", dict(phase="writing", total=10, done=6, changed=3, unchanged=0, failed=1, not_attempted=2,
                                              in_flight=2, throttled=5), 12.7)
    assert line == "sim_batch [pumps]: 6/10 SIMs done (3 changed, 0 unchanged, 1 failed, 2 not attempted), 2 requests in flight, 5 throttled, 12 s"


def test_a_batch_cut_off_by_an_outage_is_resumed_and_no_sim_is_written_twice(run_module, fleet, tmp_path):
    sims = [r["sid"] for r in fleet.truth["wireless_sims"] if r["status"] in ("active", "ready")][:30]
    assert len(sims) == 30
    journal = tmp_path / "batch.journal"
    args = dict(sims=sims, status="suspended", journal=str(journal), max_retries=0, max_concurrency=1)
    fleet.reset_stats()
    # The listing page and 10 writes pass, then the API answers 503 to everything (before applying anything).
    fleet.set_faults(fail_after=11, fail_next=100000, fail_status=503)
    failed, first = batch(run_module, fleet, **args)
    assert failed and first["counts"]["changed"] == 10
    assert not any('"end"' in line for line in journal.read_text().splitlines())   # not finished
    fleet.clear_faults()

    failed, result = batch(run_module, fleet, **args)
    assert not failed, result["msg"]
    assert all(r["status"] == "suspended" for r in fleet.truth["wireless_sims"] if r["sid"] in sims)
    applied = [e["sid"] for e in fleet.write_log() if e["status"] == 200]
    assert sorted(applied) == sorted(sims)                   # each SIM written once over both runs
    assert result["journal"] == {"path": str(journal), "resumed": True, "from_journal": 10}
    assert result["counts"] == {"changed": 30, "unchanged": 0, "not_found": 0, "failed": 0}
