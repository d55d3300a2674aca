# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-to-end tests of the usage, fleet and rate_plan enrichments of the simfleet.twilio.sims inventory: real
``ansible-inventory`` runs against the simulator, values checked against the simulator's truth (its usage profiles
through ``Simulator.usage_between``) and request counts against its counters."""

import datetime
import math

import pytest


from test_inventory import inventory_list, run, sim_env, source  # noqa: E402

FLEET_VARIABLES = {
    "fleet_unique_name": "unique_name", "fleet_data_enabled": "data_enabled", "fleet_data_limit": "data_limit",
    "fleet_data_metering": "data_metering", "fleet_sms_commands_enabled": "sms_commands_enabled",
    "fleet_network_access_profile_sid": "network_access_profile_sid",
}
RATE_PLAN_FIELDS = ("unique_name", "data_enabled", "data_limit", "data_metering", "messaging_enabled", "voice_enabled",
                    "national_roaming_enabled", "national_roaming_data_limit", "international_roaming",
                    "international_roaming_data_limit")


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / ".ansible-home").mkdir()
    return tmp_path


def parse(value):
    return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def by_sid(hostvars):
    return dict((v["twilio_sid"], v) for v in hostvars.values())


def test_usage_enrichment_equals_truth_in_one_listing(workdir, simulator_factory):
    sim = simulator_factory(seed=3, wireless_sims=40, super_sims=2000)
    path = source(workdir, enrich=["usage"], usage_window_days=21)
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    sim.reset_stats()
    data, hostvars = inventory_list(path, sim_env(sim), cwd=workdir)
    after = datetime.datetime.now(datetime.timezone.utc)
    by_path = sim.stats()["by_path"]
    hosts = by_sid(hostvars)
    supersims = [s["sid"] for s in sim.truth["supersim_sims"]]
    wireless = [s["sid"] for s in sim.truth["wireless_sims"]]
    assert len(hosts) == len(supersims) + len(wireless)

    # One window for the whole source: the last 21 days before the run.
    windows = set((h["twilio_usage_start"], h["twilio_usage_end"]) for h in hosts.values() if h["twilio_product"] == "supersim")
    assert len(windows) == 1
    start, end = windows.pop()
    assert before <= parse(end) <= after and parse(end) - parse(start) == datetime.timedelta(days=21)

    used = dict((sid, sim.usage_between(sid, start, end)) for sid in supersims)
    with_data = [sid for sid in supersims if used[sid]["total"] > 0]
    assert 1000 < len(with_data) < len(supersims), "the fleet must need two pages and hold SIMs without data"
    for sid in supersims:
        host = hosts[sid]
        assert (host["twilio_data_upload"], host["twilio_data_download"], host["twilio_data_total"]) == \
            (used[sid]["upload"], used[sid]["download"], used[sid]["total"]), sid
    # Wireless SIMs are not enriched with usage.
    for sid in wireless:
        assert not set(hosts[sid]) & {"twilio_data_total", "twilio_data_upload", "twilio_data_download", "twilio_usage_start"}
    # One listing: one request per 1000 Super SIMs with data.
    assert by_path["/supersim/v1/UsageRecords"] == math.ceil(len(with_data) / 1000.0) >= 2
    assert not any("/Sims/" in p for p in by_path)


def test_fleet_and_rate_plan_enrichments_from_one_listing_each(workdir, simulator):
    truth = simulator.truth
    path = source(workdir, enrich=["fleet", "rate_plan"])
    simulator.reset_stats()
    data, hostvars = inventory_list(path, sim_env(simulator), cwd=workdir)
    by_path = simulator.stats()["by_path"]
    # The listings that enrich also name the groups (resolve_group_names): one each, not two.
    assert by_path["/supersim/v1/Fleets"] == by_path["/wireless/v1/RatePlans"] == 1
    hosts = by_sid(hostvars)
    fleets = dict((f["sid"], f) for f in truth["fleets"])
    plans = dict((p["sid"], p) for p in truth["rate_plans"])
    assert len(fleets) > 1 and len(plans) > 1
    checked = {"fleet": 0, "none": 0, "plan": 0}
    for sim in truth["supersim_sims"]:
        host = hosts[sim["sid"]]
        fleet = fleets.get(sim["fleet_sid"]) or {}
        for variable, field in FLEET_VARIABLES.items():
            assert host["twilio_" + variable] == fleet.get(field), (sim["sid"], variable)
        assert host["twilio_fleet_name"] == fleet.get("unique_name")
        checked["fleet" if fleet else "none"] += 1
        assert not any(name.startswith("twilio_rate_plan_") for name in host)
    for sim in truth["wireless_sims"]:
        host = hosts[sim["sid"]]
        plan = plans.get(sim["rate_plan_sid"]) or {}
        for field in RATE_PLAN_FIELDS:
            assert host["twilio_rate_plan_" + field] == plan.get(field), (sim["sid"], field)
        assert host["twilio_rate_plan_name"] == plan.get("unique_name")
        checked["plan"] += bool(plan)
        assert not any(name.startswith("twilio_fleet_") for name in host)
    assert checked["fleet"] and checked["plan"]
    assert any(plan.get("data_limit") for plan in plans.values()) and any(f.get("data_limit") for f in fleets.values())
    # Groups are still named by unique name.
    for fleet in fleets.values():
        members = [s for s in truth["supersim_sims"] if s["fleet_sid"] == fleet["sid"]]
        if members:
            assert "fleet_" + fleet["unique_name"].replace("-", "_") in data


@pytest.mark.parametrize("options, message", [
    ({"products": ["wireless"], "enrich": ["usage"]}, "enrich usage adds data to supersim SIMs: it needs supersim in products"),
    ({"products": ["supersim"], "enrich": ["rate_plan"]}, "enrich rate_plan adds data to wireless SIMs: it needs wireless in products"),
    ({"enrich": ["usage"], "usage_window_days": 45}, "usage_window_days must be a whole number of days from 1 to 31"),
    ({"enrich": ["usage", "bogus"]}, "bogus"),
])
def test_bad_enrichment_options_are_refused_before_any_request(workdir, simulator, options, message):
    path = source(workdir, **options)
    simulator.reset_stats()
    result = run(["ansible-inventory", "-i", path, "--list"], env=sim_env(simulator), cwd=workdir, check=False)
    assert result.returncode != 0
    assert message in result.stderr.replace("\n", " ")
    assert simulator.stats()["requests"] == 0


def test_usage_listing_failure_fails_the_source(workdir, simulator_factory):
    """The SIM listing works, the usage listing that follows gets a 500: the source fails, naming the listing."""
    sim = simulator_factory(seed=1, wireless_sims=5, super_sims=20)
    path = source(workdir, products=["supersim"], enrich=["usage"], max_retries=0, max_concurrency=1,
                  resolve_group_names=False)
    sim.set_faults(fail_after=1, fail_next=5, fail_status=500)
    result = run(["ansible-inventory", "-i", path, "--list"], env=sim_env(sim), cwd=workdir, check=False)
    assert result.returncode != 0
    error = result.stderr.replace("\n", " ")
    assert "cannot list supersim usage" in error and "500" in error, error
    assert "Traceback" not in result.stderr
    assert sim.stats()["by_path"].get("/supersim/v1/UsageRecords") == 1
