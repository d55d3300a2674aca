# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark: register N Super SIMs from a CSV file two ways, in one run.

1. ``simfleet.twilio.sim_register`` in one ``ansible-playbook`` task (one listing of the account, one registration
   per new SIM, ``--concurrency`` requests in flight),
2. an Ansible ``loop`` of ``simfleet.twilio.supersim_sim`` with ``iccid`` and ``registration_code``; it is run on a
   sample of ``--loop-sample`` other SIMs, and its time and requests are scaled to N per SIM (marked "scaled").

The simulator runs as a child process with a fixed latency per request (``--latency-ms``) and a concurrency limit
(``--concurrency``: requests beyond it are answered 429), holding ``--account-sims`` Super SIMs already. The floor
is latency x ceil(N / concurrency): the registrations alone, each waiting its latency, as many at once as the limit
allows. The goals: sim_register within 1.25x of the floor, with exactly one listing pass and one request per new
SIM, and at least 50x faster than the loop.

Run by hand: ``make venv collection && .venv/bin/python tests/benchmarks/bench_register.py [--sims N]``.
"""

import argparse
import csv
import math
import os
import tempfile

import _paths

_paths.add_import_paths()

from bench_batch import ansible_env, playbook, run_measured  # noqa: E402
from simulator import Simulator  # noqa: E402

PAGE = 1000


def way_register(sim, workdir, sims, args):
    path = os.path.join(workdir, "delivery.csv")
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("iccid", "registration_code"))
        writer.writerows((s["iccid"], s["registration_code"]) for s in sims)
    task = {"name": "register", "simfleet.twilio.sim_register": {
        "src": path, "max_sims": len(sims), "max_concurrency": args.concurrency}}
    return playbook(sim, workdir, [task])


def way_loop(sim, workdir, sims, args):
    task = {"name": "loop", "simfleet.twilio.supersim_sim": {"iccid": "{{ item.iccid }}", "registration_code": "{{ item.registration_code }}"},
            "loop": "{{ bench_sims }}", "loop_control": {"label": "{{ item.iccid }}"}, "no_log": True}
    return playbook(sim, workdir, [task], {"bench_sims": sims})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=10000, help="SIMs to register")
    parser.add_argument("--account-sims", type=int, default=2000, help="Super SIMs the account has already")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=8, help="simulator's limit and sim_register's max_concurrency")
    parser.add_argument("--loop-sample", type=int, default=200)
    parser.add_argument("--ways", default="register,loop", help="comma-separated subset of register, loop")
    args = parser.parse_args()

    with Simulator(seed=9, wireless_sims=0, super_sims=args.account_sims, unregistered_sims=args.sims + args.loop_sample,
                   subprocess=True) as sim, tempfile.TemporaryDirectory(prefix="bench-register-") as workdir:
        pool = sim.truth["unregistered_sims"]
        ways = (
            ("register", "simfleet.twilio.sim_register, one task", way_register, pool[:args.sims]),
            ("loop", "ansible loop of supersim_sim (sample %d, scaled)" % args.loop_sample, way_loop, pool[args.sims:]),
        )
        rows = {}
        for key, name, way, sims in ways:
            if key not in args.ways.split(","):
                continue
            sim.set_faults(latency_ms=args.latency_ms, max_concurrency=args.concurrency)
            sim.reset_stats()
            seconds, memory, rc, output = run_measured(way(sim, workdir, sims, args), env=ansible_env(workdir), cwd=workdir)
            stats = sim.stats()
            sim.clear_faults()
            assert rc == 0, "%s failed:\n%s" % (name, output[-3000:])
            registered = set(r["iccid"] for r in sim.truth["supersim_sims"])
            assert all(s["iccid"] in registered for s in sims), "%s did not register every SIM" % name
            writes = stats["writes"]["by_method"].get("POST", 0)
            reads = stats["requests"] - stats["writes"]["requests"]
            scale = float(args.sims) / len(sims)
            rows[key] = (name, seconds * scale, reads * scale, writes * scale, stats["by_status"].get("429", 0), memory, scale != 1,
                         reads, writes)

    floor = args.latency_ms / 1000.0 * math.ceil(args.sims / float(args.concurrency))
    print("%d new Super SIMs in an account of %d; latency %g ms per request; concurrency limit %d; floor (latency x "
          "ceil(N / limit)) %.1f s" % (args.sims, args.account_sims, args.latency_ms, args.concurrency, floor))
    print()
    print("| way | wall time (s) | reads | writes | 429s | peak memory (MB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, seconds, reads, writes, throttled, memory, scaled, dummy, dummy in rows.values():
        mark = " (scaled)" if scaled else ""
        print("| %s | %.1f%s | %d%s | %d%s | %d | %.0f |" % (name, seconds, mark, reads, mark, writes, mark, throttled, memory))
    if "loop" in rows:
        print()
        print("The loop ran on %d SIMs; its time and requests are scaled per SIM to %d." % (args.loop_sample, args.sims))
    if "register" in rows:
        seconds, reads, writes = rows["register"][1], rows["register"][7], rows["register"][8]
        pages = math.ceil(args.account_sims / float(PAGE)) or 1
        print()
        print("sim_register: %.2fx the floor (goal: at most 1.25x); %d reads (one listing pass: %d pages), %d writes (one per new SIM)"
              % (seconds / floor, reads, pages, writes)
              + (", %.1fx faster than the loop (goal: at least 50x)" % (rows["loop"][1] / seconds) if "loop" in rows else ""))
        assert reads == pages and writes == args.sims, "not one listing pass plus one request per new SIM"


if __name__ == "__main__":
    main()
