# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""End-to-end tests of the info modules: real ``ansible-playbook`` runs against the simulator.

Every expectation comes from the simulator's own truth (``sim.truth``) or its request counters. Module
calls are batched into a few playbook runs (each ``ansible-playbook`` start costs a second or two):

- ``listing_run``: filters, counts per status and direction, limit, fetch by SID and unique name, check
  mode, a second account (module_defaults with the action group); credentials from environment variables
  and API keys with exact request counts while paging (its own simulator); a fault storm that must be ridden
  out (its own simulator); template-looking API data (a fixture file).
- ``failure_run`` (at ``-vvv``): bad input refused before any request, wrong credentials, persistent
  faults, and no secret anywhere in the output.
- a malformed ``base_url`` (port out of range, broken IPv6 literal) must fail with a message;
- the reliability figure: 10,000 Wireless SIMs under 20% 429 and 5% 503, pages of 1000 and of 100.
"""

import collections
import copy
import json
import math
import os
from collections import Counter

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

from _ansible import run_plays  # noqa: E402
from _table import LISTING_MODULES, sid_prefix, truth_key  # noqa: E402
from simulator import Simulator  # noqa: E402

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS, redact  # noqa: E402

FIXTURES = os.path.join(HERE, "fixtures")
GROUP = "group/simfleet.twilio.twilio"
TRUTH_KEYS = dict((name, truth_key(name)) for name in LISTING_MODULES)
MODULE = dict((name, "simfleet.twilio.%s_info" % name) for name in ENDPOINTS)
PREFIX = dict((name, sid_prefix(name)) for name in TRUTH_KEYS)
LIMIT = 7
PAGING_PAGE_SIZE = 7
STORM_PAGE_SIZE = 20
STORM = dict(rate_429=0.2, rate_5xx=0.05, status_5xx=503, retry_after=0.02, seed=11)
RAW_TEMPLATE = "{% raw %}{{ 7 * 7 }}{% endraw %}"   # the module receives the text "{{ 7 * 7 }}"


def connection(sim, **extra):
    return dict(account_sid=sim.account_sid, auth_token=sim.auth_token, base_url=sim.product_url, **extra)


def choices(name, option):
    return next(f.choices for f in ENDPOINTS[name].filters if f.option == option)


def has_filter(name, option):
    return option in [f.option for f in ENDPOINTS[name].filters]


STATUS_MODULES = [name for name in TRUTH_KEYS if has_filter(name, "status")]


def expected_records(name, records, reveal=False):
    records = copy.deepcopy(list(records))
    return records if reveal else redact(ENDPOINTS[name], records)


def sids(records):
    return [r["sid"] for r in records]


class Cases:
    """Tasks plus what each must return, checked together after the run."""

    def __init__(self):
        self.expect = {}
        self.computed = {}   # task name -> a check of the records it returned, for figures the truth computes

    def task(self, name, module, args, expect=None, **keywords):
        task = dict({"name": name, MODULE[module]: args}, **keywords)
        if expect is not None:
            self.expect[name] = (module, expect)
        return task


# -- simulators ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sims(simulator):
    """The session simulator plus private ones whose counters and faults only these tests touch."""
    started = {}
    try:
        started["paging"] = Simulator(seed=2, wireless_sims=303, super_sims=60).start()
        started["storm"] = Simulator(seed=3, wireless_sims=250, super_sims=120, faults=STORM).start()
        started["template"] = Simulator(fixture=os.path.join(FIXTURES, "modules_template.json")).start()
        started["untouched"] = Simulator(seed=4, wireless_sims=5, super_sims=5).start()
        started["p503"] = Simulator(seed=5, wireless_sims=5, super_sims=5, faults=dict(rate_5xx=1.0, status_5xx=503)).start()
        started["p429"] = Simulator(seed=5, wireless_sims=5, super_sims=5,
                                    faults=dict(rate_429=1.0, retry_after=0.01)).start()
        started["truncated"] = Simulator(seed=5, wireless_sims=5, super_sims=5, faults=dict(truncate_rate=1.0)).start()
        started["dropped"] = Simulator(seed=5, wireless_sims=5, super_sims=5, faults=dict(drop_rate=1.0)).start()
        started["shared"] = simulator
        yield started
    finally:
        for key, sim in started.items():
            if key != "shared":
                sim.stop()


# -- the listing run ----------------------------------------------------------------------------------

def listing_plays(sims):
    shared, paging, storm, template = sims["shared"], sims["paging"], sims["storm"], sims["template"]
    truth = shared.truth
    cases = Cases()
    tasks = []

    # counts per status (every choice, also those with no record), per direction, and combined
    for name in TRUTH_KEYS:
        records = truth[TRUTH_KEYS[name]]
        tasks.append(cases.task("%s all" % name, name, {}, records))
        if name not in STATUS_MODULES:
            continue
        for status in choices(name, "status"):
            tasks.append(cases.task("%s status=%s" % (name, status), name, {"status": status},
                                    [r for r in records if r["status"] == status]))
        if "direction" in [f.option for f in ENDPOINTS[name].filters]:
            for direction in choices(name, "direction"):
                tasks.append(cases.task("%s direction=%s" % (name, direction), name, {"direction": direction},
                                        [r for r in records if r["direction"] == direction]))
        if name == "supersim_ip_command":
            status, direction = Counter((r["status"], r["direction"]) for r in records).most_common(1)[0][0]
            tasks.append(cases.task("%s status and direction" % name, name, {"status": status, "direction": direction},
                                    [r for r in records if (r["status"], r["direction"]) == (status, direction)]))

    # wireless filters
    wireless = truth["wireless_sims"]
    plan = next(p for p in truth["rate_plans"] if any(s["rate_plan_sid"] == p["sid"] for s in wireless))
    on_plan = [s for s in wireless if s["rate_plan_sid"] == plan["sid"]]
    with_eid = next(s for s in wireless if s["e_id"])
    code_sid, code = sorted(truth["registration_codes"].items())[0]
    tasks += [
        cases.task("wireless iccid", "wireless_sim", {"iccid": wireless[5]["iccid"]},
                   [s for s in wireless if s["iccid"] == wireless[5]["iccid"]]),
        cases.task("wireless rate_plan by sid", "wireless_sim", {"rate_plan": plan["sid"]}, on_plan),
        cases.task("wireless rate_plan by unique name", "wireless_sim", {"rate_plan": plan["unique_name"]}, on_plan),
        cases.task("wireless rate_plan unknown", "wireless_sim", {"rate_plan": "no-such-plan"}, []),
        cases.task("wireless e_id", "wireless_sim", {"e_id": with_eid["e_id"]},
                   [s for s in wireless if s["e_id"] == with_eid["e_id"]]),
        cases.task("wireless sim_registration_code", "wireless_sim", {"sim_registration_code": code},
                   [s for s in wireless if truth["registration_codes"].get(s["sid"]) == code]),
        cases.task("wireless status and rate_plan", "wireless_sim", {"status": "active", "rate_plan": plan["unique_name"]},
                   [s for s in on_plan if s["status"] == "active"]),
    ]
    assert any(s["sid"] == code_sid for s in tasks_expect(cases, "wireless sim_registration_code"))

    # Super SIM filters
    supersims = truth["supersim_sims"]
    fleet = next(f for f in truth["fleets"] if any(s["fleet_sid"] == f["sid"] for s in supersims))
    in_fleet = [s for s in supersims if s["fleet_sid"] == fleet["sid"]]
    tasks += [
        cases.task("supersim fleet by sid", "supersim_sim", {"fleet": fleet["sid"]}, in_fleet),
        cases.task("supersim fleet by unique name", "supersim_sim", {"fleet": fleet["unique_name"]}, in_fleet),
        cases.task("supersim iccid", "supersim_sim", {"iccid": supersims[3]["iccid"]},
                   [s for s in supersims if s["iccid"] == supersims[3]["iccid"]]),
    ]

    # eSIM profiles
    profiles = truth["esim_profiles"]
    linked = next(p for p in profiles if p["sim_sid"])
    with_eid_profile = next(p for p in profiles[2:] if p["eid"])
    tasks += [
        cases.task("esim eid", "supersim_esim_profile", {"eid": with_eid_profile["eid"]},
                   [p for p in profiles if p["eid"] == with_eid_profile["eid"]]),
        cases.task("esim sim_sid", "supersim_esim_profile", {"sim_sid": linked["sim_sid"]},
                   [p for p in profiles if p["sim_sid"] == linked["sim_sid"]]),
        cases.task("esim all, secrets revealed", "supersim_esim_profile", {"reveal_secrets": True},
                   ("reveal", profiles)),
    ]

    # commands: by SIM SID, by the SIM's unique name, by ICCID
    names = dict((s["sid"], s["unique_name"]) for s in supersims)
    for name, key in (("supersim_ip_command", "ip_commands"), ("supersim_sms_command", "sms_commands")):
        commands = truth[key]
        command = next(c for c in commands if names.get(c["sim_sid"]))
        same_sim = [c for c in commands if c["sim_sid"] == command["sim_sid"]]
        tasks += [
            cases.task("%s sim by sid" % name, name, {"sim": command["sim_sid"]}, same_sim),
            cases.task("%s sim by unique name" % name, name, {"sim": names[command["sim_sid"]]}, same_sim),
        ]
        if name == "supersim_ip_command":
            tasks.append(cases.task("ip sim_iccid", name, {"sim_iccid": command["sim_iccid"]},
                                    [c for c in commands if c["sim_iccid"] == command["sim_iccid"]]))

    # limit, fetch by SID / unique name / unknown SID, check mode
    for name, key in TRUTH_KEYS.items():
        records = truth[key]
        if ENDPOINTS[name].fetchable:
            tasks.append(cases.task("%s fetch by sid" % name, name, {"sid": records[3 % len(records)]["sid"]},
                                    [records[3 % len(records)]]))
        if name in ("wireless_sim", "supersim_sms_command"):
            tasks.append(cases.task("%s limit" % name, name, {"limit": LIMIT}, records[:LIMIT]))
        if name in ("wireless_sim", "supersim_ip_command"):
            tasks.append(cases.task("%s fetch unknown sid" % name, name, {"sid": PREFIX[name] + "0" * 32}, []))
    named = next(s for s in wireless if s["unique_name"])
    named_super = next(s for s in supersims[4:] if s["unique_name"])
    tasks += [
        cases.task("wireless fetch by unique name", "wireless_sim", {"sid": named["unique_name"]}, [named]),
        cases.task("supersim fetch by unique name", "supersim_sim", {"sid": named_super["unique_name"]}, [named_super]),
        cases.task("wireless in check mode", "wireless_sim", {"status": "suspended"},
                   [s for s in wireless if s["status"] == "suspended"], check_mode=True),
    ]

    # catalogues: fleets by network access profile, profiles with their networks, networks by country and code
    fleets, profiles, networks = truth["fleets"], truth["network_access_profiles"], truth["networks"]
    profile = next(p for p in profiles if any(f["network_access_profile_sid"] == p["sid"] for f in fleets))
    of_profile = [f for f in fleets if f["network_access_profile_sid"] == profile["sid"]]
    network = next(n for n in networks if n["identifiers"])
    code = network["identifiers"][0]
    tasks += [
        cases.task("fleets by profile sid", "supersim_fleet", {"network_access_profile": profile["sid"]}, of_profile),
        cases.task("fleets by profile name", "supersim_fleet", {"network_access_profile": profile["unique_name"]}, of_profile),
        cases.task("fleet fetch by unique name", "supersim_fleet", {"sid": fleets[0]["unique_name"]}, fleets[:1]),
        cases.task("rate plan fetch by unique name", "wireless_rate_plan", {"sid": truth["rate_plans"][0]["unique_name"]},
                   truth["rate_plans"][:1]),
        cases.task("profiles with networks", "supersim_network_access_profile", {"networks": True},
                   [dict(p, networks=[n for n in truth["nap_networks"] if n["network_access_profile_sid"] == p["sid"]])
                    for p in profiles]),
        cases.task("networks by country", "supersim_network", {"iso_country": network["iso_country"]},
                   [n for n in networks if n["iso_country"] == network["iso_country"]]),
        cases.task("networks by mcc and mnc", "supersim_network", {"mcc": code["mcc"], "mnc": code["mnc"]},
                   [n for n in networks if code in n["identifiers"]]),
    ]
    assert any(p["networks"] for p in tasks_expect(cases, "profiles with networks"))

    # records under one SIM, named by SID or unique name
    names.update((s["sid"], s["unique_name"]) for s in wireless)
    for module, key, product_sims in (("wireless_data_session", "data_sessions", wireless),
                                      ("supersim_billing_period", "billing_periods", supersims)):
        owners = set(r["sim_sid"] for r in truth[key])
        sim = next(s for s in product_sims if s["sid"] in owners and s["unique_name"])
        mine = [r for r in truth[key] if r["sim_sid"] == sim["sid"]]
        silent = next(s for s in product_sims if s["sid"] not in owners)
        tasks += [cases.task("%s by sim sid" % module, module, {"sim": sim["sid"]}, mine),
                  cases.task("%s by sim name" % module, module, {"sim": sim["unique_name"]}, mine),
                  cases.task("%s of a sim without any" % module, module, {"sim": silent["sid"]}, [])]
    addressed = next(sid for sid, addresses in sorted(truth["ip_addresses"].items()) if addresses)
    tasks.append(cases.task("ip addresses of a sim", "supersim_ip_address", {"sim": addressed}, truth["ip_addresses"][addressed]))
    updated = truth["settings_updates"][0]
    tasks += [
        cases.task("settings updates by sim sid", "supersim_settings_update", {"sim": updated["sim_sid"]},
                   [u for u in truth["settings_updates"] if u["sim_sid"] == updated["sim_sid"]]),
        cases.task("settings updates by sim and status", "supersim_settings_update",
                   {"sim": updated["sim_sid"], "status": updated["status"]},
                   [u for u in truth["settings_updates"] if (u["sim_sid"], u["status"]) == (updated["sim_sid"], updated["status"])]),
    ]
    tasks += usage_tasks(shared, cases)

    # a second account: its own records only, and none of account 1's
    second = shared.truth_for(shared.second_account_sid)
    second_creds = {"account_sid": shared.second_account_sid, "auth_token": shared.second_auth_token}
    tasks += [
        cases.task("second account wireless", "wireless_sim", second_creds, second["wireless_sims"]),
        cases.task("second account fetches a sid of account 1", "wireless_sim",
                   dict(second_creds, sid=wireless[0]["sid"]), []),
    ]
    main_play = dict(tasks=tasks, module_defaults={GROUP: connection(shared)})

    # credentials from the environment, API keys (options and environment), exact request counts
    ptruth = paging.truth
    env_play = dict(
        environment={"TWILIO_ACCOUNT_SID": paging.account_sid, "TWILIO_AUTH_TOKEN": paging.auth_token,
                     "TWILIO_BASE_URL": paging.product_url},
        tasks=[
            cases.task("env credentials, many pages", "wireless_sim", {"page_size": PAGING_PAGE_SIZE},
                       ptruth["wireless_sims"]),
            cases.task("api key options, limit over pages", "supersim_sim",
                       {"api_key": paging.api_key, "api_secret": paging.api_secret, "page_size": 10, "limit": 25},
                       ptruth["supersim_sims"][:25]),
            cases.task("api key from the environment", "supersim_esim_profile", {},
                       ptruth["esim_profiles"],
                       environment={"TWILIO_API_KEY": paging.api_key, "TWILIO_API_SECRET": paging.api_secret,
                                    "TWILIO_AUTH_TOKEN": "not-used-with-an-api-key"}),
            cases.task("limit within one page", "supersim_ip_command", {"limit": 5}, ptruth["ip_commands"][:5]),
        ])

    # a fault storm on every module: ridden out, every record exactly once and in order
    storm_play = dict(module_defaults={GROUP: connection(storm, max_retries=10)}, tasks=[
        cases.task("storm %s" % name, name, {"page_size": STORM_PAGE_SIZE}, storm.truth[key])
        for name, key in TRUTH_KEYS.items()])

    # API data that looks like templates stays text
    template_play = dict(module_defaults={GROUP: connection(template)}, spread=False, tasks=[
        cases.task("template sims", "wireless_sim", {}, template.truth["wireless_sims"], register="template_sims"),
        {"name": "template names used in a later task",
         "ansible.builtin.set_fact": {"template_names": "{{ template_sims.sims | map(attribute='unique_name') | list }}",
                                      "template_friendly": "{{ template_sims.sims[0].friendly_name }}",
                                      "template_first": "{{ template_sims.sims[0].unique_name }}"}},
        cases.task("template fetch by unique name", "wireless_sim", {"sid": RAW_TEMPLATE},
                   [s for s in template.truth["wireless_sims"] if s["unique_name"] == "{{ 7 * 7 }}"]),
        cases.task("template sms by sim name", "supersim_sms_command", {"sim": RAW_TEMPLATE},
                   template.truth["sms_commands"]),
        cases.task("template ip commands", "supersim_ip_command", {}, template.truth["ip_commands"]),
    ])
    return cases, [main_play, env_play, storm_play, template_play]


USAGE_START = "2026-11-20T00:00:00Z"
USAGE_END = "2026-11-27T06:00:00Z"


def usage_tasks(sim, cases):
    """Usage over a fixed window: account-wide and per SIM (Wireless), grouped by SIM and by fleet, and for one
    fleet (Super SIM); every figure is the simulator's closed form, summed here."""
    truth = sim.truth

    def used(sid):
        return sim.usage_between(sid, USAGE_START, USAGE_END)["total"]

    wireless_total = sum(used(s["sid"]) for s in truth["wireless_sims"])
    busy = max(truth["wireless_sims"], key=lambda s: used(s["sid"]))
    per_sim = dict((s["sid"], used(s["sid"])) for s in truth["supersim_sims"])
    per_fleet = collections.Counter()
    for s in truth["supersim_sims"]:
        if s["fleet_sid"]:
            per_fleet[s["fleet_sid"]] += per_sim[s["sid"]]
    fleet = max(per_fleet, key=per_fleet.get)
    window = {"start_time": USAGE_START, "end_time": USAGE_END}
    wireless_window = {"start": USAGE_START, "end": USAGE_END}
    assert wireless_total > 0 and per_fleet[fleet] > 0 and used(busy["sid"]) > 0
    cases.computed.update({
        "wireless usage of the account": lambda records: [r["data"]["total"] for r in records] == [wireless_total],
        "wireless usage of one sim": lambda records: [(r["sim_sid"], r["data"]["total"]) for r in records] == [
            (busy["sid"], used(busy["sid"]))],
        "supersim usage by sim": lambda records: dict((r["sim_sid"], r["data_total"]) for r in records if r["data_total"]) == dict(
            (sid, total) for sid, total in per_sim.items() if total),
        "supersim usage by fleet": lambda records: dict((r["fleet_sid"], r["data_total"]) for r in records if r["data_total"]) == dict(
            (sid, total) for sid, total in per_fleet.items() if total),
        "supersim usage of one fleet": lambda records: [r["data_total"] for r in records] == [per_fleet[fleet]],
    })
    return [
        cases.task("wireless usage of the account", "wireless_usage_record", dict(wireless_window, granularity="all")),
        cases.task("wireless usage of one sim", "wireless_usage_record", dict(wireless_window, sim=busy["unique_name"] or busy["sid"])),
        cases.task("supersim usage by sim", "supersim_usage_record", dict(window, group="sim", page_size=7)),
        cases.task("supersim usage by fleet", "supersim_usage_record", dict(window, group="fleet")),
        cases.task("supersim usage of one fleet", "supersim_usage_record", dict(window, fleet=fleet)),
    ]


def tasks_expect(cases, name):
    return cases.expect[name][1]


@pytest.fixture(scope="module")
def listing_run(sims, tmp_path_factory):
    for key in ("paging", "storm", "template"):
        sims[key].reset_stats()
    cases, plays = listing_plays(sims)
    run = run_plays(str(tmp_path_factory.mktemp("listing")), plays)
    stats = dict((key, sims[key].stats()) for key in ("paging", "storm", "template"))
    return cases, run, stats


def test_listing_run_succeeds(listing_run):
    cases, run, _stats = listing_run
    assert run.rc == 0, run.output[-5000:]
    assert "Traceback" not in run.output


def test_every_task_returns_the_truth(listing_run):
    """Counts per status and direction, every filter, limit, fetches, check mode, isolation, storm."""
    cases, run, _stats = listing_run
    checked = 0
    for name, (module, expect) in cases.expect.items():
        reveal = isinstance(expect, tuple) and expect[0] == "reveal"
        records = expect[1] if reveal else expect
        result = run.ok(name)
        returned = result[ENDPOINTS[module].key]
        want = expected_records(module, records, reveal=reveal)
        if ENDPOINTS[module].sid_pattern:
            assert sids(returned) == sids(want), name
        assert returned == want, name
        assert result["changed"] is False, name
        checked += 1
    assert checked == len(cases.expect)


def test_usage_figures_add_up_to_the_truth(listing_run):
    """Usage records: the account, one SIM, per SIM, per fleet and one fleet equal the simulator's closed form."""
    cases, run, _stats = listing_run
    assert len(cases.computed) == 5
    for name, check in cases.computed.items():
        result = run.ok(name)
        key = next(k for k in result if k.endswith("usage_records"))
        assert result[key] and check(result[key]), (name, result[key][:3])


def test_status_counts_cover_the_fleet(listing_run, sims):
    """The per-status listings add up to the whole fleet: no status is lost between filter and truth."""
    cases, run, _stats = listing_run
    truth = sims["shared"].truth
    for name in STATUS_MODULES:
        key = TRUTH_KEYS[name]
        per_status = dict((status, len(run.ok("%s status=%s" % (name, status))[ENDPOINTS[name].key]))
                          for status in choices(name, "status"))
        assert per_status == dict((status, sum(1 for r in truth[key] if r["status"] == status))
                                  for status in choices(name, "status")), name
        assert sum(per_status.values()) == len(truth[key]), name
        if "direction" in [f.option for f in ENDPOINTS[name].filters]:
            per_direction = [len(run.ok("%s direction=%s" % (name, d))[ENDPOINTS[name].key])
                             for d in choices(name, "direction")]
            assert sum(per_direction) == len(truth[key]) and min(per_direction) > 0, name


def test_esim_secrets_redacted_by_default(listing_run, sims):
    cases, run, _stats = listing_run
    truth = sims["shared"].truth["esim_profiles"]
    secrets = [p[f] for p in truth for f in ("activation_code", "matching_id") if p[f]]
    assert secrets, "the fleet should have profiles with activation codes"
    listed = [p for s in choices("supersim_esim_profile", "status")
              for p in run.ok("supersim_esim_profile status=%s" % s)["esim_profiles"]]
    assert len(listed) == len(truth)
    for profile in listed:
        for field in ("activation_code", "matching_id"):
            assert profile[field] in (None, "<redacted>")
    assert sum(1 for p in listed if p["activation_code"] == "<redacted>") == sum(1 for p in truth if p["activation_code"])
    revealed = run.ok("esim all, secrets revealed")["esim_profiles"]
    assert sorted(p["activation_code"] for p in revealed if p["activation_code"]) == sorted(
        p["activation_code"] for p in truth if p["activation_code"])
    # revealed only where asked: no other task's output carries a code
    everything_else = json.dumps(dict((k, v) for k, v in run.results.items() if k != "esim all, secrets revealed"))
    assert not [s for s in secrets if s in everything_else]


def test_env_credentials_api_keys_and_request_counts(listing_run, sims):
    """Paging over many pages and limit ask for exactly the pages they need (the paging simulator's counters)."""
    _cases, run, stats = listing_run
    truth = sims["paging"].truth
    by_path = stats["paging"]["by_path"]
    assert by_path["/wireless/v1/Sims"] == math.ceil(len(truth["wireless_sims"]) / PAGING_PAGE_SIZE) > 40
    assert by_path["/supersim/v1/Sims"] == 3               # 25 records in pages of 10
    assert by_path["/supersim/v1/IpCommands"] == 1          # limit 5 fits in the first page
    assert by_path["/supersim/v1/ESimProfiles"] == math.ceil(len(truth["esim_profiles"]) / 1000)
    assert stats["paging"]["requests"] == sum(by_path.values())
    assert set(str(k) for k in stats["paging"]["by_status"]) == {"200"}


def test_storm_is_ridden_out(listing_run, sims):
    """429s with Retry-After and 5xx were served, and every module still returned its whole list."""
    _cases, run, stats = listing_run
    by_status = dict((str(k), v) for k, v in stats["storm"]["by_status"].items())
    assert by_status.get("429", 0) > 0, by_status
    assert by_status.get("503", 0) > 0, by_status
    pages = sum(max(1, math.ceil(len(sims["storm"].truth[key]) / STORM_PAGE_SIZE)) for key in TRUTH_KEYS.values())
    assert by_status["200"] == pages, (by_status, pages)
    for name in TRUTH_KEYS:
        assert len(run.ok("storm %s" % name)[ENDPOINTS[name].key]) == len(sims["storm"].truth[TRUTH_KEYS[name]])


def test_template_looking_data_stays_text(listing_run, sims):
    _cases, run, _stats = listing_run
    truth = sims["template"].truth
    names = [s["unique_name"] for s in truth["wireless_sims"]]
    assert "{{ 7 * 7 }}" in names
    assert run.ok("template sims")["sims"][0]["unique_name"] == "{{ 7 * 7 }}"
    facts = run.ok("template names used in a later task")["ansible_facts"]
    assert facts["template_names"] == names
    assert facts["template_first"] == "{{ 7 * 7 }}"
    assert facts["template_friendly"] == "{{ lookup('env', 'HOME') }}"
    assert run.ok("template fetch by unique name")["sims"][0]["unique_name"] == "{{ 7 * 7 }}"
    assert run.ok("template sms by sim name")["sms_commands"][0]["payload"] == "{{ 7 * 7 }}"
    assert run.ok("template ip commands")["ip_commands"][0]["payload"] == "{{ ansible_password }}"


# -- the failure run ----------------------------------------------------------------------------------

def failure_tasks(sims):
    shared, untouched = sims["shared"], sims["untouched"]
    ok = connection(untouched)
    bad_input = [
        ("invalid choice", "wireless_sim", dict(ok, status="lost"), ["status", "lost"]),
        ("invalid direction", "supersim_sms_command", dict(ok, direction="sideways"), ["direction"]),
        ("bad sim_sid pattern", "supersim_esim_profile", dict(ok, sim_sid="HX" + "1" * 32), ["sim_sid"]),
        ("bad sid pattern", "supersim_ip_command", dict(ok, sid="not-a-sid"), ["sid"]),
        ("page_size 0", "supersim_sms_command", dict(ok, page_size=0), ["page_size"]),
        ("page_size 1001", "wireless_sim", dict(ok, page_size=1001), ["page_size"]),
        ("limit 0", "supersim_sim", dict(ok, limit=0), ["limit"]),
        ("sid with a filter", "wireless_sim", dict(ok, sid="DE" + "1" * 32, status="active"), ["sid", "status"]),
        ("no account_sid", "wireless_sim", {"auth_token": untouched.auth_token, "base_url": untouched.product_url},
         ["account_sid", "TWILIO_ACCOUNT_SID"]),
        ("no auth_token", "supersim_sim", {"account_sid": untouched.account_sid, "base_url": untouched.product_url},
         ["auth_token", "TWILIO_AUTH_TOKEN"]),
        ("api_key without api_secret", "supersim_sim",
         {"account_sid": untouched.account_sid, "api_key": untouched.api_key, "base_url": untouched.product_url},
         ["api_secret"]),
        ("base_url not http", "wireless_sim", dict(ok, base_url="ftp://127.0.0.1/{product}"), ["base_url"]),
    ]
    fast = dict(max_retries=2, max_retry_time=10)
    failures = [
        ("wrong auth token", "wireless_sim", dict(connection(shared), auth_token="wrong-token-" + "7" * 20), ["20003"]),
        ("wrong api secret", "supersim_sim",
         dict(connection(shared), api_key=shared.api_key, api_secret="wrong-api-secret-" + "8" * 16), ["20003"]),
        ("unknown account", "supersim_esim_profile", dict(connection(shared), account_sid="AC" + "9" * 32), ["20003"]),
        ("persistent 503", "wireless_sim", connection(sims["p503"], **fast), ["20503", "HTTP 503", "gave up"]),
        ("persistent 429", "supersim_ip_command", connection(sims["p429"], **fast), ["20429", "HTTP 429", "gave up"]),
        ("truncated JSON", "supersim_sim", connection(sims["truncated"], **fast), ["not valid JSON"]),
        ("dropped connections", "supersim_sms_command", connection(sims["dropped"], **fast), ["cannot reach"]),
    ]
    tasks = [{"name": label, MODULE[module]: args, "ignore_errors": True} for label, module, args, _words in bad_input + failures]
    tasks += [
        {"name": "esim profiles at -vvv", MODULE["supersim_esim_profile"]: connection(shared)},
        {"name": "api key at -vvv", MODULE["supersim_esim_profile"]: dict(
            connection(shared, api_key=shared.api_key, api_secret=shared.api_secret), auth_token=None, limit=5)},
    ]
    return bad_input, failures, tasks


@pytest.fixture(scope="module")
def failure_run(sims, tmp_path_factory):
    sims["untouched"].reset_stats()
    bad_input, failures, tasks = failure_tasks(sims)
    run = run_plays(str(tmp_path_factory.mktemp("failures")), [dict(tasks=tasks)], verbosity=3)
    return bad_input, failures, run, sims["untouched"].stats()


def test_bad_input_is_refused_before_any_request(failure_run):
    bad_input, _failures, run, untouched_stats = failure_run
    for label, _module, _args, words in bad_input:
        result = run.failed(label)
        for word in words:
            assert word in result["msg"], (label, result["msg"])
    assert untouched_stats["requests"] == 0, untouched_stats


def test_failures_are_clear(failure_run):
    _bad_input, failures, run, _stats = failure_run
    for label, _module, _args, words in failures:
        result = run.failed(label)
        for word in words:
            assert word in result["msg"], (label, result["msg"])
        assert set(result["error"]) >= {"code", "message", "more_info", "status"}, label
        assert "Traceback" not in str(result.get("exception", "")), label
    assert run.failed("wrong auth token")["error"]["code"] == 20003
    assert run.failed("wrong auth token")["error"]["status"] == 401
    assert run.failed("persistent 503")["error"]["status"] == 503
    assert run.failed("persistent 429")["error"]["code"] == 20429
    assert "Traceback" not in run.output
    # every failing task ignores its error, so the run itself succeeds when nothing else failed
    assert run.rc == 0, run.output[-3000:]


def test_no_secret_in_output_at_vvv(failure_run, sims):
    _bad_input, _failures, run, _stats = failure_run
    shared = sims["shared"]
    assert "<redacted>" in run.stdout   # -vvv prints the results, so the check below reads them
    secrets = [shared.auth_token, shared.api_secret, shared.second_auth_token,
               "wrong-token-" + "7" * 20, "wrong-api-secret-" + "8" * 16]
    secrets += [p[f] for p in shared.truth["esim_profiles"] for f in ("activation_code", "matching_id") if p[f]]
    for key in ("p503", "p429", "truncated", "dropped", "untouched"):
        secrets.append(sims[key].auth_token)
    leaked = [s for s in set(secrets) if s in run.output or s in json.dumps(run.results)]
    assert leaked == []
    run.ok("esim profiles at -vvv")
    assert len(run.ok("api key at -vvv")["esim_profiles"]) == 5


def test_malformed_base_url_fails_clearly(sims, tmp_path):
    """A base_url that urllib cannot parse (port out of range, broken IPv6 literal) is refused with a message."""
    untouched = sims["untouched"]
    untouched.reset_stats()
    cases = [("base_url with port 99999", "wireless_sim", "http://127.0.0.1:99999/{product}"),
             ("base_url with a letter port", "supersim_ip_command", "http://127.0.0.1:8o8o/{product}"),
             ("base_url with a broken IPv6 host", "supersim_sim", "http://[::1/{product}")]
    tasks = [{"name": label, MODULE[module]: dict(connection(untouched), base_url=url), "ignore_errors": True}
             for label, module, url in cases]
    run = run_plays(str(tmp_path / "base_url"), [dict(tasks=tasks)], workers=1)
    problems = []
    for label, _module, _args in cases:
        result = run.failed(label)
        if "base_url" not in result.get("msg", "") or "Traceback" in json.dumps(result):
            problems.append("%s: %s" % (label, result.get("msg")))
    assert problems == [], problems
    assert "Traceback" not in run.output


# -- the reliability figure ---------------------------------------------------------------------------

def test_reliability_10000_sims_under_429_and_503(tmp_path, capsys):
    """20% 429 (Retry-After) and 5% 503: 10,000 Wireless SIMs come back exactly, with pages of 1000 and 100."""
    faults = dict(rate_429=0.2, rate_5xx=0.05, status_5xx=503, retry_after=0.02, seed=2026)
    with Simulator(seed=10, wireless_sims=10000, super_sims=1, faults=faults) as big, \
            Simulator(seed=10, wireless_sims=10000, super_sims=1, faults=faults) as big100:
        truth = sids(big.truth["wireless_sims"])
        assert len(set(truth)) == 10000 and sids(big100.truth["wireless_sims"]) == truth
        tasks = [
            {"name": "page_size 1000", MODULE["wireless_sim"]: connection(big)},
            {"name": "page_size 100", MODULE["wireless_sim"]: connection(big100, page_size=100)},
        ]
        run = run_plays(str(tmp_path / "reliability"), [dict(tasks=tasks)])
        stats = {"page_size 1000": big.stats(), "page_size 100": big100.stats()}
    assert run.rc == 0, run.output[-3000:]
    lines = []
    for label, page_size in (("page_size 1000", 1000), ("page_size 100", 100)):
        returned = sids(run.ok(label)["sims"])
        by_status = dict((str(k), v) for k, v in stats[label]["by_status"].items())
        pages = math.ceil(10000 / page_size)
        retries = stats[label]["requests"] - by_status.get("200", 0)
        assert len(returned) == 10000 and len(set(returned)) == 10000 and returned == truth, label
        assert by_status.get("200") == pages, (label, by_status)
        assert retries == by_status.get("429", 0) + by_status.get("503", 0) and by_status.get("503", 0) > 0
        lines.append("reliability %s: %d unique SIDs of 10000, %d requests (%d pages + %d retries: %s)"
                     % (label, len(set(returned)), stats[label]["requests"], pages, retries,
                        ", ".join("%s x%d" % kv for kv in sorted(by_status.items()))))
    assert sum(int(line.split("+ ")[1].split(" ")[0]) for line in lines) > 0, "the storm should force retries"
    with capsys.disabled():
        print("\n" + "\n".join(lines))


def test_created_after_stops_paging_at_the_window(tmp_path):
    """created_after returns exactly the commands of the window, and asks only for the pages that hold them."""
    with Simulator(seed=12, wireless_sims=1, super_sims=300, ip_commands=900, sms_commands=900) as sim:
        tasks, expected = [], {}
        for name in ("supersim_ip_command", "supersim_sms_command"):
            truth = sim.truth[TRUTH_KEYS[name]]
            bound = sorted(record["date_created"] for record in truth)[len(truth) * 3 // 4]  # the newest quarter
            expected[name] = [record["sid"] for record in truth if record["date_created"] >= bound]
            tasks.append({"name": name, MODULE[name]: connection(sim, page_size=50, created_after=bound)})
        sim.reset_stats()
        run = run_plays(str(tmp_path / "created_after"), [dict(tasks=tasks)])
        by_path = sim.stats()["by_path"]
    assert run.rc == 0, run.output[-3000:]
    for name, path in (("supersim_ip_command", "/supersim/v1/IpCommands"), ("supersim_sms_command", "/supersim/v1/SmsCommands")):
        returned = sids(run.ok(name)[ENDPOINTS[name].key])
        assert returned == expected[name] and 0 < len(returned) < 900
        assert by_path[path] == math.ceil((len(returned) + 1) / 50)  # up to the page holding the first older command
