"""Tests of the Twilio simulator itself: real HTTP over loopback against `tests/simulator`."""
import copy
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from _listing import list_all
from simulator import Simulator
from simulator.fixtures import FixtureError
from simulator.fleet import luhn_valid
from simulator.resources import (DIRECTIONS, ESIM_PROFILE_STATUSES, IP_COMMAND_STATUSES, RESOURCES, SMS_COMMAND_STATUSES,
                                 SUPER_SIM_STATUSES, WIRELESS_SIM_STATUSES)

SIMULATOR_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS_DIR = os.path.dirname(SIMULATOR_DIR)
OPENAPI_DIR = os.path.join(TESTS_DIR, "openapi")
RESOURCE = {resource.name: resource for resource in RESOURCES}
DEFAULT_AUTH = ("AC00000000000000000000000000000001", "0123456789abcdef0123456789abcdef")

# Twilio's error body (the vendored description declares 200 responses only).
ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "integer"}, "message": {"type": "string"}, "status": {"type": "integer"},
        "more_info": {"type": "string", "pattern": r"^https://www\.twilio\.com/docs/errors/\d+$"},
    },
}


def load_spec(product):
    """The vendored description, with one overlay: an enum schema whose own description says its value
    can be null (Wireless `reset_status`: "Can be: null or `resetting`") is made nullable (OAS 3.0 needs
    `nullable` and a null enum member), as the live API returns null there."""
    with open(os.path.join(OPENAPI_DIR, f"twilio_{product}_v1.json"), encoding="utf-8") as handle:
        spec = json.load(handle)
    patched = []
    for name, schema in spec["components"]["schemas"].items():
        if "enum" in schema and "Can be: null" in schema.get("description", ""):
            schema["nullable"] = True
            schema["enum"] = schema["enum"] + [None]
            patched.append(name)
    assert patched == (["sim_enum_reset_status"] if product == "wireless" else [])
    return spec


SPECS = {product: load_spec(product) for product in ("wireless", "supersim")}
OPENAPIS = {product: OpenAPI.from_dict(copy.deepcopy(spec)) for product, spec in SPECS.items()}


def schema_properties(resource):
    return set(SPECS[resource.product]["components"]["schemas"][resource.schema]["properties"])


def get(sim, path, params=None, auth=None, session=None):
    """GET an API path of the simulator with the main account's credentials by default."""
    return (session or requests).get(sim.base_url + path, params=params, auth=auth or (sim.account_sid, sim.auth_token),
                                     timeout=30)


def validate(product, operation_path, concrete_path, response, params=None, method="GET", status=200):
    """Validate a response (of `status`, 200 by default) against the operation (`method` on `operation_path`)
    of the vendored OpenAPI description."""
    assert response.status_code == status, response.text
    request = MockRequest(f"https://{product}.twilio.com", method, concrete_path, path_pattern=operation_path,
                          args={key: str(value) for key, value in (params or {}).items()})
    content_type = "application/json" if response.content else None
    try:
        OPENAPIS[product].validate_response(request, MockResponse(response.content, status, content_type=content_type))
    except OpenAPIError as err:
        errors = getattr(err.__cause__, "schema_errors", None) or [err]
        pytest.fail(f"{len(errors)} schema errors, e.g. " + "; ".join(str(e).splitlines()[0][:200] for e in errors[:5]))


def assert_error(response, status, code, message=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert list(OAS30Validator(ERROR_SCHEMA).iter_errors(body)) == []
    assert body["code"] == code and body["status"] == status
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    if message is not None:
        assert body["message"] == message


def list_all_records(sim, path, params=None, auth=None):
    return list_all(sim, path, params, auth)[0]


def sids(records):
    return [record["sid"] for record in records]


# ---------------------------------------------------------------------------------------------------------------
# Contract: every endpoint validates against the vendored OpenAPI description


LIST_CASES = [
    ("rate_plans", {}), ("wireless_sims", {}), ("wireless_sims", {"Status": "active"}),
    ("wireless_sims", {"RatePlan": "iot-standard", "Status": "suspended"}), ("wireless_sims", {"Status": "new"}),
    ("fleets", {}), ("supersim_sims", {}), ("supersim_sims", {"Fleet": "cold-chain"}),
    ("supersim_sims", {"Status": "inactive"}), ("esim_profiles", {}), ("esim_profiles", {"Status": "failed"}),
    ("esim_profiles", {"Status": "installed"}), ("ip_commands", {}),
    ("ip_commands", {"Direction": "from_sim", "Status": "received"}), ("sms_commands", {}),
    ("sms_commands", {"Direction": "to_sim", "Status": "failed"}), ("wireless_sims", {"Iccid": "0000"}),
]


@pytest.mark.parametrize("name,filters", LIST_CASES, ids=[f"{n}-{'-'.join(f.values()) or 'all'}" for n, f in LIST_CASES])
def test_list_pages_validate_against_openapi(simulator, name, filters):
    resource = RESOURCE[name]
    path = f"/v1/{resource.path}"
    params = dict(filters, PageSize=1000)
    response = get(simulator, f"/{resource.product}{path}", params)
    validate(resource.product, path, path, response, params)
    body = response.json()
    records = body[resource.key]
    for record in records:
        assert set(record) == schema_properties(resource)
    first = get(simulator, f"/{resource.product}{path}", dict(filters, PageSize=3))
    validate(resource.product, path, path, first, dict(filters, PageSize=3))
    if first.json()["meta"]["next_page_url"]:
        second = requests.get(first.json()["meta"]["next_page_url"], auth=(simulator.account_sid, simulator.auth_token))
        validate(resource.product, path, path, second)


def resource_paths(resource, record=None):
    """(the spec's path pattern, the concrete path) of a resource's list, or of `record`'s fetch."""
    parent = resource.parent
    pattern = "/v1/" + resource.path.format(parent=f"{{{parent.key}}}" if parent else "")
    concrete = "/v1/" + resource.path.format(parent=record[parent.field] if parent and record else "")
    if record is not None:
        return f"{pattern}/{{Sid}}", f"{concrete}/{record['sid']}"
    return pattern, concrete


@pytest.mark.parametrize("name", [r.name for r in RESOURCES])
def test_fetch_validates_against_openapi(simulator, name):
    resource = RESOURCE[name]
    record = simulator.truth[name][0]
    pattern, concrete = resource_paths(resource, record)
    response = get(simulator, f"/{resource.product}{concrete}")
    validate(resource.product, pattern, concrete, response)
    assert response.json() == record
    assert set(response.json()) == schema_properties(resource)


def test_ip_addresses_validate_against_openapi(simulator):
    truth = simulator.truth
    with_ip = [sid for sid, addresses in truth["ip_addresses"].items() if addresses]
    without_ip = [sid for sid, addresses in truth["ip_addresses"].items() if not addresses]
    assert with_ip and without_ip
    for sid in (with_ip[0], without_ip[0]):
        concrete = f"/v1/Sims/{sid}/IpAddresses"
        response = get(simulator, f"/supersim{concrete}")
        validate("supersim", "/v1/Sims/{SimSid}/IpAddresses", concrete, response)
        body = response.json()
        assert body["ip_addresses"] == truth["ip_addresses"][sid]
        assert body["meta"]["key"] == "ip_addresses"
        assert body["meta"]["url"] == f"{simulator.base_url}/supersim/v1/Sims/{sid}/IpAddresses?PageSize=50&Page=0"
    assert_error(get(simulator, "/supersim/v1/Sims/HS00000000000000000000000000000000/IpAddresses"), 404, 20404)


def test_openapi_validation_catches_a_bad_record(simulator):
    response = get(simulator, "/wireless/v1/Sims", {"PageSize": 2})
    body = response.json()
    body["sims"][0]["status"] = "bogus"
    broken = MockResponse(json.dumps(body).encode(), 200, content_type="application/json")
    with pytest.raises(Exception, match="InvalidData|not valid"):
        OPENAPIS["wireless"].validate_response(MockRequest("https://wireless.twilio.com", "GET", "/v1/Sims"), broken)


def test_records_have_absolute_urls_and_links(simulator):
    base = simulator.base_url
    sim = simulator.truth["wireless_sims"][0]
    assert sim["url"] == f"{base}/wireless/v1/Sims/{sim['sid']}"
    assert sim["links"] == {
        "data_sessions": f"{base}/wireless/v1/Sims/{sim['sid']}/DataSessions",
        "rate_plan": f"{base}/wireless/v1/RatePlans/{sim['rate_plan_sid']}",
        "usage_records": f"{base}/wireless/v1/Sims/{sim['sid']}/UsageRecords",
    }
    super_sim = simulator.truth["supersim_sims"][0]
    assert super_sim["links"]["sim_ip_addresses"] == f"{base}/supersim/v1/Sims/{super_sim['sid']}/IpAddresses"
    for link in list(sim["links"].values()) + [super_sim["url"]]:
        assert link.startswith(base + "/")


# ---------------------------------------------------------------------------------------------------------------
# The official twilio-python SDK pages through the whole fleet


class SimulatorHttpClient(TwilioHttpClient):
    """Sends the SDK's https://{product}.twilio.com requests to the simulator instead."""

    def __init__(self, base_url):
        super().__init__()
        self.base_url = base_url
        self.urls = []

    def request(self, method, url, *args, **kwargs):
        url = re.sub(r"^https://(wireless|supersim)\.twilio\.com", lambda m: f"{self.base_url}/{m.group(1)}", url)
        self.urls.append(url)
        return super().request(method, url, *args, **kwargs)


def test_twilio_sdk_lists_the_whole_fleet(simulator):
    http = SimulatorHttpClient(simulator.base_url)
    client = Client(simulator.api_key, simulator.api_secret, simulator.account_sid, http_client=http)
    truth = simulator.truth
    listings = {
        "wireless_sims": client.wireless.v1.sims.list(page_size=40),
        "rate_plans": client.wireless.v1.rate_plans.list(page_size=2),
        "supersim_sims": client.supersim.v1.sims.list(page_size=40),
        "fleets": client.supersim.v1.fleets.list(page_size=4),
        "esim_profiles": client.supersim.v1.esim_profiles.list(page_size=20),
        "ip_commands": client.supersim.v1.ip_commands.list(page_size=40),
        "sms_commands": client.supersim.v1.sms_commands.list(page_size=40),
    }
    for name, records in listings.items():
        assert [record.sid for record in records] == sids(truth[name]), name
    assert len(http.urls) >= 300 // 40 + 200 // 40 + 10
    assert any("PageToken=PA" in url for url in http.urls)
    sim = client.supersim.v1.sims(truth["supersim_sims"][5]["unique_name"] or truth["supersim_sims"][5]["sid"]).fetch()
    assert sim.sid == truth["supersim_sims"][5]["sid"]
    statuses = {record.status for record in client.wireless.v1.sims.list(status="suspended", page_size=7)}
    assert statuses == {"suspended"}


# ---------------------------------------------------------------------------------------------------------------
# Authentication and accounts


def test_auth_token_and_api_key_are_accepted(simulator):
    for auth in ((simulator.account_sid, simulator.auth_token), (simulator.api_key, simulator.api_secret)):
        response = get(simulator, "/wireless/v1/Sims", {"PageSize": 5}, auth=auth)
        assert response.status_code == 200
        assert sids(response.json()["sims"]) == sids(simulator.truth["wireless_sims"][:5])


@pytest.mark.parametrize("user,password", [
    ("AC00000000000000000000000000000001", "wrong-token"),
    ("AC0000000000000000000000000000dead", "0123456789abcdef0123456789abcdef"),
    ("SK00000000000000000000000000000001", "wrong-secret"),
    ("SK00000000000000000000000000000001", "0123456789abcdef0123456789abcdef"),
    ("", ""),
])
def test_bad_credentials_give_401_20003(simulator, user, password):
    response = get(simulator, "/supersim/v1/Sims", auth=(user, password))
    assert_error(response, 401, 20003, "Authenticate")
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_missing_credentials_give_401(simulator):
    response = requests.get(simulator.base_url + "/wireless/v1/Sims", timeout=30)
    assert_error(response, 401, 20003, "Authenticate")


def test_second_account_sees_only_its_own_records(simulator):
    auth = (simulator.second_account_sid, simulator.second_auth_token)
    second = simulator.truth_for(simulator.second_account_sid)
    first = simulator.truth
    for name in ("wireless_sims", "supersim_sims", "rate_plans", "fleets", "ip_commands", "sms_commands", "esim_profiles"):
        records = list_all_records(simulator, f"/{RESOURCE[name].product}/v1/{RESOURCE[name].path}", {"PageSize": 5}, auth)
        assert sids(records) == sids(second[name])
        assert not set(sids(records)) & set(sids(first[name]))
        assert {record["account_sid"] for record in records} <= {simulator.second_account_sid}
    assert second["wireless_sims"] and second["supersim_sims"]
    foreign = first["wireless_sims"][0]
    assert_error(get(simulator, f"/wireless/v1/Sims/{foreign['sid']}", auth=auth), 404, 20404)
    assert get(simulator, f"/wireless/v1/Sims/{foreign['sid']}").status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Filters


def filter_cases(truth):
    """(name, params, expected SIDs) for every filter, values taken from the truth."""
    wireless, supers = truth["wireless_sims"], truth["supersim_sims"]
    plan, fleet = truth["rate_plans"][1], truth["fleets"][2]
    with_eid = next(sim for sim in wireless if sim["e_id"])
    profile = next(p for p in truth["esim_profiles"] if p["sim_sid"])
    ip_command, sms_command = truth["ip_commands"][3], truth["sms_commands"][3]
    names = {sim["sid"]: sim["unique_name"] for sim in supers if sim["unique_name"]}
    named_command = next(command for command in truth["ip_commands"] if command["sim_sid"] in names)
    code = truth["registration_codes"][wireless[7]["sid"]]

    def where(name, **match):
        return [r["sid"] for r in truth[name] if all(r[field] == value for field, value in match.items())]

    cases = [("wireless_sims", {"Status": status}, where("wireless_sims", status=status)) for status in WIRELESS_SIM_STATUSES]
    cases += [
        ("wireless_sims", {"Iccid": wireless[4]["iccid"]}, [wireless[4]["sid"]]),
        ("wireless_sims", {"RatePlan": plan["sid"]}, where("wireless_sims", rate_plan_sid=plan["sid"])),
        ("wireless_sims", {"RatePlan": plan["unique_name"]}, where("wireless_sims", rate_plan_sid=plan["sid"])),
        ("wireless_sims", {"RatePlan": plan["unique_name"], "Status": "active"},
         where("wireless_sims", rate_plan_sid=plan["sid"], status="active")),
        ("wireless_sims", {"RatePlan": "no-such-plan"}, []),
        ("wireless_sims", {"EId": with_eid["e_id"]}, where("wireless_sims", e_id=with_eid["e_id"])),
        ("wireless_sims", {"SimRegistrationCode": code}, [wireless[7]["sid"]]),
        ("wireless_sims", {"Iccid": "8900000000000000000"}, []),
        ("supersim_sims", {"Fleet": fleet["sid"]}, where("supersim_sims", fleet_sid=fleet["sid"])),
        ("supersim_sims", {"Fleet": fleet["unique_name"]}, where("supersim_sims", fleet_sid=fleet["sid"])),
        ("supersim_sims", {"Fleet": "no-such-fleet"}, []),
        ("supersim_sims", {"Iccid": supers[9]["iccid"]}, [supers[9]["sid"]]),
        ("esim_profiles", {"Eid": profile["eid"]}, where("esim_profiles", eid=profile["eid"])),
        ("esim_profiles", {"SimSid": profile["sim_sid"]}, where("esim_profiles", sim_sid=profile["sim_sid"])),
        ("ip_commands", {"Sim": ip_command["sim_sid"]}, where("ip_commands", sim_sid=ip_command["sim_sid"])),
        ("ip_commands", {"SimIccid": ip_command["sim_iccid"]}, where("ip_commands", sim_iccid=ip_command["sim_iccid"])),
        ("ip_commands", {"Sim": "HS00000000000000000000000000000000"}, []),
        ("sms_commands", {"Sim": sms_command["sim_sid"]}, where("sms_commands", sim_sid=sms_command["sim_sid"])),
        ("sms_commands", {"Sim": "no-such-sim"}, []),
    ]
    cases.append(("ip_commands", {"Sim": names[named_command["sim_sid"]]}, where("ip_commands", sim_sid=named_command["sim_sid"])))
    cases.append(("sms_commands", {"Sim": names[named_command["sim_sid"]]}, where("sms_commands", sim_sid=named_command["sim_sid"])))
    cases += [("supersim_sims", {"Status": s}, where("supersim_sims", status=s)) for s in SUPER_SIM_STATUSES]
    cases += [("esim_profiles", {"Status": s}, where("esim_profiles", status=s)) for s in ESIM_PROFILE_STATUSES]
    for name, statuses in (("ip_commands", IP_COMMAND_STATUSES), ("sms_commands", SMS_COMMAND_STATUSES)):
        cases += [(name, {"Status": s}, where(name, status=s)) for s in statuses]
        cases += [(name, {"Direction": d}, where(name, direction=d)) for d in DIRECTIONS]
        cases += [(name, {"Direction": "from_sim", "Status": "received"}, where(name, direction="from_sim", status="received"))]
    return cases


def test_every_filter_matches_the_truth(simulator):
    cases = filter_cases(simulator.truth)
    non_empty = 0
    for name, params, expected in cases:
        resource = RESOURCE[name]
        records = list_all_records(simulator, f"/{resource.product}/v1/{resource.path}", dict(params, PageSize=1000))
        assert sids(records) == expected, (name, params)
        non_empty += bool(expected)
    assert non_empty >= len(cases) - 8


def test_sim_filter_accepts_a_unique_name():
    fixture = {
        "supersim_sims": [{"unique_name": "tracker-1"}, {"unique_name": "tracker-2"}],
        "ip_commands": [{"sim": "tracker-1"}, {"sim": "tracker-2"}, {"sim": "tracker-1", "direction": "from_sim"}],
        "sms_commands": [{"sim": "tracker-2"}, {"sim": "tracker-1"}],
    }
    with Simulator(fixture=fixture) as sim:
        truth = sim.truth
        tracker1 = next(s["sid"] for s in truth["supersim_sims"] if s["unique_name"] == "tracker-1")
        ip = get(sim, "/supersim/v1/IpCommands", {"Sim": "tracker-1"}).json()["ip_commands"]
        assert len(ip) == 2 and {c["sim_sid"] for c in ip} == {tracker1}
        sms = get(sim, "/supersim/v1/SmsCommands", {"Sim": "tracker-1"}).json()["sms_commands"]
        assert len(sms) == 1 and sms[0]["sim_sid"] == tracker1
        meta = get(sim, "/supersim/v1/IpCommands", {"Sim": "tracker-1", "Direction": "from_sim"}).json()["meta"]
        assert meta["url"] == f"{sim.base_url}/supersim/v1/IpCommands?Sim=tracker-1&Direction=from_sim&PageSize=50&Page=0"


# ---------------------------------------------------------------------------------------------------------------
# Paging, errors and ordering


def test_paging_meta_and_page_tokens(simulator):
    base = simulator.base_url
    first = get(simulator, "/wireless/v1/Sims", {"Status": "active", "PageSize": 7}).json()
    meta = first["meta"]
    assert meta["key"] == "sims" and meta["page"] == 0 and meta["page_size"] == 7
    assert meta["url"] == meta["first_page_url"] == f"{base}/wireless/v1/Sims?Status=active&PageSize=7&Page=0"
    assert meta["previous_page_url"] is None
    last_sid = first["sims"][-1]["sid"]
    assert meta["next_page_url"] == f"{base}/wireless/v1/Sims?Status=active&PageSize=7&Page=1&PageToken=PA{last_sid}"
    second = requests.get(meta["next_page_url"], auth=(simulator.account_sid, simulator.auth_token)).json()
    assert second["meta"]["page"] == 1 and second["meta"]["url"] == meta["next_page_url"]
    back = requests.get(second["meta"]["previous_page_url"], auth=(simulator.account_sid, simulator.auth_token)).json()
    assert sids(back["sims"]) == sids(first["sims"])
    active = [s["sid"] for s in simulator.truth["wireless_sims"] if s["status"] == "active"]
    records, pages = list_all(simulator, "/wireless/v1/Sims", {"Status": "active", "PageSize": 7})
    assert sids(records) == active and pages == -(-len(active) // 7)


def test_page_size_default_and_bounds(simulator):
    body = get(simulator, "/wireless/v1/Sims").json()
    assert len(body["sims"]) == 50 and body["meta"]["page_size"] == 50
    assert len(get(simulator, "/wireless/v1/Sims", {"PageSize": 1000}).json()["sims"]) == 300
    assert_error(get(simulator, "/wireless/v1/Sims", {"PageSize": 1001}), 400, 20007)
    assert_error(get(simulator, "/supersim/v1/IpCommands", {"PageSize": 5000}), 400, 20007)
    assert_error(get(simulator, "/wireless/v1/Sims", {"PageSize": 0}), 400, 20001)
    assert_error(get(simulator, "/wireless/v1/Sims", {"PageSize": "ten"}), 400, 20001)


def test_page_without_page_token_is_rejected(simulator):
    assert_error(get(simulator, "/wireless/v1/Sims", {"Page": 1}), 400, 20001, "PageToken is required for paging.")
    assert_error(get(simulator, "/supersim/v1/Sims", {"Page": 3, "PageSize": 10}), 400, 20001,
                 "PageToken is required for paging.")
    assert get(simulator, "/wireless/v1/Sims", {"Page": 0}).status_code == 200
    assert_error(get(simulator, "/wireless/v1/Sims", {"Page": 1, "PageToken": "PAnonsense"}), 400, 20001)


@pytest.mark.parametrize("path,params", [
    ("/wireless/v1/Sims", {"Status": "inactive"}), ("/supersim/v1/Sims", {"Status": "suspended"}),
    ("/supersim/v1/ESimProfiles", {"Status": "ready"}), ("/supersim/v1/IpCommands", {"Direction": "sideways"}),
    ("/supersim/v1/SmsCommands", {"Status": "ACTIVE"}),
])
def test_bad_enum_values_are_rejected(simulator, path, params):
    assert_error(get(simulator, path, params), 400, 20001)


@pytest.mark.parametrize("path", [
    "/wireless/v1/Sims/DE00000000000000000000000000000000", "/wireless/v1/Sims/no-such-name",
    "/wireless/v1/RatePlans/WP00000000000000000000000000000000", "/supersim/v1/Sims/HS00000000000000000000000000000000",
    "/supersim/v1/Fleets/HF00000000000000000000000000000000", "/supersim/v1/ESimProfiles/HP00000000000000000000000000000000",
    "/supersim/v1/IpCommands/HG00000000000000000000000000000000", "/supersim/v1/SmsCommands/HC00000000000000000000000000000000",
    "/supersim/v1/NoSuchThing",
])
def test_unknown_sids_give_404_20404(simulator, path):
    assert_error(get(simulator, path), 404, 20404)


def test_fetch_by_unique_name(simulator):
    for name, product in (("wireless_sims", "wireless"), ("supersim_sims", "supersim"), ("fleets", "supersim"),
                          ("rate_plans", "wireless")):
        record = next(r for r in simulator.truth[name] if r["unique_name"])
        response = get(simulator, f"/{product}/v1/{RESOURCE[name].path}/{record['unique_name']}")
        assert response.status_code == 200 and response.json() == record


def test_records_are_served_newest_first(simulator):
    for name in ("wireless_sims", "supersim_sims", "esim_profiles", "ip_commands", "sms_commands"):
        resource = RESOURCE[name]
        records = list_all_records(simulator, f"/{resource.product}/v1/{resource.path}", {"PageSize": 1000})
        keys = [(r["date_created"], r["sid"]) for r in records]
        assert keys == sorted(keys, key=lambda key: (invert(key[0]), key[1]))
        assert records == simulator.truth[name]


def invert(text):
    """A sort key that orders ISO timestamps newest first."""
    return [-ord(char) for char in text]


# ---------------------------------------------------------------------------------------------------------------
# The generated fleet


def test_generated_fleet_is_realistic(simulator):
    truth, now = simulator.truth, datetime.fromtimestamp(simulator.now, timezone.utc)
    patterns = {name: re.compile(f"^{RESOURCE[name].prefix}[0-9a-f]{{32}}$") for name in RESOURCE}
    for name, resource in RESOURCE.items():
        for record in truth[name]:
            assert patterns[name].match(record["sid"]), record["sid"]
            if "date_created" in resource.fields:
                assert record["date_updated"] >= record["date_created"]
                assert datetime.fromisoformat(record["date_updated"].replace("Z", "+00:00")) <= now
    wireless = truth["wireless_sims"]
    statuses = [s["status"] for s in wireless]
    assert set(statuses) == set(WIRELESS_SIM_STATUSES)
    assert statuses.count("active") > len(wireless) / 2
    names = [s["unique_name"] for s in wireless]
    assert None in names and len({n for n in names if n}) == len([n for n in names if n])
    for sim in wireless + truth["supersim_sims"]:
        assert sim["iccid"].startswith("89") and len(sim["iccid"]) in (19, 20) and luhn_valid(sim["iccid"])
    assert len({s["unique_name"] for s in truth["rate_plans"]}) == len(truth["rate_plans"]) >= 3
    recent = now - timedelta(days=3)
    assert any(datetime.fromisoformat(s["date_updated"].replace("Z", "+00:00")) >= recent for s in wireless)
    assert {s["status"] for s in truth["supersim_sims"]} == set(SUPER_SIM_STATUSES)
    fleet_sids = {f["sid"] for f in truth["fleets"]}
    assert {s["fleet_sid"] for s in truth["supersim_sims"]} - {None} <= fleet_sids
    profiles = {p["sid"] for p in truth["network_access_profiles"]}
    assert {f["network_access_profile_sid"] for f in truth["fleets"]} == profiles
    networks = {n["sid"] for n in truth["networks"]}
    assert {m["sid"] for m in truth["nap_networks"]} <= networks
    assert {m["network_access_profile_sid"] for m in truth["nap_networks"]} == profiles
    commands = truth["commands"]
    assert len(commands) == len(wireless) // 10
    assert {c["sim_sid"] for c in commands} <= {s["sid"] for s in wireless if s["status"] == "active"}
    assert {c["direction"] for c in commands} == set(DIRECTIONS)


def test_generated_profiles_and_commands_link_to_sims(simulator):
    truth = simulator.truth
    by_sid = {sim["sid"]: sim for sim in truth["supersim_sims"]}
    profiles = truth["esim_profiles"]
    assert {p["status"] for p in profiles} == set(ESIM_PROFILE_STATUSES)
    for profile in profiles:
        assert re.fullmatch(r"\d{32}", profile["eid"])
        if profile["sim_sid"]:
            assert by_sid[profile["sim_sid"]]["iccid"] == profile["iccid"]
        if profile["status"] == "failed":
            assert profile["error_code"] and profile["error_message"]
        if profile["status"] in ("available", "downloaded"):
            assert profile["activation_code"] and profile["matching_id"]
    for name, statuses in (("ip_commands", IP_COMMAND_STATUSES), ("sms_commands", SMS_COMMAND_STATUSES)):
        commands = truth[name]
        assert {c["status"] for c in commands} == set(statuses)
        assert {c["direction"] for c in commands} == set(DIRECTIONS)
        for command in commands:
            assert command["sim_sid"] in by_sid
            if name == "ip_commands":
                assert command["sim_iccid"] == by_sid[command["sim_sid"]]["iccid"]


def test_same_seed_gives_the_same_fleet_in_a_child_process(simulator):
    with Simulator(seed=1, wireless_sims=300, super_sims=200, now=simulator.now, subprocess=True) as child:
        assert child.base_url != simulator.base_url
        child_truth = child.truth
        for name in RESOURCE:
            assert sids(child_truth[name]) == sids(simulator.truth[name])
            assert [strip_urls(r) for r in child_truth[name]] == [strip_urls(r) for r in simulator.truth[name]]
        records = list_all_records(child, "/wireless/v1/Sims", {"PageSize": 1000})
        assert sids(records) == sids(simulator.truth["wireless_sims"])
        child.set_faults(rate_5xx=1.0)
        assert get(child, "/wireless/v1/Sims").status_code in (500, 503)
        assert child.stats()["by_status"].get("200") == 1
        child.reset_stats()
        assert child.stats()["requests"] == 0
    with Simulator(seed=2, wireless_sims=300, super_sims=0, now=simulator.now) as other:
        assert sids(other.truth["wireless_sims"]) != sids(simulator.truth["wireless_sims"])


def strip_urls(record):
    return {k: v for k, v in record.items() if k not in ("url", "links")}


# ---------------------------------------------------------------------------------------------------------------
# Fixtures


def test_partial_fixture_records_are_completed(tmp_path):
    fixture = {
        "rate_plans": [{"unique_name": "plan-a"}],
        "wireless_sims": [
            {"unique_name": "{{ 7 * 7 }}", "status": "active", "rate_plan": "plan-a", "registration_code": "REG123"},
            {"status": "suspended", "created_days_ago": 40, "updated_days_ago": 2},
            {"unique_name": "future-status", "status": "retired"},
        ],
        "fleets": [{"unique_name": "fleet-a"}],
        "supersim_sims": [{"unique_name": "tracker-1", "fleet": "fleet-a", "ip_addresses": ["10.1.2.3"]},
                          {"status": "inactive", "iccid": "89883070000000000017"}],
        "esim_profiles": [{"sim": "tracker-1", "status": "failed", "error_code": "8.1.1", "error_message": "bad EID"}],
        "ip_commands": [{"sim": "tracker-1", "payload": "{{ lookup('env', 'HOME') }}"}],
        "sms_commands": [{"sim": "tracker-1", "direction": "from_sim", "status": "received"}],
    }
    with Simulator(fixture=fixture, now="2026-01-01T00:00:00Z") as sim:
        truth = sim.truth
        wireless = truth["wireless_sims"]
        assert [s["unique_name"] for s in wireless] == ["{{ 7 * 7 }}", "future-status", None]
        first = wireless[0]
        assert first["rate_plan_sid"] == truth["rate_plans"][0]["sid"] and first["account_sid"] == sim.account_sid
        assert first["date_created"] == "2025-12-31T23:00:00Z" and luhn_valid(first["iccid"])
        assert truth["registration_codes"][first["sid"]] == "REG123"
        assert wireless[2]["date_created"] == "2025-11-22T00:00:00Z" and wireless[2]["date_updated"] == "2025-12-30T00:00:00Z"
        tracker = truth["supersim_sims"][0]
        assert tracker["fleet_sid"] == truth["fleets"][0]["sid"]
        assert truth["ip_addresses"][tracker["sid"]] == [{"ip_address": "10.1.2.3", "ip_address_version": "IPv4"}]
        assert truth["esim_profiles"][0]["sim_sid"] == tracker["sid"] and truth["esim_profiles"][0]["iccid"] == tracker["iccid"]
        assert truth["ip_commands"][0]["sim_iccid"] == tracker["iccid"]
        assert truth["ip_commands"][0]["payload"] == "{{ lookup('env', 'HOME') }}"
        for name, records in truth.items():
            if name in RESOURCE:
                for record in records:
                    assert set(record) == schema_properties(RESOURCE[name])
        assert get(sim, "/wireless/v1/Sims/{{ 7 * 7 }}").json()["sid"] == first["sid"]
        assert get(sim, "/wireless/v1/Sims", {"SimRegistrationCode": "REG123"}).json()["sims"] == [first]
        assert get(sim, "/supersim/v1/Sims", {"Fleet": "fleet-a"}).json()["sims"] == [tracker]
        assert get(sim, "/wireless/v1/Sims", {"Status": "suspended"}).json()["sims"] == [wireless[2]]
        assert get(sim, "/wireless/v1/RatePlans").json()["rate_plans"] == truth["rate_plans"]
        second = sim.truth_for(sim.second_account_sid)
        assert second["wireless_sims"] and not set(sids(second["wireless_sims"])) & set(sids(wireless))
    yaml_file = tmp_path / "fleet.yaml"
    yaml_file.write_text("wireless_sims:\n  - unique_name: meter-1\n    date_created: 2025-06-01T10:00:00Z\n"
                         "  - unique_name: meter-2\n    status: ready\n")
    with Simulator(fixture=str(yaml_file), now="2026-01-01T00:00:00Z") as sim:
        assert [s["unique_name"] for s in sim.truth["wireless_sims"]] == ["meter-2", "meter-1"]
        assert sim.truth["wireless_sims"][1]["date_created"] == "2025-06-01T10:00:00Z"
        assert sim.truth["supersim_sims"] == []


def test_fixture_for_other_accounts_and_in_a_child_process():
    fixture = {"wireless_sims": [{"unique_name": "mine"}],
               "accounts": {"AC00000000000000000000000000000002": {"wireless_sims": [{"unique_name": "theirs"}]}}}
    with Simulator(fixture=fixture, subprocess=True) as sim:
        assert [s["unique_name"] for s in sim.truth["wireless_sims"]] == ["mine"]
        auth = (sim.second_account_sid, sim.second_auth_token)
        assert [s["unique_name"] for s in get(sim, "/wireless/v1/Sims", auth=auth).json()["sims"]] == ["theirs"]


def test_fixture_commands_and_network_access_profiles():
    fixture = {
        "wireless_sims": [{"unique_name": "meter"}],
        "commands": [{"sim": "meter", "command": "reboot", "status": "queued"}, {"direction": "from_sim"}],
        "network_access_profiles": [{"unique_name": "eu", "networks": ["Orange", "KPN"]}],
        "fleets": [{"unique_name": "eu-fleet", "network_access_profile": "eu"}, {"unique_name": "own-profile"}],
    }
    with Simulator(fixture=fixture, now="2026-01-01T00:00:00Z") as sim:
        truth = sim.truth
        meter = truth["wireless_sims"][0]
        assert [(c["sim_sid"], c["command"], c["status"]) for c in truth["commands"]] == [
            (meter["sid"], "reboot", "queued"), (None, "ping", "delivered")]
        eu, own = truth["network_access_profiles"][0], truth["network_access_profiles"][1]
        assert eu["unique_name"] == "eu" and own["unique_name"] is None
        assert [f["network_access_profile_sid"] for f in truth["fleets"]] == [eu["sid"], own["sid"]]
        assert [m["friendly_name"] for m in truth["nap_networks"]] == ["Orange", "KPN"]
        assert get(sim, "/supersim/v1/Fleets", {"NetworkAccessProfile": "eu"}).json()["fleets"] == [truth["fleets"][0]]
        assert get(sim, f"/supersim/v1/NetworkAccessProfiles/{own['sid']}/Networks").json()["networks"] == []
        for name in ("commands", "network_access_profiles", "nap_networks"):
            for record in truth[name]:
                assert set(record) == schema_properties(RESOURCE[name])


@pytest.mark.parametrize("fixture,message", [
    ({"network_access_profiles": [{"networks": ["No Such Network"]}]}, "names no network"),
    ({"wireless_sim": []}, "unknown fixture keys"),
    ({"wireless_sims": [{"unique_nam": "x"}]}, "unknown keys"),
    ({"wireless_sims": [{"rate_plan": "missing"}]}, "names no record"),
    ({"supersim_sims": [{"unique_name": "a"}, {"unique_name": "a"}]}, "duplicate unique_name"),
])
def test_bad_fixtures_are_rejected(fixture, message):
    with pytest.raises(FixtureError, match=message):
        Simulator(fixture=fixture).start()


# ---------------------------------------------------------------------------------------------------------------
# Fault injection


def test_429_with_retry_after(simulator_factory):
    sim = simulator_factory(wireless_sims=5, super_sims=0, faults={"rate_429": 1.0, "retry_after": 0.01})
    response = get(sim, "/wireless/v1/Sims")
    assert_error(response, 429, 20429)
    assert response.headers["Retry-After"] == "0.01"
    sim.set_faults(retry_after=2)
    assert get(sim, "/wireless/v1/Sims").headers["Retry-After"] == "2"
    assert requests.get(sim.base_url + "/_sim/stats", timeout=10).status_code == 200
    sim.clear_faults()
    assert get(sim, "/wireless/v1/Sims").status_code == 200


def test_5xx_faults(simulator_factory):
    sim = simulator_factory(wireless_sims=5, super_sims=0, faults={"rate_5xx": 1.0, "seed": 3})
    statuses = set()
    for attempt in range(20):
        response = get(sim, "/wireless/v1/Sims")
        assert_error(response, response.status_code, {500: 20500, 503: 20503}[response.status_code])
        statuses.add(response.status_code)
    assert statuses == {500, 503}


def test_fault_rates_are_seeded_shares(simulator_factory):
    runs = []
    for attempt in range(2):
        sim = simulator_factory(wireless_sims=5, super_sims=0, faults={"rate_429": 0.2, "rate_5xx": 0.05, "seed": 11})
        session = requests.Session()
        runs.append([get(sim, "/wireless/v1/Sims", session=session).status_code for attempt in range(400)])
    assert runs[0] == runs[1]
    assert 40 <= runs[0].count(429) <= 120
    assert 5 <= sum(runs[0].count(code) for code in (500, 503)) <= 40
    assert runs[0].count(200) >= 250


def test_truncated_json(simulator_factory):
    sim = simulator_factory(wireless_sims=20, super_sims=0, faults={"truncate_rate": 1.0})
    response = get(sim, "/wireless/v1/Sims")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        json.loads(response.text)
    assert 0 < len(response.content) < len(json.dumps(sim.truth["wireless_sims"]))


def test_dropped_connections(simulator_factory):
    sim = simulator_factory(wireless_sims=5, super_sims=0, faults={"drop_rate": 1.0})
    with pytest.raises(requests.ConnectionError):
        get(sim, "/wireless/v1/Sims")
    assert requests.get(sim.base_url + "/_sim/health", timeout=10).json() == {"ok": True}
    assert sim.stats()["by_status"] == {"dropped": 1}
    sim.set_faults(drop_rate=0)
    assert get(sim, "/wireless/v1/Sims").status_code == 200


def test_latency(simulator_factory):
    sim = simulator_factory(wireless_sims=5, super_sims=0, faults={"latency_ms": 200})
    started = time.monotonic()
    assert get(sim, "/wireless/v1/Sims").status_code == 200
    assert time.monotonic() - started >= 0.2
    started = time.monotonic()
    requests.get(sim.base_url + "/_sim/stats", timeout=10)
    assert time.monotonic() - started < 0.2


def test_concurrency_limit(simulator_factory):
    sim = simulator_factory(wireless_sims=5, super_sims=0, faults={"max_concurrency": 2, "latency_ms": 400})
    barrier = threading.Barrier(6)

    def one(index):
        barrier.wait()
        return get(sim, "/wireless/v1/Sims")

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(one, range(6)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) == 2 and codes.count(429) == 4
    limited = next(r for r in responses if r.status_code == 429)
    assert_error(limited, 429, 20429)
    assert "Retry-After" in limited.headers and limited.headers["Twilio-Concurrent-Requests"] == "2"
    assert sim.stats()["faults"] == {"concurrency": 4}


def test_rate_limit_is_a_token_bucket_with_retry_after(simulator_factory):
    sim = simulator_factory(wireless_sims=5, super_sims=0, faults={"rate_limit": 4, "rate_burst": 2})
    # A burst of the bucket's size goes through; the next requests find it empty and learn when the next token comes.
    responses = [get(sim, "/wireless/v1/Sims") for dummy in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 429, 429]
    limited = responses[2]
    assert_error(limited, 429, 20429)
    wait = float(limited.headers["Retry-After"])
    assert 0 < wait <= 0.25 and "Twilio-Concurrent-Requests" not in limited.headers
    assert sim.stats()["faults"] == {"rate_limit": 2}
    # Honouring Retry-After gets through; over a few seconds the limit holds at 4 a second.
    started, passed = time.monotonic(), 0
    while time.monotonic() - started < 2.0:
        response = get(sim, "/wireless/v1/Sims")
        if response.status_code == 200:
            passed += 1
        else:
            assert response.status_code == 429
            time.sleep(float(response.headers["Retry-After"]))
    assert 6 <= passed <= 4 * (time.monotonic() - started) + 1, passed
    # Off again: nothing is limited.
    sim.set_faults(rate_limit=0)
    assert all(get(sim, "/wireless/v1/Sims").status_code == 200 for dummy in range(10))


def test_rate_limit_settings_are_checked_and_have_flags(simulator_factory):
    sim = simulator_factory(wireless_sims=5, super_sims=0)
    assert sim.set_faults(rate_limit=250, rate_burst=10)["rate_limit"] == 250  # requests a second: not a share
    assert requests.get(sim.base_url + "/_sim/faults", timeout=10).json()["rate_burst"] == 10
    for bad in ({"rate_limit": -1}, {"rate_burst": 0.5}):
        assert requests.post(sim.base_url + "/_sim/faults", json=bad, timeout=10).status_code == 400
    output = subprocess.run([sys.executable, SIMULATOR_DIR, "--help"], capture_output=True, text=True, check=True).stdout
    assert "--rate-limit" in output and "--rate-burst" in output


def test_faults_set_over_http(simulator_factory):
    sim = simulator_factory(wireless_sims=5, super_sims=0)
    response = requests.post(sim.base_url + "/_sim/faults", json={"rate_429": 1, "retry_after": 0.5}, timeout=10)
    assert response.status_code == 200 and response.json()["rate_429"] == 1.0
    assert get(sim, "/wireless/v1/Sims").headers["Retry-After"] == "0.5"
    assert requests.post(sim.base_url + "/_sim/faults", json={"rate_4299": 1}, timeout=10).status_code == 400
    assert requests.post(sim.base_url + "/_sim/faults", json={"rate_429": 2}, timeout=10).status_code == 400
    with pytest.raises(ValueError):
        sim.set_faults(no_such_fault=1)


# ---------------------------------------------------------------------------------------------------------------
# Stats


def test_stats_count_paths_statuses_and_queries(simulator_factory):
    sim = simulator_factory(wireless_sims=30, super_sims=10)
    list_all(sim, "/wireless/v1/Sims", {"Status": "active", "PageSize": 5})
    get(sim, "/wireless/v1/Sims", {"Status": "bogus"})
    get(sim, "/supersim/v1/Sims/HS00000000000000000000000000000000")
    get(sim, "/supersim/v1/Sims", auth=("nobody", "nothing"))
    active_pages = -(-sum(s["status"] == "active" for s in sim.truth["wireless_sims"]) // 5)
    stats = sim.stats(log=True)
    assert stats["requests"] == active_pages + 3
    assert stats["by_query"]["/wireless/v1/Sims?Status=active"] == active_pages
    assert stats["by_query_status"]["/wireless/v1/Sims?Status=bogus"] == {"400": 1}
    assert stats["by_path_status"]["/wireless/v1/Sims"] == {"200": active_pages, "400": 1}
    assert stats["by_route"]["GET /supersim/v1/Sims/{Sid}"] == 1
    assert stats["by_status"] == {"200": active_pages, "400": 1, "404": 1, "401": 1}
    assert len(stats["log"]) == stats["requests"]
    assert sim.auth_token not in json.dumps(stats) and "Authorization" not in json.dumps(stats)
    over_http = requests.get(sim.base_url + "/_sim/stats", timeout=10).json()
    assert over_http["requests"] == stats["requests"] and "log" not in over_http
    assert requests.post(sim.base_url + "/_sim/reset-stats", timeout=10).status_code == 200
    assert sim.stats()["requests"] == 0


# ---------------------------------------------------------------------------------------------------------------
# Scale


def test_a_100k_fleet_starts_fast_and_serves_1000_record_pages_fast():
    # CPU time is the simulator's own cost; wall time also depends on what else shares the machine.
    started, cpu_started = time.monotonic(), time.process_time()
    with Simulator(seed=5, wireless_sims=100_000, super_sims=0) as sim:
        startup, cpu = time.monotonic() - started, time.process_time() - cpu_started
        assert cpu < 6 and startup < 20, (cpu, startup)
        session = requests.Session()
        session.auth = (sim.account_sid, sim.auth_token)
        timings = []
        url = sim.base_url + "/wireless/v1/Sims?Status=active&PageSize=1000"
        for attempt in range(5):
            began = time.monotonic()
            response = session.get(url, timeout=30)
            timings.append(time.monotonic() - began)
            body = response.json()
            assert len(body["sims"]) == 1000
            url = body["meta"]["next_page_url"]
        assert max(timings) < 1.0 and sorted(timings)[2] < 0.25, timings
        assert len(sim.truth["wireless_sims"]) == 100_000


# ---------------------------------------------------------------------------------------------------------------
# Command line


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_its_url_first_and_stops_cleanly(stop_signal):
    command = [sys.executable, SIMULATOR_DIR, "--port", "0", "--seed", "3", "--wireless-sims", "20", "--super-sims", "10",
               "--rate-429", "0", "--retry-after", "0.25", "--max-concurrency", "8"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", line), line
        response = requests.get(line + "/wireless/v1/Sims", auth=DEFAULT_AUTH, timeout=10)
        assert response.status_code == 200 and len(response.json()["sims"]) == 20
        faults = requests.get(line + "/_sim/faults", timeout=10).json()
        assert faults["retry_after"] == 0.25 and faults["max_concurrency"] == 8
        process.send_signal(stop_signal)
        assert process.wait(60) == 0
        assert process.stdout.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_cli_stops_when_its_parent_closes_stdin():
    command = [sys.executable, SIMULATOR_DIR, "--wireless-sims", "5", "--super-sims", "0", "--stop-on-stdin-eof"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("http://127.0.0.1:")
        process.stdin.close()
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def test_cli_help_lists_the_flags():
    output = subprocess.run([sys.executable, SIMULATOR_DIR, "--help"], capture_output=True, text=True, check=True).stdout
    for flag in ("--host", "--port", "--seed", "--wireless-sims", "--super-sims", "--account-sid", "--auth-token",
                 "--fixture", "--rate-429", "--retry-after", "--rate-5xx", "--latency-ms", "--drop-rate", "--truncate-rate",
                 "--max-concurrency", "--now"):
        assert flag in output


def test_cli_credentials_override():
    with Simulator(wireless_sims=3, super_sims=0, subprocess=True, account_sid="AC" + "ab" * 16,
                   auth_token="custom-token") as sim:
        assert get(sim, "/wireless/v1/Sims").status_code == 200
        assert get(sim, "/wireless/v1/Sims", auth=DEFAULT_AUTH).status_code == 401
        assert {s["account_sid"] for s in sim.truth["wireless_sims"]} == {"AC" + "ab" * 16}


# ---------------------------------------------------------------------------------------------------------------
# KORE Wireless: OAuth 2.0 client credentials on a separate token listener, bearer tokens on the API


KORE_ERROR_SCHEMA = dict(ERROR_SCHEMA, properties=dict(ERROR_SCHEMA["properties"], more_info={
    "type": "string", "pattern": r"^https://docs\.korewireless\.com/errors/\d+$"}))
KORE_CLIENT = ("kore-client-0000000000000001", "simulator-kore-secret-000000000000000001")
KORE_SECOND_CLIENT = ("kore-client-0000000000000002", "simulator-kore-secret-000000000000000002")
TOKEN_PATH = "/api-services/v1/auth/token"
SMALL_FLEET = {"wireless_sims": 30, "super_sims": 10}


def assert_kore_error(response, status, code, message=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert list(OAS30Validator(KORE_ERROR_SCHEMA).iter_errors(body)) == []
    assert body["code"] == code and body["status"] == status
    assert body["more_info"] == f"https://docs.korewireless.com/errors/{code}"
    if message is not None:
        assert body["message"] == message


def assert_oauth_error(response, status, error, description=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "error_description"} and body["error"] == error
    assert response.headers["Cache-Control"] == "no-store"
    if description is not None:
        assert body["error_description"] == description


def token_response(sim, client=None, session=None, **form):
    """POST the token endpoint, form-encoded, as client 1 unless told otherwise."""
    client_id, client_secret = client or (sim.client_id, sim.client_secret)
    data = dict({"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}, **form)
    return (session or requests).post(sim.token_url, data={k: v for k, v in data.items() if v is not None}, timeout=30)


def new_token(sim, client=None):
    response = token_response(sim, client)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def kore_get(sim, path, token, params=None, session=None):
    return (session or requests).get(sim.base_url + path, params=params, headers={"Authorization": f"Bearer {token}"},
                                     timeout=30)


class KoreClient:
    """A minimal KORE client: a token from the token listener, renewed once when the API answers 401."""

    def __init__(self, sim, client=None):
        self.sim, self.client = sim, client
        self.session = requests.Session()
        self.tokens = [new_token(sim, client)]
        self.urls = []

    def get(self, url, params=None):
        self.urls.append(url)
        response = self.session.get(url, params=params, headers={"Authorization": f"Bearer {self.tokens[-1]}"}, timeout=30)
        if response.status_code == 401 and 'error="invalid_token"' in response.headers.get("WWW-Authenticate", ""):
            renewal = token_response(self.sim, self.client, self.session)
            if renewal.status_code != 200:
                raise RuntimeError(f"token renewal refused: {renewal.status_code} {renewal.text}")
            self.tokens.append(renewal.json()["access_token"])
            response = self.session.get(url, params=params, headers={"Authorization": f"Bearer {self.tokens[-1]}"},
                                        timeout=30)
        return response

    def list_all(self, path, params=None):
        response = self.get(self.sim.base_url + path, params)
        records = []
        while True:
            assert response.status_code == 200, response.text
            body = response.json()
            records += body[body["meta"]["key"]]
            if not body["meta"]["next_page_url"]:
                return records
            response = self.get(body["meta"]["next_page_url"])


def test_kore_token_endpoint_issues_bearer_tokens(simulator_factory):
    sim = simulator_factory(platform="kore", **SMALL_FLEET)
    assert (sim.client_id, sim.client_secret) == KORE_CLIENT and len(sim.client_secret) == 40
    assert re.fullmatch(r"http://127\.0\.0\.1:(\d+)/api-services/v1/auth/token", sim.token_url)
    assert sim.token_url.split("/")[2] != sim.base_url.split("/")[2]
    response = token_response(sim)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Pragma"] == "no-cache"
    body = response.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    assert body["expires_in"] == "3600" and body["token_type"] == "Bearer" and body["scope"]
    assert body["access_token"] != new_token(sim)
    assert sim.kore_settings()["active_tokens"] == 2
    # The token endpoint is not served on the API listener: a client that posts its secret there fails.
    stray = requests.post(sim.base_url + TOKEN_PATH, data={"grant_type": "client_credentials", "client_id": sim.client_id,
                                                           "client_secret": sim.client_secret}, timeout=30)
    assert_kore_error(stray, 401, 20003)
    assert kore_get(sim, TOKEN_PATH, body["access_token"]).status_code == 404


@pytest.mark.parametrize("form,headers,status,error", [
    ({"client_secret": "wrong-secret"}, None, 401, "unauthorized_client"),
    ({"client_id": "kore-client-0000000000000009"}, None, 401, "unauthorized_client"),
    ({"client_secret": KORE_SECOND_CLIENT[1]}, None, 401, "unauthorized_client"),
    ({"grant_type": "password"}, None, 400, "unsupported_grant_type"),
    ({"grant_type": None}, None, 400, "invalid_request"),
    ({"client_secret": None}, None, 400, "invalid_request"),
    ({"client_id": ""}, None, 400, "invalid_request"),
    ({}, {"Content-Type": "application/json"}, 400, "invalid_request"),
], ids=["wrong-secret", "unknown-client", "other-clients-secret", "bad-grant", "no-grant", "no-secret", "empty-id", "json"])
def test_kore_token_endpoint_errors(simulator_factory, form, headers, status, error):
    sim = simulator_factory(platform="kore", wireless_sims=3, super_sims=0)
    data = dict({"grant_type": "client_credentials", "client_id": sim.client_id, "client_secret": sim.client_secret}, **form)
    data = {key: value for key, value in data.items() if value is not None}
    if headers:
        response = requests.post(sim.token_url, data=json.dumps(data), headers=headers, timeout=30)
    else:
        response = requests.post(sim.token_url, data=data, timeout=30)
    assert_oauth_error(response, status, error)
    if status == 401:
        assert response.json() == {"error": "unauthorized_client",
                                   "error_description": "Invalid client or Invalid client credentials"}
    stats = sim.token_stats()
    assert stats["requests"] == stats["failed"] == 1 and stats["by_error"] == {error: 1} and stats["issued"] == 0


def test_kore_token_endpoint_method_and_path(simulator_factory):
    sim = simulator_factory(platform="kore", wireless_sims=3, super_sims=0)
    assert_oauth_error(requests.get(sim.token_url, timeout=30), 405, "invalid_request")
    assert requests.get(sim.token_url, timeout=30).headers["Allow"] == "POST"
    assert_oauth_error(requests.post(sim.token_url.replace("/token", "/tokens"), timeout=30), 404, "invalid_request")
    token_base = sim.token_url[: -len(TOKEN_PATH)]
    assert requests.get(token_base + "/wireless/v1/Sims", auth=DEFAULT_AUTH, timeout=30).status_code == 404
    assert token_response(sim).status_code == 200


def test_kore_platform_takes_bearer_tokens_only(simulator_factory):
    sim = simulator_factory(platform="kore", **SMALL_FLEET)
    token = new_token(sim)
    response = kore_get(sim, "/programmable-wireless/v1/Sims", token, {"PageSize": 5})
    assert response.status_code == 200
    assert sids(response.json()["sims"]) == sids(sim.truth["wireless_sims"][:5])
    assert sids(kore_get(sim, "/supersim/v1/Sims", token).json()["sims"]) == sids(sim.truth["supersim_sims"])
    for auth in ((sim.account_sid, sim.auth_token), (sim.api_key, sim.api_secret), KORE_CLIENT):
        refused = requests.get(sim.base_url + "/programmable-wireless/v1/Sims", auth=auth, timeout=30)
        assert_kore_error(refused, 401, 20003)
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert_kore_error(requests.get(sim.base_url + "/supersim/v1/Sims", timeout=30), 401, 20003)
    # KORE has no /wireless host: the Twilio prefix is not served on platform kore.
    assert_kore_error(kore_get(sim, "/wireless/v1/Sims", token), 404, 20404)
    assert_kore_error(kore_get(sim, "/programmable-wireless/v1/Sims", token, {"PageSize": 1001}), 400, 20007)
    assert_kore_error(kore_get(sim, "/supersim/v1/Sims/HS00000000000000000000000000000000", token), 404, 20404)
    sim.set_faults(rate_429=1, retry_after=0.01)
    limited = kore_get(sim, "/supersim/v1/Sims", token)
    assert_kore_error(limited, 429, 20429)
    assert limited.headers["Retry-After"] == "0.01"


def test_both_platform_takes_either(simulator_factory):
    sim = simulator_factory(platform="both", **SMALL_FLEET)
    token = new_token(sim)
    expected = sids(sim.truth["wireless_sims"][:5])
    for path in ("/wireless/v1/Sims", "/programmable-wireless/v1/Sims"):
        assert sids(get(sim, path, {"PageSize": 5}).json()["sims"]) == expected
        assert sids(kore_get(sim, path, token, {"PageSize": 5}).json()["sims"]) == expected
    # Errors link to KORE's docs for bearer requests, to Twilio's for basic ones.
    assert_error(get(sim, "/supersim/v1/Sims/HS00000000000000000000000000000000"), 404, 20404)
    assert_kore_error(kore_get(sim, "/supersim/v1/Sims/HS00000000000000000000000000000000", token), 404, 20404)
    assert_error(get(sim, "/wireless/v1/Sims", auth=(sim.account_sid, "wrong")), 401, 20003, "Authenticate")
    unauthenticated = requests.get(sim.base_url + "/wireless/v1/Sims", timeout=30)
    assert_error(unauthenticated, 401, 20003)
    assert "Basic" in unauthenticated.headers["WWW-Authenticate"] and "Bearer" in unauthenticated.headers["WWW-Authenticate"]
    assert_kore_error(kore_get(sim, "/wireless/v1/Sims", "not-a-token"), 401, 20003)


def test_twilio_platform_is_unchanged_by_kore(simulator):
    assert simulator.platform == "twilio" and simulator.token_url is None
    assert simulator.info()["platform"] == "twilio" and simulator.info()["token_url"] is None
    response = kore_get(simulator, "/wireless/v1/Sims", "kore-at-000001-anything")
    assert_error(response, 401, 20003, "Authenticate")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
    assert_error(get(simulator, "/programmable-wireless/v1/Sims"), 404, 20404)
    with pytest.raises(RuntimeError, match="no token endpoint"):
        simulator.request_token()
    with pytest.raises(ValueError, match="unknown platform"):
        Simulator(platform="kor")


def test_kore_token_expires_after_its_lifetime(simulator_factory):
    sim = simulator_factory(platform="kore", token_lifetime=2, **SMALL_FLEET)
    body = token_response(sim).json()
    assert body["expires_in"] == "2"
    token = body["access_token"]
    assert kore_get(sim, "/supersim/v1/Fleets", token).status_code == 200
    time.sleep(2.1)
    expired = kore_get(sim, "/supersim/v1/Fleets", token)
    assert_kore_error(expired, 401, 20003, "Authenticate: the access token is invalid or has expired")
    assert expired.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert kore_get(sim, "/supersim/v1/Fleets", new_token(sim)).status_code == 200
    assert_kore_error(kore_get(sim, "/supersim/v1/Fleets", "kore-at-999999-unknown"), 401, 20003)
    stats = sim.token_stats()
    assert stats["issued"] == 2 and stats["rejected_expired"] == 1 and stats["rejected_unknown"] == 1
    assert sim.set_token_lifetime(7200)["token_lifetime"] == 7200 and sim.token_lifetime == 7200
    assert token_response(sim).json()["expires_in"] == "7200"
    assert sim.set_token_lifetime(1.5)["token_lifetime"] == 1.5
    assert token_response(sim).json()["expires_in"] == "1"
    assert requests.post(sim.base_url + "/_sim/kore", json={"token_lifetime": 0}, timeout=10).status_code == 400
    assert requests.post(sim.base_url + "/_sim/kore", json={"lifetime": 5}, timeout=10).status_code == 400


def test_kore_token_expiring_in_the_middle_of_a_listing(simulator_factory):
    sim = simulator_factory(platform="kore", token_lifetime=1, wireless_sims=10_000, super_sims=0,
                            faults={"latency_ms": 100})
    client = KoreClient(sim)
    records = client.list_all("/programmable-wireless/v1/Sims", {"PageSize": 500})
    assert sids(records) == sids(sim.truth["wireless_sims"]) and records == sim.kore_truth["wireless_sims"]
    assert len(client.tokens) >= 2 and len(set(client.tokens)) == len(client.tokens)
    stats = sim.token_stats()
    assert stats["rejected_expired"] == len(client.tokens) - 1 == stats["issued"] - 1
    assert sim.stats()["by_status"] == {"200": 20, "401": len(client.tokens) - 1}


def test_kore_revoked_tokens(simulator_factory):
    sim = simulator_factory(platform="kore", **SMALL_FLEET)
    first, second, other = new_token(sim), new_token(sim), new_token(sim, KORE_SECOND_CLIENT)
    assert sim.revoke_tokens(token=first) == 1
    assert_kore_error(kore_get(sim, "/supersim/v1/Sims", first), 401, 20003)
    assert kore_get(sim, "/supersim/v1/Sims", second).status_code == 200
    assert sim.revoke_tokens(client_id=sim.client_id) == 1
    assert kore_get(sim, "/supersim/v1/Sims", second).status_code == 401
    assert kore_get(sim, "/supersim/v1/Sims", other).status_code == 200
    response = requests.post(sim.base_url + "/_sim/kore/revoke", timeout=10)
    assert response.status_code == 200 and response.json() == {"revoked": 1}
    revoked = kore_get(sim, "/supersim/v1/Sims", other)
    assert_kore_error(revoked, 401, 20003)
    assert revoked.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert sim.token_stats()["rejected_revoked"] == 3 and sim.token_stats()["revoked"] == 3
    assert requests.post(sim.base_url + "/_sim/kore/revoke", json={"tokn": "x"}, timeout=10).status_code == 400


def test_kore_revoked_token_costs_one_renewal_then_a_clear_failure(simulator_factory):
    sim = simulator_factory(platform="kore", **SMALL_FLEET)
    client = KoreClient(sim)
    assert client.get(sim.base_url + "/supersim/v1/Sims").status_code == 200
    sim.revoke_tokens()
    assert client.get(sim.base_url + "/supersim/v1/Sims").status_code == 200
    assert len(client.tokens) == 2
    sim.revoke_tokens()
    assert sim.disable_client() == {"client_id": sim.client_id, "account_sid": sim.account_sid, "disabled": True}
    with pytest.raises(RuntimeError, match="401.*unauthorized_client"):
        client.get(sim.base_url + "/supersim/v1/Sims")
    assert sim.token_stats()["by_status"] == {"200": 2, "401": 1}
    assert new_token(sim, KORE_SECOND_CLIENT)
    sim.enable_client()
    assert client.get(sim.base_url + "/supersim/v1/Sims").status_code == 200
    # The same switches over HTTP.
    disable = requests.post(f"{sim.base_url}/_sim/kore/clients/{sim.client_id}/disable", timeout=10)
    assert disable.status_code == 200 and disable.json()["disabled"] is True
    assert_oauth_error(token_response(sim), 401, "unauthorized_client")
    assert requests.post(f"{sim.base_url}/_sim/kore/clients/{sim.client_id}/enable", timeout=10).json()["disabled"] is False
    assert token_response(sim).status_code == 200
    assert requests.post(f"{sim.base_url}/_sim/kore/clients/nobody/disable", timeout=10).status_code == 404
    with pytest.raises(KeyError):
        sim.disable_client("nobody")


def test_kore_token_faults(simulator_factory):
    sim = simulator_factory(platform="kore", wireless_sims=3, super_sims=0,
                            token_faults={"fail_next": 2, "fail_status": 503})
    for attempt in range(2):
        assert_oauth_error(token_response(sim), 503, "temporarily_unavailable")
    assert token_response(sim).status_code == 200
    assert sim.set_token_faults(fail_next=1, fail_status=401)["fail_next"] == 1
    assert_oauth_error(token_response(sim), 401, "unauthorized_client", "Invalid client or Invalid client credentials")
    sim.set_token_faults(rate_429=1, retry_after=0.01)
    limited = token_response(sim)
    assert_oauth_error(limited, 429, "too_many_requests")
    assert limited.headers["Retry-After"] == "0.01"
    sim.set_token_faults(rate_429=0, rate_5xx=1, status_5xx=500)
    assert_oauth_error(token_response(sim), 500, "server_error")
    sim.set_token_faults(rate_5xx=0, rate_401=1)
    assert_oauth_error(token_response(sim), 401, "unauthorized_client")
    sim.set_token_faults(rate_401=0, drop_rate=1)
    with pytest.raises(requests.ConnectionError):
        token_response(sim)
    sim.set_token_faults(drop_rate=0, latency_ms=300)
    started = time.monotonic()
    assert token_response(sim).status_code == 200
    assert time.monotonic() - started >= 0.3
    sim.clear_token_faults()
    assert token_response(sim).status_code == 200
    # The API listener's own faults are separate.
    assert sim.stats()["requests"] == 0 and sim.kore_settings()["faults"]["latency_ms"] == 0
    stats = sim.token_stats()
    assert (stats["requests"], stats["ok"], stats["failed"]) == (10, 3, 7)
    assert stats["by_status"] == {"503": 2, "200": 3, "401": 2, "429": 1, "500": 1, "dropped": 1}
    assert stats["faults"] == {"5xx": 3, "401": 2, "429": 1, "drop": 1}


def test_kore_token_faults_over_http_and_seeded(simulator_factory):
    runs = []
    for attempt in range(2):
        sim = simulator_factory(platform="kore", wireless_sims=3, super_sims=0)
        response = requests.post(sim.base_url + "/_sim/kore/faults", json={"rate_401": 0.2, "rate_5xx": 0.3, "seed": 5},
                                 timeout=10)
        assert response.status_code == 200 and response.json()["rate_5xx"] == 0.3
        assert requests.get(sim.base_url + "/_sim/kore/faults", timeout=10).json()["seed"] == 5
        session = requests.Session()
        runs.append([token_response(sim, session=session).status_code for attempt in range(100)])
    assert runs[0] == runs[1]
    assert 8 <= runs[0].count(401) <= 35 and 15 <= sum(runs[0].count(s) for s in (500, 503)) <= 45
    for bad in ({"rate_401": 2}, {"fail_status": 404}, {"no_such": 1}, {"rate_drop": 1}):
        assert requests.post(sim.base_url + "/_sim/kore/faults", json=bad, timeout=10).status_code == 400
    with pytest.raises(ValueError):
        sim.set_token_faults(fail_status=200)


def test_kore_request_log_shows_which_listener_got_which_credential(simulator_factory):
    sim = simulator_factory(platform="both", **SMALL_FLEET)
    client = KoreClient(sim)
    client.list_all("/programmable-wireless/v1/Sims", {"PageSize": 10})
    sim.revoke_tokens()
    client.list_all("/supersim/v1/Sims", {"PageSize": 5})
    get(sim, "/wireless/v1/Sims")
    requests.get(sim.base_url + "/_sim/health", timeout=10)
    log = sim.requests_log()
    token_entries = [entry for entry in log if entry["listener"] == "token"]
    api_entries = [entry for entry in log if entry["listener"] == "api"]
    assert len(token_entries) == 2 and len(api_entries) == 3 + 1 + 2 + 1
    assert all(entry["client_secret"] for entry in token_entries)
    assert not any(entry["client_secret"] for entry in api_entries)
    assert {entry["auth"] for entry in token_entries} == {"none"}
    assert {entry["client_id"] for entry in token_entries} == {sim.client_id}
    bearer_entries = [entry for entry in api_entries if entry["auth"] == "bearer"]
    assert [entry["credential"] for entry in bearer_entries] == [client.tokens[0]] * 4 + [client.tokens[1]] * 2
    assert [entry["status"] for entry in bearer_entries] == [200, 200, 200, 401, 200, 200]
    assert [entry["auth"] for entry in api_entries].count("basic") == 1
    assert next(entry for entry in api_entries if entry["auth"] == "basic")["credential"] == sim.account_sid
    assert set(log[0]) == {"listener", "method", "path", "auth", "credential", "client_id", "client_secret", "status",
                           "time"}
    assert sim.auth_token not in json.dumps(log) and sim.client_secret not in json.dumps(log)
    counts = sim.request_counts()
    assert counts["token"] == {"requests": 2, "auth": {"none": 2}, "client_secret": 2}
    assert counts["api"] == {"requests": 7, "auth": {"bearer": 6, "basic": 1}, "client_secret": 0}
    over_http = requests.get(sim.base_url + "/_sim/requests?listener=token", timeout=10).json()
    assert over_http["log"] == token_entries and over_http["counts"] == counts
    # A secret sent to the API listener, in a body, a query or as a basic password, is flagged.
    requests.post(sim.base_url + TOKEN_PATH, data={"client_id": sim.client_id, "client_secret": sim.client_secret},
                  timeout=10)
    get(sim, "/wireless/v1/Sims", {"token": sim.client_secret})
    get(sim, "/wireless/v1/Sims", auth=KORE_CLIENT)
    assert_kore_error(kore_get(sim, "/wireless/v1/Sims", sim.client_secret), 401, 20003)
    leaks = sim.requests_log("api")[-4:]
    assert [entry["client_secret"] for entry in leaks] == [True, True, True, True]
    assert leaks[-1]["credential"] == "[a client secret]" and leaks[-2]["credential"] == sim.client_id
    assert sim.request_counts()["api"]["client_secret"] == 4
    assert sim.client_secret not in json.dumps(sim.requests_log())
    sim.reset_stats()
    assert sim.requests_log() == [] and sim.request_counts() == {} and sim.token_stats()["requests"] == 0


def test_kore_alias_prefix_urls_and_paging_stay_on_it(simulator_factory):
    sim = simulator_factory(platform="kore", **SMALL_FLEET)
    base, truth, kore_truth = sim.base_url, sim.truth, sim.kore_truth
    client = KoreClient(sim)
    records = client.list_all("/programmable-wireless/v1/Sims", {"Status": "active", "PageSize": 4})
    active = [record for record in kore_truth["wireless_sims"] if record["status"] == "active"]
    pages = len(client.urls)
    assert records == active and pages == -(-len(active) // 4)
    assert all(url.startswith(f"{base}/programmable-wireless/v1/Sims") for url in client.urls)
    assert "PageToken=PA" in client.urls[1] and "Status=active" in client.urls[1]
    record = kore_truth["wireless_sims"][0]
    assert record["sid"] == truth["wireless_sims"][0]["sid"]
    assert record["url"] == f"{base}/programmable-wireless/v1/Sims/{record['sid']}"
    assert record["links"]["rate_plan"] == f"{base}/programmable-wireless/v1/RatePlans/{record['rate_plan_sid']}"
    assert truth["wireless_sims"][0]["url"] == f"{base}/wireless/v1/Sims/{record['sid']}"
    token = client.tokens[-1]
    fetched = kore_get(sim, f"/programmable-wireless/v1/Sims/{record['sid']}", token)
    validate("wireless", "/v1/Sims/{Sid}", f"/v1/Sims/{record['sid']}", fetched)
    assert fetched.json() == record
    page = kore_get(sim, "/programmable-wireless/v1/RatePlans", token, {"PageSize": 2})
    validate("wireless", "/v1/RatePlans", "/v1/RatePlans", page, {"PageSize": 2})
    assert page.json()["rate_plans"] == kore_truth["rate_plans"][:2]
    assert page.json()["meta"]["next_page_url"].startswith(f"{base}/programmable-wireless/v1/RatePlans?")
    assert client.list_all("/supersim/v1/Sims", {"PageSize": 3}) == truth["supersim_sims"] == kore_truth["supersim_sims"]
    ip_sid = next(sid for sid, addresses in truth["ip_addresses"].items() if addresses)
    meta = kore_get(sim, f"/supersim/v1/Sims/{ip_sid}/IpAddresses", token).json()["meta"]
    assert meta["url"] == f"{base}/supersim/v1/Sims/{ip_sid}/IpAddresses?PageSize=50&Page=0"
    assert sim.stats()["by_route"]["GET /programmable-wireless/v1/Sims"] == pages


def test_kore_clients_see_only_their_own_account(simulator_factory):
    sim = simulator_factory(platform="kore", **SMALL_FLEET)
    first, second = KoreClient(sim), KoreClient(sim, KORE_SECOND_CLIENT)
    assert (sim.second_client_id, sim.second_client_secret) == KORE_SECOND_CLIENT
    theirs = sim.truth_for(sim.second_account_sid, kore=True)
    for path, name in (("/programmable-wireless/v1/Sims", "wireless_sims"), ("/supersim/v1/Sims", "supersim_sims"),
                       ("/programmable-wireless/v1/RatePlans", "rate_plans"), ("/supersim/v1/Fleets", "fleets")):
        assert second.list_all(path, {"PageSize": 5}) == theirs[name]
        assert sids(first.list_all(path, {"PageSize": 50})) == sids(sim.truth[name])
        assert not set(sids(theirs[name])) & set(sids(sim.truth[name]))
    foreign = sim.truth["wireless_sims"][0]["sid"]
    assert_kore_error(second.get(f"{sim.base_url}/programmable-wireless/v1/Sims/{foreign}"), 404, 20404)
    assert first.get(f"{sim.base_url}/programmable-wireless/v1/Sims/{foreign}").status_code == 200
    assert [c["account_sid"] for c in sim.kore_settings()["clients"]] == [sim.account_sid, sim.second_account_sid]


def test_kore_in_a_child_process(simulator_factory):
    sim = simulator_factory(platform="kore", subprocess=True, token_lifetime=30, token_faults={"fail_next": 1},
                            client_id="my-client", client_secret="s3cret/with+chars", **SMALL_FLEET)
    assert sim.token_url.endswith(TOKEN_PATH) and sim.info()["token_url"] == sim.token_url
    assert_oauth_error(token_response(sim), 503, "temporarily_unavailable")
    body = sim.request_token()
    assert body["expires_in"] == "30"
    assert sids(kore_get(sim, "/programmable-wireless/v1/Sims", body["access_token"]).json()["sims"]) == \
        sids(sim.truth["wireless_sims"])
    assert token_response(sim, KORE_CLIENT).status_code == 401
    assert sim.revoke_tokens() == 1 and sim.disable_client()["disabled"] is True
    assert sim.set_token_faults(rate_429=1)["rate_429"] == 1
    assert sim.token_stats()["faults"] == {"5xx": 1}
    log = sim.requests_log()
    assert [entry["listener"] for entry in log] == ["token", "token", "api", "token"]
    assert [entry["client_secret"] for entry in log] == [True, True, False, True]
    assert sim.kore_truth["wireless_sims"][0]["url"].startswith(sim.base_url + "/programmable-wireless/")


def test_cli_kore_prints_the_token_url_second():
    command = [sys.executable, SIMULATOR_DIR, "--wireless-sims", "5", "--super-sims", "0", "--platform", "kore",
               "--token-lifetime", "2", "--token-fail-next", "1", "--token-fail-status", "429", "--token-retry-after", "0.5"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base_url = process.stdout.readline().strip()
        token_url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url), base_url
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api-services/v1/auth/token", token_url), token_url
        form = {"grant_type": "client_credentials", "client_id": KORE_CLIENT[0], "client_secret": KORE_CLIENT[1]}
        limited = requests.post(token_url, data=form, timeout=10)
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "0.5"
        body = requests.post(token_url, data=form, timeout=10).json()
        assert body["expires_in"] == "2"
        response = requests.get(base_url + "/programmable-wireless/v1/Sims",
                                headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=10)
        assert response.status_code == 200 and len(response.json()["sims"]) == 5
        assert requests.get(base_url + "/_sim/kore", timeout=10).json()["token_lifetime"] == 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
        assert process.stdout.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_cli_help_lists_the_kore_flags():
    output = subprocess.run([sys.executable, SIMULATOR_DIR, "--help"], capture_output=True, text=True, check=True).stdout
    for flag in ("--platform", "--token-lifetime", "--token-port", "--client-id", "--client-secret", "--token-rate-401",
                 "--token-rate-429", "--token-retry-after", "--token-rate-5xx", "--token-status-5xx", "--token-drop-rate",
                 "--token-latency-ms", "--token-fail-next", "--token-fail-status", "--token-fault-seed"):
        assert flag in output
