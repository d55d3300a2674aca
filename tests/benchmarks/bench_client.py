# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark: list N wireless SIMs from the simulator three ways, in one run.

1. the collection's client (``TwilioClient.list_records``, PageSize 1000),
2. a bare ``requests`` loop over the same pages (the floor: nothing but HTTP and JSON),
3. the official twilio-python SDK, ``sims.list(page_size=1000)``.

The simulator runs as a child process so it does not share this process's GIL. Each way runs
``--repeat`` times, interleaved, after one warm-up pass; the table reports the median and the best wall time.

Run by hand: ``make venv collection && .venv/bin/python tests/benchmarks/bench_client.py``.
"""

import argparse
import statistics
import time

import _paths

_paths.add_import_paths()

import requests  # noqa: E402
from twilio.rest import Client  # noqa: E402

from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioClient  # noqa: E402
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS  # noqa: E402
from simulator import Simulator  # noqa: E402


def with_collection(sim):
    client = TwilioClient(sim.account_sid, auth_token=sim.auth_token, base_url=sim.product_url)
    with client:
        return client.list_records(ENDPOINTS["wireless_sim"])


def with_bare_requests(sim):
    records = []
    with requests.Session() as session:
        session.auth = (sim.account_sid, sim.auth_token)
        url, params = sim.base_url + "/wireless/v1/Sims", {"PageSize": 1000}
        while url:
            body = session.get(url, params=params, timeout=30).json()
            records.extend(body["sims"])
            url, params = body["meta"]["next_page_url"], None
    return records


def with_sdk(sim):
    client = Client(sim.account_sid, sim.auth_token)
    client.wireless.base_url = sim.base_url + "/wireless"
    return client.wireless.v1.sims.list(page_size=1000)


WAYS = (
    ("simfleet.twilio client", with_collection),
    ("bare requests loop (floor)", with_bare_requests),
    ("twilio-python SDK, page_size=1000", with_sdk),
)


def sid_of(record):
    return record["sid"] if isinstance(record, dict) else record.sid


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    times = dict((name, []) for name, _way in WAYS)
    requests_made = {}
    with Simulator(seed=7, wireless_sims=args.records, super_sims=10, subprocess=True) as sim:
        with_bare_requests(sim)  # warm-up: the simulator serialises each page once, on first use
        for _run in range(args.repeat):
            for name, way in WAYS:
                sim.reset_stats()
                start = time.perf_counter()
                records = way(sim)
                times[name].append(time.perf_counter() - start)
                requests_made[name] = sim.stats()["requests"]
                unique = len(set(sid_of(r) for r in records))
                if len(records) != args.records or unique != args.records:
                    raise SystemExit("%s returned %d records, %d unique; expected %d" % (name, len(records), unique, args.records))

    floor = statistics.median(times[WAYS[1][0]])
    print("Listing %d wireless SIMs from the simulator (median of %d runs; simulator in a child process)\n" % (args.records, args.repeat))
    print("| way | median s | best s | requests | vs floor |")
    print("|---|---:|---:|---:|---:|")
    for name, _way in WAYS:
        median = statistics.median(times[name])
        print("| %s | %.2f | %.2f | %d | %.2fx |" % (name, median, min(times[name]), requests_made[name], median / floor))
    collection = statistics.median(times[WAYS[0][0]])
    sdk = statistics.median(times[WAYS[2][0]])
    print("\nclient / floor = %.2fx (goal <= 1.2x); SDK / client = %.2fx (goal >= 2x)" % (collection / floor, sdk / collection))


if __name__ == "__main__":
    main()
