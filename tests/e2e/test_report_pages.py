# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTML reports in a real browser: ``playbooks/audit.yml`` (twice, for the trend), ``compliance.yml`` and
``remediate.yml`` run against the simulator's fleet, then each page is opened in headless Chromium, driven over the
DevTools protocol (aiohttp's websocket client), at 1280 px wide:

- the layout does not overflow the width (``document.documentElement.scrollWidth <= 1280``) and uses it;
- the charts render (every SVG has a non-zero size), and nothing but the page itself is loaded (no network);
- paging works: a click on "Next" shows other rows, the filter box keeps the matching rows;
- the second audit run shows the trend charts, the first says the trend needs two runs.

A PNG screenshot of each page is saved under ``tests/output/pages/``. Chromium is ``/usr/bin/chromium``
(``apt-get install -y chromium``).
"""

import asyncio
import base64
import datetime
import json
import os
import shutil
import subprocess
import tempfile
import time

import aiohttp
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

from simulator import Simulator  # noqa: E402
from test_roles import Run, env_credentials  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
WIDTH = 1280
PAGE_ROWS = 20
SHOTS = os.path.join(os.path.dirname(HERE), "output", "pages")


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The reports of two audit runs (a day apart, one history) and of a remediation dry run."""
    assert os.access(CHROMIUM, os.X_OK), "%s is missing: apt-get install -y chromium" % CHROMIUM
    base = str(tmp_path_factory.mktemp("report_pages"))
    history = os.path.join(base, "history")
    os.makedirs(history)
    with open(os.path.join(history, "audit-20000101T000000Z.json"), "w") as handle:
        json.dump({"not": "an audit report"}, handle)  # ignored by the trend, removed by the bound of the second run
    with Simulator(seed=42, wireless_sims=400, super_sims=300) as sim:
        now = datetime.datetime.strptime(sim.now_iso, "%Y-%m-%dT%H:%M:%SZ")
        runs = {}

        def start(name, playbooks, extra):
            workdir = os.path.join(base, name)
            os.makedirs(workdir)
            extra = dict(extra, sim_audit_output_dir=os.path.join(workdir, "reports"),
                         sim_compliance_output_dir=os.path.join(workdir, "reports"),
                         sim_remediation_output_dir=os.path.join(workdir, "reports"))
            runs[name] = Run(name, workdir, playbooks, extra, env_credentials(sim))

        def wait(name):
            runs[name].wait(timeout=900)
            assert runs[name].rc == 0, runs[name].output[-4000:]

        audit = {"sim_audit_history_dir": history, "sim_audit_report_max_rows": PAGE_ROWS,
                 "sim_audit_wireless_usage_per_sim": True, "sim_audit_wireless_usage_max_sims": 6}
        # the remediation dry run beside the two audits, which follow each other (the second reads the first's history)
        start("remediation", ["remediate.yml"], {"sim_compliance_now": sim.now_iso, "sim_remediation_compliance_file": "",
                                                 "sim_remediation_report_page_rows": PAGE_ROWS})
        try:
            start("audit_first", ["audit.yml"], dict(audit, sim_audit_now=iso(now - datetime.timedelta(days=1))))
            wait("audit_first")
            start("audit_second", ["audit.yml"], dict(audit, sim_audit_now=sim.now_iso, sim_audit_history_runs=2))
            wait("audit_second")
            wait("remediation")
        finally:
            for started in runs.values():
                started.stop()
        yield runs, history


class Browser(object):
    """One headless Chromium and a DevTools session on one tab."""

    def __init__(self, profile):
        self.profile = profile
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--user-data-dir=%s" % profile, "--remote-debugging-port=0", "--window-size=%d,900" % WIDTH, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.counter = 0
        self.events = []

    def endpoint(self):
        path = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if os.path.exists(path):
                with open(path) as handle:
                    lines = handle.read().split("\n")
                if len(lines) >= 2 and lines[0].strip() and lines[1].strip():
                    return "ws://127.0.0.1:%s%s" % (lines[0].strip(), lines[1].strip())
            assert self.process.poll() is None, "chromium exited with %s" % self.process.returncode
            time.sleep(0.1)
        raise AssertionError("chromium wrote no DevToolsActivePort in 60 s")

    async def send(self, method, session=None, **params):
        self.counter += 1
        message = {"id": self.counter, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        await self.socket.send_str(json.dumps(message))
        while True:
            reply = json.loads((await self.socket.receive(timeout=60)).data)
            if reply.get("id") == self.counter:
                assert "error" not in reply, "%s: %s" % (method, reply["error"])
                return reply["result"]
            self.events.append(reply)

    async def wait_for(self, method, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(index)
            remaining = deadline - time.monotonic()
            assert remaining > 0, "no %s within %d s" % (method, timeout)
            self.events.append(json.loads((await self.socket.receive(timeout=remaining)).data))

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def inspect(path, shot, script):
    """Open ``path`` at 1280 px, run ``script`` (JavaScript giving a JSON-able value after the page loaded), save a
    full-page screenshot to ``shot``; return (the value, the URLs the page requested)."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    browser = Browser(profile)
    try:
        async with aiohttp.ClientSession() as client:
            async with client.ws_connect(browser.endpoint(), max_msg_size=0) as socket:
                browser.socket = socket
                target = (await browser.send("Target.createTarget", url="about:blank"))["targetId"]
                session = (await browser.send("Target.attachToTarget", targetId=target, flatten=True))["sessionId"]
                await browser.send("Emulation.setDeviceMetricsOverride", session, width=WIDTH, height=900,
                                   deviceScaleFactor=1, mobile=False)
                await browser.send("Network.enable", session)
                await browser.send("Page.enable", session)
                await browser.send("Page.navigate", session, url="file://" + path)
                await browser.wait_for("Page.loadEventFired")
                requested = [e["params"]["request"]["url"] for e in browser.events
                             if e.get("method") == "Network.requestWillBeSent"]
                result = await browser.send("Runtime.evaluate", session, expression=script, returnByValue=True,
                                            awaitPromise=True)
                assert "exceptionDetails" not in result, result
                height = (await browser.send("Runtime.evaluate", session, returnByValue=True,
                                             expression="document.documentElement.scrollHeight"))["result"]["value"]
                image = await browser.send("Page.captureScreenshot", session, format="png", captureBeyondViewport=True,
                                           clip={"x": 0, "y": 0, "width": WIDTH, "height": min(height, 16000), "scale": 1})
                os.makedirs(os.path.dirname(shot), exist_ok=True)
                with open(shot, "wb") as handle:
                    handle.write(base64.b64decode(image["data"]))
                return result["result"]["value"], requested
    finally:
        browser.stop()
        shutil.rmtree(profile, ignore_errors=True)


# What every page is checked for, in the page: width, charts, and paging of the first paged table.
CHECK = r"""
(function () {
  function visible(table) {
    return Array.prototype.filter.call(table.tBodies[0].rows, function (row) { return row.style.display !== "none"; })
      .map(function (row) { return row.cells[1] ? row.cells[1].textContent : row.textContent; });
  }
  var result = {
    scrollWidth: document.documentElement.scrollWidth,
    mainWidth: document.querySelector("main").getBoundingClientRect().width,
    charts: Array.prototype.map.call(document.querySelectorAll("figure.chart"), function (figure) {
      var svg = figure.querySelector("svg"), box = svg ? svg.getBoundingClientRect() : null;
      return {id: figure.id, width: box ? box.width : 0, height: box ? box.height : 0,
              marks: svg ? svg.querySelectorAll("rect, path").length : 0};
    }),
    paged: document.querySelectorAll("table.paged").length,
    tables: Array.prototype.map.call(document.querySelectorAll("table"), function (table) { return table.id; }),
    trendNone: !!document.getElementById("trend-none")
  };
  var table = document.querySelector("table.paged");
  if (table) {
    var bar = table.parentNode.previousElementSibling;
    var first = visible(table);
    bar.querySelector(".next").click();
    var second = visible(table);
    var word = second[0];
    var input = bar.querySelector(".filter");
    input.value = word;
    input.dispatchEvent(new Event("input"));
    var filtered = visible(table);
    result.paging = {id: table.id, rows: table.tBodies[0].rows.length, size: parseInt(table.getAttribute("data-page-size"), 10),
                     first: first, second: second, word: word, filtered: filtered,
                     position: bar.querySelector(".pos").textContent};
  }
  return result;
})()
"""


def check_page(path, name):
    value, requested = asyncio.run(inspect(path, os.path.join(SHOTS, name + ".png"), CHECK))
    # offline: the page itself is the only thing loaded
    assert requested == ["file://" + path], requested
    assert value["scrollWidth"] <= WIDTH, value["scrollWidth"]
    assert value["mainWidth"] >= WIDTH - 40, value["mainWidth"]  # the page uses the width, not two thirds of it
    for chart in value["charts"]:
        assert chart["width"] > 0 and chart["height"] > 0, chart
    paging = value.get("paging")
    assert paging, "no paged table in %s" % name
    assert len(paging["first"]) == len(paging["second"]) or len(paging["second"]) == paging["rows"] - paging["size"]
    assert len(paging["first"]) == paging["size"] and 0 < len(paging["second"]) <= paging["size"]
    assert not set(paging["first"]) & set(paging["second"]), paging
    assert paging["position"].startswith("rows 1 to ") and paging["word"] in paging["filtered"]
    assert len(paging["filtered"]) < paging["rows"]
    assert os.path.getsize(os.path.join(SHOTS, name + ".png")) > 10000
    return value


def test_audit_page_in_a_browser(pages):
    runs, dummy = pages
    value = check_page(os.path.join(runs["audit_second"].output_dir, "audit.html"), "audit")
    charts = dict((chart["id"], chart) for chart in value["charts"])
    for chart in ("chart-wireless-status", "chart-supersim-status", "chart-product-data", "chart-top-talkers",
                  "chart-fleet-data", "chart-wireless-sample", "chart-trend-data", "chart-trend-findings",
                  "chart-trend-status"):
        assert chart in charts and charts[chart]["marks"] > 0, chart
    assert value["paged"] >= 3 and not value["trendNone"]
    for table in ("usage-products", "top-talkers-table", "no-data-table", "wireless-sample-table", "findings-table"):
        assert table in value["tables"], table


def test_first_audit_run_has_no_trend_and_the_second_has_one(pages):
    runs, history = pages
    first = runs["audit_first"]
    value = check_page(os.path.join(first.output_dir, "audit.html"), "audit-first-run")
    assert value["trendNone"] and not [c for c in value["charts"] if c["id"].startswith("chart-trend")]
    assert first.json("audit.json")["trend"]["runs"] == 1
    second = runs["audit_second"].json("audit.json")
    assert second["trend"]["runs"] == 2
    assert [p["at"] for p in second["trend"]["points"]] == [first.json("audit.json")["generated_at"], second["generated_at"]]
    # the second run keeps at most 2 runs: the file that was there before both is gone
    assert sorted(os.listdir(history)) == ["audit-%s.json" % p["at"].replace("-", "").replace(":", "")
                                           for p in second["trend"]["points"]]
    assert "Remove the runs beyond sim_audit_history_runs from the history" in runs["audit_second"].output
    assert "(item=audit-20000101T000000Z.json)" in runs["audit_second"].output


def test_remediation_page_in_a_browser(pages):
    runs, dummy = pages
    run = runs["remediation"]
    value = check_page(os.path.join(run.output_dir, "remediation.html"), "remediation")
    result = run.json("remediation.json")
    assert result["summary"]["reported"] > PAGE_ROWS and result["summary"]["changed"] > 0
    assert {"changed-table", "reported-table", "policy-table"} <= set(value["tables"])
    page = run.report("remediation.html")
    assert "Would change (%d SIMs)" % result["summary"]["changed"] in page
    assert "Report only (the policy changes nothing) (%d SIMs)" % result["summary"]["reported"] in page
