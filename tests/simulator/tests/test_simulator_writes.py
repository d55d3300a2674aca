"""Tests of the simulator's write side: real HTTP (plain `requests`) over loopback against `tests/simulator`.

Every write answer that succeeds is validated against the vendored OpenAPI description (the operation's
201/200/202/204 response), and every form the tests post as valid is validated against the operation's
request body; the operations and parameters the simulator accepts are checked against the description too.
"""
import base64
import json
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
import requests
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest
from test_simulator import (KORE_CLIENT, OPENAPIS, RESOURCE, SIMULATOR_DIR, SPECS, assert_error, assert_kore_error,
                            get, list_all_records, new_token, resource_paths, sids, validate)

from simulator import Simulator
from simulator.fleet import NETWORKS, luhn_valid
from simulator.resources import HTTP_METHODS, RESOURCES, SUPER_SIM_STATUSES, WIRELESS_SIM_STATUSES

FORM = "application/x-www-form-urlencoded"
SPEC_METHOD = {"create": "post", "update": "post", "delete": "delete"}
SPEC_STATUSES = {"create": {"201"}, "update": {"200"}, "delete": {"204"}}
# Spec write operations on the served paths that the simulator does not implement (405, 20004): none.
NOT_IMPLEMENTED = set()
# Parameters the simulator requires though the description does not: a Command needs a SIM to go to.
EXTRA_REQUIRED = {("commands", "create"): {"Sim"}}


# ---------------------------------------------------------------------------------------------------------------
# Helpers


def path_match(pattern, concrete):
    """{path parameter: value} if `concrete` (`/v1/...`) matches the description's path template, else None."""
    match = re.fullmatch(re.sub(r"\{([^}]+)\}", r"(?P<\1>[^/]+)", pattern), concrete)
    return match.groupdict() if match else None


def spec_pattern(product, concrete):
    """The description's path template matching a concrete path (`/v1/...`)."""
    for pattern in SPECS[product]["paths"]:
        if path_match(pattern, concrete) is not None:
            return pattern
    raise AssertionError(f"no {product} operation for {concrete}")


def check_request(sim, product, method, concrete, form):
    """The form is a valid request of the operation (path parameters, body types, enums, required ones)."""
    auth = base64.b64encode(f"{sim.account_sid}:{sim.auth_token}".encode()).decode()
    pattern = spec_pattern(product, concrete)
    request = MockRequest(f"https://{product}.twilio.com", method, concrete, path_pattern=pattern,
                          view_args=path_match(pattern, concrete), data=urlencode(form or {}, doseq=True).encode(),
                          content_type=FORM, headers={"Authorization": f"Basic {auth}"})
    try:
        OPENAPIS[product].validate_request(request)
    except OpenAPIError as err:
        pytest.fail(f"{method} {concrete} {form}: not valid for the description: {err} {err.__cause__}")


def write(sim, method, path, form=None, status=None, auth=None, spec_request=True, session=None):
    """POST or DELETE an API path; a 2xx answer is validated against the description's operation (and, by
    default, the form against its request body: pass SIDs, not unique names, in such paths)."""
    product, concrete = path.split("/", 2)[1], "/" + path.split("/", 2)[2]
    response = (session or requests).request(method, sim.base_url + path, data=form,
                                             auth=auth or (sim.account_sid, sim.auth_token), timeout=30)
    if status is not None:
        assert response.status_code == status, response.text
    if 200 <= response.status_code < 300:
        pattern = spec_pattern(product, concrete)
        if spec_request:
            check_request(sim, product, method, concrete, form)
        validate(product, pattern, concrete, response, method=method, status=response.status_code)
        answers = SPECS[product]["paths"][pattern][method.lower()]["responses"][str(response.status_code)]
        if "content" in answers:  # every property of the schema, null where unknown
            schema = spec_schema(product, answers["content"]["application/json"]["schema"])
            assert set(response.json()) == set(schema["properties"])
        else:
            assert response.content == b""
    return response


def post(sim, path, form=None, status=None, **options):
    return write(sim, "POST", path, form, status, **options)


def delete(sim, path, status=None, **options):
    return write(sim, "DELETE", path, None, status, **options)


def fetch(sim, path):
    response = get(sim, path)
    assert response.status_code == 200, response.text
    return response.json()


def first(records, **match):
    return next(r for r in records if all(r[field] == value for field, value in match.items()))


def wait_for(check, timeout=15.0):
    """Poll `check()` until it returns a true value; that value, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def applied(sim):
    return sim.stats()["writes"]["applied"]


# ---------------------------------------------------------------------------------------------------------------
# Contract: the write operations and their parameters are the description's


WRITE_CASES = [(resource.name, operation) for resource in RESOURCES for operation, params in resource.writes()]


def spec_operation(resource, operation):
    pattern = resource_paths(resource)[0] + ("" if operation == "create" else "/{Sid}")
    operations = SPECS[resource.product]["paths"].get(pattern, {})
    assert SPEC_METHOD[operation] in operations, f"{operation} {pattern} is not in the description"
    return operations[SPEC_METHOD[operation]]


def spec_schema(product, schema):
    ref = schema.get("$ref")
    return SPECS[product]["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


@pytest.mark.parametrize("name,operation", WRITE_CASES, ids=[f"{n}-{o}" for n, o in WRITE_CASES])
def test_write_operations_and_parameters_are_the_descriptions(name, operation):
    resource = RESOURCE[name]
    spec = spec_operation(resource, operation)
    params = dict(resource.writes())[operation]
    body = spec.get("requestBody", {}).get("content", {}).get(FORM, {}).get("schema", {})
    properties = body.get("properties", {})
    # Every parameter of the operation is accepted, and nothing else.
    assert [p.name for p in params] == list(properties), name
    required = {p.name for p in params if p.required}
    assert required - set(body.get("required", [])) == EXTRA_REQUIRED.get((name, operation), set())
    assert set(body.get("required", [])) <= required
    for param in params:
        prop = spec_schema(resource.product, properties[param.name])
        kind = {"boolean": "boolean", "integer": "integer", "array": "array"}.get(prop.get("type"), "string")
        if prop.get("format") == "http-method":
            kind = "method"
            assert prop["enum"] == list(HTTP_METHODS)
        elif prop.get("format") == "uri":
            kind = "uri"
        assert param.kind == kind, (name, param.name)
        enum = prop.get("enum") or (prop.get("items") or {}).get("enum")
        if param.choices and enum:
            assert set(param.choices) <= set(enum), (name, param.name)
        elif param.choices:  # the description lists them in its text only
            assert all(f"`{choice}`" in properties[param.name]["description"] for choice in param.choices), param.name
    # The answers: the resource's own schema.
    statuses = set(spec["responses"])
    assert SPEC_STATUSES[operation] <= statuses
    for status in statuses - {"204"}:
        schema = spec["responses"][status]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/" + resource.schema)


def test_every_write_of_the_served_paths_is_implemented_or_known():
    served = {(r.product, resource_paths(r)[0]) for r in RESOURCES}
    served |= {(product, f"{path}/{{Sid}}") for product, path in served}
    implemented = {(r.product, SPEC_METHOD[op], resource_paths(r)[0] + ("" if op == "create" else "/{Sid}"))
                   for r in RESOURCES for op, params in r.writes()}
    in_spec = {(product, method, path) for product, spec in SPECS.items() for path, item in spec["paths"].items()
               for method in item if method in ("post", "delete") and (product, path) in served}
    assert in_spec - implemented == NOT_IMPLEMENTED
    assert implemented <= in_spec


def test_unimplemented_writes_and_methods_answer_405(simulator_factory):
    sim = simulator_factory(wireless_sims=3, super_sims=3)
    sim_sid = sim.truth["wireless_sims"][0]["sid"]
    for method, path in (("DELETE", "/supersim/v1/ESimProfiles/HP" + "0" * 32), ("POST", "/wireless/v1/UsageRecords"),
                         ("PUT", f"/wireless/v1/Sims/{sim_sid}"), ("POST", "/supersim/v1/Networks"),
                         ("DELETE", "/supersim/v1/Fleets/lab"), ("POST", f"/supersim/v1/Sims/{sim_sid}/IpAddresses")):
        assert_error(write(sim, method, path, {"Eid": "1"}), 405, 20004)
    assert_error(post(sim, "/supersim/v1/NoSuchThing", {"A": "b"}), 404, 20404)
    assert sim.stats()["writes"]["applied"] == {}


# ---------------------------------------------------------------------------------------------------------------
# Programmable Wireless: SIMs


def test_wireless_sim_update_changes_every_field_and_shows_everywhere(simulator_factory):
    sim = simulator_factory(wireless_sims=40, super_sims=0)
    record = first(sim.truth["wireless_sims"], status="active")
    plan = first(sim.truth["rate_plans"], unique_name="dev-test")
    form = {"UniqueName": "renamed-meter", "FriendlyName": "Renamed", "RatePlan": plan["sid"], "Status": "suspended",
            "CallbackUrl": "https://example.com/done", "CallbackMethod": "GET",
            "CommandsCallbackUrl": "https://example.com/commands", "CommandsCallbackMethod": "GET",
            "SmsUrl": "https://example.com/sms", "SmsMethod": "GET", "SmsFallbackUrl": "https://example.com/sms-fb",
            "SmsFallbackMethod": "GET", "VoiceUrl": "https://example.com/voice", "VoiceMethod": "GET",
            "VoiceFallbackUrl": "https://example.com/voice-fb", "VoiceFallbackMethod": "GET"}
    time.sleep(1.0)  # so that date_updated moves on whatever second the record was generated in
    body = post(sim, f"/wireless/v1/Sims/{record['sid']}", dict(form, NoSuchParameter="ignored"), 200).json()
    assert body["sid"] == record["sid"] and body["date_created"] == record["date_created"]
    expected = dict(record, unique_name="renamed-meter", friendly_name="Renamed", rate_plan_sid=plan["sid"],
                    status="suspended", commands_callback_url="https://example.com/commands",
                    commands_callback_method="GET", sms_url="https://example.com/sms", sms_method="GET",
                    sms_fallback_url="https://example.com/sms-fb", sms_fallback_method="GET",
                    voice_url="https://example.com/voice", voice_method="GET",
                    voice_fallback_url="https://example.com/voice-fb", voice_fallback_method="GET",
                    date_updated=body["date_updated"])
    expected["links"] = dict(record["links"], rate_plan=f"{sim.base_url}/wireless/v1/RatePlans/{plan['sid']}")
    assert body == expected
    assert body["date_updated"] > record["date_updated"] and body["date_updated"] >= sim.now_iso
    # The same record everywhere: fetch by SID and by its new unique name, the filters, the truth.
    assert fetch(sim, f"/wireless/v1/Sims/{record['sid']}") == body == fetch(sim, "/wireless/v1/Sims/renamed-meter")
    if record["unique_name"]:
        assert_error(get(sim, f"/wireless/v1/Sims/{record['unique_name']}"), 404, 20404)
    suspended = list_all_records(sim, "/wireless/v1/Sims", {"Status": "suspended", "PageSize": 7})
    assert body in suspended and body not in list_all_records(sim, "/wireless/v1/Sims", {"Status": "active"})
    assert body in list_all_records(sim, "/wireless/v1/Sims", {"RatePlan": "dev-test", "Status": "suspended"})
    assert first(sim.truth["wireless_sims"], sid=record["sid"]) == body
    assert sids(sim.truth["wireless_sims"]) == sids(list_all_records(sim, "/wireless/v1/Sims", {"PageSize": 1000}))
    # An update without known parameters changes nothing, not even date_updated.
    assert post(sim, f"/wireless/v1/Sims/{record['sid']}", {"Nothing": "here"}, 200).json() == body
    # Empty values clear a unique name and URLs.
    cleared = post(sim, f"/wireless/v1/Sims/{record['sid']}", {"UniqueName": "", "SmsUrl": ""}, 200).json()
    assert cleared["unique_name"] is None and cleared["sms_url"] is None
    assert_error(get(sim, "/wireless/v1/Sims/renamed-meter"), 404, 20404)


# Twilio's rules, restated here on purpose rather than read from the simulator's table: a request for the current
# status is a no-op; `ready` only from `new`; never back to `new`; nothing out of deactivated, canceled or the
# transitional statuses; canceled, scheduled and updating are never requested.
WIRELESS_ALLOWED = {"new": {"ready", "active", "deactivated"}, "ready": {"active", "suspended", "deactivated"},
                    "active": {"suspended", "deactivated"}, "suspended": {"active", "deactivated"}}
SUPER_SIM_ALLOWED = {"new": {"ready", "active"}, "ready": {"active", "inactive"}, "active": {"inactive"},
                     "inactive": {"active"}}


def test_wireless_sim_status_transitions():
    pairs = [(current, requested) for current in WIRELESS_SIM_STATUSES for requested in WIRELESS_SIM_STATUSES]
    fixture = {"rate_plans": [{"unique_name": "plan"}],
               "wireless_sims": [{"unique_name": f"{c}-{r}", "status": c, "rate_plan": "plan"} for c, r in pairs]}
    with Simulator(fixture=fixture) as sim:
        truth = {record["unique_name"]: record for record in sim.truth["wireless_sims"]}
        for current, requested in pairs:
            record = truth[f"{current}-{requested}"]
            response = post(sim, f"/wireless/v1/Sims/{record['sid']}", {"Status": requested})
            if requested == current or requested in WIRELESS_ALLOWED.get(current, ()):
                assert response.status_code == 200, (current, requested, response.text)
                assert response.json()["status"] == requested
            else:
                assert_error(response, 400, 33105, f"Cannot change the status of Sim {record['sid']} from "
                                                   f"{current!r} to {requested!r}")
                assert fetch(sim, f"/wireless/v1/Sims/{record['sid']}") == record
        changes = sum(requested != current and requested in WIRELESS_ALLOWED.get(current, ()) for current, requested in pairs)
        assert applied(sim) == {"wireless_sims": changes}


def test_super_sim_status_transitions():
    statuses = SUPER_SIM_STATUSES
    pairs = [(current, requested) for current in statuses for requested in statuses]
    fixture = {"fleets": [{"unique_name": "fleet"}],
               "supersim_sims": [{"unique_name": f"{c}-{r}", "status": c, "fleet": "fleet"} for c, r in pairs]}
    with Simulator(fixture=fixture) as sim:
        truth = {record["unique_name"]: record for record in sim.truth["supersim_sims"]}
        for current, requested in pairs:
            record = truth[f"{current}-{requested}"]
            response = post(sim, f"/supersim/v1/Sims/{record['sid']}", {"Status": requested})
            if requested in ("new", "scheduled"):  # not values of the update's Status enum
                assert_error(response, 400, 20001)
            elif requested == current or requested in SUPER_SIM_ALLOWED.get(current, ()):
                assert response.status_code == 200 and response.json()["status"] == requested, (current, requested)
            else:
                assert_error(response, 400, 83010, f"Cannot change the status of Super SIM {record['sid']} from "
                                                   f"{current!r} to {requested!r}")


def test_status_changes_need_a_rate_plan_or_a_fleet():
    fixture = {"rate_plans": [{"unique_name": "plan"}],
               "wireless_sims": [{"unique_name": "planless", "status": "new"},
                                 {"unique_name": "planned", "status": "active", "rate_plan": "plan"},
                                 {"unique_name": "stopped", "status": "suspended", "rate_plan": "plan"}],
               "fleets": [{"unique_name": "fleet"}],
               "supersim_sims": [{"unique_name": "fleetless", "status": "new"},
                                 {"unique_name": "fleeted", "status": "active", "fleet": "fleet"},
                                 {"unique_name": "resting", "status": "inactive", "fleet": "fleet"}]}
    with Simulator(fixture=fixture) as sim:
        sims = {r["unique_name"]: r["sid"] for r in sim.truth["wireless_sims"] + sim.truth["supersim_sims"]}
        assert_error(post(sim, f"/wireless/v1/Sims/{sims['planless']}", {"Status": "active"}), 400, 33104)
        assert_error(post(sim, f"/wireless/v1/Sims/{sims['planned']}", {"RatePlan": ""}, spec_request=False), 400, 33101)
        assert post(sim, f"/wireless/v1/Sims/{sims['stopped']}", {"RatePlan": ""}, 200).json()["rate_plan_sid"] is None
        body = post(sim, f"/wireless/v1/Sims/{sims['planless']}", {"Status": "active", "RatePlan": "plan"}, 200).json()
        assert body["status"] == "active" and body["links"]["rate_plan"].endswith(body["rate_plan_sid"])
        assert_error(post(sim, f"/supersim/v1/Sims/{sims['fleetless']}", {"Status": "ready"}), 400, 83007)
        assert_error(post(sim, f"/supersim/v1/Sims/{sims['fleeted']}", {"Fleet": ""}), 400, 83008)
        assert post(sim, f"/supersim/v1/Sims/{sims['resting']}", {"Fleet": ""}, 200).json()["fleet_sid"] is None
        body = post(sim, f"/supersim/v1/Sims/{sims['fleetless']}", {"Status": "ready", "Fleet": "fleet"}, 200).json()
        assert body["status"] == "ready" and body["fleet_sid"] == sim.truth["fleets"][0]["sid"]


def test_asynchronous_status_changes_settle_after_the_delay(simulator_factory):
    sim = simulator_factory(wireless_sims=40, super_sims=30, settle_seconds=2.5)
    wireless = first(sim.truth["wireless_sims"], status="active")
    super_sim = first(sim.truth["supersim_sims"], status="active")
    started = time.monotonic()
    body = post(sim, f"/wireless/v1/Sims/{wireless['sid']}", {"Status": "suspended"}, 200).json()
    assert body["status"] == "updating"
    accepted = post(sim, f"/supersim/v1/Sims/{super_sim['sid']}", {"Status": "inactive"}, 202).json()
    assert accepted["status"] == "scheduled"
    assert fetch(sim, f"/wireless/v1/Sims/{wireless['sid']}")["status"] == "updating"
    assert wireless["sid"] in sids(list_all_records(sim, "/wireless/v1/Sims", {"Status": "updating"}))
    assert super_sim["sid"] in sids(list_all_records(sim, "/supersim/v1/Sims", {"Status": "scheduled"}))
    # While it settles: the same request again is accepted as it is (no second change); another is refused.
    again = post(sim, f"/supersim/v1/Sims/{super_sim['sid']}", {"Status": "inactive"}, 202).json()
    assert again == accepted
    assert_error(post(sim, f"/supersim/v1/Sims/{super_sim['sid']}", {"Status": "active"}), 400, 83010,
                 f"Cannot change the status of Super SIM {super_sim['sid']} from 'scheduled' to 'active'")
    assert_error(post(sim, f"/wireless/v1/Sims/{wireless['sid']}", {"Status": "active"}), 400, 33105)
    assert sim.pending() == 2

    def both_settled():
        record = fetch(sim, f"/supersim/v1/Sims/{super_sim['sid']}")
        done = record["status"] != "scheduled" and fetch(sim, f"/wireless/v1/Sims/{wireless['sid']}")["status"] != "updating"
        return record if done else None
    settled = wait_for(both_settled)
    assert time.monotonic() - started >= 2.45
    assert fetch(sim, f"/wireless/v1/Sims/{wireless['sid']}")["status"] == "suspended"
    assert settled["status"] == "inactive" and settled["date_updated"] >= accepted["date_updated"]
    assert first(sim.truth["supersim_sims"], sid=super_sim["sid"]) == settled
    assert sim.pending() == 0
    assert applied(sim) == {"wireless_sims": 1, "supersim_sims": 1}


def test_settle_now_and_settings_at_run_time(simulator_factory):
    sim = simulator_factory(wireless_sims=40, super_sims=0, settle_seconds=60)
    assert sim.write_settings() == {"settle_seconds": 60.0, "command_step_seconds": 0.2, "command_failure_rate": 0.0}
    active = [s for s in sim.truth["wireless_sims"] if s["status"] == "active"]
    assert post(sim, f"/wireless/v1/Sims/{active[0]['sid']}", {"Status": "suspended"}, 200).json()["status"] == "updating"
    assert sim.pending() == 1 and sim.settle() == 1 and sim.pending() == 0
    assert fetch(sim, f"/wireless/v1/Sims/{active[0]['sid']}")["status"] == "suspended"
    assert sim.set_write_settings(settle_seconds=0)["settle_seconds"] == 0
    assert post(sim, f"/wireless/v1/Sims/{active[1]['sid']}", {"Status": "suspended"}, 200).json()["status"] == "suspended"
    over_http = requests.post(sim.base_url + "/_sim/write-settings", json={"settle_seconds": 0.25}, timeout=10)
    assert over_http.status_code == 200 and over_http.json()["settle_seconds"] == 0.25
    assert requests.get(sim.base_url + "/_sim/write-settings", timeout=10).json()["settle_seconds"] == 0.25
    for bad in ({"settle_seconds": -1}, {"command_failure_rate": 2}, {"settle": 1}):
        assert requests.post(sim.base_url + "/_sim/write-settings", json=bad, timeout=10).status_code == 400
    with pytest.raises(ValueError):
        sim.set_write_settings(no_such_setting=1)
    assert requests.get(sim.base_url + "/_sim/pending", timeout=10).json() == {"pending": 0}
    assert requests.post(sim.base_url + "/_sim/settle", timeout=10).json() == {"settled": 0}
    with pytest.raises(ValueError):
        Simulator(settle_seconds=-1)


def test_connectivity_reset(simulator_factory):
    sim = simulator_factory(wireless_sims=40, super_sims=0, settle_seconds=1.5)
    record = first(sim.truth["wireless_sims"], status="active", reset_status=None)
    body = post(sim, f"/wireless/v1/Sims/{record['sid']}", {"ResetStatus": "resetting"}, 200).json()
    assert body["reset_status"] == "resetting" and body["status"] == "active"
    assert fetch(sim, f"/wireless/v1/Sims/{record['sid']}")["reset_status"] == "resetting"
    assert wait_for(lambda: fetch(sim, f"/wireless/v1/Sims/{record['sid']}")["reset_status"] is None)
    assert_error(post(sim, f"/wireless/v1/Sims/{record['sid']}", {"ResetStatus": "done"}), 400, 20001)
    assert_error(post(sim, f"/wireless/v1/Sims/{record['sid']}", {"ResetStatus": "resetting", "Status": "suspended"}),
                 400, 33121)
    sim.set_write_settings(settle_seconds=0)
    assert post(sim, f"/wireless/v1/Sims/{record['sid']}", {"ResetStatus": "resetting"}, 200).json()["reset_status"] is None
    log = sim.write_log()
    assert [entry["changed"] for entry in log if entry["status"] == 200] == [["reset_status"], ["reset_status"]]


def test_sim_unique_names_and_references(simulator_factory):
    sim = simulator_factory(wireless_sims=40, super_sims=30)
    wireless = [s for s in sim.truth["wireless_sims"] if s["unique_name"]]
    supers = [s for s in sim.truth["supersim_sims"] if s["unique_name"]]
    taken = post(sim, f"/wireless/v1/Sims/{wireless[0]['sid']}", {"UniqueName": wireless[1]["unique_name"]})
    assert_error(taken, 409, 20409, f"A Sim with UniqueName {wireless[1]['unique_name']!r} already exists: "
                                    f"{wireless[1]['sid']}")
    assert_error(post(sim, f"/supersim/v1/Sims/{supers[0]['sid']}", {"UniqueName": supers[1]["unique_name"]}), 409, 83011)
    # Its own name again is no conflict; a name looking like a SID is refused.
    assert post(sim, f"/supersim/v1/Sims/{supers[0]['sid']}", {"UniqueName": supers[0]["unique_name"]}, 200)
    assert_error(post(sim, f"/supersim/v1/Sims/{supers[0]['sid']}", {"UniqueName": "HS" + "0" * 32}), 400, 20001)
    # References by SID or unique name; unknown ones answer the documented codes.
    fleet = sim.truth["fleets"][1]
    assert post(sim, f"/supersim/v1/Sims/{supers[0]['sid']}", {"Fleet": fleet["unique_name"]}, 200,
                spec_request=True).json()["fleet_sid"] == fleet["sid"]
    assert_error(post(sim, f"/supersim/v1/Sims/{supers[0]['sid']}", {"Fleet": "no-such-fleet"}), 400, 83006)
    assert_error(post(sim, f"/wireless/v1/Sims/{wireless[0]['sid']}", {"RatePlan": "no-such-plan"}), 400, 33108)
    assert_error(post(sim, f"/wireless/v1/Sims/{wireless[0]['sid']}", {"RatePlan": "WP" + "0" * 32}), 400, 33108)
    # A record is addressed by its unique name in the path too.
    body = post(sim, f"/wireless/v1/Sims/{wireless[2]['unique_name']}", {"FriendlyName": "by name"}, 200,
                spec_request=False).json()
    assert body["sid"] == wireless[2]["sid"] and body["friendly_name"] == "by name"
    assert_error(post(sim, "/wireless/v1/Sims/no-such-sim", {"FriendlyName": "x"}), 404, 20404,
                 "The requested resource /v1/Sims/no-such-sim was not found")
    assert_error(post(sim, "/supersim/v1/Sims/HS" + "0" * 32, {"Status": "active"}), 404, 20404)


@pytest.mark.parametrize("path,form,status,code", [
    ("/wireless/v1/Sims/{wireless}", {"Status": "ACTIVE"}, 400, 20001),
    ("/wireless/v1/Sims/{wireless}", {"CallbackMethod": "PATCH"}, 400, 20001),
    ("/wireless/v1/Sims/{wireless}", {"SmsUrl": "not a url"}, 400, 20001),
    ("/wireless/v1/Sims/{wireless}", {"VoiceUrl": "ftp://example.com/x"}, 400, 20001),
    ("/wireless/v1/Sims/{wireless}", {"AccountSid": "AC123"}, 400, 20001),
    ("/wireless/v1/Commands", {"Sim": "{wireless}"}, 400, 20001),
    ("/wireless/v1/Commands", {"Command": "ping", "Sim": "{wireless}", "CommandMode": "morse"}, 400, 20001),
    ("/wireless/v1/Commands", {"Command": "ping", "Sim": "{wireless}", "IncludeSid": "middle"}, 400, 20001),
    ("/wireless/v1/Commands", {"Command": "ping", "Sim": "{wireless}", "DeliveryReceiptRequested": "maybe"}, 400, 20001),
    ("/wireless/v1/Commands", {"Command": "ping", "Sim": "no-such-sim"}, 400, 33107),
    ("/wireless/v1/Commands", {"Command": "ping", "Sim": "{suspended}"}, 400, 33104),
    ("/wireless/v1/RatePlans", {"DataLimit": "lots"}, 400, 20001),
    ("/wireless/v1/RatePlans", {"DataLimit": "0"}, 400, 20001),
    ("/wireless/v1/RatePlans", {"DataLimit": "2000001"}, 400, 20001),
    ("/wireless/v1/RatePlans", {"DataEnabled": "yes"}, 400, 20001),
    ("/wireless/v1/RatePlans", {"InternationalRoaming": ["data", "voice"]}, 400, 20001),
    ("/wireless/v1/RatePlans", {"DataLimitStrategy": "slow"}, 400, 20001),
    ("/wireless/v1/RatePlans", {"DataMetering": "quota-2"}, 400, 20001),
    ("/wireless/v1/RatePlans", {"UniqueName": "iot-standard"}, 409, 20409),
    ("/wireless/v1/RatePlans/iot-standard", {"UniqueName": "dev-test"}, 409, 20409),
    ("/supersim/v1/Sims", {"RegistrationCode": "1234567890"}, 400, 83001),
    ("/supersim/v1/Sims", {"Iccid": "89883070000000000017", "RegistrationCode": ""}, 400, 83001),
    ("/supersim/v1/Sims", {"Iccid": "89883070000000000017", "RegistrationCode": "1234567890"}, 400, 83002),
    ("/supersim/v1/Sims/{super}", {"Status": "suspended"}, 400, 20001),
    ("/supersim/v1/Sims/{super}", {"CallbackUrl": "example.com"}, 400, 20001),
    ("/supersim/v1/Fleets", {"UniqueName": "no-profile"}, 400, 20001),
    ("/supersim/v1/Fleets", {"NetworkAccessProfile": "no-such-profile"}, 400, 20001),
    ("/supersim/v1/Fleets", {"NetworkAccessProfile": "lab-nap", "DataLimit": "-5"}, 400, 20001),
    ("/supersim/v1/Fleets", {"NetworkAccessProfile": "lab-nap", "UniqueName": "cold-chain"}, 409, 20409),
    ("/supersim/v1/Fleets", {"NetworkAccessProfile": "lab-nap", "SmsCommandsMethod": "PUT"}, 400, 20001),
    ("/supersim/v1/Fleets/lab", {"UniqueName": "cold-chain"}, 409, 20409),
    ("/supersim/v1/Fleets/lab", {"NetworkAccessProfile": "nope"}, 400, 20001),
    ("/supersim/v1/NetworkAccessProfiles", {"Networks": "HW" + "0" * 32}, 400, 20001),
    ("/supersim/v1/NetworkAccessProfiles", {"UniqueName": "lab-nap"}, 409, 20409),
    ("/supersim/v1/NetworkAccessProfiles/lab-nap", {"UniqueName": "cold-chain-nap"}, 409, 20409),
    ("/supersim/v1/NetworkAccessProfiles/lab-nap/Networks", {}, 400, 20001),
    ("/supersim/v1/NetworkAccessProfiles/lab-nap/Networks", {"Network": "no-such-network"}, 400, 20001),
    ("/supersim/v1/NetworkAccessProfiles/no-such-nap/Networks", {"Network": "{network}"}, 404, 20404),
    ("/supersim/v1/SmsCommands", {"Sim": "{super}"}, 400, 20001),
    ("/supersim/v1/SmsCommands", {"Payload": "ping"}, 400, 20001),
    ("/supersim/v1/SmsCommands", {"Sim": "no-such-sim", "Payload": "ping"}, 400, 20001),
    ("/supersim/v1/SmsCommands", {"Sim": "{inactive}", "Payload": "ping"}, 400, 20001),
    ("/supersim/v1/SmsCommands", {"Sim": "{super}", "Payload": "x" * 161}, 400, 20001),
    ("/supersim/v1/IpCommands", {"Sim": "{super}", "Payload": "ping"}, 400, 20001),
    ("/supersim/v1/IpCommands", {"Sim": "{super}", "Payload": "ping", "DevicePort": "70000"}, 400, 20001),
    ("/supersim/v1/IpCommands", {"Sim": "{super}", "Payload": "ping", "DevicePort": "80", "PayloadType": "hex"}, 400, 20001),
    ("/supersim/v1/IpCommands", {"Sim": "{super}", "Payload": "é" * 651, "DevicePort": "80"}, 400, 20001),
])
def test_validation_errors(simulator_factory, path, form, status, code):
    sim = simulator_factory(wireless_sims=40, super_sims=30)
    truth = sim.truth
    names = {"wireless": first(truth["wireless_sims"], status="active")["sid"],
             "suspended": first(truth["wireless_sims"], status="suspended")["sid"],
             "super": first(truth["supersim_sims"], status="active")["sid"],
             "inactive": first(truth["supersim_sims"], status="inactive")["sid"],
             "network": truth["networks"][0]["sid"]}
    form = {key: value.format(**names) if isinstance(value, str) else value for key, value in form.items()}
    before = sim.truth
    response = post(sim, path.format(**names), form)
    assert_error(response, status, code)
    assert response.json()["message"]
    assert sim.truth == before and applied(sim) == {}


# ---------------------------------------------------------------------------------------------------------------
# Programmable Wireless: Commands and Rate Plans


def test_wireless_commands_create_list_fetch_delete(simulator_factory):
    sim = simulator_factory(wireless_sims=60, super_sims=0, command_step_seconds=0)
    target = first(sim.truth["wireless_sims"], status="active")
    count = len(sim.truth["commands"])
    form = {"Command": "reboot", "Sim": target["sid"], "CommandMode": "text", "IncludeSid": "start",
            "DeliveryReceiptRequested": "true", "CallbackUrl": "https://example.com/cb", "CallbackMethod": "POST"}
    created = post(sim, "/wireless/v1/Commands", form, 201).json()
    assert created["status"] == "queued" and created["direction"] == "to_sim" and created["transport"] == "sms"
    assert created["sid"].startswith("DC") and created["sim_sid"] == target["sid"] and created["command"] == "reboot"
    assert created["delivery_receipt_requested"] is True and created["url"].endswith(f"/wireless/v1/Commands/{created['sid']}")
    # command_step_seconds 0: the lifecycle ran right after the answer was made.
    delivered = fetch(sim, f"/wireless/v1/Commands/{created['sid']}")
    assert delivered["status"] == "delivered" and delivered["date_created"] == created["date_created"]
    records = list_all_records(sim, "/wireless/v1/Commands", {"PageSize": 1000})
    assert records[0] == delivered and len(records) == count + 1 and records == sim.truth["commands"]
    by_sim = target["unique_name"] or target["sid"]
    assert created["sid"] in sids(list_all_records(sim, "/wireless/v1/Commands", {"Sim": by_sim}))
    for params in ({"Status": "delivered"}, {"Direction": "to_sim"}, {"Transport": "sms"},
                   {"Status": "delivered", "Transport": "sms", "Direction": "to_sim"}):
        listed = list_all_records(sim, "/wireless/v1/Commands", dict(params, PageSize=5))
        assert listed[0]["sid"] == created["sid"]
        assert listed == [r for r in records if all(r[k.lower()] == v for k, v in params.items())]
    assert_error(get(sim, "/wireless/v1/Commands", {"Transport": "carrier-pigeon"}), 400, 20001)
    binary = post(sim, "/wireless/v1/Commands", {"Command": base64.b64encode(b"\x01\x02").decode(), "Sim": target["sid"],
                                                 "CommandMode": "binary", "DeliveryReceiptRequested": "false"}, 201).json()
    assert binary["command_mode"] == "binary" and binary["delivery_receipt_requested"] is False
    assert fetch(sim, f"/wireless/v1/Commands/{binary['sid']}")["status"] == "sent"  # no receipt: stays sent
    assert delete(sim, f"/wireless/v1/Commands/{created['sid']}", 204).content == b""
    assert_error(get(sim, f"/wireless/v1/Commands/{created['sid']}"), 404, 20404)
    assert_error(delete(sim, f"/wireless/v1/Commands/{created['sid']}"), 404, 20404)
    assert created["sid"] not in sids(sim.truth["commands"])
    assert applied(sim) == {"commands": 3}


def test_rate_plans_create_update_delete(simulator_factory):
    sim = simulator_factory(wireless_sims=30, super_sims=0)
    minimal = post(sim, "/wireless/v1/RatePlans", {}, 201).json()
    assert minimal == dict(minimal, unique_name=None, friendly_name=None, data_enabled=True, data_limit=1000,
                           data_metering="payg", messaging_enabled=True, voice_enabled=False,
                           national_roaming_enabled=True, national_roaming_data_limit=1000,
                           international_roaming=["data", "messaging"], international_roaming_data_limit=1000,
                           account_sid=sim.account_sid)
    assert minimal["sid"].startswith("WP") and minimal["date_created"] == minimal["date_updated"]
    form = {"UniqueName": "fleet-plan", "FriendlyName": "Fleet plan", "DataEnabled": "false", "DataLimit": "250",
            "DataMetering": "quota-10", "MessagingEnabled": "false", "VoiceEnabled": "true",
            "NationalRoamingEnabled": "false", "InternationalRoaming": ["messaging"], "NationalRoamingDataLimit": "0",
            "InternationalRoamingDataLimit": "5", "DataLimitStrategy": "throttle"}
    plan = post(sim, "/wireless/v1/RatePlans", form, 201).json()
    assert plan == dict(plan, unique_name="fleet-plan", friendly_name="Fleet plan", data_enabled=False, data_limit=250,
                        data_metering="quota-10", messaging_enabled=False, voice_enabled=True,
                        national_roaming_enabled=False, international_roaming=["messaging"],
                        national_roaming_data_limit=0, international_roaming_data_limit=5)
    assert list_all_records(sim, "/wireless/v1/RatePlans")[:2] == [plan, minimal]  # newest first
    assert fetch(sim, "/wireless/v1/RatePlans/fleet-plan") == plan
    # Update: UniqueName and FriendlyName only; anything else is ignored.
    updated = post(sim, f"/wireless/v1/RatePlans/{plan['sid']}", {"UniqueName": "renamed-plan", "FriendlyName": "R",
                                                                  "DataLimit": "9"}, 200, spec_request=False).json()
    assert updated == dict(plan, unique_name="renamed-plan", friendly_name="R", date_updated=updated["date_updated"])
    # A SIM may use it (by unique name); a plan in use cannot be deleted.
    target = first(sim.truth["wireless_sims"], status="active")
    assert post(sim, f"/wireless/v1/Sims/{target['sid']}", {"RatePlan": "renamed-plan"}, 200).json()["rate_plan_sid"] == plan["sid"]
    assert_error(delete(sim, f"/wireless/v1/RatePlans/{plan['sid']}"), 409, 20409)
    assert post(sim, f"/wireless/v1/Sims/{target['sid']}", {"RatePlan": "dev-test"}, 200)
    assert delete(sim, f"/wireless/v1/RatePlans/{plan['sid']}", 204).content == b""
    assert_error(get(sim, "/wireless/v1/RatePlans/renamed-plan"), 404, 20404)
    assert plan["sid"] not in sids(sim.truth["rate_plans"])
    assert_error(delete(sim, f"/wireless/v1/RatePlans/{plan['sid']}"), 404, 20404)
    # Its unique name is free again.
    assert post(sim, "/wireless/v1/RatePlans", {"UniqueName": "renamed-plan"}, 201)


# ---------------------------------------------------------------------------------------------------------------
# Super SIM: registration, fleets, Network Access Profiles, networks, commands


def test_super_sim_registration(simulator_factory):
    sim = simulator_factory(wireless_sims=0, super_sims=10, unregistered_sims=5)
    pool = sim.unregistered_sims
    assert pool == sim.truth["unregistered_sims"] and len(pool) == 5
    assert requests.get(sim.base_url + "/_sim/unregistered-sims", timeout=10).json() == pool
    for entry in pool:
        assert luhn_valid(entry["iccid"]) and len(entry["iccid"]) == 20 and re.fullmatch(r"\d{10}", entry["registration_code"])
    assert not {e["iccid"] for e in pool} & {s["iccid"] for s in sim.truth["supersim_sims"]}
    claim = pool[0]
    assert_error(post(sim, "/supersim/v1/Sims", {"Iccid": claim["iccid"], "RegistrationCode": "0000000000"}), 400, 83002)
    body = post(sim, "/supersim/v1/Sims", {"Iccid": claim["iccid"], "RegistrationCode": claim["registration_code"]},
                201).json()
    assert body == dict(body, iccid=claim["iccid"], status="new", fleet_sid=None, unique_name=None,
                        account_sid=sim.account_sid)
    assert body["links"] == {"billing_periods": f"{body['url']}/BillingPeriods",
                             "sim_ip_addresses": f"{body['url']}/IpAddresses"}
    assert list_all_records(sim, "/supersim/v1/Sims")[0] == body
    assert list_all_records(sim, "/supersim/v1/Sims", {"Iccid": claim["iccid"]}) == [body]
    assert list_all_records(sim, f"/supersim/v1/Sims/{body['sid']}/IpAddresses") == []
    assert claim not in sim.unregistered_sims and len(sim.unregistered_sims) == 4
    again = post(sim, "/supersim/v1/Sims", {"Iccid": claim["iccid"], "RegistrationCode": claim["registration_code"]})
    assert_error(again, 409, 83003)
    assert body["sid"] in again.json()["message"]
    # An ICCID of the account's own generated SIMs: already yours. Another account: cannot be registered.
    owned = sim.truth["supersim_sims"][-1]["iccid"]
    assert_error(post(sim, "/supersim/v1/Sims", {"Iccid": owned, "RegistrationCode": "1234567890"}), 409, 83003)
    other = (sim.second_account_sid, sim.second_auth_token)
    assert_error(post(sim, "/supersim/v1/Sims", {"Iccid": claim["iccid"], "RegistrationCode": claim["registration_code"]},
                      auth=other), 400, 83002)
    theirs = post(sim, "/supersim/v1/Sims", {"Iccid": pool[1]["iccid"], "RegistrationCode": pool[1]["registration_code"]},
                  201, auth=other).json()
    assert theirs["account_sid"] == sim.second_account_sid
    assert theirs["sid"] in sids(sim.truth_for(sim.second_account_sid)["supersim_sims"])
    assert theirs["sid"] not in sids(sim.truth["supersim_sims"])
    # The registered SIM goes through its statuses like any other.
    active = post(sim, f"/supersim/v1/Sims/{body['sid']}", {"Fleet": "lab", "Status": "active"}, 200, spec_request=False)
    assert active.json()["status"] == "active"
    assert applied(sim) == {"supersim_sims": 3}


def test_fleets_create_and_update(simulator_factory):
    sim = simulator_factory(wireless_sims=0, super_sims=10)
    profile = sim.truth["network_access_profiles"][0]
    fleet = post(sim, "/supersim/v1/Fleets", {"NetworkAccessProfile": profile["sid"]}, 201).json()
    assert fleet == dict(fleet, unique_name=None, data_enabled=True, data_limit=1000, data_metering="payg",
                         sms_commands_enabled=True, sms_commands_url=None, sms_commands_method="POST",
                         network_access_profile_sid=profile["sid"], ip_commands_url=None, ip_commands_method="POST")
    form = {"NetworkAccessProfile": profile["unique_name"], "UniqueName": "new-fleet", "DataEnabled": "false",
            "DataLimit": "5000", "IpCommandsUrl": "https://example.com/ip", "IpCommandsMethod": "GET",
            "SmsCommandsEnabled": "false", "SmsCommandsUrl": "https://example.com/sms", "SmsCommandsMethod": "GET"}
    named = post(sim, "/supersim/v1/Fleets", form, 201).json()
    assert named == dict(named, unique_name="new-fleet", data_enabled=False, data_limit=5000, sms_commands_enabled=False,
                         ip_commands_url="https://example.com/ip", ip_commands_method="GET",
                         sms_commands_url="https://example.com/sms", sms_commands_method="GET",
                         network_access_profile_sid=profile["sid"])
    assert sids(list_all_records(sim, "/supersim/v1/Fleets"))[:2] == [named["sid"], fleet["sid"]]
    # Update: what the description allows; DataEnabled and SmsCommandsEnabled are create-only (ignored here).
    other_profile = sim.truth["network_access_profiles"][1]
    form = {"UniqueName": "renamed-fleet", "NetworkAccessProfile": other_profile["sid"], "IpCommandsUrl": "",
            "IpCommandsMethod": "POST", "SmsCommandsUrl": "https://example.com/sms2", "SmsCommandsMethod": "POST",
            "DataLimit": "42"}
    updated = post(sim, f"/supersim/v1/Fleets/{named['sid']}", dict(form, DataEnabled="true", SmsCommandsEnabled="true"),
                   200, spec_request=False).json()
    assert updated == dict(named, unique_name="renamed-fleet", network_access_profile_sid=other_profile["sid"],
                           ip_commands_url=None, ip_commands_method="POST", sms_commands_url="https://example.com/sms2",
                           sms_commands_method="POST", data_limit=42, date_updated=updated["date_updated"])
    check_request(sim, "supersim", "POST", f"/v1/Fleets/{named['sid']}", form)
    assert fetch(sim, "/supersim/v1/Fleets/renamed-fleet") == updated
    by_profile = list_all_records(sim, "/supersim/v1/Fleets", {"NetworkAccessProfile": other_profile["unique_name"]})
    assert updated in by_profile and all(f["network_access_profile_sid"] == other_profile["sid"] for f in by_profile)
    # A Super SIM joins the new fleet by its unique name.
    target = sim.truth["supersim_sims"][0]
    joined = post(sim, f"/supersim/v1/Sims/{target['sid']}", {"Fleet": "renamed-fleet"}, 200, spec_request=False).json()
    assert joined["fleet_sid"] == named["sid"]
    assert joined in list_all_records(sim, "/supersim/v1/Sims", {"Fleet": "renamed-fleet"})


def test_network_access_profiles_and_their_networks(simulator_factory):
    sim = simulator_factory(wireless_sims=0, super_sims=10)
    networks = sim.truth["networks"]
    empty = post(sim, "/supersim/v1/NetworkAccessProfiles", {}, 201).json()
    assert empty["unique_name"] is None and empty["links"] == {"networks": f"{empty['url']}/Networks"}
    assert list_all_records(sim, f"/supersim/v1/NetworkAccessProfiles/{empty['sid']}/Networks") == []
    chosen = [networks[3]["sid"], networks[0]["sid"]]
    profile = post(sim, "/supersim/v1/NetworkAccessProfiles", {"UniqueName": "my-nap", "Networks": chosen}, 201).json()
    assert sids(list_all_records(sim, "/supersim/v1/NetworkAccessProfiles"))[:2] == [profile["sid"], empty["sid"]]
    path = f"/supersim/v1/NetworkAccessProfiles/{profile['sid']}/Networks"
    listed = list_all_records(sim, path)
    assert sids(listed) == chosen
    expected = dict(first(networks, sid=chosen[0]), network_access_profile_sid=profile["sid"],
                    url=f"{sim.base_url}{path}/{chosen[0]}")
    assert listed[0] == expected
    validate("supersim", "/v1/NetworkAccessProfiles/{NetworkAccessProfileSid}/Networks", path[9:], get(sim, path))
    # Add and remove networks.
    added = post(sim, path, {"Network": networks[5]["sid"]}, 201).json()
    assert added == dict(first(networks, sid=networks[5]["sid"]), network_access_profile_sid=profile["sid"],
                         url=f"{sim.base_url}{path}/{networks[5]['sid']}")
    assert fetch(sim, f"{path}/{networks[5]['sid']}") == added
    assert_error(post(sim, path, {"Network": networks[5]["sid"]}), 409, 20409)
    assert sids(list_all_records(sim, path, {"PageSize": 2})) == chosen + [networks[5]["sid"]]
    assert delete(sim, f"{path}/{chosen[0]}", 204).content == b""
    assert_error(get(sim, f"{path}/{chosen[0]}"), 404, 20404)
    assert_error(delete(sim, f"{path}/{chosen[0]}"), 404, 20404)
    assert sids(list_all_records(sim, path)) == [chosen[1], networks[5]["sid"]]
    assert [m for m in sim.truth["nap_networks"] if m["network_access_profile_sid"] == profile["sid"]] == \
        list_all_records(sim, path)
    # By unique name, and renamed.
    assert sids(list_all_records(sim, "/supersim/v1/NetworkAccessProfiles/my-nap/Networks")) == sids(list_all_records(sim, path))
    renamed = post(sim, f"/supersim/v1/NetworkAccessProfiles/{profile['sid']}", {"UniqueName": "our-nap"}, 200).json()
    assert renamed == dict(profile, unique_name="our-nap", date_updated=renamed["date_updated"])
    assert fetch(sim, "/supersim/v1/NetworkAccessProfiles/our-nap") == renamed
    assert_error(get(sim, "/supersim/v1/NetworkAccessProfiles/my-nap"), 404, 20404)
    # The generated profiles are those of the fleets.
    assert {f["network_access_profile_sid"] for f in sim.truth["fleets"]} <= set(sids(sim.truth["network_access_profiles"]))


def test_networks_catalogue_and_filters(simulator_factory):
    sim = simulator_factory(wireless_sims=0, super_sims=0)
    networks = list_all_records(sim, "/supersim/v1/Networks", {"PageSize": 4})
    assert networks == sim.truth["networks"] and len(networks) == len(NETWORKS)
    assert networks == sim.truth_for(sim.second_account_sid)["networks"]  # one catalogue for every account
    validate("supersim", "/v1/Networks", "/v1/Networks", get(sim, "/supersim/v1/Networks"))
    at_t = first(networks, friendly_name="AT&T")
    assert at_t["identifiers"][0] == {"mcc": "310", "mnc": "410"} and at_t["iso_country"] == "US"
    validate("supersim", "/v1/Networks/{Sid}", f"/v1/Networks/{at_t['sid']}", get(sim, f"/supersim/v1/Networks/{at_t['sid']}"))
    for params, expected in (({"IsoCountry": "US"}, ["AT&T", "T-Mobile"]), ({"Mcc": "310"}, ["AT&T", "T-Mobile"]),
                             ({"Mcc": "310", "Mnc": "410"}, ["AT&T"]), ({"Mnc": "170"}, ["AT&T"]),
                             ({"IsoCountry": "DE", "Mnc": "02"}, ["Vodafone"]), ({"IsoCountry": "ZZ"}, [])):
        names = [n["friendly_name"] for n in list_all_records(sim, "/supersim/v1/Networks", params)]
        assert sorted(names) == expected, params
    with Simulator(seed=9, wireless_sims=0, super_sims=0) as other:
        assert sids(other.truth["networks"]) == sids(networks)


def test_super_sim_commands_lifecycle_over_time(simulator_factory):
    sim = simulator_factory(wireless_sims=40, super_sims=30, command_step_seconds=0.5)
    target = first(sim.truth["supersim_sims"], status="active")
    started = time.monotonic()
    form = {"Sim": target["sid"], "Payload": "report", "CallbackUrl": "https://example.com/cb", "CallbackMethod": "GET"}
    sms = post(sim, "/supersim/v1/SmsCommands", form, 201).json()
    ip = post(sim, "/supersim/v1/IpCommands", {"Sim": target["sid"], "Payload": "AAEC", "DevicePort": "4242",
                                               "PayloadType": "binary"}, 201).json()
    wireless = post(sim, "/wireless/v1/Commands", {"Command": "ping",
                                                   "Sim": first(sim.truth["wireless_sims"], status="active")["sid"]},
                    201).json()
    assert sms["status"] == ip["status"] == wireless["status"] == "queued"
    assert ip == dict(ip, sim_iccid=target["iccid"], device_port=4242, payload_type="binary", payload="AAEC",
                      direction="to_sim", device_ip=None)
    # Newest first: the new commands lead the lists (and the filtered ones).
    assert list_all_records(sim, "/supersim/v1/SmsCommands", {"PageSize": 1})[0]["sid"] == sms["sid"]
    assert list_all_records(sim, "/supersim/v1/IpCommands", {"Status": "queued"})[0]["sid"] == ip["sid"]
    if time.monotonic() - started < 0.4:  # the first step is due 0.5 s after each creation
        assert fetch(sim, f"/supersim/v1/SmsCommands/{sms['sid']}")["status"] == "queued"
    seen = {"sms": [], "ip": [], "wireless": []}
    paths = {"sms": f"/supersim/v1/SmsCommands/{sms['sid']}", "ip": f"/supersim/v1/IpCommands/{ip['sid']}",
             "wireless": f"/wireless/v1/Commands/{wireless['sid']}"}
    finals = {"sms": "delivered", "ip": "sent", "wireless": "delivered"}

    def observe():
        for name, path in paths.items():
            status = fetch(sim, path)["status"]
            if not seen[name] or seen[name][-1] != status:
                seen[name].append(status)
        return all(seen[name][-1] == final for name, final in finals.items())
    wait_for(observe)
    assert time.monotonic() - started >= 0.95  # two steps of 0.5 s (an IP command to a SIM ends sent, after one)
    # An IP command's device_ip is null while queued, the SIM's address once sent.
    address = sim.truth["ip_addresses"][target["sid"]][0]["ip_address"]
    assert fetch(sim, paths["ip"])["device_ip"] == address
    for name, final in finals.items():
        assert seen[name][0] in ("queued", "sent") and seen[name][-1] == final
        assert seen[name] == [s for s in dict.fromkeys(("queued", "sent", final)) if s in seen[name]], seen
    record = fetch(sim, paths["sms"])
    assert record["date_updated"] >= sms["date_updated"] and record["date_created"] == sms["date_created"]
    assert list_all_records(sim, "/supersim/v1/SmsCommands", {"Status": "delivered"})[0]["sid"] == sms["sid"]


def test_command_steps_settle_on_demand_and_failures(simulator_factory):
    sim = simulator_factory(wireless_sims=0, super_sims=30, command_step_seconds=60)
    target = first(sim.truth["supersim_sims"], status="active")
    made = [post(sim, "/supersim/v1/SmsCommands", {"Sim": target["sid"], "Payload": payload}, 201).json()
            for payload in ("ok", "please FAIL now")]
    time.sleep(0.2)
    assert [fetch(sim, f"/supersim/v1/SmsCommands/{c['sid']}")["status"] for c in made] == ["queued", "queued"]
    assert sim.pending() == 4 and sim.settle() == 4
    assert [fetch(sim, f"/supersim/v1/SmsCommands/{c['sid']}")["status"] for c in made] == ["delivered", "failed"]
    failed_ip = post(sim, "/supersim/v1/IpCommands", {"Sim": target["sid"], "Payload": "fail", "DevicePort": "1"}, 201)
    sim.settle()
    assert fetch(sim, f"/supersim/v1/IpCommands/{failed_ip.json()['sid']}")["status"] == "failed"
    # A seeded failure rate: the same outcomes for the same seed and the same writes.
    outcomes = []
    for attempt in range(2):
        other = simulator_factory(seed=4, wireless_sims=0, super_sims=30, command_step_seconds=0,
                                  command_failure_rate=0.5)
        sim_sid = first(other.truth["supersim_sims"], status="active")["sid"]
        created = [post(other, "/supersim/v1/SmsCommands", {"Sim": sim_sid, "Payload": f"m{i}"}, 201).json()
                   for i in range(40)]
        outcomes.append([(c["sid"], fetch(other, f"/supersim/v1/SmsCommands/{c['sid']}")["status"]) for c in created])
    assert outcomes[0] == outcomes[1]
    statuses = [status for sid, status in outcomes[0]]
    assert set(statuses) == {"delivered", "failed"} and 8 <= statuses.count("failed") <= 32


def test_esim_profiles_order_reserve_and_become_available(simulator_factory):
    sim = simulator_factory(wireless_sims=0, super_sims=5, esim_profiles=3, command_step_seconds=0.05)
    count = len(sim.truth["esim_profiles"])
    eid = "89049032005008882600033489000001"
    form = {"CallbackUrl": "https://example.com/esim", "CallbackMethod": "POST", "Eid": eid}
    ordered = post(sim, "/supersim/v1/ESimProfiles", form, 201).json()
    assert ordered == dict(ordered, status="new", eid=eid, matching_id=None, activation_code=None, iccid=None,
                           sim_sid=None, error_code=None, account_sid=sim.account_sid)
    assert ordered["sid"].startswith("HP") and ordered["url"].endswith(f"/supersim/v1/ESimProfiles/{ordered['sid']}")
    seen = wait_for(lambda: fetch(sim, f"/supersim/v1/ESimProfiles/{ordered['sid']}")["status"] == "available"
                    and fetch(sim, f"/supersim/v1/ESimProfiles/{ordered['sid']}"))
    assert seen["smdp_plus_address"] and seen["activation_code"].startswith(f"LPA:1${seen['smdp_plus_address']}$")
    assert luhn_valid(seen["iccid"]) and seen["matching_id"] is None and seen["error_code"] is None
    assert [r["status"] for r in sim.write_log()] == [201]
    listed = list_all_records(sim, "/supersim/v1/ESimProfiles", {"Eid": eid})
    assert listed == [seen] and len(sim.truth["esim_profiles"]) == count + 1
    # A matching ID instead of an EID: it appears with the activation code.
    generated = post(sim, "/supersim/v1/ESimProfiles", {"GenerateMatchingId": "true"}, 201).json()
    assert generated["eid"] is None and generated["matching_id"] is None
    generated = wait_for(lambda: sim.settle() >= 0 and fetch(sim, f"/supersim/v1/ESimProfiles/{generated['sid']}")
                         if fetch(sim, f"/supersim/v1/ESimProfiles/{generated['sid']}")["status"] == "available" else None)
    assert re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{4}", generated["matching_id"])
    assert generated["activation_code"].endswith("$" + generated["matching_id"])
    # An EID the SM-DP+ refuses: reserving, then failed with its error.
    refused = post(sim, "/supersim/v1/ESimProfiles", {"Eid": "89049032005008882600033499999999"}, 201).json()
    sim.settle()
    failed = fetch(sim, f"/supersim/v1/ESimProfiles/{refused['sid']}")
    assert failed == dict(failed, status="failed", activation_code=None, matching_id=None)
    assert failed["error_code"] and failed["error_message"]
    # Validation: an EID or a generated matching ID is needed; an EID is 32 digits.
    for bad in ({}, {"GenerateMatchingId": "false"}, {"Eid": "1234"}, {"Eid": eid, "CallbackMethod": "PUT"},
                {"GenerateMatchingId": "yes"}):
        assert_error(post(sim, "/supersim/v1/ESimProfiles", bad), 400, 20001)
    assert applied(sim)["esim_profiles"] == 3


def test_wireless_sim_delete(simulator_factory):
    sim = simulator_factory(wireless_sims=20, super_sims=0)
    target = first(sim.truth["wireless_sims"], status="deactivated")
    count = len(sim.truth["wireless_sims"])
    assert delete(sim, f"/wireless/v1/Sims/{target['sid']}", 204).content == b""
    assert_error(get(sim, f"/wireless/v1/Sims/{target['sid']}"), 404, 20404)
    assert_error(delete(sim, f"/wireless/v1/Sims/{target['sid']}"), 404, 20404)
    assert target["sid"] not in sids(list_all_records(sim, "/wireless/v1/Sims", {"PageSize": 1000}))
    assert len(sim.truth["wireless_sims"]) == count - 1
    # By unique name; another account's SIM is not found.
    named = next(s for s in sim.truth["wireless_sims"] if s["unique_name"])
    assert delete(sim, f"/wireless/v1/Sims/{named['unique_name']}", 204, spec_request=False)
    theirs = sim.truth_for(sim.second_account_sid)["wireless_sims"][0]
    assert_error(delete(sim, f"/wireless/v1/Sims/{theirs['sid']}"), 404, 20404)
    assert applied(sim) == {"wireless_sims": 2}


@pytest.mark.parametrize("product,resource", [("supersim", "supersim_sims"), ("wireless", "wireless_sims")])
def test_sims_move_to_another_account(simulator_factory, product, resource):
    sim = simulator_factory(wireless_sims=40, super_sims=40)
    mine = (sim.account_sid, sim.auth_token)
    other = (sim.second_account_sid, sim.second_auth_token)
    if product == "supersim":  # a registered Super SIM is new
        claim = sim.unregistered_sims[0]
        post(sim, "/supersim/v1/Sims", {"Iccid": claim["iccid"], "RegistrationCode": claim["registration_code"]}, 201)
        sim.reset_writes()
    new = first(sim.truth[resource], status="new")
    active = first(sim.truth[resource], status="active")
    path = f"/{product}/v1/Sims/{new['sid']}"
    # Refused: an account the caller may not move to; a SIM that is not new. Nothing changes.
    assert_error(post(sim, path, {"AccountSid": "AC" + "9" * 32}), 400, 20001)
    assert_error(post(sim, f"/{product}/v1/Sims/{active['sid']}", {"AccountSid": sim.second_account_sid}), 400, 20001)
    assert_error(post(sim, path, {"AccountSid": "nope"}), 400, 20001)
    assert applied(sim) == {}
    # The caller's own account: nothing to do.
    assert post(sim, path, {"AccountSid": sim.account_sid}, 200).json()["account_sid"] == sim.account_sid
    moved = post(sim, path, {"AccountSid": sim.second_account_sid}, 200).json()
    assert moved == dict(new, account_sid=sim.second_account_sid, date_updated=moved["date_updated"])
    # Gone for the old account's credentials, there for the new account's.
    assert_error(get(sim, path), 404, 20404)
    assert new["sid"] not in sids(list_all_records(sim, f"/{product}/v1/Sims", {"PageSize": 1000}))
    assert new["sid"] not in sids(sim.truth[resource])
    theirs = requests.get(sim.base_url + path, auth=other, timeout=10)
    assert theirs.status_code == 200 and theirs.json() == moved
    assert moved in sim.truth_for(sim.second_account_sid)[resource]
    assert_error(post(sim, path, {"UniqueName": "x"}, auth=mine), 404, 20404)
    # And back, by the new owner.
    back = post(sim, path, {"AccountSid": sim.account_sid}, 200, auth=other).json()
    assert back["account_sid"] == sim.account_sid and fetch(sim, path) == back
    log = sim.write_log()
    assert [entry["changed"] for entry in log[-3:]] == [["account_sid"], [], ["account_sid"]]
    assert [entry["status"] for entry in log[-3:]] == [200, 404, 200]


# ---------------------------------------------------------------------------------------------------------------
# Authentication, accounts, KORE


def test_writes_need_credentials_and_stay_in_their_account(simulator_factory):
    sim = simulator_factory(wireless_sims=20, super_sims=10)
    record = first(sim.truth["wireless_sims"], status="active")
    response = requests.post(f"{sim.base_url}/wireless/v1/Sims/{record['sid']}", data={"Status": "suspended"}, timeout=10)
    assert_error(response, 401, 20003, "Authenticate")
    assert_error(post(sim, f"/wireless/v1/Sims/{record['sid']}", {"Status": "suspended"}, auth=(sim.account_sid, "bad")),
                 401, 20003)
    other = (sim.second_account_sid, sim.second_auth_token)
    assert_error(post(sim, f"/wireless/v1/Sims/{record['sid']}", {"Status": "suspended"}, auth=other), 404, 20404)
    assert_error(post(sim, "/wireless/v1/Commands", {"Command": "x", "Sim": record["sid"]}, auth=other), 400, 33107)
    # Unique names are per account: account 2 may use one that account 1 uses.
    theirs = first(sim.truth_for(sim.second_account_sid)["wireless_sims"], status="active")
    name = next(s["unique_name"] for s in sim.truth["wireless_sims"] if s["unique_name"])
    assert post(sim, f"/wireless/v1/Sims/{theirs['sid']}", {"UniqueName": name}, 200, auth=other)
    assert first(sim.truth["wireless_sims"], sid=record["sid"]) == record
    api_key = post(sim, f"/wireless/v1/Sims/{record['sid']}", {"FriendlyName": "by key"}, 200,
                   auth=(sim.api_key, sim.api_secret))
    assert api_key.json()["friendly_name"] == "by key"
    assert applied(sim) == {"wireless_sims": 2}


def test_kore_writes_with_bearer_tokens(simulator_factory):
    sim = simulator_factory(platform="kore", wireless_sims=20, super_sims=10, command_step_seconds=0)
    token = new_token(sim)
    headers = {"Authorization": f"Bearer {token}"}
    record = first(sim.truth["wireless_sims"], status="active")
    response = requests.post(f"{sim.base_url}/programmable-wireless/v1/Sims/{record['sid']}",
                             data={"Status": "suspended"}, headers=headers, timeout=10)
    assert response.status_code == 200
    validate("wireless", "/v1/Sims/{Sid}", f"/v1/Sims/{record['sid']}", response, method="POST")
    body = response.json()
    assert body["url"] == f"{sim.base_url}/programmable-wireless/v1/Sims/{record['sid']}"
    assert body["links"]["rate_plan"].startswith(f"{sim.base_url}/programmable-wireless/v1/RatePlans/")
    assert first(sim.kore_truth["wireless_sims"], sid=record["sid"]) == body
    command = requests.post(f"{sim.base_url}/programmable-wireless/v1/Commands", headers=headers, timeout=10,
                            data={"Command": "ping", "Sim": first(sim.truth["wireless_sims"], status="active")["sid"]})
    assert command.status_code == 201 and "/programmable-wireless/v1/Commands/" in command.json()["url"]
    sms = requests.post(f"{sim.base_url}/supersim/v1/SmsCommands", headers=headers, timeout=10,
                        data={"Sim": first(sim.truth["supersim_sims"], status="active")["sid"], "Payload": "hi"})
    assert sms.status_code == 201
    # Basic auth is refused on KORE; a revoked token too; errors carry KORE's docs.
    assert_kore_error(post(sim, f"/programmable-wireless/v1/Sims/{record['sid']}", {"Status": "active"}, auth=KORE_CLIENT),
                      401, 20003)
    sim.revoke_tokens()
    refused = requests.post(f"{sim.base_url}/supersim/v1/SmsCommands", headers=headers, timeout=10, data={"Payload": "x"})
    assert_kore_error(refused, 401, 20003)
    assert applied(sim) == {"wireless_sims": 1, "commands": 1, "sms_commands": 1}


# ---------------------------------------------------------------------------------------------------------------
# Faults, the concurrency limit, and writes whose answer is lost


def test_faults_before_a_write_leave_it_unapplied(simulator_factory):
    sim = simulator_factory(wireless_sims=20, super_sims=10, faults={"rate_429": 1.0, "retry_after": 0.01})
    record = first(sim.truth["wireless_sims"], status="active")
    path, form = f"/wireless/v1/Sims/{record['sid']}", {"Status": "suspended"}
    limited = post(sim, path, form)
    assert_error(limited, 429, 20429)
    assert limited.headers["Retry-After"] == "0.01"
    sim.set_faults(rate_429=0, rate_5xx=1.0, status_5xx=503)
    assert_error(post(sim, path, form), 503, 20503)
    sim.set_faults(rate_5xx=0, drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        post(sim, path, form)
    sim.set_faults(drop_rate=0, latency_ms=300)
    started = time.monotonic()
    assert post(sim, path, form, 200).json()["status"] == "suspended"
    assert time.monotonic() - started >= 0.3
    writes = sim.stats()["writes"]
    assert writes["applied"] == {"wireless_sims": 1}
    assert writes["by_status"] == {"429": 1, "503": 1, "dropped": 1, "200": 1}
    assert writes["faults"] == {"429": 1, "5xx": 1, "drop": 1}
    assert [entry["applied"] for entry in sim.write_log()] == [False, False, False, True]


def test_writes_applied_but_answered_5xx_or_dropped(simulator_factory):
    sim = simulator_factory(wireless_sims=20, super_sims=10, command_step_seconds=0,
                            faults={"rate_5xx_after_apply": 1.0, "status_5xx": 503})
    target = first(sim.truth["supersim_sims"], status="active")
    lost = post(sim, "/supersim/v1/SmsCommands", {"Sim": target["sid"], "Payload": "exactly once"})
    assert_error(lost, 503, 20503)
    # The command exists once: a client that does not retry a non-idempotent write sent it once.
    listed = list_all_records(sim, "/supersim/v1/SmsCommands", {"Sim": target["sid"]})
    assert [c["payload"] for c in listed].count("exactly once") == 1
    assert applied(sim) == {"sms_commands": 1}
    entry = sim.write_log()[-1]
    assert entry["status"] == 503 and entry["applied"] and entry["fault"] == "5xx_after_apply"
    assert entry["sid"] == listed[0]["sid"]
    # A blind retry sends it twice, and the counter shows it.
    assert_error(post(sim, "/supersim/v1/SmsCommands", {"Sim": target["sid"], "Payload": "exactly once"}), 503, 20503)
    assert applied(sim) == {"sms_commands": 2}
    # A status change retried after a lost answer is a no-op: applied once.
    record = first(sim.truth["wireless_sims"], status="active")
    assert_error(post(sim, f"/wireless/v1/Sims/{record['sid']}", {"Status": "suspended"}), 503, 20503)
    sim.set_faults(rate_5xx_after_apply=0, after_apply_drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        post(sim, f"/wireless/v1/Sims/{record['sid']}", {"Status": "suspended"})
    sim.clear_faults()
    assert post(sim, f"/wireless/v1/Sims/{record['sid']}", {"Status": "suspended"}, 200).json()["status"] == "suspended"
    assert applied(sim) == {"sms_commands": 2, "wireless_sims": 1}
    assert [e["status"] for e in sim.write_log()][-3:] == [503, "dropped", 200]
    # Reads never draw the after-apply faults.
    sim.set_faults(rate_5xx_after_apply=0.5, after_apply_drop_rate=0.5)
    assert all(get(sim, "/wireless/v1/Sims").status_code == 200 for attempt in range(20))
    assert sim.stats()["faults"] == sim.stats()["writes"]["faults"] == {"5xx_after_apply": 3, "drop_after_apply": 1}


def test_the_concurrency_limit_covers_writes(simulator_factory):
    sim = simulator_factory(wireless_sims=30, super_sims=0, faults={"max_concurrency": 2, "latency_ms": 400})
    active = [s for s in sim.truth["wireless_sims"] if s["status"] == "active"][:6]
    barrier = threading.Barrier(6)

    def one(record):
        barrier.wait()
        return post(sim, f"/wireless/v1/Sims/{record['sid']}", {"Status": "suspended"})

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(one, active))
    assert sorted(r.status_code for r in responses) == [200, 200, 429, 429, 429, 429]
    limited = next(r for r in responses if r.status_code == 429)
    assert limited.headers["Twilio-Concurrent-Requests"] == "2"
    suspended = {s["sid"] for s in sim.truth["wireless_sims"] if s["status"] == "suspended"} & {s["sid"] for s in active}
    assert len(suspended) == 2 and applied(sim) == {"wireless_sims": 2}


def test_a_storm_of_500_status_changes(simulator_factory):
    fixture = {"rate_plans": [{"unique_name": "plan"}],
               "wireless_sims": [{"unique_name": f"storm-{i:03d}", "rate_plan": "plan"} for i in range(500)]}
    sim = simulator_factory(fixture=fixture, faults={"max_concurrency": 8, "retry_after": 0.01, "rate_429": 0.05,
                                                     "rate_5xx": 0.03, "rate_5xx_after_apply": 0.03, "seed": 3})
    local = threading.local()

    def change(record):
        """A client that retries 429 and 5xx (safe here: a status change is idempotent)."""
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        for attempt in range(60):
            response = session.post(f"{sim.base_url}/wireless/v1/Sims/{record['sid']}", data={"Status": "suspended"},
                                    auth=(sim.account_sid, sim.auth_token), timeout=30)
            if response.status_code == 200:
                return response.json(), attempt
            assert response.status_code in (429, 500, 503), response.text
            time.sleep(float(response.headers.get("Retry-After", 0.01)))
        raise AssertionError("no success after 60 attempts")

    started = time.monotonic()
    with ThreadPoolExecutor(32) as pool:
        results = list(pool.map(change, sim.truth["wireless_sims"]))
    seconds = time.monotonic() - started
    assert all(body["status"] == "suspended" for body, attempts in results)
    assert {s["status"] for s in sim.truth["wireless_sims"]} == {"suspended"}
    stats = sim.stats()
    writes = stats["writes"]
    assert writes["applied"] == {"wireless_sims": 500}  # each SIM changed exactly once, retries were no-ops
    assert writes["by_status"]["200"] == 500 and writes["requests"] == sum(writes["by_status"].values())
    assert writes["faults"].get("concurrency", 0) + writes["faults"].get("429", 0) >= 1
    assert stats["max_in_flight"] <= 8
    assert len(sim.write_log()) == writes["requests"]
    print(f"500 status changes: {writes['requests']} requests in {seconds:.1f} s")


# ---------------------------------------------------------------------------------------------------------------
# Stats, the write log, the truth


def test_write_counters_and_log(simulator_factory):
    sim = simulator_factory(wireless_sims=20, super_sims=10, command_step_seconds=0)
    record = first(sim.truth["wireless_sims"], status="active")
    post(sim, f"/wireless/v1/Sims/{record['sid']}", {"FriendlyName": "logged", "Status": "suspended", "Extra": "kept"},
         200, spec_request=False)
    post(sim, "/wireless/v1/RatePlans", {"UniqueName": "logged-plan", "InternationalRoaming": ["data", "messaging"],
                                         "ClientSecret": "s3cr3t", "Note": sim.auth_token, "Token": "abc"},
         201, spec_request=False)
    delete(sim, "/wireless/v1/RatePlans/logged-plan", 204)
    post(sim, "/wireless/v1/Sims/no-such-sim", {"FriendlyName": "x"}, 404)
    get(sim, "/wireless/v1/Sims")
    log = sim.write_log()
    assert [(e["method"], e["route"], e["status"], e["applied"]) for e in log] == [
        ("POST", "POST /wireless/v1/Sims/{Sid}", 200, True), ("POST", "POST /wireless/v1/RatePlans", 201, True),
        ("DELETE", "DELETE /wireless/v1/RatePlans/{Sid}", 204, True), ("POST", "POST /wireless/v1/Sims/{Sid}", 404, False)]
    assert log[0]["params"] == {"FriendlyName": "logged", "Status": "suspended", "Extra": "kept"}
    assert log[0]["changed"] == ["friendly_name", "status"] and log[0]["sid"] == record["sid"]
    assert log[0]["resource"] == "wireless_sims" and log[0]["operation"] == "update"
    assert log[1]["params"] == {"UniqueName": "logged-plan", "InternationalRoaming": ["data", "messaging"],
                                "ClientSecret": "[redacted]", "Note": "[redacted]", "Token": "[redacted]"}
    assert log[2]["params"] == {} and log[2]["sid"] == log[1]["sid"] and log[2]["operation"] == "delete"
    assert set(log[0]) == {"method", "path", "route", "resource", "operation", "sid", "params", "status", "fault",
                           "applied", "changed", "time"}
    dumped = json.dumps([sim.writes(), sim.stats(log=True), sim.requests_log()])
    assert sim.auth_token not in dumped and "s3cr3t" not in dumped
    writes = sim.stats()["writes"]
    assert writes == {k: v for k, v in sim.writes().items() if k != "log"}
    assert writes["requests"] == 4 and writes["by_method"] == {"POST": 3, "DELETE": 1}
    assert writes["by_status"] == {"200": 1, "201": 1, "204": 1, "404": 1}
    assert writes["applied"] == {"wireless_sims": 1, "rate_plans": 2}
    assert writes["by_route"]["POST /wireless/v1/Sims/{Sid}"] == 2
    assert writes["applied_by_route"] == {"POST /wireless/v1/Sims/{Sid}": 1, "POST /wireless/v1/RatePlans": 1,
                                          "DELETE /wireless/v1/RatePlans/{Sid}": 1}
    assert writes["by_path"][f"/wireless/v1/Sims/{record['sid']}"] == 1
    assert sim.stats()["requests"] == 5 and sim.stats()["by_route"]["GET /wireless/v1/Sims"] == 1
    over_http = requests.get(sim.base_url + "/_sim/writes?log=0", timeout=10).json()
    assert over_http == writes
    assert requests.get(sim.base_url + "/_sim/writes", timeout=10).json()["log"] == log
    assert requests.post(sim.base_url + "/_sim/writes/reset", timeout=10).json() == {"ok": True}
    assert sim.write_log() == [] and sim.stats()["writes"]["requests"] == 0 and sim.stats()["requests"] == 5
    post(sim, f"/wireless/v1/Sims/{record['sid']}", {"FriendlyName": "again"}, 200)
    sim.reset_stats()
    assert sim.writes() == dict(sim.writes(), requests=0, applied={}, log=[])


def test_reads_during_writes_stay_consistent(simulator_factory):
    sim = simulator_factory(wireless_sims=0, super_sims=40, sms_commands=300, command_step_seconds=0.05)
    target = first(sim.truth["supersim_sims"], status="active")
    stop = threading.Event()
    problems = []

    def reader():
        session = requests.Session()
        session.auth = (sim.account_sid, sim.auth_token)
        while not stop.is_set():
            url = sim.base_url + "/supersim/v1/SmsCommands?PageSize=37"
            seen = []
            while url:
                response = session.get(url, timeout=30)
                if response.status_code != 200:
                    problems.append(response.text)
                    return
                body = response.json()
                seen += sids(body["sms_commands"])
                url = body["meta"]["next_page_url"]
            if len(seen) != len(set(seen)):
                problems.append("a record listed twice")

    threads = [threading.Thread(target=reader) for dummy in range(3)]
    for thread in threads:
        thread.start()
    created = []
    with requests.Session() as session:
        for index in range(120):
            created.append(post(sim, "/supersim/v1/SmsCommands", {"Sim": target["sid"], "Payload": f"n{index}"}, 201,
                                session=session, spec_request=False).json()["sid"])
    sim.wait_settled()
    stop.set()
    for thread in threads:
        thread.join(30)
    assert problems == []
    records = list_all_records(sim, "/supersim/v1/SmsCommands", {"PageSize": 1000})
    assert sids(records)[:120] == created[::-1] and records == sim.truth["sms_commands"]
    assert all(r["status"] == "delivered" for r in records[:120])
    assert len(records) == 420


def test_the_same_writes_give_the_same_sids(simulator_factory):
    results = []
    for attempt in range(2):
        sim = simulator_factory(seed=12, wireless_sims=10, super_sims=10, command_step_seconds=0)
        target = first(sim.truth["supersim_sims"], status="active")["sid"]
        made = [post(sim, "/supersim/v1/SmsCommands", {"Sim": target, "Payload": "x"}, 201).json()["sid"],
                post(sim, "/wireless/v1/RatePlans", {}, 201).json()["sid"],
                post(sim, "/supersim/v1/NetworkAccessProfiles", {}, 201).json()["sid"]]
        results.append(made)
    assert results[0] == results[1]


def test_in_a_child_process(simulator_factory):
    sim = simulator_factory(subprocess=True, wireless_sims=20, super_sims=10, settle_seconds=30, command_step_seconds=30,
                            unregistered_sims=3, wireless_commands=4)
    assert sim.write_settings() == {"settle_seconds": 30.0, "command_step_seconds": 30.0, "command_failure_rate": 0.0}
    assert len(sim.truth["commands"]) == 4
    pool = sim.unregistered_sims
    assert len(pool) == 3 and pool == sim.truth["unregistered_sims"]
    truth_before = sim.truth
    body = post(sim, "/supersim/v1/Sims", {"Iccid": pool[0]["iccid"], "RegistrationCode": pool[0]["registration_code"]},
                201).json()
    assert sim.truth["supersim_sims"][0] == body and sim.truth is not truth_before  # the cached truth is refreshed
    assert len(sim.unregistered_sims) == 2
    record, other = [s for s in sim.truth["supersim_sims"] if s["status"] == "active"][:2]
    assert post(sim, f"/supersim/v1/Sims/{record['sid']}", {"Status": "inactive"}, 202).json()["status"] == "scheduled"
    assert_error(post(sim, "/supersim/v1/SmsCommands", {"Sim": record["sid"], "Payload": "x"}), 400, 20001)
    sms = post(sim, "/supersim/v1/SmsCommands", {"Sim": other["sid"], "Payload": "x"}, 201).json()
    assert sim.pending() == 3 and sim.wait_settled(0.1) is False
    assert sim.settle() == 3 and sim.wait_settled(1)
    assert first(sim.truth["supersim_sims"], sid=record["sid"])["status"] == "inactive"
    assert first(sim.truth["sms_commands"], sid=sms["sid"])["status"] == "delivered"
    assert sim.set_write_settings(settle_seconds=0)["settle_seconds"] == 0
    writes = sim.writes()
    assert writes["applied"] == {"supersim_sims": 2, "sms_commands": 1} and len(writes["log"]) == 4
    assert sim.reset_writes() == {"ok": True} and sim.write_log() == []


def test_writes_on_a_100k_fleet_keep_reads_fast():
    with Simulator(seed=5, wireless_sims=100_000, super_sims=0) as sim:
        session = requests.Session()
        session.auth = (sim.account_sid, sim.auth_token)
        url = sim.base_url + "/wireless/v1/Sims?Status=active&PageSize=1000"
        assert len(session.get(url, timeout=30).json()["sims"]) == 1000  # the Status index is built
        active = [s["sid"] for s in sim.truth["wireless_sims"] if s["status"] == "active"]
        started = time.monotonic()
        for sid in active[:300]:
            response = session.post(f"{sim.base_url}/wireless/v1/Sims/{sid}", data={"Status": "suspended"}, timeout=30)
            assert response.status_code == 200
        writes = time.monotonic() - started
        assert writes < 15, writes
        timings, pages = [], []
        for attempt in range(5):
            began = time.monotonic()
            body = session.get(url, timeout=30).json()
            timings.append(time.monotonic() - began)
            pages.append(body["sims"])
            url = body["meta"]["next_page_url"]
        assert sorted(timings)[2] < 0.25, timings
        assert {s["status"] for page in pages for s in page} == {"active"}
        assert sids(pages[0]) == active[300:1300]
        suspended = list_all_records(sim, "/wireless/v1/Sims", {"Status": "suspended", "PageSize": 1000})
        assert set(active[:300]) <= set(sids(suspended))
        print(f"300 status changes on a 100k fleet in {writes:.2f} s; then pages of 1000 in {timings}")


def test_cli_help_lists_the_write_flags():
    output = subprocess.run([sys.executable, SIMULATOR_DIR, "--help"], capture_output=True, text=True, check=True).stdout
    for flag in ("--settle-seconds", "--command-step-seconds", "--command-failure-rate", "--unregistered-sims",
                 "--wireless-commands", "--rate-5xx-after-apply", "--after-apply-drop-rate"):
        assert flag in output
