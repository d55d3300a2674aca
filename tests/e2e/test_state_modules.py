# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""End-to-end tests of the state and command modules: real ``ansible-playbook`` runs against the simulator's writes.

Three playbook runs share the module's simulators, and every expectation is read from the simulator (its truth, its
write log and counters, its transition and lifecycle tables) before or after a run:

- run A, check mode (``-vvv``): every module's change in check mode with ``--diff``; the status transitions the
  simulator refuses; create-only fields on existing records; bad input against a simulator that must see no request;
- run B, apply (``-vvv``): the same changes for real, with ``--diff``; creates (Super SIM registration, fleet, network
  access profile, rate plan); commands with and without ``wait``; settling SIMs (``wait``, no ``wait``, too short a
  ``wait_timeout``); answers lost after the write was applied (commands not sent again, field updates retried);
- run C, again (``-vvv``): the same tasks a second time (no change and no write, one more command for a command
  module), a rate plan made absent twice, a network access profile's exact set of networks changed and kept.

Every state module (``plugins/modules`` without ``_info`` whose name is an endpoint) must have a case in CASE_BUILDERS
and BAD_INPUT; a new module fails test_every_state_module_is_covered until it has.
"""

import copy
import json
import os
import re

import pytest


from _ansible import run_plays  # noqa: E402
from _table import MODULES_DIR, STATE_MODULES  # noqa: E402
from simulator import Simulator  # noqa: E402
from simulator.faults import FAULT_5XX_AFTER_APPLY, FaultConfig, Faults  # noqa: E402
from simulator.resources import BY_NAME, SUPER_SIM_TRANSITIONS, WIRELESS_SIM_TRANSITIONS  # noqa: E402

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS  # noqa: E402

# A command module sends a new record every run; it is the endpoint of a resource with final statuses.
COMMAND_MODULES = [name for name in STATE_MODULES if ENDPOINTS[name].final_statuses]
# The simulator's resource (truth key, write log resource) behind each module.
RESOURCE = {"wireless_sim": "wireless_sims", "supersim_sim": "supersim_sims", "supersim_fleet": "fleets",
            "supersim_network_access_profile": "network_access_profiles", "wireless_rate_plan": "rate_plans",
            "supersim_sms_command": "sms_commands", "supersim_ip_command": "ip_commands", "wireless_command": "commands",
            "supersim_esim_profile": "esim_profiles"}
# The simulator's transition tables (requested status -> statuses it may come from) of the modules with a status.
TRANSITIONS = {"wireless_sim": WIRELESS_SIM_TRANSITIONS, "supersim_sim": SUPER_SIM_TRANSITIONS}
# The status the settling tests ask for (from active) in the modules whose changes settle asynchronously.
SETTLING = {"wireless_sim": "suspended", "supersim_sim": "inactive"}
WORKERS = 4
SETTLE_SECONDS = 3.0  # the settle simulator's delay: well after the too-short wait_timeout's single poll, at 1 second
SHORT_TIMEOUT = 1
# Command lifecycle steps of the main simulator: done (e.g. sent then failed) well before a waiting module's first poll,
# a second after sending.
COMMAND_STEP_SECONDS = 0.1
NO_DIFF = {"before": {}, "after": {}}


# -- helpers ----------------------------------------------------------------------------------------------------------

def connection(sim, **extra):
    return dict(account_sid=sim.account_sid, auth_token=sim.auth_token, base_url=sim.product_url, **extra)


def task(name, module, args, **keywords):
    """A task that never stops its worker: every outcome is checked by the tests."""
    return dict({"name": name, "simfleet.twilio.%s" % module: args, "ignore_errors": True}, **keywords)


def first(records, **match):
    found = [r for r in records if all(r.get(k) == v for k, v in match.items())]
    assert found, "no record matches %s" % match
    return found[0]


def by_sid(records, sid):
    found = [r for r in records if r["sid"] == sid]
    assert len(found) == 1, "%d records with SID %s" % (len(found), sid)
    return found[0]


def word(text, value):
    """``value`` appears in ``text`` as a word of its own (``active`` is not found in ``inactive``)."""
    return re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(str(value)), text or "") is not None


def writes_of(log, owns):
    """(method, path, params) of the write log entries a case owns, in order; list parameters sorted."""
    return [(e["method"], e["path"], normal(e["params"])) for e in log if owns(e)]


def normal(params):
    return dict((k, sorted(v) if isinstance(v, list) else v) for k, v in (params or {}).items())


def owner(*paths, create=None):
    """Which write log entries belong to a case: writes to one of ``paths`` (a record, by SID or unique name) or below
    it, and creates on ``create`` = (list path, parameter, value) with that parameter value."""
    def owns(entry):
        path = entry["path"]
        if any(path == p or path.startswith(p + "/") for p in paths):
            return True
        return create is not None and path == create[0] and entry["params"].get(create[1]) == create[2]
    return owns


def describe(module, record):
    """The module's description of a whole record: every field it manages that Twilio shows."""
    return dict((f.option, record.get(f.record_field)) for f in ENDPOINTS[module].fields if not f.write_only)


def settle_of(resource):
    """The interim status the simulator shows while a status change of ``resource`` settles."""
    return next(p for p in BY_NAME[resource].update if p.name == "Status").settle.interim


def lifecycle_end(resource, fails=False, receipt=True):
    cycle = BY_NAME[resource].lifecycle
    if fails:
        return cycle.failed
    return cycle.steps[-1] if receipt else cycle.steps[0]


def initial_status(resource):
    return dict(BY_NAME[resource].initial)["status"]


def seed_losing_first_answers(lost=2, rate=0.5):
    """A fault seed whose first ``lost`` draws lose a write's answer after applying it, and whose next draw is clean.

    A read that draws an after-apply fault is answered normally, so a module that reads once (or not at all) before
    its write gets the write applied with its answer lost, then a clean answer to a retry.
    """
    for seed in range(1, 100000):
        faults = Faults(FaultConfig(rate_5xx_after_apply=rate, status_5xx=503, seed=seed))
        if [faults.draw()[0] for dummy in range(lost + 1)] == [FAULT_5XX_AFTER_APPLY] * lost + [None]:
            return seed
    raise AssertionError("no seed found")


class Case:
    """One change a module makes, run in check mode (A), for real (B) and again (C).

    args: the module options (connection added); diff: the expected diff (check mode and apply); check_record: the
    record the check-mode result holds (the record as it is, None for a create or a command); writes(truth after B):
    the writes run B must send, exactly, in order; owns(truth): which write log entries are this case's (given the truth
    before run B for run A, the truth after run B for runs B and C); verify(result, truth after B): the change as the
    simulator has it; again_writes(truth after B): the writes run C must send for this case (none for a state module,
    one command for a command module, the next steps of a sequence); in_block: run C's task is part of a sequence;
    keywords: more task keywords.
    """

    def __init__(self, module, label, args, diff, writes, owns, verify, check_record=None, command=False,
                 again_writes=None, in_block=False, keywords=None):
        self.module, self.label, self.args, self.diff = module, label, args, diff
        self.writes, self.owns, self.verify = writes, owns, verify
        self.check_record, self.command, self.in_block = check_record, command, in_block
        self.again_writes = again_writes or (lambda truth: [])
        self.keywords = keywords or {}

    @property
    def name(self):
        return "%s %s" % (self.module, self.label)

    def task(self, sim, phase, **keywords):
        return task("%s %s" % (phase, self.name), self.module, dict(connection(sim), **self.args), diff=True,
                    **dict(self.keywords, **keywords))


# -- the cases of each module, from the main simulator's truth ---------------------------------------------------------

class Picks:
    """The records of the main simulator the cases use, chosen once from its truth before any run."""

    def __init__(self, sim):
        truth = self.truth = copy.deepcopy(sim.truth)
        wireless = [s for s in truth["wireless_sims"] if s["status"] == "active" and s["unique_name"] and s["rate_plan_sid"]]
        self.wsim, self.wcmd_sim = wireless[0], wireless[1]
        self.plan2 = first([p for p in truth["rate_plans"] if p["sid"] != self.wsim["rate_plan_sid"] and p["unique_name"]])
        fleets = [f for f in truth["fleets"] if f["unique_name"] and f["data_enabled"]]
        supers = [s for s in truth["supersim_sims"] if s["status"] == "active" and s["unique_name"] and s["fleet_sid"]
                  and s["fleet_sid"] in [f["sid"] for f in fleets]]
        self.ssim, self.scmd_sim = supers[0], supers[1]
        self.fleet1 = fleets[0]
        self.fleet2 = first([f for f in fleets if f["sid"] not in (self.ssim["fleet_sid"], self.fleet1["sid"])])
        self.fleet3 = fleets[-1]
        naps = [n for n in truth["network_access_profiles"] if n["unique_name"]]
        self.nap_other = first([n for n in naps if n["sid"] != self.fleet1["network_access_profile_sid"]])
        self.nap_new_fleet = naps[-1]
        self.networks = [n["sid"] for n in truth["networks"]]
        members = {}
        for n in truth["nap_networks"]:
            members.setdefault(n["network_access_profile_sid"], []).append(n["sid"])
        self.nap_existing = first([n for n in naps if len(members.get(n["sid"], [])) >= 2])
        self.nap_existing_members = sorted(members[self.nap_existing["sid"]])
        self.plan1, self.plan_frozen = truth["rate_plans"][0], truth["rate_plans"][1]
        self.fleet_frozen = fleets[-2]
        self.unregistered, self.unregistered_other = sim.unregistered_sims[:2]


def wireless_sim_cases(p):
    w, plan2 = p.wsim, p.plan2
    path = "/wireless/v1/Sims/%s" % w["sid"]
    args = dict(sid=w["sid"], status="suspended", rate_plan=plan2["unique_name"], unique_name=w["unique_name"])

    def verify(result, truth):
        record = by_sid(truth["wireless_sims"], w["sid"])
        assert (record["status"], record["rate_plan_sid"], record["unique_name"]) == ("suspended", plan2["sid"], w["unique_name"])
        assert result["sim"] == record
    return [Case("wireless_sim", "update", args,
                 diff={"before": {"status": w["status"], "rate_plan": w["rate_plan_sid"]},
                       "after": {"status": "suspended", "rate_plan": plan2["sid"]}},
                 writes=lambda truth: [("POST", path, {"Status": "suspended", "RatePlan": plan2["sid"]})],
                 owns=lambda truth: owner(path, "/wireless/v1/Sims/%s" % w["unique_name"]),
                 verify=verify, check_record=w)]


def supersim_sim_cases(p):
    s, fleet2, fleet3, pair = p.ssim, p.fleet2, p.fleet3, p.unregistered
    path = "/supersim/v1/Sims/%s" % s["sid"]
    update_args = dict(sid=s["unique_name"], status="inactive", fleet=fleet2["unique_name"])

    def verify_update(result, truth):
        record = by_sid(truth["supersim_sims"], s["sid"])
        assert (record["status"], record["fleet_sid"]) == ("inactive", fleet2["sid"])
        assert result["sim"] == record
    register_args = dict(iccid=pair["iccid"], registration_code=pair["registration_code"], fleet=fleet3["unique_name"],
                         status="active", unique_name="e2e-registered")
    assert not [r for r in p.truth["supersim_sims"] if r["iccid"] == pair["iccid"]]

    def registered(truth):
        found = [r for r in truth["supersim_sims"] if r["iccid"] == pair["iccid"]]
        return found[0] if found else None

    def register_writes(truth):
        return [("POST", "/supersim/v1/Sims", {"Iccid": pair["iccid"], "RegistrationCode": pair["registration_code"]}),
                ("POST", "/supersim/v1/Sims/%s" % registered(truth)["sid"],
                 {"Status": "active", "Fleet": fleet3["sid"], "UniqueName": "e2e-registered"})]

    def register_owns(truth):
        record = registered(truth)
        paths = ["/supersim/v1/Sims/e2e-registered"] + (["/supersim/v1/Sims/%s" % record["sid"]] if record else [])
        return owner(*paths, create=("/supersim/v1/Sims", "Iccid", pair["iccid"]))

    def verify_register(result, truth):
        found = [r for r in truth["supersim_sims"] if r["iccid"] == pair["iccid"]]
        assert len(found) == 1
        record = found[0]
        assert (record["status"], record["fleet_sid"], record["unique_name"]) == ("active", fleet3["sid"], "e2e-registered")
        assert result["sim"] == record
        assert pair not in truth["unregistered_sims"]
    return [
        Case("supersim_sim", "update", update_args,
             diff={"before": {"status": s["status"], "fleet": s["fleet_sid"]}, "after": {"status": "inactive", "fleet": fleet2["sid"]}},
             writes=lambda truth: [("POST", path, {"Status": "inactive", "Fleet": fleet2["sid"]})],
             owns=lambda truth: owner(path, "/supersim/v1/Sims/%s" % s["unique_name"]), verify=verify_update, check_record=s),
        Case("supersim_sim", "register", register_args,
             diff={"before": {}, "after": {"iccid": pair["iccid"], "status": "active", "fleet": fleet3["sid"],
                                           "unique_name": "e2e-registered"}},
             writes=register_writes, owns=register_owns, verify=verify_register,
             # the module's arguments in its result (as ansible-core before 2.21 always did, and -vvv shows): no_log must
             # hide the code there
             keywords={"vars": {"ansible_inject_invocation": True}}),
    ]


def supersim_fleet_cases(p):
    f, nap = p.fleet1, p.nap_other
    path = "/supersim/v1/Fleets/%s" % f["sid"]
    limit = f["data_limit"] + 111
    # sms_commands_method is given as it already is: compared, not a change
    update_args = dict(unique_name=f["unique_name"], data_limit=limit, network_access_profile=nap["unique_name"],
                       sms_commands_method=f["sms_commands_method"])

    def verify_update(result, truth):
        record = by_sid(truth["fleets"], f["sid"])
        assert (record["data_limit"], record["network_access_profile_sid"]) == (limit, nap["sid"])
        assert result["fleet"] == record
    new_nap = p.nap_new_fleet
    url = "https://iot.example.com/e2e/ip-commands"
    create_args = dict(unique_name="e2e-fleet", network_access_profile=new_nap["unique_name"], data_limit=321,
                       ip_commands_url=url, data_enabled=True, sms_commands_enabled=False)
    assert not [r for r in p.truth["fleets"] if r["unique_name"] == "e2e-fleet"]

    def created(truth):
        return next((r for r in truth["fleets"] if r["unique_name"] == "e2e-fleet"), None)

    def verify_create(result, truth):
        records = [r for r in truth["fleets"] if r["unique_name"] == "e2e-fleet"]
        assert len(records) == 1
        record = records[0]
        assert (record["network_access_profile_sid"], record["data_limit"], record["ip_commands_url"], record["data_enabled"],
                record["sms_commands_enabled"]) == (new_nap["sid"], 321, url, True, False)
        assert result["fleet"] == record

    def create_owns(truth):
        record = created(truth)
        paths = ["/supersim/v1/Fleets/e2e-fleet"] + (["/supersim/v1/Fleets/%s" % record["sid"]] if record else [])
        return owner(*paths, create=("/supersim/v1/Fleets", "UniqueName", "e2e-fleet"))
    return [
        Case("supersim_fleet", "update", update_args,
             diff={"before": {"data_limit": f["data_limit"], "network_access_profile": f["network_access_profile_sid"]},
                   "after": {"data_limit": limit, "network_access_profile": nap["sid"]}},
             writes=lambda truth: [("POST", path, {"DataLimit": str(limit), "NetworkAccessProfile": nap["sid"]})],
             owns=lambda truth: owner(path, "/supersim/v1/Fleets/%s" % f["unique_name"]), verify=verify_update, check_record=f),
        Case("supersim_fleet", "create", create_args,
             diff={"before": {}, "after": dict(create_args, network_access_profile=new_nap["sid"])},
             writes=lambda truth: [("POST", "/supersim/v1/Fleets", {
                 "UniqueName": "e2e-fleet", "NetworkAccessProfile": new_nap["sid"], "DataLimit": "321", "IpCommandsUrl": url,
                 "DataEnabled": "true", "SmsCommandsEnabled": "false"})],
             owns=create_owns, verify=verify_create),
    ]


NAP_NAME = "e2e-nap"


def nap_record(truth):
    return next((r for r in truth["network_access_profiles"] if r["unique_name"] == NAP_NAME), None)


def nap_members(truth, sid):
    return sorted(n["sid"] for n in truth["nap_networks"] if n["network_access_profile_sid"] == sid)


def nap_change(p):
    """The networks run C asks for: the created profile's first network removed, a network it lacks added."""
    first_net, second_net, third_net = p.networks[:3]
    return [second_net, third_net], third_net, first_net


def supersim_network_access_profile_cases(p):
    networks = p.networks[:2]
    args = dict(unique_name=NAP_NAME, networks=list(reversed(networks)))
    assert nap_record(p.truth) is None
    wanted, added, removed = nap_change(p)

    def verify(result, truth):
        record = nap_record(truth)
        assert nap_members(truth, record["sid"]) == sorted(networks)
        assert result["network_access_profile"] == record
        assert result["networks"] == sorted(networks)

    def owns(truth):
        record = nap_record(truth)
        paths = ["/supersim/v1/NetworkAccessProfiles/%s" % NAP_NAME]
        paths += ["/supersim/v1/NetworkAccessProfiles/%s" % record["sid"]] if record else []
        return owner(*paths, create=("/supersim/v1/NetworkAccessProfiles", "UniqueName", NAP_NAME))

    def again_writes(truth):  # run C: the re-run writes nothing, the exact set changes by one add and one removal
        base = "/supersim/v1/NetworkAccessProfiles/%s/Networks" % nap_record(truth)["sid"]
        return [("POST", base, {"Network": added}), ("DELETE", "%s/%s" % (base, removed), {})]
    return [Case("supersim_network_access_profile", "create", args,
                 diff={"before": {}, "after": {"unique_name": NAP_NAME, "networks": sorted(networks)}},
                 writes=lambda truth: [("POST", "/supersim/v1/NetworkAccessProfiles",
                                        {"UniqueName": NAP_NAME, "Networks": sorted(networks)})],
                 owns=owns, verify=verify, again_writes=again_writes, in_block=True)]


PLAN_NAME = "e2e-plan"
ESIM_EID = "89049032005008882600033489000099"


def supersim_esim_profile_cases(p):
    def ordered(truth):
        return next((r for r in truth["esim_profiles"] if r["eid"] == ESIM_EID), None)

    def verify(result, truth):
        assert result["esim_profile"]["sid"] == ordered(truth)["sid"] and result["esim_profile"]["eid"] == ESIM_EID
    assert ordered(p.truth) is None
    return [Case("supersim_esim_profile", "order", dict(eid=ESIM_EID, reveal_secrets=True), diff={"before": {}, "after": {"eid": ESIM_EID}},
                 writes=lambda truth: [("POST", "/supersim/v1/ESimProfiles", {"Eid": ESIM_EID})],
                 owns=lambda truth: owner(create=("/supersim/v1/ESimProfiles", "Eid", ESIM_EID)), verify=verify)]


def plan_record(truth):
    return next((r for r in truth["rate_plans"] if r["unique_name"] == PLAN_NAME), None)


def wireless_rate_plan_cases(p):
    plan = p.plan1
    path = "/wireless/v1/RatePlans/%s" % plan["sid"]
    renamed = "E2E renamed %s" % plan["unique_name"]
    # data_limit given as it already is: a create-only field that does not differ is no error and no change
    update_args = dict(unique_name=plan["unique_name"], friendly_name=renamed, data_limit=plan["data_limit"])

    def verify_update(result, truth):
        record = by_sid(truth["rate_plans"], plan["sid"])
        assert record["friendly_name"] == renamed and record["data_limit"] == plan["data_limit"]
        assert result["rate_plan"] == record
    create_args = dict(unique_name=PLAN_NAME, friendly_name="E2E plan", data_enabled=True, data_limit=42,
                       data_metering="payg", international_roaming=["messaging", "data"])
    assert plan_record(p.truth) is None

    def verify_create(result, truth):
        record = plan_record(truth)
        assert (record["friendly_name"], record["data_enabled"], record["data_limit"], record["data_metering"]) == (
            "E2E plan", True, 42, "payg")
        assert sorted(record["international_roaming"]) == ["data", "messaging"]
        assert result["rate_plan"] == record

    def create_owns(truth):
        record = plan_record(truth)
        paths = ["/wireless/v1/RatePlans/%s" % PLAN_NAME] + (["/wireless/v1/RatePlans/%s" % record["sid"]] if record else [])
        return owner(*paths, create=("/wireless/v1/RatePlans", "UniqueName", PLAN_NAME))
    return [
        Case("wireless_rate_plan", "update", update_args,
             diff={"before": {"friendly_name": plan["friendly_name"]}, "after": {"friendly_name": renamed}},
             writes=lambda truth: [("POST", path, {"FriendlyName": renamed})],
             owns=lambda truth: owner(path, "/wireless/v1/RatePlans/%s" % plan["unique_name"]), verify=verify_update,
             check_record=plan),
        Case("wireless_rate_plan", "create", create_args,
             diff={"before": {}, "after": create_args},
             writes=lambda truth: [("POST", "/wireless/v1/RatePlans", {
                 "UniqueName": PLAN_NAME, "FriendlyName": "E2E plan", "DataEnabled": "true", "DataLimit": "42",
                 "DataMetering": "payg", "InternationalRoaming": ["data", "messaging"]})],
             owns=create_owns, verify=verify_create, in_block=True,
             # run C: the re-run writes nothing, absent deletes the plan once, absent again writes nothing
             again_writes=lambda truth: [("DELETE", "/wireless/v1/RatePlans/%s" % plan_record(truth)["sid"], {})]),
    ]


def created_command(resource, form):
    """The command the simulator (as Twilio) creates from ``form``, without what only a send gives it (SID, account,
    dates, URL, fields copied from the SIM): what check mode must return."""
    params = BY_NAME[resource].create
    record = dict(BY_NAME[resource].initial)
    record.update((p.field, p.default) for p in params if p.field and p.default is not None and not p.ref)
    kinds = {"integer": int, "boolean": lambda raw: raw == "true"}
    record.update((p.field, kinds.get(p.kind, str)(form[p.name])) for p in params if p.field and p.name in form)
    return record


def command_case(module, sim_record, text_option, text, extra, form_extra):
    resource = RESOURCE[module]
    path = "/%s/v1/%s" % (ENDPOINTS[module].product, ENDPOINTS[module].path.split("/")[-1])
    param = ENDPOINTS[module].field(text_option).param
    args = dict({"sim": sim_record["unique_name"], text_option: text}, **extra)

    def sent(truth):
        return [c for c in truth[resource] if c[ENDPOINTS[module].field(text_option).record_field] == text]

    def verify(result, truth):
        records = sent(truth)
        assert len(records) == 1, records
        record = records[0]
        assert result["command"]["sid"] == record["sid"] and record["sim_sid"] == sim_record["sid"]
        assert result["command"]["status"] == initial_status(resource)  # no wait: as Twilio answered
        assert record["status"] == lifecycle_end(resource)  # and the simulator went on with it
    form = dict({"Sim": sim_record["sid"], param: text}, **form_extra)
    return Case(module, "send", args, diff={"before": {}, "after": dict(args, sim=sim_record["sid"])},
                check_record=created_command(resource, form), writes=lambda truth: [("POST", path, form)],
                owns=lambda truth: owner(create=(path, param, text)), verify=verify, command=True,
                again_writes=lambda truth: [("POST", path, form)])


def supersim_sms_command_cases(p):
    return [command_case("supersim_sms_command", p.scmd_sim, "payload", "e2e apply sms", {}, {})]


def supersim_ip_command_cases(p):
    return [command_case("supersim_ip_command", p.scmd_sim, "payload", "e2e apply ip",
                         dict(device_port=6100, payload_type="text"), {"DevicePort": "6100", "PayloadType": "text"})]


def wireless_command_cases(p):
    return [command_case("wireless_command", p.wcmd_sim, "command", "e2e apply wireless", dict(command_mode="text"),
                         {"CommandMode": "text"})]


CASE_BUILDERS = {
    "wireless_sim": wireless_sim_cases,
    "supersim_sim": supersim_sim_cases,
    "supersim_fleet": supersim_fleet_cases,
    "supersim_network_access_profile": supersim_network_access_profile_cases,
    "wireless_rate_plan": wireless_rate_plan_cases,
    "supersim_sms_command": supersim_sms_command_cases,
    "supersim_ip_command": supersim_ip_command_cases,
    "wireless_command": wireless_command_cases,
    "supersim_esim_profile": supersim_esim_profile_cases,
}

# Bad input, refused before any request: (label, options, the option the message must name).
SIM_SID = "DE" + "0" * 32
SUPER_SID = "HS" + "0" * 32
BAD_INPUT = {
    "supersim_esim_profile": [
        ("neither eid nor generate_matching_id", dict(generate_matching_id=False), "eid"),
        ("eid not 32 digits", dict(eid="8904"), "eid"),
    ],
    "wireless_sim": [
        ("sid is a path token", dict(sid=".", status="active"), "sid"),
        ("status not a choice", dict(sid=SIM_SID, status="paused"), "status"),
        ("blank friendly_name", dict(sid=SIM_SID, friendly_name="   "), "friendly_name"),
        ("wait_timeout 0", dict(sid=SIM_SID, status="active", wait=True, wait_timeout=0), "wait_timeout"),
        ("neither sid nor iccid", dict(status="active"), "sid"),
    ],
    "supersim_sim": [
        ("sid is a path", dict(sid="%2e%2e", status="active"), "sid"),
        ("blank fleet", dict(sid=SUPER_SID, fleet="  "), "fleet"),
        ("status not a choice", dict(sid=SUPER_SID, status="deactivated"), "status"),
    ],
    "supersim_fleet": [
        ("unique_name missing", dict(data_limit=10), "unique_name"),
        ("network_access_profile is a path", dict(unique_name="f", network_access_profile="a/b"), "network_access_profile"),
        ("data_limit not a number", dict(unique_name="f", data_limit="lots"), "data_limit"),
    ],
    "supersim_network_access_profile": [
        ("networks not SIDs", dict(unique_name="n", networks=["EE"]), "networks"),
        ("networks a short SID", dict(unique_name="n", networks=["HW" + "0" * 32, "HW123"]), "networks"),
        ("blank unique_name", dict(unique_name=""), "unique_name"),
    ],
    "wireless_rate_plan": [
        ("state not a choice", dict(unique_name="p", state="gone"), "state"),
        ("blank unique_name", dict(unique_name="  ", friendly_name="x"), "unique_name"),
    ],
    "supersim_sms_command": [
        ("payload missing", dict(sim=SUPER_SID), "payload"),
        ("sim is a path token", dict(sim=".", payload="x"), "sim"),
        ("wait_timeout 0", dict(sim=SUPER_SID, payload="x", wait=True, wait_timeout=0), "wait_timeout"),
        ("payload of 161 characters", dict(sim=SUPER_SID, payload="\u00e9" * 161), "payload"),
    ],
    "supersim_ip_command": [
        ("device_port missing", dict(sim=SUPER_SID, payload="x"), "device_port"),
        ("payload_type not a choice", dict(sim=SUPER_SID, payload="x", device_port=1, payload_type="hex"), "payload_type"),
        ("blank sim", dict(sim="", payload="x", device_port=1), "sim"),
        ("payload of 1301 bytes", dict(sim=SUPER_SID, payload="x" * 1299 + "\u00e9", device_port=1), "payload"),
    ],
    "wireless_command": [
        ("blank command", dict(sim=SIM_SID, command="  "), "command"),
        ("sim is a path", dict(sim="a/b", command="x"), "sim"),
        ("include_sid not a choice", dict(sim=SIM_SID, command="x", include_sid="middle"), "include_sid"),
        ("command of 161 characters", dict(sim=SIM_SID, command="x" * 161), "command"),
        ("binary command of 141 bytes", dict(sim=SIM_SID, command="AAAA" * 47, command_mode="binary"), "command"),
    ],
}


def incomplete_creates(picks):
    """(module, label, options, words the message must have): a record to create without what creating it needs."""
    pair, fleet, iccid = picks.unregistered_other, picks.fleet1, "8901269999999999999"
    assert iccid not in [r["iccid"] for r in picks.truth["wireless_sims"]]
    assert "e2e-fleet-incomplete" not in [r["unique_name"] for r in picks.truth["fleets"]]
    return [
        ("supersim_fleet", "without network_access_profile", dict(unique_name="e2e-fleet-incomplete", data_limit=5),
         ["network_access_profile", "e2e-fleet-incomplete"]),
        ("supersim_sim", "without registration_code", dict(iccid=pair["iccid"], fleet=fleet["unique_name"]),
         ["registration_code", pair["iccid"]]),
        ("wireless_sim", "unknown iccid", dict(iccid=iccid, status="active"), [iccid, "existing"]),
    ]


def transition_cases(module, truth):
    """(record, current status, asked status) for every asked status the module offers and every current status in the
    simulator's data from which the simulator (as Twilio) refuses it.

    Transitional statuses (a change under way, such as C(updating)) are left out: Twilio accepts a request for the
    status the change is going to, which the record does not show, so only Twilio can tell.
    """
    allowed = dict(TRANSITIONS[module])
    transitional = set(ENDPOINTS[module].settling) | {settle_of(RESOURCE[module])}
    records = truth[RESOURCE[module]]
    cases = []
    for asked in ENDPOINTS[module].field("status").choices:
        for current in sorted(set(r["status"] for r in records) - transitional):
            if current != asked and current not in allowed[asked]:
                cases.append((first(records, status=current), current, asked))
    return cases


# -- the simulators and the three runs ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sims():
    started = {}
    try:
        started["main"] = Simulator(seed=31, wireless_sims=40, super_sims=30, unregistered_sims=3,
                                    command_step_seconds=COMMAND_STEP_SECONDS).start()
        started["settle"] = Simulator(seed=32, wireless_sims=12, super_sims=12, settle_seconds=SETTLE_SECONDS).start()
        started["faulty"] = Simulator(seed=33, wireless_sims=8, super_sims=8).start()
        started["retry"] = Simulator(seed=34, wireless_sims=8, super_sims=8).start()
        started["untouched"] = Simulator(seed=35, wireless_sims=4, super_sims=4).start()
        yield started
    finally:
        for sim in started.values():
            sim.stop()


def active(records, count, **match):
    found = [r for r in records if r["status"] == "active" and all(r.get(k) == v for k, v in match.items())]
    assert len(found) >= count
    return found[:count]


@pytest.fixture(scope="module")
def runs(sims, tmp_path_factory):
    main, settle, faulty, retry, untouched = (sims[k] for k in ("main", "settle", "faulty", "retry", "untouched"))
    picks = Picks(main)
    cases = dict((module, build(picks)) for module, build in CASE_BUILDERS.items() if module in STATE_MODULES)
    everything = [case for module in STATE_MODULES for case in cases.get(module, [])]
    out = {"picks": picks, "cases": cases, "before": picks.truth}

    # -- run A: check mode, refused transitions, create-only fields, bad input ----------------------------------------
    tasks = [case.task(main, "check", check_mode=True) for case in everything]
    transitions = dict((module, transition_cases(module, picks.truth)) for module in TRANSITIONS)
    for module, items in transitions.items():
        for record, current, asked in items:
            tasks.append(task("refused %s %s to %s" % (module, current, asked), module,
                              dict(connection(main), sid=record["sid"], status=asked)))
    fleet, plan = picks.fleet_frozen, picks.plan_frozen
    tasks.append(task("frozen fleet data_enabled", "supersim_fleet",
                      dict(connection(main), unique_name=fleet["unique_name"], data_enabled=not fleet["data_enabled"])))
    tasks.append(task("frozen plan data_limit", "wireless_rate_plan",
                      dict(connection(main), unique_name=plan["unique_name"], data_limit=plan["data_limit"] + 777)))
    tasks.append(task("check wireless_rate_plan absent", "wireless_rate_plan",
                      dict(connection(main), unique_name=plan["unique_name"], state="absent"), check_mode=True, diff=True))
    existing = picks.nap_existing
    wanted = picks.nap_existing_members[1:] + [next(n for n in picks.networks if n not in picks.nap_existing_members)]
    out["nap_existing_wanted"] = wanted
    tasks.append(task("check supersim_network_access_profile networks", "supersim_network_access_profile",
                      dict(connection(main), unique_name=existing["unique_name"], networks=wanted), check_mode=True, diff=True))
    out["incomplete"] = incomplete_creates(picks)
    for module, label, args, dummy in out["incomplete"]:
        tasks.append(task("incomplete %s %s" % (module, label), module, dict(connection(main), **args)))
    for module, items in BAD_INPUT.items():
        for label, args, dummy in items:
            tasks.append(task("bad %s %s" % (module, label), module, dict(connection(untouched), **args)))
    out["transitions"] = transitions
    for sim in sims.values():
        sim.reset_stats()
    out["A"] = run_plays(str(tmp_path_factory.mktemp("check")), [dict(tasks=tasks)], workers=WORKERS, verbosity=3)
    out["A_log"], out["A_stats"] = main.write_log(), main.stats()
    out["A_untouched"] = untouched.stats()
    out["A_truth"] = copy.deepcopy(main.truth)

    # -- run B: apply; commands waiting; settling; answers lost after applying ----------------------------------------
    tasks = [case.task(main, "apply") for case in everything]
    s, w = picks.scmd_sim, picks.wcmd_sim
    waits = [  # (label, module, options, the final status of the simulator's lifecycle)
        ("sms", "supersim_sms_command", dict(sim=s["sid"], payload="e2e wait sms"), lifecycle_end("sms_commands")),
        ("ip", "supersim_ip_command", dict(sim=s["sid"], payload="e2e wait ip", device_port=6101), lifecycle_end("ip_commands")),
        ("wireless", "wireless_command", dict(sim=w["sid"], command="e2e wait wireless"), lifecycle_end("commands")),
        ("wireless no receipt", "wireless_command", dict(sim=w["sid"], command="e2e wait no receipt",
                                                         delivery_receipt_requested=False), lifecycle_end("commands", receipt=False)),
        ("sms fail", "supersim_sms_command", dict(sim=s["sid"], payload="e2e please FAIL sms"), lifecycle_end("sms_commands", True)),
        ("ip fail", "supersim_ip_command", dict(sim=s["sid"], payload="e2e please fail ip", device_port=6102),
         lifecycle_end("ip_commands", True)),
        ("wireless fail", "wireless_command", dict(sim=w["sid"], command="e2e please fail wireless"), lifecycle_end("commands", True)),
    ]
    out["waits"] = waits
    for label, module, args, dummy in waits:
        tasks.append(task("wait %s" % label, module, dict(connection(main), wait=True, wait_timeout=30, **args)))
    settling = {}
    for module, asked in SETTLING.items():
        records = active(settle.truth[RESOURCE[module]], 3)
        settling[module] = dict(zip(("no wait", "wait", "short"), records), asked=asked)
        base = dict(connection(settle), status=asked)
        tasks += [task("settle %s no wait" % module, module, dict(base, sid=records[0]["sid"])),
                  task("settle %s wait" % module, module, dict(base, sid=records[1]["sid"], wait=True, wait_timeout=30)),
                  task("settle %s short" % module, module, dict(base, sid=records[2]["sid"], wait=True, wait_timeout=SHORT_TIMEOUT))]
    out["settling"] = settling
    lost = {}
    fs, fw = active(faulty.truth["supersim_sims"], 1)[0], active(faulty.truth["wireless_sims"], 1)[0]
    for module, args in (("supersim_sms_command", dict(sim=fs["sid"], payload="e2e lost sms")),
                         ("supersim_ip_command", dict(sim=fs["sid"], payload="e2e lost ip", device_port=6103)),
                         ("wireless_command", dict(sim=fw["sid"], command="e2e lost wireless"))):
        lost[module] = args
        tasks.append(task("lost %s" % module, module, dict(connection(faulty, max_retries=3), **args)))
    out["lost"] = lost
    retried = active(retry.truth["wireless_sims"], 1)[0]
    out["retried"] = retried
    tasks.append(task("retried wireless_sim", "wireless_sim", dict(connection(retry), sid=retried["sid"], status="suspended")))
    for sim in sims.values():
        sim.reset_stats()
    faulty.set_faults(rate_5xx_after_apply=1.0, status_5xx=503)
    retry.set_faults(rate_5xx_after_apply=0.5, status_5xx=503, seed=seed_losing_first_answers())
    out["B"] = run_plays(str(tmp_path_factory.mktemp("apply")), [dict(tasks=tasks)], workers=WORKERS, verbosity=3)
    for sim in sims.values():
        sim.clear_faults()
    for sim in (main, settle):
        assert sim.wait_settled(timeout=15)
    out["B_log"], out["B_stats"] = main.write_log(), main.stats()
    out["B_truth"] = copy.deepcopy(main.truth)
    out["settle_log"], out["settle_requests"] = settle.write_log(), settle.stats(log=True)["log"]
    out["settle_truth"] = copy.deepcopy(settle.truth)
    out["faulty_log"], out["faulty_stats"], out["faulty_truth"] = faulty.write_log(), faulty.stats(), copy.deepcopy(faulty.truth)
    out["retry_log"], out["retry_truth"] = retry.write_log(), copy.deepcopy(retry.truth)

    # -- run C: everything again; a rate plan absent twice; a profile's exact set of networks ---------------------------
    tasks = [case.task(main, "again") for case in everything if not case.in_block]
    plan_case = next(c for c in cases["wireless_rate_plan"] if c.in_block)
    absent = dict(connection(main), unique_name=PLAN_NAME, state="absent")
    tasks.append({"name": "rate plan sequence", "block": [
        plan_case.task(main, "again"),
        task("absent wireless_rate_plan", "wireless_rate_plan", absent, diff=True),
        task("absent again wireless_rate_plan", "wireless_rate_plan", absent, diff=True)]})
    nap_case = next(c for c in cases["supersim_network_access_profile"] if c.in_block)
    changed_networks = nap_change(picks)[0]
    exact = dict(connection(main), unique_name=NAP_NAME, networks=changed_networks)
    tasks.append({"name": "network access profile sequence", "block": [
        nap_case.task(main, "again"),
        task("exact set supersim_network_access_profile", "supersim_network_access_profile", exact, diff=True),
        task("exact set again supersim_network_access_profile", "supersim_network_access_profile", exact, diff=True)]})
    main.reset_stats()
    out["C"] = run_plays(str(tmp_path_factory.mktemp("again")), [dict(tasks=tasks)], workers=WORKERS, verbosity=3)
    assert main.wait_settled(timeout=15)
    out["C_log"], out["C_truth"] = main.write_log(), copy.deepcopy(main.truth)
    return out


# -- coverage ----------------------------------------------------------------------------------------------------------

def test_every_state_module_is_covered():
    assert STATE_MODULES, "no state module found in %s" % MODULES_DIR
    assert set(CASE_BUILDERS) == set(STATE_MODULES), "every state module needs cases in CASE_BUILDERS"
    assert set(BAD_INPUT) == set(STATE_MODULES), "every state module needs bad input cases in BAD_INPUT"
    assert set(RESOURCE) == set(STATE_MODULES), "every state module needs its simulator resource in RESOURCE"
    with_status = [m for m in STATE_MODULES if ENDPOINTS[m].transitions]
    assert sorted(TRANSITIONS) == sorted(with_status), "every module with status transitions needs the simulator's table"
    assert sorted(SETTLING) == sorted(m for m in STATE_MODULES if ENDPOINTS[m].settling), "every settling module needs a case"
    assert COMMAND_MODULES and all(BY_NAME[RESOURCE[m]].lifecycle for m in COMMAND_MODULES)


def test_the_runs_complete(runs):
    for phase in "ABC":
        run = runs[phase]
        assert run.rc == 0, run.output[-5000:]
        assert "Traceback" not in run.output, phase


# -- check mode, apply, again (every module) ---------------------------------------------------------------------------

@pytest.mark.parametrize("module", STATE_MODULES)
def test_check_mode_reports_the_change_and_writes_nothing(runs, module):
    run = runs["A"]
    for case in runs["cases"][module]:
        result = run.ok("check " + case.name)
        assert result["changed"] is True, case.name
        assert result["diff"] == case.diff, case.name
        item = ENDPOINTS[module].item
        # the record as it is, None for a create, the command that would be sent (no SID) for a command
        assert result[item] == case.check_record, case.name
        assert writes_of(runs["A_log"], case.owns(runs["A_truth"])) == [], case.name
    truth = runs["A_truth"]
    assert truth[RESOURCE[module]] == runs["before"][RESOURCE[module]]


def refused_transition_writes(runs):
    """Owns the writes to the SIMs of the refused transitions: test_invalid_transitions_... reports those."""
    paths = ["/%s/v1/Sims/%s" % (ENDPOINTS[module].product, record["sid"])
             for module, items in runs["transitions"].items() for record, dummy, dummy in items]
    return owner(*paths)


def test_check_mode_run_sent_no_write_at_all(runs):
    """Run A (check mode, refusals, bad input) wrote nothing and changed nothing: only reads reached the simulators.

    Writes to the SIMs of refused transitions are left to test_invalid_transitions_are_refused_before_any_write, which
    names them; here they must be the only ones."""
    refused = refused_transition_writes(runs)
    assert [e for e in runs["A_log"] if not refused(e)] == []
    assert runs["A_stats"]["writes"]["requests"] == len([e for e in runs["A_log"] if refused(e)])
    assert sum(n for route, n in runs["A_stats"]["by_route"].items() if not route.startswith("GET ")) == \
        runs["A_stats"]["writes"]["requests"]
    assert runs["A_truth"] == runs["before"]


def test_check_mode_of_a_deletion_and_of_a_set_of_networks(runs):
    picks, run = runs["picks"], runs["A"]
    result = run.ok("check wireless_rate_plan absent")
    assert result["changed"] is True and result["rate_plan"] is None
    assert result["diff"] == {"before": describe("wireless_rate_plan", picks.plan_frozen), "after": {}}
    result = run.ok("check supersim_network_access_profile networks")
    assert result["changed"] is True
    assert result["diff"] == {"before": {"networks": picks.nap_existing_members}, "after": {"networks": sorted(runs["nap_existing_wanted"])}}
    assert result["networks"] == picks.nap_existing_members  # nothing was changed
    assert result["network_access_profile"] == picks.nap_existing


@pytest.mark.parametrize("module", STATE_MODULES)
def test_apply_makes_the_change(runs, module):
    run = runs["B"]
    for case in runs["cases"][module]:
        result = run.ok("apply " + case.name)
        assert result["changed"] is True, case.name
        assert result["diff"] == case.diff, case.name  # the diff check mode predicted, of exactly the changed fields
        expected = [(method, path, normal(params)) for method, path, params in case.writes(runs["B_truth"])]
        assert writes_of(runs["B_log"], case.owns(runs["B_truth"])) == expected, case.name
        case.verify(result, runs["B_truth"])


def test_apply_run_sent_only_the_expected_writes(runs):
    expected = sum(len(case.writes(runs["B_truth"])) for cases in runs["cases"].values() for case in cases)
    expected += len(runs["waits"])  # one command each
    assert len(runs["B_log"]) == expected
    assert all(entry["status"] in (200, 201) and entry["fault"] is None for entry in runs["B_log"])


@pytest.mark.parametrize("module", STATE_MODULES)
def test_second_identical_run(runs, module):
    """A state module changes nothing and writes nothing; a command module sends exactly one more command."""
    run, truth_b, truth_c = runs["C"], runs["B_truth"], runs["C_truth"]
    item, resource = ENDPOINTS[module].item, RESOURCE[module]
    for case in runs["cases"][module]:
        result = run.ok("again " + case.name)
        first_result = runs["B"].ok("apply " + case.name)
        owned = writes_of(runs["C_log"], case.owns(truth_b))
        expected = [(method, path, normal(params)) for method, path, params in case.again_writes(truth_b)]
        assert owned == expected, case.name
        if case.command:
            assert result["changed"] is True and result["diff"] == case.diff
            first_sid = first_result["command"]["sid"]
            assert result["command"]["sid"] != first_sid
            text = case.args.get("payload", case.args.get("command"))
            sent = [c for c in truth_c[resource] if c.get("payload", c.get("command")) == text]
            assert sorted(c["sid"] for c in sent) == sorted([first_sid, result["command"]["sid"]])
        else:
            assert result["changed"] is False, case.name
            assert result["diff"] == NO_DIFF, case.name
            assert result[item] == by_sid(truth_b[resource], first_result[item]["sid"]), case.name


def test_again_run_sent_only_the_expected_writes(runs):
    expected = sum(len(case.again_writes(runs["B_truth"])) for cases in runs["cases"].values() for case in cases)
    assert len(runs["C_log"]) == expected, runs["C_log"]
    assert all(entry["fault"] is None and 200 <= entry["status"] < 300 for entry in runs["C_log"])


# -- transitions, create-only fields, bad input ------------------------------------------------------------------------

@pytest.mark.parametrize("module", sorted(TRANSITIONS))
def test_invalid_transitions_are_refused_before_any_write(runs, module):
    items = runs["transitions"][module]
    assert items
    problems = []
    for record, current, asked in items:
        name = "refused %s %s to %s" % (module, current, asked)
        result = runs["A"][name]
        message = result.get("msg", "")
        sent = [e for e in writes_of(runs["A_log"], owner("/%s/v1/Sims/%s" % (ENDPOINTS[module].product, record["sid"])))
                if e[2].get("Status") == asked]
        if result["_outcome"] != "failed" or not word(message, current) or not word(message, asked) or sent:
            problems.append("%s (%s): outcome %s, %d writes (%s), message %r"
                            % (name, record["sid"], result["_outcome"], len(sent), [e[0] for e in sent], message))
    assert not problems, "\n".join(problems)


def test_create_only_fields_are_refused_on_existing_records(runs):
    picks, run = runs["picks"], runs["A"]
    fleet, plan = picks.fleet_frozen, picks.plan_frozen
    for name, option, record, current, asked in (
            ("frozen fleet data_enabled", "data_enabled", fleet, fleet["data_enabled"], not fleet["data_enabled"]),
            ("frozen plan data_limit", "data_limit", plan, plan["data_limit"], plan["data_limit"] + 777)):
        message = run.failed(name)["msg"]
        assert word(message, option) and word(message, record["unique_name"]), message
        assert word(message, current) and word(message, asked), message
        assert "create" in message.lower(), message
    assert writes_of(runs["A_log"], owner("/supersim/v1/Fleets/%s" % fleet["sid"], "/supersim/v1/Fleets/%s" % fleet["unique_name"],
                                          "/wireless/v1/RatePlans/%s" % plan["sid"], "/wireless/v1/RatePlans/%s" % plan["unique_name"])) == []


def test_creating_without_what_it_needs_is_refused_before_any_write(runs):
    problems = []
    for module, label, args, words in runs["incomplete"]:
        result = runs["A"]["incomplete %s %s" % (module, label)]
        message = result.get("msg", "")
        if result["_outcome"] != "failed" or not all(word(message, w) for w in words):
            problems.append("%s %s: outcome %s, message %r, expected %s" % (module, label, result["_outcome"], message, words))
    assert not problems, "\n".join(problems)
    pair = runs["picks"].unregistered_other
    assert pair in runs["A_truth"]["unregistered_sims"]  # not registered
    assert writes_of(runs["A_log"], owner(create=("/supersim/v1/Sims", "Iccid", pair["iccid"]))) == []
    assert writes_of(runs["A_log"], owner(create=("/supersim/v1/Fleets", "UniqueName", "e2e-fleet-incomplete"))) == []
    assert [e for e in runs["A_log"] if not refused_transition_writes(runs)(e)] == []


@pytest.mark.parametrize("module", STATE_MODULES)
def test_bad_input_is_refused_before_any_request(runs, module):
    for label, dummy, option in BAD_INPUT[module]:
        message = runs["A"].failed("bad %s %s" % (module, label))["msg"]
        assert word(message, option), (label, message)
    assert runs["A_untouched"]["requests"] == 0
    assert runs["A_untouched"]["writes"]["requests"] == 0


# -- sequences of run C ------------------------------------------------------------------------------------------------

def test_rate_plan_present_then_absent_then_absent_again(runs):
    run, created = runs["C"], plan_record(runs["B_truth"])
    assert created is not None
    again = run.ok("again wireless_rate_plan create")
    assert again["changed"] is False and again["rate_plan"] == created
    result = run.ok("absent wireless_rate_plan")
    assert result["changed"] is True and result["rate_plan"] is None
    assert result["diff"] == {"before": describe("wireless_rate_plan", created), "after": {}}
    result = run.ok("absent again wireless_rate_plan")
    assert result["changed"] is False and result["diff"] == NO_DIFF
    assert plan_record(runs["C_truth"]) is None
    deletes = [e for e in runs["C_log"] if e["method"] == "DELETE" and created["sid"] in e["path"]]
    assert len(deletes) == 1 and deletes[0]["status"] == 204


def test_network_access_profile_exact_set(runs):
    run, picks = runs["C"], runs["picks"]
    record = nap_record(runs["B_truth"])
    before = nap_members(runs["B_truth"], record["sid"])
    wanted, added, removed = nap_change(picks)
    assert added not in before and removed in before
    again = run.ok("again supersim_network_access_profile create")
    assert again["changed"] is False and again["networks"] == before
    result = run.ok("exact set supersim_network_access_profile")
    assert result["changed"] is True
    assert result["diff"] == {"before": {"networks": before}, "after": {"networks": sorted(wanted)}}
    assert result["networks"] == sorted(wanted)
    result = run.ok("exact set again supersim_network_access_profile")
    assert result["changed"] is False and result["diff"] == NO_DIFF and result["networks"] == sorted(wanted)
    assert nap_members(runs["C_truth"], record["sid"]) == sorted(wanted)


# -- asynchronous settling ---------------------------------------------------------------------------------------------

def requests_to(log, sid):
    return [entry for entry in log if entry["path"].endswith("/Sims/%s" % sid)]


@pytest.mark.parametrize("module", sorted(SETTLING))
def test_settling_without_wait_shows_the_interim_status(runs, module):
    info = runs["settling"][module]
    record, interim = info["no wait"], settle_of(RESOURCE[module])
    result = runs["B"].ok("settle %s no wait" % module)
    assert result["changed"] is True and result["sim"]["status"] == interim
    seen = requests_to(runs["settle_requests"], record["sid"])
    assert [e["method"] for e in seen] == ["GET", "POST"], seen  # returned at once: no polling after the write
    assert by_sid(runs["settle_truth"][RESOURCE[module]], record["sid"])["status"] == info["asked"]


@pytest.mark.parametrize("module", sorted(SETTLING))
def test_settling_with_wait_returns_the_settled_status(runs, module):
    info = runs["settling"][module]
    record = info["wait"]
    result = runs["B"].ok("settle %s wait" % module)
    settled = by_sid(runs["settle_truth"][RESOURCE[module]], record["sid"])
    assert settled["status"] == info["asked"]
    assert result["changed"] is True and result["sim"] == settled
    seen = requests_to(runs["settle_requests"], record["sid"])
    assert [e["method"] for e in seen[:2]] == ["GET", "POST"] and len(seen) >= 3 and seen[-1]["method"] == "GET"
    posted = seen[1]["time"]
    assert seen[-1]["time"] - posted >= SETTLE_SECONDS - 0.1  # polled until it had settled
    assert len([e for e in runs["settle_log"] if e["path"].endswith(record["sid"])]) == 1


@pytest.mark.parametrize("module", sorted(SETTLING))
def test_too_short_wait_timeout_fails_clearly(runs, module):
    info = runs["settling"][module]
    record, interim = info["short"], settle_of(RESOURCE[module])
    message = runs["B"].failed("settle %s short" % module)["msg"]
    assert record["sid"] in message and word(message, SHORT_TIMEOUT) and word(message, interim), message
    assert "settle" in message, message
    assert len([e for e in runs["settle_log"] if e["path"].endswith(record["sid"])]) == 1
    assert by_sid(runs["settle_truth"][RESOURCE[module]], record["sid"])["status"] == info["asked"]


# -- commands: waiting for a final status ------------------------------------------------------------------------------

def test_commands_wait_for_a_final_status(runs):
    truth = runs["B_truth"]
    problems = []
    for label, module, args, final in runs["waits"]:
        result = runs["B"]["wait %s" % label]
        text = args.get("payload", args.get("command"))
        sent = [c for c in truth[RESOURCE[module]] if c.get("payload", c.get("command")) == text]
        status = result.get("command", {}) and result["command"].get("status")
        # a command that ends failed fails the task, naming the status, and still reports the command sent
        outcome = "failed" if final == "failed" else "ok"
        named = outcome == "ok" or (word(result.get("msg"), final) and result.get("changed") is True
                                    and len(sent) == 1 and sent[0]["sid"] in result.get("msg", ""))
        if result["_outcome"] != outcome or not named or len(sent) != 1 or status != final or sent[0]["status"] != final \
                or result["command"]["sid"] != sent[0]["sid"]:
            problems.append("wait %s: outcome %s, status %r, expected %r, simulator %s: %s"
                            % (label, result["_outcome"], status, final, [c["status"] for c in sent], result.get("msg")))
    assert not problems, "\n".join(problems)
    assert set(module for dummy, module, dummy, dummy in runs["waits"]) == set(COMMAND_MODULES)
    assert set(final for dummy, dummy, dummy, final in runs["waits"]) >= {"delivered", "sent", "failed"}


# -- writes whose answer is lost ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_command_is_not_sent_again_when_its_answer_is_lost(runs, module):
    args, resource = runs["lost"][module], RESOURCE[module]
    message = runs["B"].failed("lost %s" % module)["msg"]
    assert re.search(r"may have been (sent|applied)", message), message
    assert "simfleet.twilio.%s_info" % module in message, message
    assert os.path.exists(os.path.join(MODULES_DIR, "%s_info.py" % module))
    text = args.get("payload", args.get("command"))
    writes = [e for e in runs["faulty_log"] if e["resource"] == resource]
    assert len(writes) == 1 and writes[0]["fault"] == FAULT_5XX_AFTER_APPLY and writes[0]["applied"], writes
    assert runs["faulty_stats"]["writes"]["applied"].get(resource) == 1
    assert len([c for c in runs["faulty_truth"][resource] if c.get("payload", c.get("command")) == text]) == 1


def test_field_update_is_retried_when_its_answer_is_lost(runs):
    record = runs["retried"]
    result = runs["B"].ok("retried wireless_sim")
    final = by_sid(runs["retry_truth"]["wireless_sims"], record["sid"])
    assert final["status"] == "suspended" and result["changed"] is True and result["sim"] == final
    posts = [e for e in runs["retry_log"] if e["path"] == "/wireless/v1/Sims/%s" % record["sid"]]
    assert len(posts) >= 2, posts
    assert all(e["fault"] == FAULT_5XX_AFTER_APPLY and e["applied"] for e in posts[:-1]), posts
    assert posts[-1]["fault"] is None and posts[-1]["status"] == 200, posts
    assert [e["changed"] for e in posts if e["changed"]] == [["status"]]  # applied once, the retries changed nothing
    assert all(e["params"] == {"Status": "suspended"} for e in posts)


# -- secrets -----------------------------------------------------------------------------------------------------------

def test_registration_code_never_shown_at_vvv(runs):
    code = runs["picks"].unregistered["registration_code"]
    register = next(c for c in runs["cases"]["supersim_sim"] if c.label == "register")
    assert register.args["registration_code"] == code
    for phase, name in (("A", "check"), ("B", "apply"), ("C", "again")):
        run = runs[phase]
        assert "ESTABLISH LOCAL CONNECTION" in run.output  # really -vvv
        module_args = run.ok("%s %s" % (name, register.name))["invocation"]["module_args"]
        assert module_args["iccid"] == register.args["iccid"]  # the arguments are shown...
        assert module_args["registration_code"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"  # ...but not the code
        assert code not in run.output, phase
        assert code not in json.dumps(run.results), phase
    # the code did reach the simulator, once, at registration
    assert [e["params"].get("RegistrationCode") for e in runs["B_log"] if e["path"] == "/supersim/v1/Sims"] == [code]


# -- unattended writes: settling SIMs, identity, partial writes, commands Twilio would refuse, message lengths ---------
#
# One more playbook run, its tasks in order on one host (each uses what the one before did), against a simulator whose
# status changes settle after SETTLED_AFTER seconds, and one that must see no request at all.

SETTLED_AFTER = 6.0
UNKNOWN_SID = "DE" + "0" * 31 + "9"


def unattended_tasks(sim, untouched):
    """(tasks, picks): the tasks of the run and the records they use, from the simulator's truth before it."""
    truth = sim.truth
    wireless = [r for r in truth["wireless_sims"] if r["status"] == "active" and r["unique_name"] and r["rate_plan_sid"]]
    supers = [r for r in truth["supersim_sims"] if r["status"] == "active" and r["unique_name"] and r["fleet_sid"]]
    assert len(wireless) >= 6 and len(supers) >= 2
    assert UNKNOWN_SID not in [r["sid"] for r in truth["wireless_sims"]]

    # SIMs the simulator (as Twilio) sends no command to: any status but its command statuses and the transitional ones
    def quiet(resource, commands):
        sends_to = next(p.ref_statuses for p in BY_NAME[commands].create if p.ref_statuses)
        return first([r for r in truth[resource] if r["status"] not in set(sends_to) | {settle_of(resource)}])
    off, super_off = quiet("wireless_sims", "commands"), quiet("supersim_sims", "sms_commands")
    members = {}
    for n in truth["nap_networks"]:
        members.setdefault(n["network_access_profile_sid"], []).append(n["sid"])
    nap = first([n for n in truth["network_access_profiles"] if n["unique_name"] and members.get(n["sid"])])
    added = sorted(n["sid"] for n in truth["networks"] if n["sid"] not in members[nap["sid"]])[0]
    bogus = "HW" + "f" * 32
    assert bogus not in [n["sid"] for n in truth["networks"]] and added < bogus
    picks = dict(wireless=wireless, supers=supers, off=off, super_off=super_off, nap=nap, nap_members=sorted(members[nap["sid"]]),
                 added=added, bogus=bogus)
    w, s = wireless, supers
    c, u = connection(sim), connection(untouched)
    tasks = [
        # a status change under way is not written again; with wait, waited for
        task("under way first", "wireless_sim", dict(c, sid=w[0]["sid"], status="suspended")),
        task("under way again", "wireless_sim", dict(c, sid=w[0]["sid"], status="suspended")),
        task("under way again wait", "wireless_sim", dict(c, sid=w[0]["sid"], status="suspended", wait=True, wait_timeout=30)),
        task("super under way first", "supersim_sim", dict(c, sid=s[0]["sid"], status="inactive")),
        task("super under way again", "supersim_sim", dict(c, sid=s[0]["sid"], status="inactive")),
        # another status asked while a change is under way: written once the SIM has settled
        task("elsewhere first", "wireless_sim", dict(c, sid=w[1]["sid"], status="suspended")),
        task("elsewhere then active", "wireless_sim", dict(c, sid=w[1]["sid"], status="active", wait=True, wait_timeout=30)),
        # renaming by unique name, twice
        task("rename", "wireless_sim", dict(c, sid=w[2]["unique_name"], unique_name="e2e-renamed-wireless")),
        task("rename again", "wireless_sim", dict(c, sid=w[2]["unique_name"], unique_name="e2e-renamed-wireless")),
        task("super rename", "supersim_sim", dict(c, sid=s[1]["unique_name"], unique_name="e2e-renamed-super")),
        task("super rename again", "supersim_sim", dict(c, sid=s[1]["unique_name"], unique_name="e2e-renamed-super")),
        # an unknown SID or unique name never falls back to the ICCID; both set must name one SIM
        task("unknown sid with iccid", "wireless_sim", dict(c, sid=UNKNOWN_SID, iccid=w[3]["iccid"], status="suspended")),
        task("unknown name with iccid", "wireless_sim", dict(c, sid="e2e-no-such-sim", iccid=w[3]["iccid"], status="suspended")),
        task("sid and another iccid", "wireless_sim", dict(c, sid=w[3]["sid"], iccid=w[4]["iccid"], status="suspended")),
        # a change of several requests that fails after one succeeded
        task("networks partly added", "supersim_network_access_profile",
             dict(c, unique_name=nap["unique_name"], networks=picks["nap_members"] + [added, bogus])),
        # commands to SIMs that cannot receive them, in check mode and for real
        task("command to suspended check", "wireless_command", dict(c, sim=off["sid"], command="e2e refused check"), check_mode=True),
        task("command to suspended", "wireless_command", dict(c, sim=off["sid"], command="e2e refused")),
        task("sms to inactive check", "supersim_sms_command", dict(c, sim=super_off["sid"], payload="e2e refused check"), check_mode=True),
        task("ip to inactive", "supersim_ip_command", dict(c, sim=super_off["unique_name"] or super_off["sid"], payload="e2e refused",
                                                           device_port=7000)),
        # message lengths at the exact limits: taken by the simulator as by Twilio, one longer refused before any request
        task("command 160 characters", "wireless_command", dict(c, sim=w[5]["sid"], command="\u00e9" * 159 + "Z")),
        task("command 128 characters with its SID", "wireless_command",
             dict(c, sim=w[5]["sid"], command="\u00e9" * 127 + "Y", include_sid="end")),
        task("binary command 140 bytes", "wireless_command", dict(c, sim=w[5]["sid"], command="AAAA" * 46 + "AAA=", command_mode="binary")),
        task("sms 160 characters", "supersim_sms_command", dict(c, sim=s[1]["sid"], payload="\u20ac" * 159 + "Z")),
        task("command 161 characters", "wireless_command", dict(u, sim=w[5]["sid"], command="\u00e9" * 160 + "Z")),
        task("command 129 characters with its SID", "wireless_command",
             dict(u, sim=w[5]["sid"], command="\u00e9" * 128 + "Y", include_sid="start")),
        task("binary command 141 bytes", "wireless_command", dict(u, sim=w[5]["sid"], command="AAAA" * 47, command_mode="binary")),
        task("sms 161 characters", "supersim_sms_command", dict(u, sim=s[1]["sid"], payload="\u20ac" * 160 + "Z")),
    ]
    return tasks, picks


@pytest.fixture(scope="module")
def unattended(tmp_path_factory):
    sim = Simulator(seed=36, wireless_sims=30, super_sims=20, settle_seconds=SETTLED_AFTER, command_step_seconds=0.1).start()
    untouched = Simulator(seed=37, wireless_sims=4, super_sims=4).start()
    try:
        tasks, picks = unattended_tasks(sim, untouched)
        sim.reset_stats()
        untouched.reset_stats()
        run = run_plays(str(tmp_path_factory.mktemp("unattended")), [dict(tasks=tasks, spread=False)], workers=1)
        assert sim.wait_settled(timeout=15)
        yield dict(picks, run=run, log=sim.write_log(), requests=sim.stats(log=True)["log"], truth=copy.deepcopy(sim.truth),
                   untouched=untouched.stats())
    finally:
        sim.stop()
        untouched.stop()


def posts_to(log, *idents):
    return [e for e in log if e["method"] == "POST" and any(e["path"].endswith("/Sims/%s" % i) for i in idents)]


def test_a_status_change_under_way_is_not_written_again(unattended):
    run, log, sim = unattended["run"], unattended["log"], unattended["wireless"][0]
    first_run = run.ok("under way first")
    assert first_run["changed"] is True and first_run["sim"]["status"] == settle_of("wireless_sims")
    again = run.ok("under way again")
    assert again["changed"] is False and again["sim"]["status"] == settle_of("wireless_sims")
    assert word(again["msg"], settle_of("wireless_sims")) and "not written again" in again["msg"], again["msg"]
    waited = run.ok("under way again wait")
    assert waited["changed"] is False and waited["sim"]["status"] == "suspended"
    assert [e["params"] for e in posts_to(log, sim["sid"], sim["unique_name"])] == [{"Status": "suspended"}]
    super_sim = unattended["supers"][0]
    again = run.ok("super under way again")
    assert again["changed"] is False and again["sim"]["status"] == settle_of("supersim_sims"), again
    assert [e["params"] for e in posts_to(log, super_sim["sid"], super_sim["unique_name"])] == [{"Status": "inactive"}]
    assert by_sid(unattended["truth"]["supersim_sims"], super_sim["sid"])["status"] == "inactive"


def test_another_status_asked_while_a_change_is_under_way_is_written_once_settled(unattended):
    run, sim = unattended["run"], unattended["wireless"][1]
    result = run.ok("elsewhere then active")
    assert result["changed"] is True and result["sim"]["status"] == "active"
    posts = posts_to(unattended["log"], sim["sid"])
    assert [e["params"] for e in posts] == [{"Status": "suspended"}, {"Status": "active"}]
    assert posts[1]["time"] - posts[0]["time"] >= SETTLED_AFTER - 0.1  # not before the first change had settled
    assert by_sid(unattended["truth"]["wireless_sims"], sim["sid"])["status"] == "active"


@pytest.mark.parametrize("label,resource,new", [("rename", "wireless_sims", "e2e-renamed-wireless"),
                                                ("super rename", "supersim_sims", "e2e-renamed-super")])
def test_renaming_by_unique_name_twice_changes_nothing(unattended, label, resource, new):
    run = unattended["run"]
    record = unattended["wireless"][2] if resource == "wireless_sims" else unattended["supers"][1]
    assert run.ok(label)["changed"] is True
    again = run.ok(label + " again")
    assert again["changed"] is False and again["sim"]["sid"] == record["sid"] and again["sim"]["unique_name"] == new
    assert record["unique_name"] in again["msg"] and new in again["msg"], again["msg"]
    assert [e["params"] for e in posts_to(unattended["log"], record["sid"], record["unique_name"], new)] == [{"UniqueName": new}]


def test_an_unknown_sid_never_falls_back_to_the_iccid(unattended):
    run, target, other = unattended["run"], unattended["wireless"][3], unattended["wireless"][4]
    for label, sid in (("unknown sid with iccid", UNKNOWN_SID), ("unknown name with iccid", "e2e-no-such-sim")):
        message = run.failed(label)["msg"]
        assert sid in message, message
    message = run.failed("sid and another iccid")["msg"]
    assert target["sid"] in message and target["iccid"] in message and other["iccid"] in message, message
    assert posts_to(unattended["log"], target["sid"], target["unique_name"], other["sid"], other["unique_name"]) == []
    assert [e for e in unattended["requests"] if "Iccid=" in e.get("query", "")] == []  # never listed by ICCID
    assert by_sid(unattended["truth"]["wireless_sims"], target["sid"])["status"] == "active"


def test_a_change_that_fails_after_a_request_succeeded_reports_what_was_applied(unattended):
    result = unattended["run"].failed("networks partly added")
    nap, added = unattended["nap"], unattended["added"]
    assert result["changed"] is True, result
    assert result["applied"] == {"networks": {"added": [added], "removed": []}}, result
    assert word(result["msg"], "networks") and nap["sid"] in result["msg"] and word(result["msg"], 20001), result["msg"]
    members = sorted(n["sid"] for n in unattended["truth"]["nap_networks"] if n["network_access_profile_sid"] == nap["sid"])
    assert members == sorted(unattended["nap_members"] + [added])


def test_commands_to_sims_that_cannot_receive_them_fail_before_any_write(unattended):
    run = unattended["run"]
    for label, record in (("command to suspended check", unattended["off"]), ("command to suspended", unattended["off"]),
                          ("sms to inactive check", unattended["super_off"]), ("ip to inactive", unattended["super_off"])):
        result = run.failed(label)
        assert not result.get("changed"), (label, result)
        assert record["sid"] in result["msg"] and word(result["msg"], record["status"]), (label, result["msg"])
        assert "ready or active" in result["msg"], result["msg"]
    refused = [e for e in unattended["log"] if "refused" in str(e["params"].get("Command", e["params"].get("Payload", "")))]
    assert refused == []


def test_messages_at_the_limits_are_sent_and_longer_ones_refused_before_any_request(unattended):
    run, truth = unattended["run"], unattended["truth"]
    for label, resource, text in (("command 160 characters", "commands", "\u00e9" * 159 + "Z"),
                                  ("command 128 characters with its SID", "commands", "\u00e9" * 127 + "Y"),
                                  ("binary command 140 bytes", "commands", "AAAA" * 46 + "AAA="),
                                  ("sms 160 characters", "sms_commands", "\u20ac" * 159 + "Z")):
        result = run.ok(label)
        assert result["changed"] is True and result["command"]["sid"], label
        assert [c["sid"] for c in truth[resource] if c.get("command", c.get("payload")) == text] == [result["command"]["sid"]]
    for label, option, limit in (("command 161 characters", "command", "160 characters"),
                                 ("command 129 characters with its SID", "command", "128 characters"),
                                 ("binary command 141 bytes", "command", "140 bytes"),
                                 ("sms 161 characters", "payload", "160 characters")):
        message = run.failed(label)["msg"]
        assert word(message, option) and limit in message, (label, message)
    assert unattended["untouched"]["requests"] == 0
