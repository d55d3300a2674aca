# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the simfleet.twilio.sims inventory plugin.

The plugin runs in-process through Ansible's own InventoryManager against real HTTP: the Twilio simulator
(tests/simulator) or, for exact failure sequences, pytest-httpserver.
"""
import json
import os
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
from ansible_collections.simfleet.twilio.plugins.inventory.sims import newest_by_sim, unique_host_names, unsafe

PIPE_NAME = "{{ lookup('pipe', 'id') }}"
DE = "DE%032x"
HS = "HS%032x"


@pytest.fixture(autouse=True)
def no_twilio_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("TWILIO_", "ANSIBLE_INVENTORY_CACHE", "ANSIBLE_CACHE_PLUGIN")):
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
    assert sorted(h.name for h in inventory.get_hosts()) == sorted(r["iccid"] for r in truth["wireless_sims"] + truth["supersim_sims"])

    inventory = manager(write_config(tmp_path, simulator, products=["wireless"], hostnames=["friendly_name"]))
    assert len(inventory.get_hosts()) == len(truth["wireless_sims"])
    for host in inventory.get_hosts():
        friendly, sid = host.vars["twilio_friendly_name"], host.vars["twilio_sid"]
        assert host.name in ((friendly, friendly + "_" + sid) if friendly else (sid,))
    assert [r for r in truth["wireless_sims"] if not r["friendly_name"]]

    inventory = manager(write_config(tmp_path, simulator, products=["supersim"], hostnames=["{{ twilio_iccid[-6:] }}-{{ twilio_status }}", "sid"]))
    assert sorted(h.name for h in inventory.get_hosts()) == sorted("%s-%s" % (r["iccid"][-6:], r["status"]) for r in truth["supersim_sims"])


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
    expected = {"pump": by_name[("supersim_sims", "pump")], "pump_" + by_name[("wireless_sims", "pump")]: by_name[("wireless_sims", "pump")],
                "valve": by_name[("wireless_sims", "valve")], "valve_" + by_name[("supersim_sims", "valve")]: by_name[("supersim_sims", "valve")],
                nameless: nameless}
    assert dict((h.name, h.vars["twilio_sid"]) for h in inventory.get_hosts()) == expected


def test_api_data_stays_text(tmp_path, simulator_factory):
    sim = simulator_factory(fixture={"supersim_sims": [{"unique_name": PIPE_NAME, "status": "active", "fleet": "{{ 7 * 7 }}"}],
                                     "fleets": [{"unique_name": "{{ 7 * 7 }}"}]})
    inventory = manager(write_config(tmp_path, sim, products=["supersim"]))
    host = inventory.get_host(PIPE_NAME)
    variables = VariableManager(loader=DataLoader(), inventory=inventory).get_vars(host=host)
    templar = Templar(loader=DataLoader(), variables=variables)
    assert templar.template(trusted("{{ twilio_unique_name }}")) == PIPE_NAME
    assert templar.template(trusted("{{ inventory_hostname }}")) == PIPE_NAME
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
    plugin = sims.InventoryModule()
    options = {"account_sid": simulator.account_sid, "auth_token": simulator.auth_token, "base_url": simulator.product_url,
               "resolve_group_names": True, "enrich": []}
    queries = [("wireless", {"Status": "active"})]
    key = plugin._cache_key(options, queries)
    assert simulator.auth_token not in key and simulator.account_sid not in key
    assert plugin._cache_key(dict(options, auth_token="other"), queries) == key
    assert plugin._cache_key(dict(options, account_sid=simulator.second_account_sid), queries) != key
    assert plugin._cache_key(dict(options, base_url="https://{product}.twilio.com"), queries) != key
    assert plugin._cache_key(options, [("wireless", {"Status": "suspended"})]) != key
    assert plugin._cache_key(dict(options, enrich=["ip_addresses"]), queries) != key


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
    ({"products": ["wireless"], "enrich": ["ip_addresses"]}, "enrich adds Super SIM data"),
    ({"max_concurrency": 0}, "max_concurrency must be between 1 and 16"),
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
    assert members(inventory, "status_hibernating") == ["s"]
