# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the simfleet.twilio.sims inventory plugin.

The plugin runs in-process through Ansible's own InventoryManager against real HTTP: the Twilio simulator
(tests/simulator) or, for exact failure sequences, pytest-httpserver.
"""
import json
import os
import re
from collections import Counter

import pytest
import yaml
from ansible import constants as C
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.template import Templar
from ansible.vars.manager import VariableManager

from ansible_collections.simfleet.twilio.plugins.inventory import sims
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS
from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import unsafe
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory import fetch
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.fetch import newest_by_sim
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.naming import prefixed_host_names, unique_host_names
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.products import PRODUCTS

PIPE_NAME = "{{ lookup('pipe', 'id') }}"
PIPE_HOST = "sim-___lookup__pipe____id_____"  # PIPE_NAME as a host name: prefixed, other characters than [A-Za-z0-9_.-] as "_"
DE = "DE%032x"
HS = "HS%032x"


@pytest.fixture(autouse=True)
def no_twilio_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("TWILIO_", "KORE_", "ANSIBLE_INVENTORY_CACHE", "ANSIBLE_CACHE_PLUGIN")):
            monkeypatch.delenv(name)


def write_config(tmp_path, sim, name="test.twilio_sims.yml", **options):
    config = {"plugin": "simfleet.twilio.sims"}
    if sim is not None:
        config.update(account_sid=sim.account_sid, auth_token=sim.auth_token, base_url=sim.product_url)
    config.update(options)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config))
    return str(path)


def manager(path):
    """Parse ``path`` the way ansible-inventory does; a failed source is an error here."""
    loader = DataLoader()
    old = C.INVENTORY_ANY_UNPARSED_IS_FAILED
    C.INVENTORY_ANY_UNPARSED_IS_FAILED = True
    try:
        return InventoryManager(loader=loader, sources=[path])
    finally:
        C.INVENTORY_ANY_UNPARSED_IS_FAILED = old


def parse_error(path):
    """The exception the plugin itself raises for ``path``."""
    plugin = inventory_loader.get("simfleet.twilio.sims")
    with pytest.raises(AnsibleError) as info:
        plugin.parse(InventoryData(), DataLoader(), path, cache=False)
    return info.value


def members(inventory, group):
    return sorted(h.name for h in inventory.groups[group].get_hosts())


def sim_vars(inventory, host):
    return inventory.get_host(host).vars


# -- helpers ---------------------------------------------------------------------------------------------------

def test_verify_file(tmp_path):
    plugin = inventory_loader.get("simfleet.twilio.sims")
    for name, wanted in (("a.twilio_sims.yml", True), ("twilio_sims.yaml", True), ("a.twilio_sims.json", False),
                         ("hosts.yml", False), ("twilio_sims.yml.bak", False)):
        path = tmp_path / name
        path.write_text("plugin: simfleet.twilio.sims\n")
        assert plugin.verify_file(str(path)) is wanted, name


def test_unique_host_names_keeps_oldest_and_renames_others():
    records = [
        {"sid": "DE3", "date_created": "2026-03-01T00:00:00Z"},
        {"sid": "DE1", "date_created": "2026-01-01T00:00:00Z"},
        {"sid": "DE2", "date_created": "2026-01-01T00:00:00Z"},
        {"sid": "DE4", "date_created": "2026-01-01T00:00:00Z"},
    ]
    names, renames = unique_host_names(["meter", "meter", "meter", "meter_DE3"], records)
    # DE1 is oldest (tie with DE2 and DE4 broken by SID); meter_DE3 is taken by DE4's own name.
    assert names == ["meter_DE3_2", "meter", "meter_DE2", "meter_DE3"]
    assert len(set(names)) == 4
    assert sorted(renames) == [("meter", "meter_DE2"), ("meter", "meter_DE3_2")]
    # The same input in another order gives the same names per SID.
    again, dummy = unique_host_names(["meter_DE3", "meter", "meter", "meter"], list(reversed(records)))
    assert dict(zip([r["sid"] for r in reversed(records)], again)) == dict(zip([r["sid"] for r in records], names))


def test_unique_host_names_without_duplicates_is_unchanged():
    names = ["a", "b", "c"]
    assert unique_host_names(names, [{}, {}, {}]) == (names, [])


def test_newest_by_sim():
    records = [{"sid": "HG1", "sim_sid": "HS1", "date_created": "2026-01-02T00:00:00Z"},
               {"sid": "HG2", "sim_sid": "HS1", "date_created": "2026-01-03T00:00:00Z"},
               {"sid": "HG3", "sim_sid": "HS2", "date_created": "2026-01-01T00:00:00Z"},
               {"sid": "HG4", "sim_sid": None, "date_created": "2026-01-09T00:00:00Z"}]
    assert dict((k, v["sid"]) for k, v in newest_by_sim(records).items()) == {"HS1": "HG2", "HS2": "HG3"}


def trusted(text):
    """A template string as a playbook would hold it (trusted on ansible-core 2.19+, plain before)."""
    try:
        from ansible.template import trust_as_template
    except ImportError:
        return text
    return trust_as_template(text)


def test_unsafe_marks_strings_in_nested_data():
    value = unsafe({"links": {"a": trusted(PIPE_NAME)}, "list": [trusted(PIPE_NAME), 1, None, True], "name": trusted(PIPE_NAME)})
    templar = Templar(loader=DataLoader(), variables={"v": value})
    assert templar.template(trusted("{{ v.links.a }}")) == PIPE_NAME
    assert templar.template(trusted("{{ v.list[0] }}")) == PIPE_NAME
    assert templar.template(trusted("{{ v.name }}")) == PIPE_NAME
    assert templar.template(trusted("{{ v.list[1:] }}")) == [1, None, True]


# -- against the simulator -------------------------------------------------------------------------------------

def test_default_groups_match_truth(tmp_path, simulator):
    inventory = manager(write_config(tmp_path, simulator))
    truth = simulator.truth
    wireless, supersim = truth["wireless_sims"], truth["supersim_sims"]
    assert len(inventory.groups["twilio_wireless"].get_hosts()) == len(wireless)
    assert len(inventory.groups["twilio_supersim"].get_hosts()) == len(supersim)
    assert len(inventory.groups["twilio_sims"].get_hosts()) == len(wireless) + len(supersim)
    assert sorted(g.name for g in inventory.groups["twilio_sims"].child_groups) == ["twilio_supersim", "twilio_wireless"]
    assert sorted(h.vars["twilio_sid"] for h in inventory.groups["twilio_sims"].get_hosts()) == \
        sorted(r["sid"] for r in wireless + supersim)

    statuses = Counter(r["status"] for r in wireless + supersim)
    for status, count in statuses.items():
        assert len(inventory.groups["status_" + status].get_hosts()) == count
    plans = dict((p["sid"], p["unique_name"]) for p in truth["rate_plans"])
    for sid, count in Counter(r["rate_plan_sid"] for r in wireless if r["rate_plan_sid"]).items():
        assert len(inventory.groups["rate_plan_" + plans[sid].replace("-", "_")].get_hosts()) == count
    fleets = dict((f["sid"], f["unique_name"]) for f in truth["fleets"])
    for sid, count in Counter(r["fleet_sid"] for r in supersim if r["fleet_sid"]).items():
        assert len(inventory.groups["fleet_" + fleets[sid].replace("-", "_")].get_hosts()) == count
    assert not inventory.groups["ungrouped"].get_hosts()


def test_host_variables_carry_every_field(tmp_path, simulator):
    inventory = manager(write_config(tmp_path, simulator))
    record = next(r for r in simulator.truth["wireless_sims"] if r["unique_name"] and r["rate_plan_sid"])
    host = next(h for h in inventory.get_hosts() if h.vars.get("twilio_sid") == record["sid"])
    for field, value in record.items():
        assert host.vars["twilio_" + field] == value
    plan = next(p for p in simulator.truth["rate_plans"] if p["sid"] == record["rate_plan_sid"])
    assert host.vars["twilio_rate_plan_name"] == plan["unique_name"]
    assert host.vars["twilio_product"] == "wireless"
    group = inventory.groups["twilio_sims"]
    assert group.vars["ansible_connection"] == "local"
    assert group.vars["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"


def test_prefix_and_field_limits(tmp_path, simulator):
    inventory = manager(write_config(tmp_path, simulator, hostvars_prefix="sim_", hostvars_fields=["sid", "status", "fleet_name"],
                                     local_connection=False))
    for host in inventory.groups["twilio_supersim"].get_hosts():
        assert sorted(k for k in host.vars if k.startswith("sim_")) == ["sim_fleet_name", "sim_sid", "sim_status"]
        assert not [k for k in host.vars if k.startswith("twilio_")]
    for host in inventory.groups["twilio_wireless"].get_hosts():
        assert sorted(k for k in host.vars if k.startswith("sim_")) == ["sim_sid", "sim_status"]
    assert "ansible_connection" not in inventory.groups["twilio_sims"].vars


def test_no_host_variables_keeps_groups(tmp_path, simulator):
    inventory = manager(write_config(tmp_path, simulator, hostvars_fields=[]))
    hosts = inventory.groups["twilio_sims"].get_hosts()
    assert len(hosts) == len(simulator.truth["wireless_sims"]) + len(simulator.truth["supersim_sims"])
    assert all(not [k for k in h.vars if k.startswith("twilio_")] for h in hosts)
    active = sum(1 for r in simulator.truth["wireless_sims"] + simulator.truth["supersim_sims"] if r["status"] == "active")
    assert len(inventory.groups["status_active"].get_hosts()) == active


def test_without_default_groups_or_names(tmp_path, simulator):
    simulator.reset_stats()
    inventory = manager(write_config(tmp_path, simulator, default_groups=False, resolve_group_names=False))
    assert not [g for g in inventory.groups if g.startswith(("status_", "rate_plan_", "fleet_"))]
    assert len(inventory.groups["twilio_sims"].get_hosts()) == len(simulator.truth["wireless_sims"]) + len(simulator.truth["supersim_sims"])
    paths = simulator.stats()["by_path"]
    assert not [p for p in paths if p.endswith(("/RatePlans", "/Fleets"))]
    assert not [k for h in inventory.get_hosts() for k in h.vars if k in ("twilio_rate_plan_name", "twilio_fleet_name")]


def test_group_names_by_sid_when_not_resolved(tmp_path, simulator):
    inventory = manager(write_config(tmp_path, simulator, products=["supersim"], resolve_group_names=False))
    fleet_sids = set(r["fleet_sid"] for r in simulator.truth["supersim_sims"] if r["fleet_sid"])
    assert set(g for g in inventory.groups if g.startswith("fleet_")) == set("fleet_" + sid for sid in fleet_sids)


def test_request_count_is_one_page_per_status(tmp_path, simulator):
    simulator.reset_stats()
    inventory = manager(write_config(tmp_path, simulator, statuses=["active", "suspended", "inactive"]))
    stats = simulator.stats()
    sims_pages = sum(n for p, n in stats["by_path"].items() if p.endswith("/v1/Sims"))
    # wireless: active, suspended; supersim: active, inactive; each fits in one page of 1000
    assert sims_pages == 4
    truth = simulator.truth
    wanted = [r["sid"] for r in truth["wireless_sims"] if r["status"] in ("active", "suspended")]
    wanted += [r["sid"] for r in truth["supersim_sims"] if r["status"] in ("active", "inactive")]
    assert sorted(h.vars["twilio_sid"] for h in inventory.get_hosts()) == sorted(wanted)
    assert set(g for g in inventory.groups if g.startswith("status_")) == {"status_active", "status_suspended", "status_inactive"}


def test_server_side_filters(tmp_path, simulator):
    truth = simulator.truth
    inventory = manager(write_config(tmp_path, simulator, products=["wireless"], rate_plan="iot-standard"))
    plan = next(p["sid"] for p in truth["rate_plans"] if p["unique_name"] == "iot-standard")
    assert sorted(h.vars["twilio_sid"] for h in inventory.get_hosts()) == sorted(r["sid"] for r in truth["wireless_sims"] if r["rate_plan_sid"] == plan)

    fleet = next(f for f in truth["fleets"] if f["unique_name"] == "lab")
    inventory = manager(write_config(tmp_path, simulator, products=["supersim"], fleet=fleet["sid"]))
    assert sorted(h.vars["twilio_sid"] for h in inventory.get_hosts()) == sorted(r["sid"] for r in truth["supersim_sims"] if r["fleet_sid"] == fleet["sid"])
    assert list(g for g in inventory.groups if g.startswith("fleet_")) == ["fleet_lab"]

    record = truth["supersim_sims"][7]
    inventory = manager(write_config(tmp_path, simulator, iccid=record["iccid"]))
    assert [h.vars["twilio_sid"] for h in inventory.get_hosts()] == [record["sid"]]


def test_hostnames_preferences(tmp_path, simulator):
    truth = simulator.truth
    inventory = manager(write_config(tmp_path, simulator, hostnames=["iccid"]))
    assert sorted(h.name for h in inventory.get_hosts()) == sorted("sim-" + r["iccid"] for r in truth["wireless_sims"] + truth["supersim_sims"])

    inventory = manager(write_config(tmp_path, simulator, products=["wireless"], hostnames=["friendly_name"]))
    assert len(inventory.get_hosts()) == len(truth["wireless_sims"])
    for host in inventory.get_hosts():
        friendly, sid = host.vars["twilio_friendly_name"], host.vars["twilio_sid"]
        name = "sim-" + re.sub(r"[^A-Za-z0-9_.-]", "_", friendly) if friendly else None
        assert host.name in ((name, name + "_" + sid) if friendly else ("sim-" + sid,))
    assert [r for r in truth["wireless_sims"] if not r["friendly_name"]]

    inventory = manager(write_config(tmp_path, simulator, products=["supersim"], hostnames=["{{ twilio_iccid[-6:] }}-{{ twilio_status }}", "sid"]))
    assert sorted(h.name for h in inventory.get_hosts()) == sorted("sim-%s-%s" % (r["iccid"][-6:], r["status"]) for r in truth["supersim_sims"])


def test_duplicate_names_and_fallback(tmp_path, simulator_factory):
    """Unique names are unique per product only: a Wireless SIM and a Super SIM may share one."""
    fixture = {"wireless_sims": [{"unique_name": "pump", "status": "active", "created_days_ago": 10},
                                 {"unique_name": "valve", "status": "active", "created_days_ago": 10},
                                 {"status": "ready"}],
               "supersim_sims": [{"unique_name": "pump", "status": "active", "created_days_ago": 30},
                                 {"unique_name": "valve", "status": "active", "created_days_ago": 5}]}
    sim = simulator_factory(fixture=fixture)
    inventory = manager(write_config(tmp_path, sim))
    truth = sim.truth
    by_name = dict(((product, r["unique_name"]), r["sid"]) for product in ("wireless_sims", "supersim_sims") for r in truth[product])
    nameless = by_name[("wireless_sims", None)]
    expected = {"sim-pump": by_name[("supersim_sims", "pump")],
                "sim-pump_" + by_name[("wireless_sims", "pump")]: by_name[("wireless_sims", "pump")],
                "sim-valve": by_name[("wireless_sims", "valve")],
                "sim-valve_" + by_name[("supersim_sims", "valve")]: by_name[("supersim_sims", "valve")],
                "sim-" + nameless: nameless}
    assert dict((h.name, h.vars["twilio_sid"]) for h in inventory.get_hosts()) == expected


def test_api_data_stays_text(tmp_path, simulator_factory):
    sim = simulator_factory(fixture={"supersim_sims": [{"unique_name": PIPE_NAME, "status": "active", "fleet": "{{ 7 * 7 }}"}],
                                     "fleets": [{"unique_name": "{{ 7 * 7 }}"}]})
    inventory = manager(write_config(tmp_path, sim, products=["supersim"]))
    host = inventory.get_host(PIPE_HOST)
    variables = VariableManager(loader=DataLoader(), inventory=inventory).get_vars(host=host)
    templar = Templar(loader=DataLoader(), variables=variables)
    assert templar.template(trusted("{{ twilio_unique_name }}")) == PIPE_NAME
    assert templar.template(trusted("{{ inventory_hostname }}")) == PIPE_HOST
    assert templar.template(trusted("{{ twilio_fleet_name }}")) == "{{ 7 * 7 }}"


def test_enrichment(tmp_path, simulator):
    truth = simulator.truth
    simulator.reset_stats()
    inventory = manager(write_config(tmp_path, simulator, products=["supersim"],
                                     enrich=["esim_profiles", "ip_commands", "sms_commands", "ip_addresses"]))
    by_path = simulator.stats()["by_path"]
    assert sum(n for p, n in by_path.items() if p.endswith("/IpAddresses")) == len(truth["supersim_sims"])
    for path in ("/supersim/v1/ESimProfiles", "/supersim/v1/IpCommands", "/supersim/v1/SmsCommands"):
        assert by_path.get(path) == 1
    hosts = dict((h.vars["twilio_sid"], h.vars) for h in inventory.get_hosts())
    profiles = [p for p in truth["esim_profiles"] if p["sim_sid"]]
    assert profiles
    for profile in profiles:
        newest = max((p for p in profiles if p["sim_sid"] == profile["sim_sid"]), key=lambda p: (p["date_updated"], p["sid"]))
        assert hosts[profile["sim_sid"]]["twilio_esim_profile_status"] == newest["status"]
        assert hosts[profile["sim_sid"]]["twilio_eid"] == newest["eid"]
    for kind in ("ip_command", "sms_command"):
        for sim_sid, host in hosts.items():
            commands = [c for c in truth[kind + "s"] if c["sim_sid"] == sim_sid]
            if commands:
                newest = max(commands, key=lambda c: (c["date_created"], c["sid"]))
                assert host["twilio_last_%s_date" % kind] == newest["date_created"]
                assert host["twilio_last_%s_direction" % kind] == newest["direction"]
            else:
                assert host["twilio_last_%s_date" % kind] is None
    for sim_sid, host in hosts.items():
        assert host["twilio_ip_addresses"] == truth["ip_addresses"][sim_sid]
    secrets = [p[f] for p in truth["esim_profiles"] for f in ("activation_code", "matching_id") if p[f]]
    assert secrets
    dumped = json.dumps([dict(h.vars) for h in inventory.get_hosts()], default=str)
    assert not [s for s in secrets if s in dumped]


def test_enrichment_is_off_by_default(tmp_path, simulator):
    simulator.reset_stats()
    inventory = manager(write_config(tmp_path, simulator))
    assert set(p.rsplit("/", 1)[-1] for p in simulator.stats()["by_path"]) == {"Sims", "RatePlans", "Fleets"}
    added = ("twilio_esim_profile_sid", "twilio_esim_profile_status", "twilio_eid", "twilio_last_ip_command_date",
             "twilio_last_sms_command_date", "twilio_ip_addresses")
    assert inventory.get_hosts()
    assert not [k for h in inventory.get_hosts() for k in h.vars if k in added]


def test_constructed_options(tmp_path, simulator):
    inventory = manager(write_config(tmp_path, simulator, products=["supersim"], enrich=["ip_addresses"],
                                     compose={"ansible_host": "twilio_ip_addresses[0].ip_address",
                                              "ansible_connection": "'ssh' if twilio_ip_addresses else 'local'"},
                                     groups={"reachable": "twilio_ip_addresses | length > 0"},
                                     keyed_groups=[{"key": "twilio_status", "prefix": "by"}]))
    truth = simulator.truth
    reachable = [r["sid"] for r in truth["supersim_sims"] if truth["ip_addresses"][r["sid"]]]
    assert reachable
    assert sorted(h.vars["twilio_sid"] for h in inventory.groups["reachable"].get_hosts()) == sorted(reachable)
    for host in inventory.groups["reachable"].get_hosts():
        assert host.vars["ansible_host"] == truth["ip_addresses"][host.vars["twilio_sid"]][0]["ip_address"]
        assert host.vars["ansible_connection"] == "ssh"
    unreachable = [h for h in inventory.get_hosts() if h not in inventory.groups["reachable"].get_hosts()]
    assert unreachable and all("ansible_host" not in h.vars and h.vars["ansible_connection"] == "local" for h in unreachable)
    for status, count in Counter(r["status"] for r in truth["supersim_sims"]).items():
        assert len(inventory.groups["by_" + status].get_hosts()) == count


def test_strict_constructed_error(tmp_path, simulator):
    path = write_config(tmp_path, simulator, products=["supersim"], strict=True, compose={"x": "twilio_no_such_field.y"})
    assert "twilio_no_such_field" in str(parse_error(path))
    inventory = manager(write_config(tmp_path, simulator, products=["supersim"], strict=False, compose={"x": "twilio_no_such_field.y"}))
    assert not [h for h in inventory.get_hosts() if "x" in h.vars]


def test_api_key_and_templated_credentials(tmp_path, simulator, monkeypatch):
    monkeypatch.setenv("MY_TWILIO_SECRET", simulator.api_secret)
    path = write_config(tmp_path, None, account_sid=simulator.account_sid, api_key=simulator.api_key,
                        api_secret="{{ lookup('ansible.builtin.env', 'MY_TWILIO_SECRET') }}", base_url=simulator.product_url,
                        products=["wireless"])
    inventory = manager(path)
    assert len(inventory.get_hosts()) == len(simulator.truth["wireless_sims"])


def test_connection_options_from_environment(tmp_path, simulator, monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", simulator.account_sid)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", simulator.auth_token)
    monkeypatch.setenv("TWILIO_BASE_URL", simulator.product_url)
    inventory = manager(write_config(tmp_path, None, products=["supersim"]))
    assert len(inventory.get_hosts()) == len(simulator.truth["supersim_sims"])


def test_second_account_sees_its_own_fleet(tmp_path, simulator):
    path = write_config(tmp_path, None, account_sid=simulator.second_account_sid, auth_token=simulator.second_auth_token,
                        base_url=simulator.product_url)
    inventory = manager(path)
    second = simulator.truth_for(simulator.second_account_sid)
    assert sorted(h.vars["twilio_sid"] for h in inventory.get_hosts()) == sorted(r["sid"] for r in second["wireless_sims"] + second["supersim_sims"])


# -- cache -----------------------------------------------------------------------------------------------------

def test_cache_second_run_makes_no_request(tmp_path, simulator):
    cache_dir = tmp_path / "cache"
    path = write_config(tmp_path, simulator, cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir),
                        enrich=["esim_profiles"])
    simulator.reset_stats()
    first = manager(path)
    assert simulator.stats()["requests"] > 0
    simulator.reset_stats()
    second = manager(path)
    assert simulator.stats()["requests"] == 0
    assert sorted(h.name for h in second.get_hosts()) == sorted(h.name for h in first.get_hosts())
    for host in first.get_hosts():
        cached = second.get_host(host.name).vars
        assert dict((k, v) for k, v in cached.items() if k.startswith("twilio_")) == \
            dict((k, v) for k, v in host.vars.items() if k.startswith("twilio_"))

    files = list(cache_dir.iterdir())
    assert len(files) == 1
    text = files[0].read_text()
    for secret in [simulator.auth_token] + [p[f] for p in simulator.truth["esim_profiles"] for f in ("activation_code", "matching_id") if p[f]]:
        assert secret not in text
    assert simulator.truth["wireless_sims"][0]["sid"] in text

    # Changing host naming, variables or groups uses the same cached data
    path = write_config(tmp_path, simulator, cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir),
                        enrich=["esim_profiles"], hostnames=["iccid"], hostvars_fields=["sid"], keyed_groups=[{"key": "twilio_sid"}])
    simulator.reset_stats()
    manager(path)
    assert simulator.stats()["requests"] == 0


def test_cache_key_is_per_account_and_query_and_holds_no_secret(tmp_path, simulator):
    options = {"account_sid": simulator.account_sid, "auth_token": simulator.auth_token, "base_url": simulator.product_url,
               "resolve_group_names": True, "enrich": []}
    queries = [("wireless", {"Status": "active"})]
    key = fetch.cache_key(options, queries)
    assert simulator.auth_token not in key and simulator.account_sid not in key
    assert fetch.cache_key(dict(options, auth_token="other"), queries) == key
    assert fetch.cache_key(dict(options, account_sid=simulator.second_account_sid), queries) != key
    assert fetch.cache_key(dict(options, base_url="https://{product}.twilio.com"), queries) != key
    assert fetch.cache_key(options, [("wireless", {"Status": "suspended"})]) != key
    assert fetch.cache_key(dict(options, enrich=["ip_addresses"]), queries) != key


def test_cache_lifetime_is_short_by_default(tmp_path, simulator):
    plugin = inventory_loader.get("simfleet.twilio.sims")
    plugin.parse(InventoryData(), DataLoader(), write_config(tmp_path, simulator, products=["supersim"]), cache=False)
    assert plugin.get_option("cache_timeout") == 300


def test_cache_refresh_fetches_again(tmp_path, simulator):
    cache_dir = tmp_path / "cache"
    path = write_config(tmp_path, simulator, products=["wireless"], cache=True, cache_plugin="ansible.builtin.jsonfile",
                        cache_connection=str(cache_dir))
    manager(path)
    simulator.reset_stats()
    plugin = inventory_loader.get("simfleet.twilio.sims")
    plugin.parse(InventoryData(), DataLoader(), path, cache=False)  # what --flush-cache does
    assert simulator.stats()["requests"] > 0


# -- failures --------------------------------------------------------------------------------------------------

def test_wrong_credentials_fail(tmp_path, simulator):
    path = write_config(tmp_path, None, account_sid=simulator.account_sid, auth_token="0" * 32, base_url=simulator.product_url)
    error = parse_error(path)
    assert "20003" in str(error) and "HTTP 401" in str(error)
    assert "0" * 32 not in str(error)


def test_missing_credentials_are_refused_before_any_request(tmp_path, simulator):
    simulator.reset_stats()
    error = parse_error(write_config(tmp_path, None, base_url=simulator.product_url))
    assert isinstance(error, AnsibleParserError)
    assert "TWILIO_ACCOUNT_SID" in str(error) and "TWILIO_AUTH_TOKEN" in str(error)
    assert simulator.stats()["requests"] == 0


@pytest.mark.parametrize("options, message", [
    ({"statuses": ["actve"]}, "unknown SIM status 'actve'"),
    ({"products": ["wireless"], "statuses": ["inactive"]}, "no SIM of products wireless can be 'inactive'"),
    ({"rate_plan": "iot-standard"}, "rate_plan filters wireless SIMs only"),
    ({"products": ["wireless"], "fleet": "lab"}, "fleet filters supersim SIMs only"),
    ({"hostnames": ["name"]}, "hostnames: 'name' is neither"),
    ({"products": ["wireless"], "enrich": ["ip_addresses"]}, "enrich ip_addresses adds data to supersim SIMs: it needs supersim"),
    ({"products": ["wireless"], "enrich": ["usage"]}, "enrich usage adds data to supersim SIMs: it needs supersim"),
    ({"products": ["supersim"], "enrich": ["rate_plan"]}, "enrich rate_plan adds data to wireless SIMs: it needs wireless"),
    ({"usage_window_days": 32}, "usage_window_days must be a whole number of days from 1 to 31"),
    ({"usage_window_days": 0}, "usage_window_days must be a whole number of days from 1 to 31"),
    ({"max_concurrency": 0}, "max_concurrency must be between 1 and 16"),
    ({"iccid": ""}, "iccid must not be empty or blank"),
    ({"products": ["wireless"], "rate_plan": "  "}, "rate_plan must not be empty or blank"),
    ({"products": ["supersim"], "fleet": "\t"}, "fleet must not be empty or blank"),
    ({"timeout": float("inf")}, "timeout must be greater than 0 and at most 3600"),
    ({"base_url": "http://127.0.0.1:1/{product}?x=1"}, "base_url must not have a query string or a fragment"),
    ({"products": []}, "products must name at least one"),
    ({"timeout": 0}, "timeout must be greater than 0"),
])
def test_bad_options_are_refused(tmp_path, simulator, options, message):
    simulator.reset_stats()
    error = parse_error(write_config(tmp_path, simulator, **options))
    assert isinstance(error, AnsibleParserError)
    assert message in str(error)
    assert simulator.stats()["requests"] == 0


def test_server_errors_fail_without_partial_inventory(tmp_path, simulator):
    simulator.set_faults(rate_5xx=1.0)
    try:
        path = write_config(tmp_path, simulator, max_retries=1, max_retry_time=2)
        error = parse_error(path)
        assert "HTTP 50" in str(error) and "cannot list" in str(error)
    finally:
        simulator.clear_faults()


def test_failure_on_a_later_page_is_not_a_partial_inventory(tmp_path, httpserver):
    """Page 1 answers, page 2 fails: the whole source fails, no host is added."""
    base = httpserver.url_for("/wireless")
    first = {"sims": [{"sid": DE % 1, "unique_name": "one", "status": "active", "rate_plan_sid": None}],
             "meta": {"key": "sims", "next_page_url": base + "/v1/Sims?PageSize=1000&Page=1&PageToken=PA1"}}
    httpserver.expect_request("/wireless/v1/Sims", query_string="PageSize=1000").respond_with_json(first)
    httpserver.expect_request("/wireless/v1/Sims", query_string="PageSize=1000&Page=1&PageToken=PA1").respond_with_json(
        {"code": 20500, "message": "Internal Server Error", "status": 500}, status=500)
    path = write_config(tmp_path, None, account_sid="AC" + "0" * 32, auth_token="t" * 32, base_url=httpserver.url_for("/{product}"),
                        products=["wireless"], resolve_group_names=False, max_retries=0)
    inventory = InventoryData()
    plugin = inventory_loader.get("simfleet.twilio.sims")
    with pytest.raises(AnsibleError, match="20500"):
        plugin.parse(inventory, DataLoader(), path, cache=False)
    assert not inventory.hosts


def test_unknown_status_in_response_gets_a_group(tmp_path, httpserver):
    """Twilio may add statuses: a SIM in an unknown status is kept and grouped."""
    page = {"sims": [{"sid": HS % 2, "unique_name": "s", "status": "hibernating", "fleet_sid": None}],
            "meta": {"key": "sims", "next_page_url": None}}
    httpserver.expect_request("/supersim/v1/Sims").respond_with_json(page)
    path = write_config(tmp_path, None, account_sid="AC" + "0" * 32, auth_token="t" * 32, base_url=httpserver.url_for("/{product}"),
                        products=["supersim"], resolve_group_names=False)
    inventory = manager(path)
    assert members(inventory, "status_hibernating") == ["sim-s"]


# -- the tables of products and enrichments --------------------------------------------------------------------

def test_product_table_matches_endpoints_and_documentation():
    doc = yaml.safe_load(sims.DOCUMENTATION)["options"]
    assert list(PRODUCTS) == doc["products"]["choices"]
    for product, spec in PRODUCTS.items():
        assert ENDPOINTS[spec.endpoint].product == ENDPOINTS[spec.lookup_endpoint].product == product
        assert spec.name_filter in [f.option for f in ENDPOINTS[spec.endpoint].filters]
        assert spec.name_filter in doc and spec.sid_field.endswith("_sid") and spec.group.startswith("twilio_")


def test_enrichment_table_matches_endpoints_and_documentation():
    doc = yaml.safe_load(sims.DOCUMENTATION)["options"]["enrich"]
    assert [e.option for e in fetch.ENRICHMENTS] == doc["choices"]
    assert sorted(e.enrich for e in ENDPOINTS.values() if e.enrich) == sorted(doc["choices"])  # one endpoint each
    text = " ".join(doc["description"])
    for enrichment in fetch.ENRICHMENTS:
        assert enrichment.per_sim == (enrichment.combine == "list")
        endpoint = enrichment.endpoint
        assert endpoint is ENDPOINTS[endpoint.name] and endpoint.enrich == enrichment.option
        assert endpoint.product == enrichment.product
        assert "C(%s) requires V(%s)" % (enrichment.option, enrichment.product) in text or \
            "every other item requires V(%s)" % enrichment.product in text
        filters = set(f.option for f in endpoint.filters)
        assert set(dict(enrichment.filters)) <= filters
        assert enrichment.window == (endpoint.window is not None)
        if enrichment.link == "sid":
            assert enrichment.key == "sim_sid"
        else:
            assert enrichment.link == PRODUCTS[enrichment.product].sid_field
            assert endpoint.name == PRODUCTS[enrichment.product].lookup_endpoint and enrichment.key == "sid"
        for variable, field, default in enrichment.variables:
            assert field is None or field in enrichment.fields
            assert "C(%s)" % variable in text, variable
        assert not set(enrichment.fields) & {"activation_code", "matching_id"}
        if enrichment.window:
            for variable in fetch.WINDOW_VARIABLES:
                assert "C(%s)" % variable in text, variable
    assert fetch.USAGE_MAX_DAYS == 31
    usage_days = yaml.safe_load(sims.DOCUMENTATION)["options"]["usage_window_days"]
    assert "From 1 to %d" % fetch.USAGE_MAX_DAYS in " ".join(usage_days["description"])


# -- host names: a SIM never takes over another source's host --------------------------------------------------

def manager_of(*paths):
    """Parse several sources into one inventory, in this order, the way ansible-inventory -i A -i B does."""
    old = C.INVENTORY_ANY_UNPARSED_IS_FAILED
    C.INVENTORY_ANY_UNPARSED_IS_FAILED = True
    try:
        return InventoryManager(loader=DataLoader(), sources=list(paths))
    finally:
        C.INVENTORY_ANY_UNPARSED_IS_FAILED = old


def parse_into(inventory, path):
    """Run the plugin on ``path`` into an existing InventoryData (a source after others)."""
    inventory_loader.get("simfleet.twilio.sims").parse(inventory, DataLoader(), path, cache=False)


@pytest.mark.parametrize("name, host", [
    ("pump", "sim-pump"), ("DE0123abc", "sim-DE0123abc"), ("web-01.example_2", "sim-web-01.example_2"),
    ("all", "sim-all"), ("ungrouped", "sim-ungrouped"), ("localhost", "sim-localhost"), ("127.0.0.1", "sim-127.0.0.1"),
    ("::1", "sim-__1"), ("*", "sim-_"), ("db?", "sim-db_"), ("~db.*", "sim-_db._"), ("a,b", "sim-a_b"), ("a:b", "sim-a_b"),
    ("!a", "sim-_a"), ("&a", "sim-_a"), ("a[0]", "sim-a_0_"), ("@file", "sim-_file"), ("../../x", "sim-.._.._x"),
    ("a b\tc\n", "sim-a_b_c_"), ("Pumpe-M\u00fcller", "sim-Pumpe-M_ller"), (PIPE_NAME, PIPE_HOST),
])
def test_prefixed_host_names(name, host):
    names, changed = prefixed_host_names("sim-", [name])
    assert names == [host]
    assert changed == ([] if host == "sim-" + name else [(name, host)])


@pytest.mark.parametrize("prefix", [" ", "sim", "-sim-", "1-", "_sim_", "sim:-", "sim,-", "sim*-", "sim -", "~sim-", "sim/-",
                                    "sim-/", "s\u00efm-"])
def test_bad_hostname_prefix_is_refused(tmp_path, simulator, prefix):
    simulator.reset_stats()
    error = parse_error(write_config(tmp_path, simulator, hostname_prefix=prefix))
    assert isinstance(error, AnsibleParserError)
    assert "hostname_prefix must start with a letter" in str(error) and repr(prefix) in str(error)
    assert simulator.stats()["requests"] == 0


def test_hostname_prefix(tmp_path, simulator):
    truth = simulator.truth
    inventory = manager(write_config(tmp_path, simulator, products=["supersim"], hostname_prefix="Twilio.super_sim-"))
    assert sorted(h.name for h in inventory.get_hosts()) == \
        sorted("Twilio.super_sim-" + (r["unique_name"] or r["sid"]) for r in truth["supersim_sims"])


def test_an_empty_hostname_prefix_names_hosts_by_the_sim_alone_but_never_like_a_reserved_host(tmp_path, httpserver, capsys):
    records = [{"sid": HS % 1, "unique_name": "pump"}, {"sid": HS % 2, "unique_name": "localhost"},
               {"sid": HS % 3, "unique_name": "ALL"}, {"sid": HS % 4, "unique_name": "ungrouped"},
               {"sid": HS % 5, "unique_name": "127.0.0.1"}, {"sid": HS % 6, "unique_name": "a b"}, {"sid": HS % 7}]
    httpserver.expect_request("/supersim/v1/Sims").respond_with_json({"sims": records, "meta": {"key": "sims", "next_page_url": None}})
    path = write_config(tmp_path, None, account_sid="AC" + "0" * 32, auth_token="t" * 32, base_url=httpserver.url_for("/{product}"),
                        products=["supersim"], resolve_group_names=False, hostname_prefix="")
    inventory = manager(path)
    assert dict((h.vars["twilio_sid"], h.name) for h in inventory.get_hosts()) == {
        HS % 1: "pump", HS % 2: HS % 2, HS % 3: HS % 3, HS % 4: HS % 4, HS % 5: HS % 5, HS % 6: "a_b", HS % 7: HS % 7}
    assert "4 SIMs are named like a host Ansible reserves" in capsys.readouterr().err


def test_host_names_from_any_json_value(tmp_path, httpserver):
    """unique_name is text for Twilio, but a broken server may send anything: never a crash, never an empty name."""
    records = [{"sid": HS % 1, "unique_name": 42}, {"sid": HS % 2, "unique_name": {"a": 1}}, {"sid": HS % 3, "unique_name": ""},
               {"sid": HS % 4, "unique_name": ["x"]}, {"sid": HS % 5, "unique_name": True}, {"sid": HS % 6}]
    httpserver.expect_request("/supersim/v1/Sims").respond_with_json({"sims": records, "meta": {"key": "sims", "next_page_url": None}})
    path = write_config(tmp_path, None, account_sid="AC" + "0" * 32, auth_token="t" * 32, base_url=httpserver.url_for("/{product}"),
                        products=["supersim"], resolve_group_names=False)
    inventory = manager(path)
    assert dict((h.vars["twilio_sid"], h.name) for h in inventory.get_hosts()) == {
        HS % 1: "sim-42", HS % 2: "sim-" + HS % 2, HS % 3: "sim-" + HS % 3, HS % 4: "sim-" + HS % 4, HS % 5: "sim-True",
        HS % 6: "sim-" + HS % 6}


def test_names_that_become_equal_are_renamed_not_merged(tmp_path, simulator_factory):
    sim = simulator_factory(fixture={"wireless_sims": [{"unique_name": "a:b", "created_days_ago": 1},
                                                       {"unique_name": "a,b", "created_days_ago": 2},
                                                       {"unique_name": "a_b", "created_days_ago": 3}]})
    inventory = manager(write_config(tmp_path, sim, products=["wireless"]))
    sids = dict((r["unique_name"], r["sid"]) for r in sim.truth["wireless_sims"])
    assert dict((h.name, h.vars["twilio_sid"]) for h in inventory.get_hosts()) == {
        "sim-a_b": sids["a_b"], "sim-a_b_" + sids["a,b"]: sids["a,b"], "sim-a_b_" + sids["a:b"]: sids["a:b"]}


def test_existing_host_or_group_is_never_taken_over(tmp_path, simulator_factory):
    """The plugin after another source: a SIM named like one of its hosts or groups fails the source, adding nothing."""
    sim = simulator_factory(fixture={"wireless_sims": [{"unique_name": "pump"}, {"unique_name": "valve"}, {"unique_name": "gauge"}]})
    sids = dict((r["unique_name"], r["sid"]) for r in sim.truth["wireless_sims"])
    inventory = InventoryData()
    inventory.add_host("sim-pump")
    inventory.set_variable("sim-pump", "owner", "static")
    inventory.add_group("sim-valve")
    before = (sorted(inventory.hosts), sorted(inventory.groups))
    with pytest.raises(AnsibleError) as info:
        parse_into(inventory, write_config(tmp_path, sim, products=["wireless"]))
    message = str(info.value)
    assert "sim-pump (SIM %s), sim-valve (SIM %s)." % (sids["pump"], sids["valve"]) in message
    assert "gauge" not in message and "hostname_prefix 'sim-'" in message
    assert (sorted(inventory.hosts), sorted(inventory.groups)) == before
    assert inventory.get_host("sim-pump").vars["owner"] == "static" and not inventory.get_host("sim-pump").get_groups()


def test_sim_named_like_a_group_of_the_plugin_is_refused(tmp_path, simulator_factory):
    sim = simulator_factory(fixture={"supersim_sims": [{"unique_name": "sims"}, {"unique_name": "pump"}]})
    sid = next(r["sid"] for r in sim.truth["supersim_sims"] if r["unique_name"] == "sims")
    inventory = InventoryData()
    with pytest.raises(AnsibleError, match=r"as a group: twilio_sims \(SIM %s\)\. A SIM never takes over" % sid):
        parse_into(inventory, write_config(tmp_path, sim, products=["supersim"], hostname_prefix="twilio_"))
    assert sorted(inventory.hosts) == [] and sorted(inventory.groups) == ["all", "ungrouped"]


def test_clash_message_names_five_hosts_and_counts_the_others(tmp_path, simulator_factory):
    sim = simulator_factory(fixture={"supersim_sims": [{"unique_name": "s%d" % n} for n in range(8)]})
    inventory = InventoryData()
    for n in range(8):
        inventory.add_host("sim-s%d" % n)
    with pytest.raises(AnsibleError, match=r"sim-s4 \(SIM HS[0-9a-f]{32}\) and 3 more\. A SIM"):
        parse_into(inventory, write_config(tmp_path, sim, products=["supersim"]))


def test_same_sim_from_two_sources_is_one_host(tmp_path, simulator):
    """Two sources of this plugin that list the same SIMs (same SIDs) share their hosts, as before."""
    truth = simulator.truth
    active = write_config(tmp_path, simulator, name="active.twilio_sims.yml", statuses=["active"], hostvars_prefix="active_")
    supersim = write_config(tmp_path, simulator, name="super.twilio_sims.yml", products=["supersim"])
    active_sids = set(r["sid"] for r in truth["wireless_sims"] + truth["supersim_sims"] if r["status"] == "active")
    super_sids = set(r["sid"] for r in truth["supersim_sims"])
    assert active_sids & super_sids and active_sids - super_sids and super_sids - active_sids
    inventory = manager_of(active, supersim)
    hosts = inventory.get_hosts()
    assert sorted(h.vars.get("active_sid") for h in hosts if "active_sid" in h.vars) == sorted(active_sids)
    assert sorted(h.vars.get("twilio_sid") for h in hosts if "twilio_sid" in h.vars) == sorted(super_sids)
    assert len(hosts) == len(active_sids | super_sids)  # so each SIM of both sources is one host, with both sets of variables
    assert all(h.vars["active_sid"] == h.vars.get("twilio_sid", h.vars["active_sid"]) for h in hosts if "active_sid" in h.vars)
    # the first source names its hosts as it does on its own
    assert sorted(h.name for h in manager(active).get_hosts()) == sorted(h.name for h in hosts if "active_sid" in h.vars)


def test_sim_named_like_a_sim_of_an_earlier_source_is_renamed(tmp_path, simulator_factory):
    """Unique names are unique per product only: a source of both products then one of Super SIMs only, where the
    Super SIM would get the name the Wireless SIM has from the first source."""
    sim = simulator_factory(fixture={"wireless_sims": [{"unique_name": "pump", "created_days_ago": 30}],
                                     "supersim_sims": [{"unique_name": "pump", "created_days_ago": 10}]})
    wireless, supersim = sim.truth["wireless_sims"][0]["sid"], sim.truth["supersim_sims"][0]["sid"]
    both = write_config(tmp_path, sim, name="both.twilio_sims.yml")
    only = write_config(tmp_path, sim, name="super.twilio_sims.yml", products=["supersim"])
    expected = {"sim-pump": wireless, "sim-pump_" + supersim: supersim}
    for sources in ((both, only), (only, both)):
        inventory = InventoryData()
        for path in sources:
            parse_into(inventory, path)
        names = dict((name, host.vars["twilio_sid"]) for name, host in inventory.hosts.items())
        if sources[0] == both:
            assert names == expected
        else:  # the Super SIM came first and keeps the name; the Wireless SIM, though older, is renamed
            assert names == {"sim-pump": supersim, "sim-pump_" + wireless: wireless}


def test_unique_host_names_with_names_of_earlier_sources():
    records = [{"sid": "DE1", "date_created": "2026-01-01T00:00:00Z"}, {"sid": "DE2", "date_created": "2026-02-01T00:00:00Z"},
               {"sid": "DE3", "date_created": "2026-03-01T00:00:00Z"}, {"sid": "DE4", "date_created": "2026-04-01T00:00:00Z"}]
    others = {"a": "HS9", "b": "DE2", "c_DE3": "HS8", "d_DE4": "DE4"}
    names, renames = unique_host_names(["a", "b", "c", "d"], records, {})
    assert names == ["a", "b", "c", "d"] and renames == []
    names, renames = unique_host_names(["a", "b", "c", "d"], records, others)
    assert names == ["a_DE1", "b", "c", "d"] and renames == [("a", "a_DE1")]
    names, renames = unique_host_names(["a", "b", "b", "b"], records, dict(others, b="DE3"))
    # b belongs to DE3 (an earlier source gave it that name), though DE2 is older
    assert names == ["a_DE1", "b_DE2", "b", "b_DE4"] and sorted(renames) == [("a", "a_DE1"), ("b", "b_DE2"), ("b", "b_DE4")]
    names, renames = unique_host_names(["c", "d", "c", "d"], records, others)
    # c_DE3 belongs to another SIM; d_DE4 to this very SIM (its name in an earlier source)
    assert names == ["c", "d", "c_DE3_2", "d_DE4"]
    assert sorted(renames) == [("c", "c_DE3_2"), ("d", "d_DE4")]


def test_sims_of_two_accounts_never_share_a_host(tmp_path, simulator_factory):
    sim = simulator_factory(fixture={"wireless_sims": [{"unique_name": "pump"}, {"unique_name": "valve"}],
                                     "accounts": {"AC" + "0" * 31 + "2": {"wireless_sims": [{"unique_name": "pump"}]}}})
    assert sim.second_account_sid == "AC" + "0" * 31 + "2"
    first = write_config(tmp_path, sim, name="first.twilio_sims.yml", products=["wireless"])
    second = dict(account_sid=sim.second_account_sid, auth_token=sim.second_auth_token, base_url=sim.product_url, products=["wireless"])
    pump, other_pump = sim.truth["wireless_sims"][0]["sid"], sim.truth_for(sim.second_account_sid)["wireless_sims"][0]["sid"]
    inventory = manager_of(first, write_config(tmp_path, None, name="second.twilio_sims.yml", **second))
    pumps = dict((h.name, h.vars["twilio_sid"]) for h in inventory.get_hosts() if h.vars["twilio_unique_name"] == "pump")
    assert pumps == {"sim-pump": pump, "sim-pump_" + other_pump: other_pump}

    inventory = manager_of(first, write_config(tmp_path, None, name="second.twilio_sims.yml", hostname_prefix="sim2-", **second))
    pumps = dict((h.name, h.vars["twilio_sid"]) for h in inventory.get_hosts() if h.vars["twilio_unique_name"] == "pump")
    assert pumps == {"sim-pump": pump, "sim2-pump": other_pump}


# -- malformed SIM records -------------------------------------------------------------------------------------

MALFORMED_SIMS = [
    ({"unique_name": "two", "status": "active"}, "no sid"),
    ({"sid": None, "unique_name": "two"}, "sid null"),
    ({"sid": ""}, 'sid ""'),
    ({"sid": 42}, "sid 42"),
    ({"sid": ["HS1"]}, 'sid ["HS1"]'),
    ({"sid": {"HS1": 1}}, 'sid {"HS1": 1}'),
    ({"sid": "HS1/../../Fleets"}, 'sid "HS1/../../Fleets"'),
    ({"sid": "HS 1"}, 'sid "HS 1"'),
    ("HS1", "a JSON string instead of an object"),
    (None, "a JSON null instead of an object"),
    ([{"sid": "HS1"}], "a JSON array instead of an object"),
]


class ListingClient:
    """A stand-in for the shared client that returns SIM records as they are, however malformed."""

    request_count = 0

    def __init__(self, records):
        self.records = records

    def list_records(self, endpoint, params=None):
        return list(self.records)

    def close(self):
        pass


@pytest.mark.parametrize("record, problem", MALFORMED_SIMS)
def test_plugin_checks_sim_records_itself(tmp_path, monkeypatch, record, problem):
    """Whatever the client lets through, a SIM without a SID is never merged into another SIM or dropped: the source
    fails, naming the listing, the record and the problem, and adds no host."""
    good = {"sid": HS % 1, "unique_name": "one", "status": "active", "fleet_sid": None}
    monkeypatch.setattr(fetch, "client_from_options", lambda options: ListingClient([good, record, dict(good, sid=HS % 3)]))
    path = write_config(tmp_path, None, account_sid="AC" + "0" * 32, auth_token="t" * 32, products=["supersim"], statuses=["active"],
                        resolve_group_names=False)
    inventory = InventoryData()
    with pytest.raises(AnsibleError) as info:
        parse_into(inventory, path)
    assert str(info.value) == ("simfleet.twilio.sims: cannot list supersim SIMs (Status=active): record 2 of 3 is not a SIM with a SID "
                               "(%s); the source fails rather than merge or drop SIMs of malformed API data" % problem)
    assert not inventory.hosts


@pytest.mark.parametrize("record", [record for record, problem in MALFORMED_SIMS])
def test_sim_record_without_sid_from_the_api_fails_the_source(tmp_path, httpserver, record):
    """The same through the real client over HTTP (which may refuse such records first, with its own message)."""
    good = {"sid": HS % 1, "unique_name": "one", "status": "active", "fleet_sid": None}
    httpserver.expect_request("/supersim/v1/Sims").respond_with_json({"sims": [good, record, dict(good, sid=HS % 3)],
                                                                      "meta": {"key": "sims", "next_page_url": None}})
    path = write_config(tmp_path, None, account_sid="AC" + "0" * 32, auth_token="t" * 32, base_url=httpserver.url_for("/{product}"),
                        products=["supersim"], statuses=["active"], resolve_group_names=False, max_retries=0)
    inventory = InventoryData()
    with pytest.raises(AnsibleError) as info:
        parse_into(inventory, path)
    assert str(info.value).startswith("simfleet.twilio.sims: cannot list supersim SIMs (Status=active): ")
    assert re.search(r"\b(sid|SID|object)\b", str(info.value))
    assert not inventory.hosts


@pytest.mark.parametrize("record, problem", [
    ({"sid": HS % 1}, None),
    ({"sid": "DE1"}, None),
    ({"sid": ["HS1"]}, 'sid ["HS1"]'),
    ({"sid": {"HS1": 1}}, 'sid {"HS1": 1}'),
    ({"sid": True}, "sid true"),
    ({"sid": "all"}, None),  # letters: a SID as far as the inventory can tell; its host name is sim-all anyway
    ({"sid": "x y" * 40}, 'sid "%s' % ("x y" * 40)[:79]),  # the JSON text, cut at 80 characters
    (42, "a JSON number instead of an object"),
    (False, "a JSON boolean instead of an object"),
])
def test_sim_record_problem(record, problem):
    assert fetch.sim_record_problem(record) == problem


def test_cached_sim_without_sid_is_fetched_again(tmp_path, simulator):
    cache_dir = tmp_path / "cache"
    path = write_config(tmp_path, simulator, products=["supersim"], cache=True, cache_plugin="ansible.builtin.jsonfile",
                        cache_connection=str(cache_dir))
    manager(path)
    cache_file = next(cache_dir.iterdir())
    text = cache_file.read_text()
    first = simulator.truth["supersim_sims"][0]["sid"]
    assert first in text
    cache_file.write_text(text.replace(first, "HS/../Fleets"))  # in the SIM's sid, url and links: a SID that is not a SID
    simulator.reset_stats()
    inventory = manager(path)
    assert simulator.stats()["by_path"]["/supersim/v1/Sims"] == 1
    assert sorted(h.vars["twilio_sid"] for h in inventory.get_hosts()) == sorted(r["sid"] for r in simulator.truth["supersim_sims"])
    assert first in cache_file.read_text() and "HS/../Fleets" not in cache_file.read_text()


def test_combined_records_of_an_enrichment():
    usage = [e for e in fetch.ENRICHMENTS if e.option == "usage"][0]
    records = [{"sim_sid": "HS1", "data_upload": 1, "data_download": 2, "data_total": 3, "account_sid": "AC1"},
               {"sim_sid": "HS1", "data_upload": 10, "data_download": 20, "data_total": 30},
               {"sim_sid": "HS2", "data_upload": None, "data_download": "7", "data_total": True},
               {"sim_sid": None, "data_upload": 5, "data_download": 5, "data_total": 10}]
    assert fetch.combined(usage, records) == {
        "HS1": {"data_upload": 11, "data_download": 22, "data_total": 33},
        "HS2": {"data_upload": 0, "data_download": 0, "data_total": 0}}
    fleet = [e for e in fetch.ENRICHMENTS if e.option == "fleet"][0]
    fleets = [{"sid": "HF1", "unique_name": "lab", "data_limit": 100, "data_enabled": True, "url": "https://x"},
              {"sid": "HF2", "unique_name": "field", "data_limit": None}]
    result = fetch.combined(fleet, fleets)
    assert result["HF1"] == dict((field, fleets[0].get(field)) for field in fleet.fields)
    assert set(result) == {"HF1", "HF2"} and "url" not in result["HF1"]
