# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""simfleet.twilio.sim_batch in real ansible-playbook runs against a slow simulator: progress lines in the output
while a batch runs, and a batch killed midway (the whole process tree, module included, SIGKILL) that a rerun with
the same journal finishes without any SIM written twice."""

import collections
import json
import os
import re
import signal
import subprocess
import sys
import time

from _ansible import ANSIBLE_PLAYBOOK, CALLBACK, clean_env, play, run_playbook
from test_sim_batch import by_sid, connection, reached_by_sid, run_batch

PROGRESS = re.compile(r"^sim_batch \[localhost\]: (?:(listing the SIMs) \((\d+) read\), )?(\d+)/(\d+) SIMs done "
                      r"\((\d+) changed, (\d+) unchanged, (\d+) failed\), (\d+) requests in flight, (\d+) throttled, (\d+) s$")


# Any line of the progress display, "starting" included (before the module's first report), and its seconds.
ANY_LINE = re.compile(r"^sim_batch \[localhost\]: .*\b(\d+) s$")


def progress_lines(output):
    return [PROGRESS.match(line).groups() for line in output.splitlines() if PROGRESS.match(line)]


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as handle:
                    stat = handle.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def kill_tree(pid):
    """SIGKILL a process and all its descendants at once, as a crash would. ansible-playbook's workers run in sessions
    of their own (so does the module they start), so killing its process group is not enough: every process of the
    tree is stopped first (none can start another or go on writing), then all are killed."""
    stopped, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            os.kill(current, signal.SIGSTOP)
        except ProcessLookupError:
            continue
        stopped.append(current)
        todo.extend(children(current))
    for current in stopped:
        try:
            os.kill(current, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return stopped


def start_playbook(workdir, plays):
    """Start ansible-playbook with the e2e callback (as run_playbook does), without waiting for it."""
    os.makedirs(workdir)
    plugins = os.path.join(workdir, "callback_plugins")
    os.makedirs(plugins)
    with open(os.path.join(plugins, "e2e_results.py"), "w") as handle:
        handle.write(CALLBACK)
    with open(os.path.join(workdir, "inventory.ini"), "w") as handle:
        handle.write("localhost ansible_connection=local ansible_python_interpreter=%s\n" % sys.executable)
    with open(os.path.join(workdir, "ansible.cfg"), "w") as handle:
        handle.write("[defaults]\nretry_files_enabled = False\ninterpreter_python = %s\n[connection]\npipelining = True\n" % sys.executable)
    with open(os.path.join(workdir, "playbook.yml"), "w") as handle:
        json.dump(plays, handle)
    env = clean_env(dict(ANSIBLE_CONFIG=os.path.join(workdir, "ansible.cfg"), ANSIBLE_HOME=os.path.join(workdir, "ansible-home"),
                         ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"), ANSIBLE_CALLBACK_PLUGINS=plugins,
                         ANSIBLE_CALLBACKS_ENABLED="e2e_results", E2E_RESULTS_FILE=os.path.join(workdir, "results.json")))
    return subprocess.Popen([ANSIBLE_PLAYBOOK, "-i", "inventory.ini", "playbook.yml"], cwd=workdir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_slow_batch_shows_its_progress_in_the_playbook_output(simulator_factory, tmp_path):
    sim = simulator_factory(seed=21, wireless_sims=300, super_sims=5, faults={"latency_ms": 150})
    active = [r["sid"] for r in sim.truth["wireless_sims"] if r["status"] == "active"][:70]
    assert len(active) == 70
    run, result = run_batch(sim, tmp_path / "run", {"product": "wireless", "sims": active, "status": "suspended", "max_concurrency": 2})
    assert result["_outcome"] == "ok", result.get("msg")
    assert result["counts"] == {"changed": 70, "unchanged": 0, "not_found": 0, "failed": 0}
    assert run.seconds > 5   # 70 writes of 150 ms, two at a time
    lines = progress_lines(run.stdout)
    assert len(lines) >= 2, run.stdout
    done = [int(line[2]) for line in lines]
    assert done == sorted(done) and any(0 < d < 70 for d in done)
    for line in lines:
        count, total, changed, unchanged, failed, in_flight, throttled = line[2:9]
        assert int(total) == 70 and int(count) == int(changed) and (unchanged, failed, throttled) == ("0", "0", "0")
        assert int(in_flight) <= 2
    # A line at least every few seconds, from the start of the task: no gap of more than 3 s.
    seconds = [int(ANY_LINE.match(line).group(1)) for line in run.stdout.splitlines() if ANY_LINE.match(line)]
    assert seconds == sorted(seconds) and seconds[-1] >= 4, run.stdout
    assert seconds[0] <= 3 and all(b - a <= 3 for a, b in zip(seconds, seconds[1:])), run.stdout

    # In check mode too, here while the listing is read (one page that takes 3.5 s): no write at all.
    sim.set_faults(latency_ms=3500)
    sim.reset_stats()
    run, result = run_batch(sim, tmp_path / "check", {"product": "wireless", "sims": active, "status": "active"}, check=True)
    assert result["_outcome"] == "ok", result.get("msg")
    assert result["counts"] == {"changed": 70, "unchanged": 0, "not_found": 0, "failed": 0}
    assert sim.writes(log=False)["requests"] == 0
    lines = progress_lines(run.stdout)
    assert any(line[:4] == ("listing the SIMs", "0", "0", "70") for line in lines), run.stdout


def test_a_killed_batch_is_finished_by_a_rerun_with_its_journal_and_no_sim_is_written_twice(simulator_factory, tmp_path):
    sim = simulator_factory(seed=22, wireless_sims=400, super_sims=5, faults={"latency_ms": 150})
    before = by_sid(sim.truth["wireless_sims"])
    asked = [sid for sid, r in before.items() if r["status"] in ("ready", "active", "suspended")][:150]
    to_change = set(sid for sid in asked if before[sid]["status"] != "suspended")
    assert len(to_change) > 80
    journal = tmp_path / "suspend.journal"
    args = {"product": "wireless", "sims": asked, "status": "suspended", "max_concurrency": 4, "journal": str(journal)}
    task = {"name": "batch", "simfleet.twilio.sim_batch": args, "ignore_errors": True}
    sim.reset_stats()

    proc = start_playbook(str(tmp_path / "killed"), [play([task], connection(sim))])
    try:
        deadline = time.monotonic() + 120
        while len(reached_by_sid(sim)) < 25:
            assert proc.poll() is None and time.monotonic() < deadline, "the batch ended or stalled before it could be killed"
            time.sleep(0.05)
    finally:
        killed = kill_tree(proc.pid)
        proc.wait()
    assert len(killed) >= 3   # ansible-playbook, its worker and the module (at least)
    time.sleep(1)   # the writes the server had already received are applied
    first = reached_by_sid(sim)
    assert 25 <= len(first) < len(to_change) - 20 and max(first.values()) == 1
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    sending = set(e["sending"] for e in entries if "sending" in e)
    done = set(e["done"] for e in entries if "done" in e)
    assert not any("end" in e for e in entries)
    assert set(first) <= sending           # no write reached the API without its line in the journal
    assert sending - done                  # writes in flight when it was killed: sent, their answer never recorded
    with open(journal, "a") as handle:
        handle.write('{"sending": "DE')    # and a last line cut short

    run, result = run_batch(sim, tmp_path / "rerun", args)
    assert result["_outcome"] == "ok", result.get("msg")
    after = by_sid(sim.truth["wireless_sims"])
    assert all(after[sid]["status"] == "suspended" for sid in asked)
    reached = reached_by_sid(sim)
    assert set(reached) == to_change and max(reached.values()) == 1   # every SIM written exactly once over both runs
    # The rerun reports the whole batch: the SIMs the killed run changed are changed, not written again.
    assert result["journal"] == {"path": str(journal), "resumed": True, "from_journal": len(first)}
    assert result["counts"] == {"changed": len(to_change), "unchanged": len(asked) - len(to_change), "not_found": 0, "failed": 0}
    assert result["transitions"] == dict(collections.Counter("%s -> suspended" % before[sid]["status"] for sid in to_change))
    for item in result["results"]:
        assert item["before"] == {"status": before[item["sid"]]["status"]} and item["after"] == {"status": "suspended"}
    assert json.loads(journal.read_text().splitlines()[-1])["end"] is True

    # Finished: the same task again starts the journal over and writes nothing.
    sim.reset_stats()
    run, again = run_batch(sim, tmp_path / "again", args)
    assert again["_outcome"] == "ok" and again["changed"] is False
    assert again["journal"] == {"path": str(journal), "resumed": False, "from_journal": 0}
    assert sim.writes(log=False)["requests"] == 0


def test_the_module_runs_without_progress_when_the_task_is_async(simulator_factory, tmp_path):
    sim = simulator_factory(seed=23, wireless_sims=50, super_sims=5, faults={"latency_ms": 300})
    active = [r["sid"] for r in sim.truth["wireless_sims"] if r["status"] == "active"][:12]
    tasks = [{"name": "batch", "simfleet.twilio.sim_batch": {"product": "wireless", "sims": active, "status": "suspended", "max_concurrency": 1},
              "async": 60, "poll": 1}]
    run = run_playbook(str(tmp_path), [play(tasks, connection(sim))])
    result = run.ok("batch")
    assert result["counts"]["changed"] == 12
    assert not progress_lines(run.stdout)
