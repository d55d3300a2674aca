# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-to-end tests of the simfleet.twilio.sims inventory: real ``ansible-inventory`` (and ``ansible``) processes
against the simulator, checked against the simulator's own truth and request counters."""

import json
import os
import re
import subprocess
import sys
from collections import Counter

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, "build", "collections")
BIN = os.path.dirname(sys.executable)
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
PIPE_NAME = "{{ lookup('pipe', 'id') }}"
PIPE_HOST = "sim-___lookup__pipe____id_____"  # PIPE_NAME as a host name: prefixed, other characters than [A-Za-z0-9_.-] as "_"


def run(args, env=None, cwd=None, check=True):
    """Run an Ansible CLI with a clean TWILIO_* environment; returns the CompletedProcess."""
    base = dict((k, v) for k, v in os.environ.items() if not k.startswith(("TWILIO_", "KORE_", "ANSIBLE_")))
    base.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true",
                ANSIBLE_HOME=str(cwd or ROOT) + "/.ansible-home")
    base.update(env or {})
    result = subprocess.run([os.path.join(BIN, args[0])] + list(args[1:]), env=base, cwd=cwd, capture_output=True, text=True, check=False,
                            timeout=120)
    if check and result.returncode != 0:
        raise AssertionError("%s failed (%s):\n%s\n%s" % (args, result.returncode, result.stdout[-2000:], result.stderr[-4000:]))
    return result


def sim_env(sim, **extra):
    env = {"TWILIO_ACCOUNT_SID": sim.account_sid, "TWILIO_AUTH_TOKEN": sim.auth_token, "TWILIO_BASE_URL": sim.product_url}
    env.update(extra)
    return env


def source(tmp_path, name="test.twilio_sims.yml", **options):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(dict({"plugin": "simfleet.twilio.sims"}, **options)))
    return str(path)


def plain(value):
    """ansible-inventory --list writes untrusted strings as {"__ansible_unsafe": text}; unwrap them."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return dict((k, plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def inventory_list(path, env, *extra, cwd=None):
    result = run(["ansible-inventory", "-i", path, "--list"] + list(extra), env=env, cwd=cwd)
    data = json.loads(result.stdout)
    return data, plain(data["_meta"]["hostvars"])


def group_hosts(data, group):
    """Every host of ``group`` in ansible-inventory --list output, through its children."""
    hosts = list(data.get(group, {}).get("hosts", []))
    for child in data.get(group, {}).get("children", []):
        hosts += group_hosts(data, child)
    return hosts


def graph_counts(text):
    """Host count per group from ansible-inventory --graph output (direct hosts plus those of child groups)."""
    counts = Counter()
    stack = []
    for line in text.splitlines():
        match = re.match(r"^((?:  \|)*)--(@?)(.*?):?$", line.replace("@all:", "  |--@all:"))
        if not match:
            continue
        depth = len(match.group(1)) // 3
        stack = stack[:depth]
        if match.group(2):
            stack.append(match.group(3))
        else:
            for group in set(stack):
                counts[group] += 1
    return counts


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / ".ansible-home").mkdir()
    return tmp_path


def test_graph_and_list_match_truth_for_both_products(workdir, simulator):
    truth = simulator.truth
    wireless, supersim = truth["wireless_sims"], truth["supersim_sims"]
    simulator.reset_stats()
    path = source(workdir)
    graph = run(["ansible-inventory", "-i", path, "--graph"], env=sim_env(simulator), cwd=workdir).stdout
    # one page per product for SIMs (fewer than 1000 each), one for rate plans, one for fleets
    assert simulator.stats()["requests"] == 4
    counts = graph_counts(graph)
    assert counts["twilio_wireless"] == len(wireless)
    assert counts["twilio_supersim"] == len(supersim)
    assert counts["twilio_sims"] == len(wireless) + len(supersim)
    for status, count in Counter(r["status"] for r in wireless + supersim).items():
        assert counts["status_" + status] == count, status
    plans = dict((p["sid"], p["unique_name"].replace("-", "_")) for p in truth["rate_plans"])
    for sid, count in Counter(r["rate_plan_sid"] for r in wireless if r["rate_plan_sid"]).items():
        assert counts["rate_plan_" + plans[sid]] == count
    fleets = dict((f["sid"], f["unique_name"].replace("-", "_")) for f in truth["fleets"])
    for sid, count in Counter(r["fleet_sid"] for r in supersim if r["fleet_sid"]).items():
        assert counts["fleet_" + fleets[sid]] == count

    data, hostvars = inventory_list(path, sim_env(simulator), cwd=workdir)
    assert sorted(v["twilio_sid"] for v in hostvars.values()) == sorted(r["sid"] for r in wireless + supersim)
    assert len(group_hosts(data, "status_active")) == counts["status_active"]
    # group variables of twilio_sims, merged into every host's variables by ansible-inventory
    assert set((v["ansible_connection"], v["ansible_python_interpreter"]) for v in hostvars.values()) == \
        {("local", "{{ ansible_playbook_python }}")}
    record = supersim[0]
    host = next(v for v in hostvars.values() if v["twilio_sid"] == record["sid"])
    assert dict((k, host["twilio_" + k]) for k in record) == record
    assert host["twilio_fleet_name"] == (next(f["unique_name"] for f in truth["fleets"] if f["sid"] == record["fleet_sid"])
                                         if record["fleet_sid"] else None)


def test_every_filter_and_naming_option(workdir, simulator):
    truth = simulator.truth
    path = source(workdir, products=["supersim"], statuses=["active", "inactive"], fleet="field-sensors", hostnames=["iccid"],
                  hostvars_prefix="sim_", hostvars_fields=["sid", "status", "fleet_name"], max_concurrency=2, local_connection=False,
                  keyed_groups=[{"key": "sim_status", "prefix": "state"}], groups={"all_field_sensors": "sim_fleet_name == 'field-sensors'"},
                  compose={"sim_label": "sim_fleet_name ~ '/' ~ sim_sid"})
    simulator.reset_stats()
    data, hostvars = inventory_list(path, sim_env(simulator, TWILIO_TIMEOUT="10", TWILIO_MAX_RETRIES="2"), cwd=workdir)
    stats = simulator.stats()
    assert stats["by_path"]["/supersim/v1/Sims"] == 2  # one query per status
    fleet = next(f["sid"] for f in truth["fleets"] if f["unique_name"] == "field-sensors")
    wanted = [r for r in truth["supersim_sims"] if r["fleet_sid"] == fleet and r["status"] in ("active", "inactive")]
    assert wanted
    assert sorted(hostvars) == sorted("sim-" + r["iccid"] for r in wanted)
    for record in wanted:
        assert hostvars["sim-" + record["iccid"]] == {"sim_sid": record["sid"], "sim_status": record["status"],
                                                      "sim_fleet_name": "field-sensors", "sim_label": "field-sensors/" + record["sid"]}
    for status in ("active", "inactive"):
        expected = sorted("sim-" + r["iccid"] for r in wanted if r["status"] == status)
        assert sorted(group_hosts(data, "state_" + status)) == expected
        assert sorted(group_hosts(data, "status_" + status)) == expected
    assert sorted(group_hosts(data, "all_field_sensors")) == sorted(hostvars)
    assert sorted(group_hosts(data, "fleet_field_sensors")) == sorted(hostvars)

    # Wireless: rate plan by SID, API key from the environment, no default groups, no name lookups
    plan = truth["rate_plans"][0]
    path = source(workdir, products=["wireless"], rate_plan=plan["sid"], statuses=["suspended", "active"], default_groups=False,
                  resolve_group_names=False)
    env = {"TWILIO_ACCOUNT_SID": simulator.account_sid, "TWILIO_API_KEY": simulator.api_key, "TWILIO_API_SECRET": simulator.api_secret,
           "TWILIO_BASE_URL": simulator.product_url}
    simulator.reset_stats()
    data, hostvars = inventory_list(path, env, cwd=workdir)
    assert set(simulator.stats()["by_path"]) == {"/wireless/v1/Sims"}
    wanted = [r["sid"] for r in truth["wireless_sims"] if r["rate_plan_sid"] == plan["sid"] and r["status"] in ("active", "suspended")]
    assert sorted(v["twilio_sid"] for v in hostvars.values()) == sorted(wanted)
    assert not [g for g in data if g.startswith(("status_", "rate_plan_"))]

    # ICCID filter
    record = truth["wireless_sims"][3]
    data, hostvars = inventory_list(source(workdir, iccid=record["iccid"]), sim_env(simulator), cwd=workdir)
    assert [v["twilio_sid"] for v in hostvars.values()] == [record["sid"]]


def test_duplicate_names_are_renamed_not_lost(workdir, simulator_factory):
    sim = simulator_factory(fixture=os.path.join(FIXTURES, "inventory_duplicates.json"))
    result = run(["ansible-inventory", "-i", source(workdir), "--list"], env=sim_env(sim), cwd=workdir)
    hostvars = plain(json.loads(result.stdout)["_meta"]["hostvars"])
    truth = sim.truth
    records = truth["wireless_sims"] + truth["supersim_sims"]
    assert sorted(v["twilio_sid"] for v in hostvars.values()) == sorted(r["sid"] for r in records)
    pumps = sorted((r for r in records if r["unique_name"] == "pump"), key=lambda r: (r["date_created"], r["sid"]))
    assert len(pumps) == 2
    assert hostvars["sim-pump"]["twilio_sid"] == pumps[0]["sid"]
    assert hostvars["sim-pump_" + pumps[1]["sid"]]["twilio_sid"] == pumps[1]["sid"]
    assert "share a host name" in result.stderr


def test_cache_second_run_makes_no_request(workdir, simulator):
    cache_dir = workdir / "cache"
    path = source(workdir, cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir), enrich=["esim_profiles"])
    simulator.reset_stats()
    first = run(["ansible-inventory", "-i", path, "--list"], env=sim_env(simulator), cwd=workdir).stdout
    assert simulator.stats()["requests"] == 5
    simulator.reset_stats()
    second = run(["ansible-inventory", "-i", path, "--list"], env=sim_env(simulator), cwd=workdir).stdout
    assert simulator.stats()["requests"] == 0
    assert json.loads(second) == json.loads(first)
    simulator.reset_stats()
    run(["ansible-inventory", "-i", path, "--list", "--flush-cache"], env=sim_env(simulator), cwd=workdir)
    assert simulator.stats()["requests"] == 5
    files = list(cache_dir.iterdir())
    assert len(files) == 1
    text = files[0].read_text()
    assert simulator.truth["supersim_sims"][0]["sid"] in text
    secrets = [simulator.auth_token] + [p[f] for p in simulator.truth["esim_profiles"] for f in ("activation_code", "matching_id") if p[f]]
    assert not [s for s in secrets if s in text]


def kore_env(sim, client=1):
    client_id, secret = (sim.client_id, sim.client_secret) if client == 1 else (sim.second_client_id, sim.second_client_secret)
    return {"KORE_CLIENT_ID": client_id, "KORE_CLIENT_SECRET": secret, "KORE_TOKEN_URL": sim.token_url,
            "TWILIO_BASE_URL": sim.product_url}


def test_kore_inventory_with_cache_and_no_secret_anywhere(workdir, simulator_factory):
    sim = simulator_factory(seed=31, wireless_sims=40, super_sims=30, platform="kore")
    cache_dir = workdir / "cache"
    path = source(workdir, cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir),
                  enrich=["esim_profiles", "ip_addresses"])
    verbose = run(["ansible-inventory", "-i", path, "--graph", "-vvv"], env=kore_env(sim), cwd=workdir)
    first = run(["ansible-inventory", "-i", path, "--list"], env=kore_env(sim), cwd=workdir)
    data = plain(json.loads(first.stdout))
    hostvars = data["_meta"]["hostvars"]
    truth = sim.kore_truth
    assert sorted(v["twilio_sid"] for v in hostvars.values()) == sorted(r["sid"] for r in truth["wireless_sims"] + truth["supersim_sims"])
    assert len(group_hosts(data, "twilio_wireless")) == 40 and len(group_hosts(data, "twilio_supersim")) == 30
    # The second client (account 2) has its own cache entry: the key is the platform and the client, not the URL alone.
    second = plain(json.loads(run(["ansible-inventory", "-i", path, "--list"], env=kore_env(sim, client=2), cwd=workdir).stdout))
    assert set(v["twilio_account_sid"] for v in second["_meta"]["hostvars"].values()) == {sim.second_account_sid}
    assert len(list(cache_dir.iterdir())) == 2
    log = sim.requests_log()
    sim.reset_stats()
    again = run(["ansible-inventory", "-i", path, "--list"], env=kore_env(sim), cwd=workdir)
    assert json.loads(again.stdout) == json.loads(first.stdout)
    assert sim.request_counts() == {}  # from the cache: no token request, no API request
    # Where each credential went, and where none may be.
    assert all(entry["listener"] == "token" for entry in log if entry.get("client_secret"))
    tokens = set(entry["credential"] for entry in log if entry["listener"] == "api")
    assert tokens and all(entry["auth"] == "bearer" for entry in log if entry["listener"] == "api")
    secrets = [sim.client_secret, sim.second_client_secret] + sorted(tokens)
    texts = [verbose.stdout, verbose.stderr, first.stdout, first.stderr] + [f.read_text() for f in cache_dir.iterdir()]
    assert "sim-" in verbose.stdout
    assert not [secret for secret in secrets for text in texts if secret in text]


def test_kore_wrong_secret_fails_the_source_without_api_request(workdir, simulator_factory):
    sim = simulator_factory(seed=32, wireless_sims=5, super_sims=5, platform="kore")
    path = source(workdir)
    result = run(["ansible-inventory", "-i", path, "--list", "-vvv"], env=dict(kore_env(sim), KORE_CLIENT_SECRET="wrong-secret-0001"),
                 cwd=workdir, check=False)
    assert result.returncode != 0
    assert "unauthorized_client: Invalid client or Invalid client credentials" in result.stderr
    assert "api" not in sim.request_counts()
    assert "wrong-secret-0001" not in result.stdout + result.stderr


def test_enrichment(workdir, simulator):
    truth = simulator.truth
    path = source(workdir, products=["supersim"], enrich=["esim_profiles", "ip_commands", "sms_commands", "ip_addresses"],
                  compose={"ansible_host": "twilio_ip_addresses[0].ip_address"})
    simulator.reset_stats()
    data, hostvars = inventory_list(path, sim_env(simulator), cwd=workdir)
    by_path = simulator.stats()["by_path"]
    assert by_path["/supersim/v1/ESimProfiles"] == by_path["/supersim/v1/IpCommands"] == by_path["/supersim/v1/SmsCommands"] == 1
    assert sum(n for p, n in by_path.items() if p.endswith("/IpAddresses")) == len(truth["supersim_sims"])
    by_sid = dict((v["twilio_sid"], v) for v in hostvars.values())
    with_profile = [p for p in truth["esim_profiles"] if p["sim_sid"]]
    assert with_profile
    for profile in with_profile:
        newest = max((p for p in with_profile if p["sim_sid"] == profile["sim_sid"]), key=lambda p: (p["date_updated"], p["sid"]))
        assert (by_sid[profile["sim_sid"]]["twilio_esim_profile_status"], by_sid[profile["sim_sid"]]["twilio_eid"]) == \
            (newest["status"], newest["eid"])
    commanded = set(c["sim_sid"] for c in truth["ip_commands"])
    assert commanded
    for sid in commanded:
        newest = max((c for c in truth["ip_commands"] if c["sim_sid"] == sid), key=lambda c: (c["date_created"], c["sid"]))
        assert by_sid[sid]["twilio_last_ip_command_date"] == newest["date_created"]
        assert by_sid[sid]["twilio_last_ip_command_direction"] == newest["direction"]
    for sid in set(c["sim_sid"] for c in truth["sms_commands"]):
        newest = max((c for c in truth["sms_commands"] if c["sim_sid"] == sid), key=lambda c: (c["date_created"], c["sid"]))
        assert by_sid[sid]["twilio_last_sms_command_direction"] == newest["direction"]
    for sid, host in by_sid.items():
        assert host["twilio_ip_addresses"] == truth["ip_addresses"][sid]
        if truth["ip_addresses"][sid]:
            assert host["ansible_host"] == truth["ip_addresses"][sid][0]["ip_address"]


@pytest.mark.parametrize("case", ["wrong_token", "unknown_account", "missing_token"])
def test_auth_errors_fail_with_no_hosts(workdir, simulator, case):
    env = sim_env(simulator)
    if case == "wrong_token":
        env["TWILIO_AUTH_TOKEN"] = "f" * 32
    elif case == "unknown_account":
        env["TWILIO_ACCOUNT_SID"] = "AC" + "9" * 32
    else:
        del env["TWILIO_AUTH_TOKEN"]
    result = run(["ansible-inventory", "-i", source(workdir), "--list"], env=env, cwd=workdir, check=False)
    assert result.returncode != 0
    assert not result.stdout.strip()
    if case == "missing_token":
        assert "auth_token is required" in result.stderr and "TWILIO_AUTH_TOKEN" in result.stderr
    else:
        assert "Twilio API error 20003 (HTTP 401)" in result.stderr
    assert "Traceback" not in result.stderr and "f" * 32 not in result.stderr


def test_without_unparsed_is_failed_there_are_no_sim_hosts(workdir, simulator):
    """Ansible's default only warns about a failed source: still no SIM host, never a partial list."""
    env = sim_env(simulator, TWILIO_AUTH_TOKEN="f" * 32, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="false")
    data, hostvars = inventory_list(source(workdir), env, cwd=workdir)
    assert hostvars == {} and "twilio_sims" not in data


@pytest.mark.parametrize("faults, message", [
    ({"rate_5xx": 1.0}, "HTTP 50"),
    ({"truncate_rate": 1.0}, "not valid JSON"),
    ({"drop_rate": 1.0}, "cannot reach Twilio API"),
])
def test_api_failures_fail_with_no_hosts(workdir, simulator, faults, message):
    simulator.set_faults(**faults)
    try:
        env = sim_env(simulator, TWILIO_MAX_RETRIES="1", TWILIO_MAX_RETRY_TIME="2")
        result = run(["ansible-inventory", "-i", source(workdir), "--list"], env=env, cwd=workdir, check=False)
    finally:
        simulator.clear_faults()
    assert result.returncode != 0
    assert not result.stdout.strip()
    assert "simfleet.twilio.sims: cannot list" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_transient_faults_are_ridden_out(workdir, simulator):
    simulator.set_faults(rate_429=0.3, retry_after=0.01, seed=3)
    try:
        data, hostvars = inventory_list(source(workdir, statuses=["active", "ready", "inactive"]), sim_env(simulator), cwd=workdir)
    finally:
        simulator.clear_faults()
    truth = simulator.truth
    wanted = [r["sid"] for r in truth["wireless_sims"] if r["status"] in ("active", "ready")]
    wanted += [r["sid"] for r in truth["supersim_sims"] if r["status"] in ("active", "ready", "inactive")]
    assert sorted(v["twilio_sid"] for v in hostvars.values()) == sorted(wanted)


def test_api_data_is_never_templated(workdir, simulator_factory):
    sim = simulator_factory(fixture=os.path.join(FIXTURES, "inventory_injection.json"))
    path = source(workdir, products=["supersim"])
    data, hostvars = inventory_list(path, sim_env(sim), cwd=workdir)
    assert hostvars[PIPE_HOST]["twilio_unique_name"] == PIPE_NAME
    # A real ad-hoc run renders the variables: the text comes back, the lookup never runs
    result = run(["ansible", "-i", path, "twilio_supersim", "-m", "ansible.builtin.debug", "-a",
                  json.dumps({"msg": "{{ twilio_unique_name }} {{ twilio_fleet_name }}"})],
                 env=sim_env(sim), cwd=workdir)
    assert '"msg": "%s {{ 7 * 7 }}"' % PIPE_NAME in result.stdout
    assert "uid=" not in result.stdout and " 49" not in result.stdout


def test_no_secret_in_output_or_cache(workdir, simulator):
    cache_dir = workdir / "cache"
    path = source(workdir, cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir), enrich=["esim_profiles"])
    secrets = [simulator.auth_token, simulator.api_secret]
    secrets += [p[f] for p in simulator.truth["esim_profiles"] for f in ("activation_code", "matching_id") if p[f]]
    outputs = []
    for env in (sim_env(simulator), {"TWILIO_ACCOUNT_SID": simulator.account_sid, "TWILIO_API_KEY": simulator.api_key,
                                     "TWILIO_API_SECRET": simulator.api_secret, "TWILIO_BASE_URL": simulator.product_url}):
        for args in (["--list"], ["--list", "-vvv", "--flush-cache"], ["--graph", "-vvvv"]):
            result = run(["ansible-inventory", "-i", path] + args, env=env, cwd=workdir)
            outputs += [result.stdout, result.stderr]
    outputs += [f.read_text() for f in cache_dir.iterdir()]
    assert "twilio_esim_profile_status" in outputs[0]
    assert not [s for s in secrets if any(s in text for text in outputs)]


def test_vault_encrypted_token_in_config(workdir, simulator):
    password = workdir / "vault-password"
    password.write_text("e2e-vault-password\n")
    encrypted = run(["ansible-vault", "encrypt_string", "--vault-password-file", str(password), "--name", "auth_token",
                     simulator.auth_token], cwd=workdir).stdout
    path = workdir / "vault.twilio_sims.yml"
    path.write_text("plugin: simfleet.twilio.sims\nproducts: [wireless]\naccount_sid: %s\nbase_url: %s\n%s"
                    % (simulator.account_sid, simulator.product_url, encrypted))
    result = run(["ansible-inventory", "-i", str(path), "--list", "--vault-password-file", str(password)], cwd=workdir)
    hostvars = plain(json.loads(result.stdout)["_meta"]["hostvars"])
    assert len(hostvars) == len(simulator.truth["wireless_sims"])
    assert simulator.auth_token not in result.stdout + result.stderr


def test_options_templated_from_extra_vars(workdir, simulator):
    path = source(workdir, products=["supersim"], account_sid="{{ sim_account }}", auth_token="{{ sim_token }}",
                  base_url=simulator.product_url)
    extra = json.dumps({"sim_account": simulator.account_sid, "sim_token": simulator.auth_token})
    data, hostvars = inventory_list(path, {}, "-e", extra, cwd=workdir)
    assert len(hostvars) == len(simulator.truth["supersim_sims"])


def test_demo_inventory(workdir, simulator):
    demo = os.path.join(ROOT, "playbooks", "demo.twilio_sims.yml")
    graph = run(["ansible-inventory", "-i", demo, "--graph"], env=sim_env(simulator), cwd=workdir).stdout
    counts = graph_counts(graph)
    assert counts["twilio_sims"] == len(simulator.truth["wireless_sims"]) + len(simulator.truth["supersim_sims"])
    assert counts["status_active"] == sum(1 for r in simulator.truth["wireless_sims"] + simulator.truth["supersim_sims"]
                                          if r["status"] == "active")


# -- a SIM never takes over another source's host ------------------------------------------------------------------

STATIC_INI = """\
localhost ansible_connection=local owner=static
db01 ansible_host=10.0.0.5 ansible_connection=ssh owner=static
web01 ansible_host=10.0.0.6 owner=static

[databases]
db01

[webservers]
web01
"""
STATIC_YAML = """\
all:
  hosts:
    localhost: {ansible_connection: local, owner: static}
  children:
    databases:
      hosts:
        db01: {ansible_host: 10.0.0.5, ansible_connection: ssh, owner: static}
    webservers:
      hosts:
        web01: {ansible_host: 10.0.0.6, owner: static}
"""
# What ansible-inventory shows for the static hosts when no other source touches them.
STATIC_HOSTS = {
    "db01": ({"ansible_host": "10.0.0.5", "ansible_connection": "ssh", "owner": "static"}, {"databases"}),
    "web01": ({"ansible_host": "10.0.0.6", "owner": "static"}, {"webservers"}),
    "localhost": ({"ansible_connection": "local", "owner": "static"}, {"ungrouped"}),
}
SIM_HOST_NAME = re.compile(r"^sim-[A-Za-z0-9_.-]+$")


def host_groups(data, host):
    """The groups that list ``host`` directly in ansible-inventory --list output."""
    return set(group for group, value in data.items() if group != "_meta" and host in value.get("hosts", []))


def clash_sources(workdir, static_format):
    """A static inventory (INI or YAML) and a SIM source with the README's compose example plus a variable of the same
    name as one of the static hosts' (owner)."""
    static = workdir / ("static.ini" if static_format == "ini" else "static.yml")
    static.write_text(STATIC_INI if static_format == "ini" else STATIC_YAML)
    plugin = source(workdir, enrich=["ip_addresses"],
                    compose={"ansible_host": "twilio_ip_addresses[0].ip_address",
                             "ansible_connection": "'ssh' if twilio_ip_addresses else 'local'", "owner": "'sim'"})
    return str(static), plugin


@pytest.mark.parametrize("static_format", ["ini", "yaml"])
@pytest.mark.parametrize("plugin_first", [False, True], ids=["static_first", "plugin_first"])
def test_sims_never_take_over_static_hosts(workdir, simulator_factory, static_format, plugin_first):
    """SIMs named db01 (both products), web01, localhost, 127.0.0.1 and ::1 next to a static inventory with db01, web01
    and localhost, in both -i orders: the static hosts keep exactly their own variables and groups; every SIM is a host
    of its own."""
    sim = simulator_factory(fixture=os.path.join(FIXTURES, "inventory_host_clash.json"))
    static, plugin = clash_sources(workdir, static_format)
    first, second = (plugin, static) if plugin_first else (static, plugin)
    data, hostvars = inventory_list(first, sim_env(sim), "-i", second, cwd=workdir)
    data = plain(data)  # host names in groups too, on ansible-core before 2.19
    for host, (variables, groups) in STATIC_HOSTS.items():
        assert hostvars[host] == variables, host
        assert host_groups(data, host) == groups, host
        shown = run(["ansible-inventory", "-i", first, "-i", second, "--host", host], env=sim_env(sim), cwd=workdir).stdout
        assert plain(json.loads(shown)) == variables, host

    truth = sim.truth
    sims = truth["wireless_sims"] + truth["supersim_sims"]
    sim_hosts = dict((v["twilio_sid"], host) for host, v in hostvars.items() if "twilio_sid" in v)
    assert sorted(sim_hosts) == sorted(r["sid"] for r in sims)  # one host per SIM, none merged into another
    assert sorted(sim_hosts.values()) == sorted(group_hosts(data, "twilio_sims"))
    assert sorted(hostvars) == sorted(list(STATIC_HOSTS) + list(sim_hosts.values()))
    assert [name for name in sim_hosts.values() if not SIM_HOST_NAME.match(name)] == []
    for name in ("db01", "web01", "localhost", "127.0.0.1"):
        assert hostvars["sim-" + name]["twilio_unique_name"] == name
    assert hostvars["sim-__1"]["twilio_unique_name"] == "::1"
    # compose applies to the SIM's own host only
    assert (hostvars["sim-web01"]["ansible_host"], hostvars["sim-web01"]["ansible_connection"]) == ("10.66.0.1", "ssh")
    assert hostvars["sim-db01"]["ansible_connection"] == "local" and hostvars["sim-db01"]["owner"] == "sim"


def test_sim_host_names_are_literal_in_patterns(workdir, simulator_factory):
    """SIMs named all, ungrouped, *, ~regex, a:b, a,b, !a, &a, a[0], @file, ../path, ...: each SIM host name, used as a
    pattern (as in --limit or hosts:), selects that SIM's host and nothing else, and the static hosts stay as they are."""
    sim = simulator_factory(fixture=os.path.join(FIXTURES, "inventory_hostile_names.json"))
    static, plugin = clash_sources(workdir, "ini")
    data, hostvars = inventory_list(static, sim_env(sim), "-i", plugin, cwd=workdir)
    data = plain(data)
    for host, (variables, groups) in STATIC_HOSTS.items():
        assert hostvars[host] == variables and host_groups(data, host) == groups, host
    sim_hosts = sorted(host for host, v in hostvars.items() if "twilio_sid" in v)
    assert len(sim_hosts) == len(sim.truth["wireless_sims"]) + len(sim.truth["supersim_sims"])
    assert [name for name in sim_hosts if not SIM_HOST_NAME.match(name)] == []
    for name, host in (("all", "sim-all"), ("ungrouped", "sim-ungrouped"), ("twilio_sims", "sim-twilio_sims"), ("*", "sim-_"),
                       ("~.*", "sim-_._"), ("!db01", "sim-_db01"), ("../group_vars/all", "sim-.._group_vars_all"),
                       ("localhost", "sim-localhost"), ("fe80::1", "sim-fe80__1")):
        assert hostvars[host]["twilio_unique_name"] == name

    def selected(pattern):
        result = run(["ansible", "-i", static, "-i", plugin, pattern, "--list-hosts"], env=sim_env(sim), cwd=workdir)
        return sorted(line.strip() for line in result.stdout.splitlines()[1:] if line.strip())

    assert selected(",".join(sim_hosts)) == sim_hosts
    assert selected("sim-*") == sim_hosts
    assert selected("all:!twilio_sims") == sorted(STATIC_HOSTS)
    for host in ("sim-all", "sim-_", "sim-_._", "sim-db01_web01"):
        assert selected(host) == [host]


def test_plugin_after_a_source_using_its_namespace_fails(workdir, simulator_factory):
    """A host or group of an earlier source named like a SIM host: the SIM source fails, naming them, and adds nothing."""
    sim = simulator_factory(fixture=os.path.join(FIXTURES, "inventory_host_clash.json"))
    static = workdir / "static.ini"
    static.write_text("sim-db01 ansible_host=10.0.0.7 owner=static\n\n[sim-web01]\ndb01\n")
    plugin = source(workdir)
    result = run(["ansible-inventory", "-i", str(static), "-i", plugin, "--list"], env=sim_env(sim), cwd=workdir, check=False)
    assert result.returncode != 0 and not result.stdout.strip()
    web01 = next(r["sid"] for r in sim.truth["supersim_sims"] if r["unique_name"] == "web01")
    message = " ".join(result.stderr.split())
    assert "SIM host names already in the inventory as a host of another source or as a group: " in message
    assert "sim-web01 (SIM %s)" % web01 in message and "sim-db01 (SIM " in message
    assert "Traceback" not in result.stderr

    # Ansible's default only warns about the failed source: the static hosts stay as they are, and no SIM host is added
    data, hostvars = inventory_list(str(static), sim_env(sim, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="false"), "-i", plugin,
                                    cwd=workdir)
    data = plain(data)
    assert hostvars == {"sim-db01": {"ansible_host": "10.0.0.7", "owner": "static"}}
    assert sorted(group_hosts(data, "all")) == ["db01", "sim-db01"] and "twilio_sims" not in data


def test_sim_record_without_sid_fails_the_source(workdir, httpserver):
    """Malformed API data (a SIM without a SID) fails the source with a clear message: no SIM is merged or dropped."""
    page = {"sims": [{"sid": "DE%032x" % 1, "unique_name": "one", "status": "active", "rate_plan_sid": None},
                     {"unique_name": "two", "status": "active", "rate_plan_sid": None}],
            "meta": {"key": "sims", "next_page_url": None}}
    httpserver.expect_request("/wireless/v1/Sims").respond_with_json(page)
    path = source(workdir, products=["wireless"], resolve_group_names=False)
    env = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "t" * 32, "TWILIO_BASE_URL": httpserver.url_for("/{product}")}
    result = run(["ansible-inventory", "-i", path, "--list"], env=env, cwd=workdir, check=False)
    assert result.returncode != 0 and not result.stdout.strip()
    message = " ".join(result.stderr.split())
    # the plugin's own check, or the shared client's if it refuses such records first
    assert re.search(r"simfleet\.twilio\.sims: cannot list wireless SIMs: (record 2 of 2 is not a SIM with a SID \(no sid\)|.*\bsid\b)",
                     message), message
    assert "Traceback" not in result.stderr
