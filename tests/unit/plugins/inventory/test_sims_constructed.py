# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""compose, groups and keyed_groups of simfleet.twilio.sims: fast_constructed on and off give the same inventory.

Each configuration runs twice with the real ansible-inventory of the running ansible-core against the simulator, once
with the fast path (the default) and once without (SIMFLEET_TWILIO_FAST_CONSTRUCTED=false, ansible-core's own
Constructable), and the outputs must be identical: --list (hosts, groups, variables), warnings, exit status and
errors. In-process runs then compare the values' Python types and data tags (unsafe marking before ansible-core 2.19,
Origin tags from 2.19), which --list cannot show. Where the fast path is not proven (another ansible-core line, a
keyed_groups option such as ``priority`` it does not implement, missing ansible-core internals) ansible-core's own path
runs by itself, with the same results.
"""
import json
import os
import re
import subprocess
import sys

import pytest
import yaml
from ansible import constants as C
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader

from ansible_collections.simfleet.twilio.plugins.plugin_utils import _constructed
from ansible_collections.simfleet.twilio.plugins.plugin_utils._constructed import COMPARISON, COMPILED, DATA_TAGGING, PATH

try:
    from ansible.module_utils._internal._datatag import AnsibleTagHelper
except ImportError:  # before ansible-core 2.19
    AnsibleTagHelper = None

PIPE_NAME = "{{ lookup('pipe', 'id') }}"
SWITCH = "SIMFLEET_TWILIO_FAST_CONSTRUCTED"

FIXTURE = {
    "rate_plans": [{"unique_name": "iot-basic"}, {"unique_name": "{{ 7 * 7 }}"}],
    "wireless_sims": [
        {"unique_name": "pump", "status": "active", "rate_plan": "iot-basic", "friendly_name": "Pump 1"},
        {"unique_name": PIPE_NAME, "status": "active", "rate_plan": "{{ 7 * 7 }}", "friendly_name": "{{ 7 * 7 }}"},
        {"unique_name": "valve.site-a", "status": "suspended", "rate_plan": "iot-basic"},
        {"unique_name": "[1, 2]", "status": "ready", "friendly_name": "{'a': 1}", "e_id": "True"},
        {"status": "new", "friendly_name": ""},
    ],
    "fleets": [{"unique_name": "trackers"}, {"unique_name": "{% raw %}x"}],
    "supersim_sims": [
        {"unique_name": "tracker-1", "status": "active", "fleet": "trackers",
         "ip_addresses": [{"ip_address": "10.0.0.7", "ip_address_version": "IPv4"},
                          {"ip_address": "fd00::7", "ip_address_version": "IPv6"}]},
        {"unique_name": "tracker-2", "status": "inactive", "fleet": "trackers"},
        {"unique_name": "{{ 7 * 7 }}", "status": "active", "fleet": "{% raw %}x", "ip_addresses": ["10.0.0.9"]},
        {"unique_name": "lonely", "status": "ready"},
    ],
    "esim_profiles": [{"sim": "tracker-1", "status": "installed"}],
}

COMPOSE = {
    "c_status": "twilio_status",
    "c_name": "twilio_unique_name",
    "c_friendly": "twilio_friendly_name",
    "c_link": "twilio_links.rate_plan",
    "c_link_item": "twilio_links['fleet']",
    "c_link_dquote": 'twilio_links["rate_plan"]',
    "c_links": "twilio_links",
    "ansible_host": "twilio_ip_addresses[0].ip_address",
    "c_last_ip": "twilio_ip_addresses[-1]",
    "c_ips": "twilio_ip_addresses",
    "c_upper": "twilio_status | upper",
    "c_conn": "'ssh' if twilio_ip_addresses else 'local'",
    "c_undefined": "twilio_no_such_field",
    "c_undefined_key": "twilio_links.no_such_key",
    "c_default": "twilio_no_such_field | default('none')",
    "c_syntax": "twilio_status |",
    "c_hostname": "inventory_hostname",
    "c_number": "42",
    "c_flag": "twilio_status == 'active'",
    "c_ip_count": "twilio_ip_addresses | default([]) | length",
    "c_spaced": "  twilio_iccid  ",
    "c_esim": "twilio_esim_profile_status",
    "c_fleet": "twilio_fleet_name",
    "c_eid": "twilio_e_id",
}

GROUPS = {
    "g_active": "twilio_status == 'active'",
    "g_flag": "c_flag",
    "g_status_text": "twilio_status",
    "g_reachable": "twilio_ip_addresses | default([]) | length > 0",
    "g_undefined": "twilio_no_such_field",
    "g_pipe": "'lookup' in twilio_unique_name",
    "bad-group.name": "twilio_status == 'ready'",
    "g_hostname": "inventory_hostname is match('sim-t')",
    "g_in_group": "'twilio_wireless' in group_names",
    "g_number": "c_number",
    "g_friendly": "twilio_friendly_name",
    "g_true": True,
    "g_not_ready": "twilio_status != 'ready'",
    "g_trackers": 'twilio_fleet_name == "trackers"',
    "g_number_42": "c_number == 42",
    "g_first_ip": "twilio_ip_addresses[0].ip_address == '10.0.0.7'",
    "g_links": "twilio_links == 'x'",
}

KEYED = [
    {"key": "twilio_status", "prefix": "st"},
    {"key": "twilio_status"},
    {"key": "twilio_rate_plan_name", "prefix": "plan", "separator": "-"},
    {"key": "twilio_fleet_name | default('')", "prefix": "fleet", "default_value": "nofleet"},
    {"key": "twilio_fleet_name", "prefix": "fleetname", "default_value": "none"},
    {"key": "twilio_ip_addresses | default([]) | map(attribute='ip_address_version') | list", "prefix": "ipv"},
    {"key": "{'kind': twilio_product, 'empty': ''}", "prefix": "d", "trailing_separator": False},
    {"key": "{'kind': twilio_product, 'empty': ''}", "prefix": "d2", "default_value": "dv"},
    {"key": "{'kind': twilio_product, 'empty': ''}", "prefix": "d3"},
    {"key": "twilio_no_such_field", "prefix": "und"},
    {"key": "twilio_unique_name", "prefix": "name"},
    {"key": "twilio_status", "prefix": "pg", "parent_group": "status_parents"},
    {"key": "twilio_status", "prefix": "pgt", "parent_group": "{{ twilio_product }}_parent"},
    {"key": "twilio_ip_addresses[0].ip_address", "prefix": "ip"},
    {"key": "group_names", "prefix": "gn"},
    {"key": "''", "prefix": "empty", "default_value": "emptydefault"},
    {"key": "twilio_friendly_name", "prefix": "fn", "default_value": "nofn"},
    {"key": "twilio_friendly_name", "prefix": "fn2"},
    {"key": "inventory_hostname_short", "prefix": "short"},
    {"key": "twilio_iccid[:4]", "prefix": "iccid"},
]

# The first error stops the source (strict, or an entry that is an error whatever strict says); the same error either way.
FAILING_CASES = {
    "keyed_boolean": {"compose": {"c_flag": "twilio_status == 'active'"}, "keyed_groups": [{"key": "c_flag", "prefix": "flag"}]},
    "keyed_not_a_dict": {"keyed_groups": ["twilio_status"]},
}
# Text that looks like a boolean: ansible-core before 2.19 turns it into one (then the key is an error), 2.19 keeps it.
OTHER_CASES = {
    "keyed_true_text": {"keyed_groups": [{"key": "twilio_e_id", "prefix": "eid"}]},
    "keyed_true_text_strict": {"strict": True, "keyed_groups": [{"key": "twilio_e_id", "prefix": "eid"}]},
    "group_true_text": {"groups": {"eid_true": "twilio_e_id"}},
    # A number: text before ansible-core 2.19 (a fine key), an int from 2.19 (an error).
    "keyed_number": {"compose": {"c_number": "42"}, "keyed_groups": [{"key": "c_number", "prefix": "num"}]},
}
# strict errors of ansible-core 2.19 and later only: a conditional that is text (truthy before 2.19).
STRICT_ERRORS_FROM_219 = frozenset(["group_text"])
STRICT_CASES = {
    "compose_undefined": {"compose": {"x": "twilio_no_such_field"}},
    "compose_undefined_key": {"compose": {"x": "twilio_links.no_such_key"}},
    "compose_index": {"compose": {"ansible_host": "twilio_ip_addresses[0].ip_address"}},
    "group_undefined": {"groups": {"g": "twilio_no_such_field"}},
    "group_text": {"groups": {"g": "twilio_status"}},
    "group_filter": {"groups": {"g": "twilio_status | no_such_filter"}},
    "keyed_undefined": {"keyed_groups": [{"key": "twilio_no_such_field", "prefix": "x"}]},
    "keyed_empty": {"keyed_groups": [{"key": "twilio_friendly_name", "prefix": "x"}]},
    "keyed_exclusive": {"keyed_groups": [{"key": "twilio_status", "default_value": "a", "trailing_separator": False}]},
    "keyed_parent": {"keyed_groups": [{"key": "twilio_status", "parent_group": "{{ twilio_no_such_field }}"}]},
    "keyed_no_key": {"keyed_groups": [{"prefix": "x"}]},
    "strict_ok": {"compose": {"x": "twilio_sid"}, "groups": {"g": "twilio_status == 'active'"},
                  "keyed_groups": [{"key": "twilio_iccid", "prefix": "i"}]},
}


@pytest.fixture(scope="module")
def fleet():
    from simulator import Simulator
    with Simulator(fixture=FIXTURE) as sim:
        yield sim


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        prefixes = ("TWILIO_", "KORE_", "ANSIBLE_INVENTORY_CACHE", "ANSIBLE_CACHE_PLUGIN", "SIMFLEET_")
        if name.startswith(prefixes) or name == "ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS":
            monkeypatch.delenv(name)


def write_config(tmp_path, sim, **options):
    config = {"plugin": "simfleet.twilio.sims", "account_sid": sim.account_sid, "auth_token": sim.auth_token,
              "base_url": sim.product_url, "enrich": ["esim_profiles", "ip_addresses"]}
    config.update(options)
    path = tmp_path / "fleet.twilio_sims.yml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


def plain(value):
    """A --list value without its unsafe wrapper ({"__ansible_unsafe": text})."""
    if isinstance(value, dict) and list(value) == ["__ansible_unsafe"]:
        return value["__ansible_unsafe"]
    return value


def ansible_inventory():
    script = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "ansible.cli.inventory"]


def run_inventory(path, fast, extra_env=None, extra_args=()):
    env = dict(os.environ, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    env[SWITCH] = "true" if fast else "false"
    env.update(extra_env or {})
    result = subprocess.run(ansible_inventory() + ["-i", path, "--list"] + list(extra_args), env=env, cwd=os.path.dirname(path),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300, check=False)
    return result.returncode, result.stdout, result.stderr


def differential(path, extra_env=None):
    """Both runs' (exit status, stdout, stderr), checked equal; returns the fast run's."""
    fast = run_inventory(path, True, extra_env)
    core = run_inventory(path, False, extra_env)
    assert fast[0] == core[0], (fast[2], core[2])
    assert fast[2] == core[2]
    assert fast[1] == core[1]
    return fast


def test_corpus_gives_the_same_inventory(tmp_path, fleet):
    path = write_config(tmp_path, fleet, compose=COMPOSE, groups=GROUPS, keyed_groups=KEYED)
    rc, out, err = differential(path)
    assert rc == 0, err
    inventory = json.loads(out)
    hostvars = inventory["_meta"]["hostvars"]
    assert len(hostvars) == len(FIXTURE["wireless_sims"]) + len(FIXTURE["supersim_sims"])
    # The corpus is not vacuous: paths, filters, conditionals, lists and dicts as keys all gave something.
    groups = set(inventory)
    for group in ("st_active", "_active", "fleet_nofleet", "ipv_IPv4", "ipv_IPv6", "d_kind_wireless", "d_empty",
                  "d2_empty_dv", "d3_empty_", "pg_active", "status_parents", "wireless_parent", "supersim_parent", "empty_emptydefault",
                  "g_active", "g_flag", "g_reachable", "g_pipe", "g_in_group", "g_not_ready", "g_trackers", "g_first_ip",
                  "ip_10_0_0_7", "fn_nofn", "gn_twilio_wireless"):
        assert group in groups, group
    pipe_host = [h for h, v in hostvars.items() if "lookup" in json.dumps(v["twilio_unique_name"])]
    assert len(pipe_host) == 1
    assert PIPE_NAME in json.dumps(hostvars[pipe_host[0]]["c_name"]) and "uid=" not in out
    tracker = [v for v in hostvars.values() if plain(v.get("ansible_host")) == "10.0.0.7"]
    assert len(tracker) == 1 and plain(tracker[0]["c_conn"]) == "ssh"


def test_generated_fleet_gives_the_same_inventory(tmp_path, simulator_factory):
    """The corpus over a generated fleet (100 SIMs of both products, shared names; ansible-core's own path, which the
    fast one is compared with, takes most of this test's time)."""
    simulator = simulator_factory(seed=1, wireless_sims=60, super_sims=40)
    path = write_config(tmp_path, simulator, compose=COMPOSE, groups=GROUPS, keyed_groups=KEYED)
    rc, out, err = differential(path)
    assert rc == 0, err
    inventory = json.loads(out)
    truth = simulator.truth
    assert len(inventory["_meta"]["hostvars"]) == len(truth["wireless_sims"]) + len(truth["supersim_sims"])
    active = [r for r in truth["wireless_sims"] + truth["supersim_sims"] if r["status"] == "active"]
    assert len(inventory["st_active"]["hosts"]) == len(inventory["g_active"]["hosts"]) == len(active)


@pytest.mark.parametrize("transform", ["always", "never"])
def test_corpus_with_group_names_transformed_or_not(tmp_path, fleet, transform):
    path = write_config(tmp_path, fleet, compose=COMPOSE, groups=GROUPS, keyed_groups=KEYED, leading_separator=False)
    rc, out, err = differential(path, {"ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS": transform})
    assert rc == 0, err
    groups = set(json.loads(out))
    assert "active" in groups and "_active" not in groups
    # Inventory plugins sanitise group names whatever the setting (ansible-core's _sanitize_group_name forces it).
    assert {"bad_group_name", "plan_iot_basic"} <= groups and "plan-iot_basic" not in groups


def test_corpus_with_use_extra_vars(tmp_path, fleet):
    path = write_config(tmp_path, fleet, use_extra_vars=True, compose={"c_status": "twilio_status", "c_zone": "zone"},
                        keyed_groups=[{"key": "zone", "prefix": "zone"}, {"key": "twilio_status", "prefix": "st"}])
    fast = run_inventory(path, True, extra_args=["-e", "zone=eu"])
    core = run_inventory(path, False, extra_args=["-e", "zone=eu"])
    assert fast == core and fast[0] == 0, fast[2]
    inventory = json.loads(fast[1])
    assert "zone_eu" in inventory and all(plain(v["c_zone"]) == "eu" for v in inventory["_meta"]["hostvars"].values())


@pytest.mark.parametrize("case", sorted(STRICT_CASES))
def test_strict_gives_the_same_error(tmp_path, fleet, case):
    path = write_config(tmp_path, fleet, strict=True, **STRICT_CASES[case])
    rc, out, err = differential(path)
    if case == "strict_ok" or (case in STRICT_ERRORS_FROM_219 and not DATA_TAGGING):
        assert rc == 0, err
    else:
        assert rc != 0 and "fleet.twilio_sims.yml" in err, err


@pytest.mark.parametrize("case", sorted(FAILING_CASES))
def test_failures_are_the_same(tmp_path, fleet, case):
    path = write_config(tmp_path, fleet, **FAILING_CASES[case])
    rc, out, err = differential(path)
    assert rc != 0 and "fleet.twilio_sims.yml" in err, err


@pytest.mark.parametrize("case", sorted(OTHER_CASES))
def test_text_like_booleans_are_the_same(tmp_path, fleet, case):
    path = write_config(tmp_path, fleet, **OTHER_CASES[case])
    differential(path)


# -- in process: value types and tags ---------------------------------------------------------------------------

def shape(value):
    """``value`` with the type and data tags of every part, for comparisons that --list cannot make."""
    tags = sorted(repr(tag) for tag in AnsibleTagHelper.tags(value)) if AnsibleTagHelper is not None else []
    if isinstance(value, dict):
        inner = sorted((repr(shape(k)), shape(v)) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        inner = [shape(v) for v in value]
    else:
        inner = repr(value)
    return (type(value).__name__, tags, inner)


def parse_in_process(path, fast, monkeypatch):
    monkeypatch.setenv(SWITCH, "true" if fast else "false")
    old = C.INVENTORY_ANY_UNPARSED_IS_FAILED
    C.INVENTORY_ANY_UNPARSED_IS_FAILED = True
    try:
        return InventoryManager(loader=DataLoader(), sources=[path])
    finally:
        C.INVENTORY_ANY_UNPARSED_IS_FAILED = old


def test_values_keep_their_types_and_tags(tmp_path, fleet, monkeypatch):
    path = write_config(tmp_path, fleet, compose=COMPOSE, groups=GROUPS, keyed_groups=KEYED)
    engines = []
    create = _constructed.Constructed.create.__func__

    def recording(cls, *args, **kwargs):
        engine = create(cls, *args, **kwargs)
        engines.append(engine)
        return engine

    monkeypatch.setattr(_constructed.Constructed, "create", classmethod(recording))
    fast = parse_in_process(path, True, monkeypatch)
    assert len(engines) == 1 and engines[0] is not None
    core = parse_in_process(path, False, monkeypatch)
    assert len(engines) == 1  # the switch turns the engine off
    plans = engines[0].plans()
    assert plans["compose.c_status"].strategy == PATH and plans["compose.ansible_host"].strategy == PATH
    assert plans["compose.c_upper"].strategy == COMPILED and plans["groups.g_reachable"].strategy == COMPILED
    assert plans["groups.g_active"].strategy == COMPARISON
    assert engines[0].cache.hits > 0
    assert_same_inventory(fast, core)
    # Values from the API stay text in keys and composed variables: the Jinja-named SIM's name is never run.
    pipe = [h for h in core.hosts.values() if h.vars.get("twilio_unique_name") == PIPE_NAME]
    assert len(pipe) == 1
    assert fast.get_host(pipe[0].name).vars["c_name"] == PIPE_NAME
    assert any(re.match(r"name_+lookup", g.name) for g in fast.get_host(pipe[0].name).get_groups())


def assert_same_inventory(fast, core):
    """The two InventoryManagers hold the same hosts, variables (types and tags), groups, group members and priorities."""
    assert sorted(fast.hosts) == sorted(core.hosts)
    for name in core.hosts:
        fast_host, core_host = fast.get_host(name), core.get_host(name)
        assert shape(fast_host.vars) == shape(core_host.vars), name
        assert sorted(g.name for g in fast_host.get_groups()) == sorted(g.name for g in core_host.get_groups()), name
    assert sorted(fast.groups) == sorted(core.groups)
    for name, group in core.groups.items():
        assert sorted(g.name for g in fast.groups[name].child_groups) == sorted(g.name for g in group.child_groups), name
        assert sorted(g.name for g in fast.groups[name].parent_groups) == sorted(g.name for g in group.parent_groups), name
        assert fast.groups[name].priority == group.priority, name
        assert shape(fast.groups[name].vars) == shape(group.vars), name


# -- where ansible-core's own path runs by itself ---------------------------------------------------------------

# keyed_groups with ``priority`` (ansible-core lines that document it set the groups' priority; the others ignore it).
PRIORITY_KEYED = [{"key": "twilio_status", "prefix": "st", "priority": 7}, {"key": "twilio_product", "prefix": "p"}]


def core_documents_priority():
    """Whether the running ansible-core documents ``priority`` among the keyed_groups options."""
    from ansible.plugins.doc_fragments.constructed import ModuleDocFragment
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    return "priority" in (options["keyed_groups"].get("suboptions") or {})


def recording_create(monkeypatch):
    """Records the engines Constructed.create returns and the messages it shows at verbosity 3."""
    engines, messages = [], []
    create = _constructed.Constructed.create.__func__

    def recording(cls, *args, **kwargs):
        engine = create(cls, *args, **kwargs)
        engines.append(engine)
        return engine

    class Recorder(object):
        @staticmethod
        def vvv(message):
            messages.append(message)

    monkeypatch.setattr(_constructed.Constructed, "create", classmethod(recording))
    monkeypatch.setattr(_constructed, "display", Recorder())
    return engines, messages


def test_priority_gives_the_same_inventory(tmp_path, fleet):
    path = write_config(tmp_path, fleet, compose=COMPOSE, groups=GROUPS, keyed_groups=KEYED + PRIORITY_KEYED)
    rc, out, err = differential(path)
    assert rc == 0, err
    assert {"st_active", "p_wireless", "p_supersim"} <= set(json.loads(out))


def test_priority_is_ansible_cores(tmp_path, fleet, monkeypatch):
    path = write_config(tmp_path, fleet, keyed_groups=PRIORITY_KEYED)
    engines, messages = recording_create(monkeypatch)
    fast = parse_in_process(path, True, monkeypatch)
    core = parse_in_process(path, False, monkeypatch)
    assert len(engines) == 1 and isinstance(engines[0], _constructed.CoreConstructed)
    assert messages == ["simfleet.twilio: compose, groups and keyed_groups by ansible-core's own Constructable: "
                        "keyed_groups[0] sets priority, which the fast path does not implement"]
    assert_same_inventory(fast, core)
    # What ansible-core itself does with priority: the groups of that entry get it where it is documented, else
    # it is ignored (every group keeps the default priority).
    wanted = 7 if core_documents_priority() else 1
    assert fast.groups["st_active"].priority == wanted
    assert fast.groups["p_wireless"].priority == 1


def missing_internals(templar):
    raise ImportError("No module named 'ansible._internal'")


# Each case: how the run is made to leave the fast path, the options, and the start of the reason it gives.
FALLBACK_CASES = {
    "unknown_keyed_option": (None, {"keyed_groups": KEYED + [{"key": "twilio_status", "prefix": "x", "no_such_option": 1}]},
                             "keyed_groups[20] sets no_such_option"),
    "unproven_line": (("core_line", lambda: "2.99"), {}, "ansible-core 2.99 is not a line the fast path is proven on"),
    "missing_internals": (("core_internals", missing_internals), {}, "an ansible-core internal it relies on is missing"),
}


@pytest.mark.parametrize("case", sorted(FALLBACK_CASES))
def test_fallback_gives_ansible_cores_inventory(tmp_path, fleet, monkeypatch, case):
    patch, options, reason = FALLBACK_CASES[case]
    path = write_config(tmp_path, fleet, **dict(dict(compose=COMPOSE, groups=GROUPS, keyed_groups=KEYED), **options))
    engines, messages = recording_create(monkeypatch)
    if patch is not None:
        monkeypatch.setattr(_constructed, *patch)
    fast = parse_in_process(path, True, monkeypatch)
    core = parse_in_process(path, False, monkeypatch)
    assert len(engines) == 1 and isinstance(engines[0], _constructed.CoreConstructed)
    assert engines[0].reason.startswith(reason) and len(messages) == 1 and engines[0].reason in messages[0]
    assert_same_inventory(fast, core)
    assert "st_active" in fast.groups
