# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark: the webhook mode of the event source simfleet.twilio.sim_events, signatures checked.

The source runs in a child process (its own event loop and GIL, as under ansible-rulebook) with a consumer that
takes the events off a bounded queue; this process sends KORE-signed batches of 50 distinct CloudEvents with aiohttp.

1. Throughput: ``--batches`` batches sent by ``--concurrency`` senders at once, as fast as answers come; reports
   the events per second that went into the queue (counted by the child) over the wall time of the phase.
2. Latency: batches sent at a steady ``--rate`` events per second for ``--seconds`` seconds (open loop: the
   schedule does not wait for answers); reports the median, p99 and maximum answer time.

Goals (issue 21): at least 5,000 events/s into the queue, and 99% of answers under 100 ms at 1,000 events/s.

Run by hand: ``make venv collection && .venv/bin/python tests/benchmarks/bench_events.py``.
"""

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

import _paths

_paths.add_import_paths()

from simulator import events  # noqa: E402

SECRET = "bench-signing-secret"
PUBLIC_URL = "https://events.example.test/kore/events"
BATCH = 50


def serve(port, queue_size):
    """The child: the source on `port`, a consumer counting events; prints the count when stdin closes."""
    from ansible_collections.simfleet.twilio.extensions.eda.plugins.event_source import sim_events

    async def run():
        queue = asyncio.Queue(maxsize=queue_size)
        settings = sim_events.parse_args({"host": "127.0.0.1", "port": port, "callback_url": PUBLIC_URL, "secret": SECRET},
                                         environ={})
        runner = (await sim_events.start_webhook(queue, settings))[0]
        counted = {"events": 0, "first": None, "last": None}

        async def consume():
            while True:
                await queue.get()
                now = time.monotonic()
                counted["first"] = counted["first"] or now
                counted["last"] = now
                counted["events"] += 1

        consumer = asyncio.ensure_future(consume())
        print("ready", flush=True)
        cpu = time.process_time()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        cpu = time.process_time() - cpu
        consumer.cancel()
        await runner.cleanup()
        span = (counted["last"] - counted["first"]) if counted["first"] else 0
        print(json.dumps({"events": counted["events"], "span": span, "cpu": cpu}), flush=True)

    asyncio.run(run())


def batches(count, start=0):
    """`count` signed request bodies of BATCH distinct CloudEvents each: (body, headers)."""
    made = []
    for number in range(start, start + count):
        events = [{"specversion": "1.0", "type": "com.korewireless.iot.supersim.connection.data-session.updated",
                   "source": "/v1/Sims/HS%032x" % (n % 1000), "id": "EZ%032x" % n, "time": "2026-12-06T21:00:00Z",
                   "datacontenttype": "application/json",
                   "data": {"event_sid": "EZ%032x" % n, "sim_sid": "HS%032x" % (n % 1000), "sim_iccid": "8988307%013d" % n,
                            "sim_unique_name": "unit-%d" % (n % 1000), "fleet_sid": "HF" + "1" * 32,
                            "network": {"mcc": "204", "mnc": "08", "friendly_name": "KPN"},
                            "data_session_data_total": n * 100, "data_download": 4000, "data_upload": 800}}
                  for n in range(number * BATCH, (number + 1) * BATCH)]
        body = json.dumps(events, separators=(",", ":")).encode()
        signature = hashlib.sha256((SECRET + "POST" + PUBLIC_URL).encode() + body).hexdigest()
        made.append((body, {"Content-Type": "application/json", "kore-signature": signature, "User-Agent": "KoreProxy/1.1"}))
    return made


class Child:
    def __init__(self, queue_size):
        self.port = events.free_port()
        self.url = "http://127.0.0.1:%d/kore/events" % self.port
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", str(self.port), "--queue-size", str(queue_size)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the source did not start")

    def finish(self):
        self.process.stdin.close()
        result = json.loads(self.process.stdout.readline())
        self.process.wait(30)
        return result


async def post(session, url, body, headers):
    started = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError("answer %s" % response.status)
    return time.perf_counter() - started


async def throughput(url, work, concurrency):
    import aiohttp
    pending = list(work)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        async def sender():
            while pending:
                body, headers = pending.pop()
                await post(session, url, body, headers)
        started = time.perf_counter()
        await asyncio.gather(*(sender() for dummy in range(concurrency)))
        return time.perf_counter() - started


async def latency(url, work, rate):
    import aiohttp
    interval = BATCH / rate
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        await post(session, url, *work[0])  # a warm connection, as a steady sender has
        tasks = []
        start = time.perf_counter()
        for index, (body, headers) in enumerate(work[1:]):
            delay = start + index * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(post(session, url, body, headers)))
        return await asyncio.gather(*tasks)


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=600, help="batches of 50 in the throughput phase (default 600)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent senders (default 8)")
    parser.add_argument("--rate", type=float, default=1000.0, help="events/s of the latency phase (default 1000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the latency phase (default 10)")
    parser.add_argument("--queue-size", type=int, default=1024, help="bound of the source's queue (default 1024)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve, args.queue_size)
        return

    work = batches(args.batches)
    child = Child(args.queue_size)
    wall = asyncio.run(throughput(child.url, work, args.concurrency))
    counted = child.finish()
    events = args.batches * BATCH
    if counted["events"] != events:
        raise SystemExit("the source queued %d events, %d were sent" % (counted["events"], events))
    print("throughput: %d signed batches of %d (%d events), %d senders: %.2f s, %.0f events/s into the queue (goal 5,000)"
          % (args.batches, BATCH, events, args.concurrency, wall, events / wall))
    # The source's own CPU time: what it can take on one free core, whatever else runs on the machine.
    print("source CPU: %.2f ms per batch, %.0f events per CPU second; load average %s"
          % (counted["cpu"] * 1000 / args.batches, events / counted["cpu"], " ".join("%.1f" % x for x in os.getloadavg())))

    count = int(args.rate * args.seconds / BATCH) + 1
    work = batches(count, start=args.batches)
    child = Child(args.queue_size)
    times = asyncio.run(latency(child.url, work, args.rate))
    counted = child.finish()
    if counted["events"] != count * BATCH:
        raise SystemExit("the source queued %d events, %d were sent" % (counted["events"], count * BATCH))
    ms = [value * 1000 for value in times]
    print("latency at %.0f events/s (%d batches over %.0f s): median %.1f ms, p99 %.1f ms, max %.1f ms (goal p99 < 100 ms)"
          % (args.rate, len(ms), args.seconds, statistics.median(ms), percentile(ms, 0.99), max(ms)))


if __name__ == "__main__":
    main()
