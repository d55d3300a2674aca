#!/usr/bin/env python
"""Benchmark of the simfleet.twilio.sims inventory plugin against the simulator (run by hand, not by `make test`).

    .venv/bin/python tests/benchmarks/bench_inventory.py [--sizes 1000,10000,100000] [--repeat 1]

For each fleet size N (half Wireless SIMs, half Super SIMs) it starts the simulator as a child process and times
`ansible-inventory --graph` and `--list` for:

- floor: a minimal reference plugin (tests/benchmarks/floor_plugin, put on ANSIBLE_COLLECTIONS_PATH at run time,
  never shipped) that adds the same hosts and variables and nothing else;
- default: simfleet.twilio.sims with its default groups;
- keyed_groups: the same plus a user's keyed_groups by status and rate plan (templated per host);
- cache: the default source again from a fresh jsonfile cache (0 requests expected);
- fields: default groups with hostvars_fields limited to sid, iccid and status;
- constructed options, each with fast_constructed on (the default) and off (`_core`: ansible-core's per-host
  templating, SIMFLEET_TWILIO_FAST_CONSTRUCTED=false): (a) `keyed_var`, one keyed_groups entry on a variable;
  (b) `typical`, compose of ansible_host, two keyed_groups and one groups condition; (c) `filtered`, (b) plus a
  groups condition that uses a filter.

Each run is measured in its own wrapper process: wall time, CPU time (user + system; steadier than wall time on a
shared machine) and peak RSS of ansible-inventory (getrusage of the children), and the HTTP requests the simulator
served (its stats), split into SIM pages and other requests.
Prints a markdown table and the ratios to the floor.
"""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT_DIR = os.path.dirname(TESTS_DIR)
import _paths  # noqa: E402

_paths.add_import_paths()

from simulator import Simulator  # noqa: E402

FLOOR_PATH = os.path.join(TESTS_DIR, "benchmarks", "floor_plugin")
COLLECTIONS = os.path.join(ROOT_DIR, "build", "collections")
ANSIBLE_INVENTORY = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")

# Runs ansible-inventory in a child and prints its wall time, CPU time and peak RSS (KiB) as JSON: one wrapper per run, so
# RUSAGE_CHILDREN covers that run only.
WRAPPER = r"""
import json, resource, subprocess, sys, time
start = time.monotonic()
with open(sys.argv[1], "wb") as out, open(sys.argv[2], "wb") as err:
    rc = subprocess.call(sys.argv[3:], stdout=out, stderr=err)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "seconds": time.monotonic() - start, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "max_rss_kib": usage.ru_maxrss}))
"""

SCENARIOS = {
    "floor": ("floor.yml", "plugin: simfleet_bench.floor.floor\n"),
    "default": ("default.twilio_sims.yml", "plugin: simfleet.twilio.sims\n"),
    "keyed_groups": ("keyed.twilio_sims.yml", "plugin: simfleet.twilio.sims\nkeyed_groups:\n"
                     "  - key: twilio_status\n    prefix: by_status\n"
                     "  - key: twilio_rate_plan_sid | default(twilio_fleet_sid)\n    prefix: by_plan\n"),
    "cache": ("cached.twilio_sims.yml", "plugin: simfleet.twilio.sims\ncache: true\n"
              "cache_plugin: ansible.builtin.jsonfile\ncache_connection: {cache_dir}\n"),
    "fields": ("fields.twilio_sims.yml", "plugin: simfleet.twilio.sims\nhostvars_fields: [sid, iccid, status]\n"),
}
KEYED_VAR = "keyed_groups:\n  - key: twilio_status\n    prefix: by_status\n"
TYPICAL = ("compose:\n  ansible_host: twilio_iccid\n"
           "keyed_groups:\n  - key: twilio_status\n    prefix: by_status\n  - key: twilio_product\n    prefix: by_product\n"
           "groups:\n  in_service: twilio_status == 'active'\n")
FILTERED = TYPICAL + "  long_iccid: twilio_iccid | default('') | length > 19\n"
# Constructed options, fast path on (default) and off (ansible-core's per-host templating): name -> (file, text).
CONSTRUCTED = {
    "keyed_var": ("keyed_var.twilio_sims.yml", "plugin: simfleet.twilio.sims\n" + KEYED_VAR),
    "typical": ("typical.twilio_sims.yml", "plugin: simfleet.twilio.sims\n" + TYPICAL),
    "filtered": ("filtered.twilio_sims.yml", "plugin: simfleet.twilio.sims\n" + FILTERED),
}
OFF = {"SIMFLEET_TWILIO_FAST_CONSTRUCTED": "false"}
for _name, (_file, _text) in CONSTRUCTED.items():
    SCENARIOS[_name] = (_file, _text)
    SCENARIOS[_name + "_core"] = (_file, _text, OFF)


def run(workdir, env, source, mode):
    argv = [sys.executable, "-c", WRAPPER, os.path.join(workdir, "out.txt"), os.path.join(workdir, "err.txt"),
            ANSIBLE_INVENTORY, "-i", source, mode]
    result = json.loads(subprocess.check_output(argv, env=env))
    if result["rc"] != 0:
        with open(os.path.join(workdir, "err.txt")) as err:
            raise SystemExit("ansible-inventory %s %s failed:\n%s" % (source, mode, err.read()[-3000:]))
    return result


def sim_requests(sim):
    stats = sim.stats()
    sims = sum(count for path, count in stats["by_path"].items() if path.endswith("/v1/Sims"))
    return stats["requests"], sims


def bench_size(size, repeat, workdir, scenarios, rows, json_path, modes=("--graph", "--list")):
    wireless, supersim = size // 2, size - size // 2
    expected_pages = math.ceil(wireless / 1000) + math.ceil(supersim / 1000)
    with Simulator(seed=1, wireless_sims=wireless, super_sims=supersim, subprocess=True) as sim:
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.pathsep.join((COLLECTIONS, FLOOR_PATH)),
                   TWILIO_ACCOUNT_SID=sim.account_sid, TWILIO_AUTH_TOKEN=sim.auth_token, TWILIO_BASE_URL=sim.product_url,
                   ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true", ANSIBLE_NOCOLOR="1")
        cache_dir = os.path.join(workdir, "cache-%d" % size)
        for name in scenarios:
            filename, text = SCENARIOS[name][:2]
            scenario_env = dict(env, **(SCENARIOS[name][2] if len(SCENARIOS[name]) > 2 else {}))
            source = os.path.join(workdir, filename)
            with open(source, "w") as handle:
                handle.write(text.replace("{cache_dir}", cache_dir))
            for mode in modes:
                if name == "cache":
                    shutil.rmtree(cache_dir, ignore_errors=True)
                    run(workdir, scenario_env, source, mode)  # fills the cache
                best = None
                for dummy in range(repeat):
                    sim.reset_stats()
                    result = run(workdir, scenario_env, source, mode)
                    result["requests"], result["sim_pages"] = sim_requests(sim)
                    if best is None or result["seconds"] < best["seconds"]:
                        best = result
                best.update(size=size, scenario=name, mode=mode, expected_pages=expected_pages,
                            output_mib=os.path.getsize(os.path.join(workdir, "out.txt")) / 2 ** 20)
                rows.append(best)
                if json_path:
                    with open(json_path, "w") as out:
                        json.dump(rows, out, indent=1)
                print("  N=%d %-12s %-7s %7.2f s %7.2f CPU s %7.0f MiB %4d requests" % (
                    size, name, mode, best["seconds"], best["cpu_seconds"], best["max_rss_kib"] / 1024, best["requests"]),
                    file=sys.stderr)


def table(rows):
    floor = dict(((r["size"], r["mode"]), r) for r in rows if r["scenario"] == "floor")
    lines = ["| SIMs | source | command | wall s | x floor | CPU s | x floor | peak MiB | x floor | requests (SIM pages / expected) |",
             "|---:|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        f = floor[(r["size"], r["mode"])]
        lines.append("| %d | %s | `%s` | %.2f | %.2f | %.2f | %.2f | %.0f | %.2f | %d (%d / %d) |" % (
            r["size"], r["scenario"], r["mode"], r["seconds"], r["seconds"] / f["seconds"], r["cpu_seconds"],
            r["cpu_seconds"] / f["cpu_seconds"], r["max_rss_kib"] / 1024,
            r["max_rss_kib"] / f["max_rss_kib"], r["requests"], r["sim_pages"], r["expected_pages"]))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated fleet sizes")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell; the fastest is kept")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated, from: %s" % ", ".join(SCENARIOS))
    parser.add_argument("--json", help="also write the raw rows to this file (after every run)")
    parser.add_argument("--modes", default="--graph,--list", help="comma-separated ansible-inventory modes (--graph, --list)")
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "simfleet", "twilio")):
        raise SystemExit("run `make venv collection` first")
    workdir = tempfile.mkdtemp(prefix="bench-inventory-")
    rows = []
    started = time.monotonic()
    try:
        scenarios = ["floor"] + [s for s in args.scenarios.split(",") if s != "floor"]
        for size in (int(s) for s in args.sizes.split(",")):
            bench_size(size, args.repeat, workdir, scenarios, rows, args.json, modes=args.modes.split(","))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(table(rows))
    print("\n(total %.0f s; ansible-core of %s)" % (time.monotonic() - started, ANSIBLE_INVENTORY))


if __name__ == "__main__":
    main()
