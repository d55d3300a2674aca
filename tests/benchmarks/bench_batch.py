# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark: bring N wireless SIMs (half of them needing the change) to a new status three ways, in one run.

1. ``simfleet.twilio.sim_batch`` in one ``ansible-playbook`` task (listing reads, one write per SIM that differs,
   ``--concurrency`` writes in flight),
2. an Ansible ``loop`` of ``simfleet.twilio.wireless_sim`` over the same SIMs; it is run on a sample of
   ``--loop-sample`` SIMs (half needing the change) and its time and requests are scaled to N,
3. the official twilio-python SDK: one listing, then one ``sims(sid).update(status=...)`` after another.

The simulator runs as a child process with a fixed latency per request (``--latency-ms``) and a concurrency limit
(``--concurrency``: requests beyond it are answered 429). Before each way the same SIMs are put back in the same
state (at zero latency, not measured). Each way runs as a child process; its peak memory is the largest resident
set of its process tree (``wait4``). The floor is writes x latency / concurrency.

``--mode pacing`` measures the pacing against the concurrency floor: for each account limit of ``--limits`` (the
simulator's concurrency limit), the same ``--writes`` writes at ``max_concurrency`` equal to the limit, then at
``--ceiling`` (32, the documented maximum), and the ratio of the two wall times; the batch must find the limit by
itself, with no SIM failed. ``--mode storm`` brings ``--sims`` SIMs to ``suspended`` under 20% 429 and 5% 503 and
checks that they end exactly in the asked state with no write applied twice.

Run by hand: ``make venv collection && .venv/bin/python tests/benchmarks/bench_batch.py [--mode ways|pacing|storm]``.
"""

import collections

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import _paths

_paths.add_import_paths()

from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioClient  # noqa: E402
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS  # noqa: E402
from simulator import Simulator  # noqa: E402

ROOT = _paths.ROOT_DIR
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
FROM, TO = "active", "suspended"


def set_statuses(sim, sids, status, threads=16):
    """Put SIMs in a status directly, at whatever latency the simulator has (used at zero latency)."""
    client = TwilioClient(sim.account_sid, auth_token=sim.auth_token, base_url=sim.product_url, max_retries=20)
    endpoint = ENDPOINTS["wireless_sim"]
    with client, ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda sid: client.update(endpoint, sid, {"Status": status}), sids))


def run_measured(command, env=None, cwd=None):
    """(wall seconds, peak RSS in MB of the process tree, return code, output) of a child process."""
    started = time.monotonic()
    proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = proc.stdout.read()
    dummy, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.monotonic() - started, usage.ru_maxrss / 1024.0, proc.returncode, output


def ansible_env(workdir):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(("TWILIO_", "KORE_", "ANSIBLE_")))
    env.update(ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, "build", "collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_PIPELINING="1", ANSIBLE_HOME=os.path.join(workdir, "ansible-home"),
               ANSIBLE_LOCAL_TEMP=os.path.join(workdir, "tmp"), ANSIBLE_RETRY_FILES_ENABLED="0")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def playbook(sim, workdir, tasks, variables=None):
    """The ansible-playbook command of one local play of ``tasks`` against the simulator (also bench_register's)."""
    connection = {"account_sid": sim.account_sid, "auth_token": sim.auth_token, "base_url": sim.product_url}
    play = [{"name": "bench", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": dict({"ansible_python_interpreter": sys.executable}, **(variables or {})),
             "module_defaults": {"group/simfleet.twilio.twilio": connection}, "tasks": tasks}]
    path = os.path.join(workdir, "playbook.yml")
    with open(path, "w") as handle:
        json.dump(play, handle)
    return [ANSIBLE_PLAYBOOK, "-i", "localhost,", path]


def way_batch(sim, workdir, sids, args):
    return batch_command(sim, workdir, sids, args.concurrency)


def batch_command(sim, workdir, sids, concurrency):
    task = {"name": "batch", "simfleet.twilio.sim_batch": {
        "product": "wireless", "sims": "{{ bench_sims }}", "status": TO, "max_sims": len(sids),
        "max_concurrency": concurrency}}
    return playbook(sim, workdir, [task], {"bench_sims": sids})


def way_loop(sim, workdir, sids, args):
    task = {"name": "loop", "simfleet.twilio.wireless_sim": {"sid": "{{ item }}", "status": TO},
            "loop": "{{ bench_sims }}", "loop_control": {"label": "{{ item }}"}}
    return playbook(sim, workdir, [task], {"bench_sims": sids})


def way_sdk(sim, workdir, sids, args):
    path = os.path.join(workdir, "sids.json")
    with open(path, "w") as handle:
        json.dump({"sids": sids, "account_sid": sim.account_sid, "auth_token": sim.auth_token, "base_url": sim.base_url}, handle)
    return [sys.executable, os.path.abspath(__file__), "--sdk-worker", path]


def sdk_worker(path):
    """Run in a child process: the SDK lists the SIMs once, then updates the ones that differ one after another."""
    from twilio.rest import Client
    with open(path) as handle:
        spec = json.load(handle)
    client = Client(spec["account_sid"], spec["auth_token"])
    client.wireless.base_url = spec["base_url"] + "/wireless"
    current = dict((sim.sid, sim.status) for sim in client.wireless.v1.sims.list(page_size=1000))
    for sid in spec["sids"]:
        if current.get(sid) != TO:
            client.wireless.v1.sims(sid).update(status=TO)


def bench_pacing(args):
    """The same writes at max_concurrency == the account's limit and at the ceiling, for each limit."""
    limits = [int(value) for value in args.limits.split(",")]
    rows = []
    with Simulator(seed=7, wireless_sims=args.writes * 3, super_sims=5, subprocess=True) as sim, \
            tempfile.TemporaryDirectory(prefix="bench-pacing-") as workdir:
        sids = [r["sid"] for r in sim.truth["wireless_sims"] if r["status"] == FROM][:args.writes]
        assert len(sids) == args.writes, "the generated fleet has too few active SIMs"
        for limit in limits:
            measured = {}
            for concurrency in (limit, args.ceiling):
                sim.clear_faults()
                set_statuses(sim, sids, FROM)   # the same starting state, at zero latency
                sim.set_faults(latency_ms=args.latency_ms, max_concurrency=limit)
                sim.reset_stats()
                seconds, dummy, rc, output = run_measured(batch_command(sim, workdir, sids, concurrency), env=ansible_env(workdir), cwd=workdir)
                assert rc == 0, "max_concurrency %d against a limit of %d failed:\n%s" % (concurrency, limit, output[-3000:])
                truth = dict((r["sid"], r["status"]) for r in sim.truth["wireless_sims"])
                assert all(truth[sid] == TO for sid in sids), "a SIM did not reach %s" % TO
                stats = sim.stats()
                measured[concurrency] = (seconds, stats["faults"].get("concurrency", 0), stats["writes"]["by_method"].get("POST", 0))
            rows.append((limit, args.writes * args.latency_ms / 1000.0 / limit, measured[limit], measured[args.ceiling]))
        sim.clear_faults()
    print("%d writes, latency %g ms per request, the simulator's concurrency limit = the account's limit; wall time of "
          "ansible-playbook (about 1 s of it is Ansible's own start)" % (args.writes, args.latency_ms))
    print()
    print("| account limit | floor (s) | max_concurrency = limit (s) | max_concurrency %d (s) | ratio | 429s at %d | POSTs at %d |"
          % (args.ceiling, args.ceiling, args.ceiling))
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for limit, floor, at_limit, at_ceiling in rows:
        print("| %d | %.1f | %.1f | %.1f | %.2fx | %d | %d |"
              % (limit, floor, at_limit[0], at_ceiling[0], at_ceiling[0] / at_limit[0], at_ceiling[1], at_ceiling[2]))


def bench_storm(args):
    """Many SIMs under 20% 429 and 5% 503: exactly the asked state, no write applied twice."""
    with Simulator(seed=12, wireless_sims=args.sims, super_sims=5, subprocess=True) as sim, \
            tempfile.TemporaryDirectory(prefix="bench-storm-") as workdir:
        before = dict((r["sid"], r["status"]) for r in sim.truth["wireless_sims"])
        asked = [sid for sid, status in before.items() if status in ("ready", "active", TO)]
        to_change = set(sid for sid in asked if before[sid] != TO)
        sim.set_faults(rate_429=0.2, rate_5xx=0.05, retry_after=0.01, seed=3)
        sim.reset_stats()
        seconds, memory, rc, output = run_measured(batch_command(sim, workdir, asked, args.concurrency), env=ansible_env(workdir), cwd=workdir)
        stats = sim.stats()
        sim.clear_faults()
        assert rc == 0, "the batch failed:\n%s" % output[-3000:]
        after = dict((r["sid"], r["status"]) for r in sim.truth["wireless_sims"])
        wrong = [sid for sid in asked if after[sid] != TO] + [sid for sid in before if sid not in set(asked) and after[sid] != before[sid]]
        reached = collections.Counter(entry["sid"] for entry in sim.write_log()
                                      if entry["status"] == 200 or entry["fault"] in ("5xx_after_apply", "drop_after_apply"))
        applied = sim.writes(log=False)["applied"].get("wireless_sims", 0)
    print("%d SIMs asked, %d needing the change, max_concurrency %d, 20%% 429 + 5%% 503 (Retry-After 0.01 s)"
          % (len(asked), len(to_change), args.concurrency))
    print()
    print("| wall time (s) | requests | 429s | 5xx | writes applied | SIMs written twice | SIMs not in the asked state | peak memory (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("| %.1f | %d | %d | %d | %d | %d | %d | %.0f |"
          % (seconds, stats["requests"], stats["faults"].get("429", 0), stats["faults"].get("5xx", 0), applied,
             sum(1 for n in reached.values() if n > 1), len(wrong), memory))
    assert not wrong and applied == len(to_change) and max(reached.values(), default=1) == 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("ways", "pacing", "storm"), default="ways",
                        help="ways: sim_batch against a loop and the SDK (default); pacing: the pacing against the "
                             "concurrency floor; storm: a big batch under a fault storm")
    parser.add_argument("--writes", type=int, default=600, help="pacing: writes per run")
    parser.add_argument("--limits", default="1,5,25", help="pacing: the account limits to measure")
    parser.add_argument("--ceiling", type=int, default=32, help="pacing: the max_concurrency compared with the limit")
    parser.add_argument("--sims", type=int, default=10000, help="SIMs to change (half need the change)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=8, help="simulator's limit and sim_batch's max_concurrency")
    parser.add_argument("--loop-sample", type=int, default=200)
    parser.add_argument("--ways", default="batch,loop,sdk", help="comma-separated subset of batch, loop, sdk")
    parser.add_argument("--sdk-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sdk_worker:
        return sdk_worker(args.sdk_worker)
    if args.mode == "pacing":
        return bench_pacing(args)
    if args.mode == "storm":
        args.concurrency = 16 if args.concurrency == parser.get_default("concurrency") else args.concurrency
        return bench_storm(args)

    half = args.sims // 2
    with Simulator(seed=7, wireless_sims=int(args.sims * 1.4), super_sims=5, subprocess=True) as sim, \
            tempfile.TemporaryDirectory(prefix="bench-batch-") as workdir:
        records = sim.truth["wireless_sims"]
        active = [r["sid"] for r in records if r["status"] == FROM]
        suspended = [r["sid"] for r in records if r["status"] == TO]
        assert len(active) + len(suspended) >= args.sims, "the generated fleet has too few active and suspended SIMs"
        changing = active[:half]
        # Make exactly half of the asked SIMs already suspended, interleaved with those that change.
        extra = active[half:half + max(0, args.sims - half - len(suspended))]
        set_statuses(sim, extra, TO)
        staying = (suspended + extra)[:args.sims - half]
        asked = [sid for pair in zip(changing, staying) for sid in pair]
        sample = asked[:args.loop_sample]
        ways = (
            ("batch", "simfleet.twilio.sim_batch", way_batch, asked),
            ("loop", "ansible loop of wireless_sim (sample %d, scaled)" % len(sample), way_loop, sample),
            ("sdk", "twilio-python SDK, one update after another", way_sdk, asked),
        )
        rows, changing_set = {}, set(changing)
        for key, name, way, sids in ways:
            if key not in args.ways.split(","):
                continue
            sim.clear_faults()
            set_statuses(sim, [sid for sid in sids if sid in changing_set], FROM)  # the same starting state
            sim.set_faults(latency_ms=args.latency_ms, max_concurrency=args.concurrency)
            sim.reset_stats()
            seconds, memory, rc, output = run_measured(way(sim, workdir, sids, args), env=ansible_env(workdir), cwd=workdir)
            assert rc == 0, "%s failed:\n%s" % (name, output[-3000:])
            stats = sim.stats()
            writes = stats["writes"]["by_method"].get("POST", 0)
            reads = stats["requests"] - stats["writes"]["requests"]
            truth = dict((r["sid"], r["status"]) for r in sim.truth["wireless_sims"])
            assert all(truth[sid] == TO for sid in sids), "%s did not bring every SIM to %s" % (name, TO)
            scale = float(args.sims) / len(sids)
            rows[key] = (name, seconds * scale, reads * scale, writes * scale, stats["by_status"].get("429", 0), memory, scale != 1)
        sim.clear_faults()

    floor = half * args.latency_ms / 1000.0 / args.concurrency
    print("%d SIMs, %d needing the change; latency %g ms per request; concurrency limit %d; floor (writes x latency / "
          "concurrency) %.1f s" % (args.sims, half, args.latency_ms, args.concurrency, floor))
    print()
    print("| way | wall time (s) | reads | writes | 429s | peak memory (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, seconds, reads, writes, throttled, memory, scaled in rows.values():
        mark = " (scaled)" if scaled else ""
        print("| %s | %.1f%s | %d%s | %d%s | %d | %.0f |" % (name, seconds, mark, reads, mark, writes, mark, throttled, memory))
    if "batch" in rows:
        batch_seconds = rows["batch"][1]
        print()
        print("sim_batch: %.2fx the floor" % (batch_seconds / floor)
              + "".join(", %.1fx faster than the %s" % (rows[key][1] / batch_seconds, what)
                        for key, what in (("loop", "loop"), ("sdk", "sequential SDK")) if key in rows))


if __name__ == "__main__":
    main()
