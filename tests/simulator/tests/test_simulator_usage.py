"""Tests of the simulator's usage listings: Wireless and Super SIM Usage Records, Data Sessions, Billing Periods,
Settings Updates. Real HTTP over loopback; checked against the vendored description, the truth, and sums
computed here from the truth's rates."""
import calendar
import copy
import json
import os
import time
from datetime import datetime, timezone

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse

from _listing import list_all
from simulator import Simulator

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OPENAPI_DIR = os.path.join(TESTS_DIR, "openapi")
HOUR, DAY = 3600, 86400
HS_ZERO, DE_ZERO = "HS" + "0" * 32, "DE" + "0" * 32


def load_spec(product):
    """The vendored description with two overlays, as the live API answers: an enum whose description says it
    can be null is nullable (`reset_status`), and the Super SIM Usage Record's `data_total_billed`, a number in
    the schema, is a decimal string with two decimals in every example of the description."""
    with open(os.path.join(OPENAPI_DIR, f"twilio_{product}_v1.json"), encoding="utf-8") as handle:
        spec = json.load(handle)
    for schema in spec["components"]["schemas"].values():
        if "enum" in schema and "Can be: null" in schema.get("description", ""):
            schema["nullable"] = True
            schema["enum"] = schema["enum"] + [None]
    if product == "supersim":
        properties = spec["components"]["schemas"]["supersim.v1.usage_record"]["properties"]
        assert properties["data_total_billed"]["type"] == "number"
        properties["data_total_billed"] = {"type": "string", "pattern": r"^\d+\.\d\d$", "nullable": True}
    return spec


SPECS = {product: load_spec(product) for product in ("wireless", "supersim")}
OPENAPIS = {product: OpenAPI.from_dict(copy.deepcopy(spec)) for product, spec in SPECS.items()}


def schema_properties(product, schema):
    return set(SPECS[product]["components"]["schemas"][schema]["properties"])


def get(sim, path, params=None):
    return requests.get(sim.base_url + path, params=params, auth=(sim.account_sid, sim.auth_token), timeout=60)


def validate(product, pattern, path, response, params=None):
    assert response.status_code == 200, response.text
    request = MockRequest(f"https://{product}.twilio.com", "GET", path, path_pattern=pattern,
                          args={key: str(value) for key, value in (params or {}).items()})
    try:
        OPENAPIS[product].validate_response(request, MockResponse(response.content, 200, content_type="application/json"))
    except OpenAPIError as err:
        errors = getattr(err.__cause__, "schema_errors", None) or [err]
        pytest.fail(f"{len(errors)} schema errors, e.g. " + "; ".join(str(e).splitlines()[0][:200] for e in errors[:5]))


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["code"] == code and body["status"] == status
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


def stamp(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def months_from(ts, months):
    """`ts` moved by calendar months (day clamped), computed here independently of the simulator."""
    moment = datetime.fromtimestamp(ts, timezone.utc)
    year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return int(moment.replace(year=year, month=month + 1, day=day).timestamp())


def expected_bytes(entry, start, end):
    """A SIM's bytes in [start, end) from its truth entry: rate times the hour marks in the overlap."""
    if entry is None or entry["start"] is None:
        return 0, 0
    low, high = max(start, epoch(entry["start"])), min(end, epoch(entry["end"]))
    count = max(0, -(-high // HOUR) - -(-low // HOUR))
    return entry["upload_per_hour"] * count, entry["download_per_hour"] * count


def totals(records, upload="data_upload", download="data_download"):
    return sum(r[upload] for r in records), sum(r[download] for r in records)


# ---------------------------------------------------------------------------------------------------------------
# Contract


def contract_cases(truth):
    wireless = next(s for s in truth["wireless_sims"] if truth["usage"][s["sid"]] and truth["usage"][s["sid"]]["start"]
                    and s["unique_name"])
    super_sim = next(s for s in truth["supersim_sims"] if s["status"] == "active" and s["unique_name"])
    fleet = truth["fleets"][0]
    network = truth["networks"][0]["sid"]
    update = truth["settings_updates"][0]
    usage = "/v1/UsageRecords"
    return [
        ("wireless", usage, usage, {}),
        ("wireless", usage, usage, {"Granularity": "daily", "PageSize": 5}),
        ("wireless", usage, usage, {"Granularity": "hourly", "Start": "2026-01-01T00:00:00Z", "End": "2026-01-02T00:00:00Z"}),
        ("wireless", "/v1/Sims/{SimSid}/UsageRecords", f"/v1/Sims/{wireless['sid']}/UsageRecords", {}),
        ("wireless", "/v1/Sims/{SimSid}/UsageRecords", f"/v1/Sims/{wireless['unique_name']}/UsageRecords",
         {"Granularity": "daily"}),
        ("wireless", "/v1/Sims/{SimSid}/DataSessions", f"/v1/Sims/{wireless['sid']}/DataSessions", {}),
        ("supersim", usage, usage, {}),
        ("supersim", usage, usage, {"Granularity": "day", "Group": "sim"}),
        ("supersim", usage, usage, {"Granularity": "hour", "Group": "fleet",
                                    "StartTime": stamp(truth_now(truth) - 2 * DAY)}),
        ("supersim", usage, usage, {"Group": "network", "Fleet": fleet["unique_name"]}),
        ("supersim", usage, usage, {"Group": "isoCountry", "Granularity": "day"}),
        ("supersim", usage, usage, {"Sim": super_sim["unique_name"], "Granularity": "day"}),
        ("supersim", usage, usage, {"Network": network, "IsoCountry": truth["networks"][0]["iso_country"]}),
        ("supersim", "/v1/Sims/{SimSid}/BillingPeriods", f"/v1/Sims/{super_sim['sid']}/BillingPeriods", {}),
        ("supersim", "/v1/SettingsUpdates", "/v1/SettingsUpdates", {}),
        ("supersim", "/v1/SettingsUpdates", "/v1/SettingsUpdates", {"Sim": update["sim_sid"], "Status": update["status"]}),
    ]


def truth_now(truth):
    return max(epoch(r["date_created"]) for r in truth["wireless_sims"] + truth["supersim_sims"]) // DAY * DAY + DAY


RECORD_SCHEMAS = {("wireless", "/v1/UsageRecords"): "wireless.v1.account_usage_record",
                  ("wireless", "/v1/Sims/{SimSid}/UsageRecords"): "wireless.v1.sim.usage_record",
                  ("wireless", "/v1/Sims/{SimSid}/DataSessions"): "wireless.v1.sim.data_session",
                  ("supersim", "/v1/UsageRecords"): "supersim.v1.usage_record",
                  ("supersim", "/v1/Sims/{SimSid}/BillingPeriods"): "supersim.v1.sim.billing_period",
                  ("supersim", "/v1/SettingsUpdates"): "supersim.v1.settings_update"}


def test_every_new_endpoint_validates_against_openapi(simulator):
    checked = set()
    for product, pattern, path, params in contract_cases(simulator.truth):
        response = get(simulator, f"/{product}{path}", params)
        validate(product, pattern, path, response, params)
        body = response.json()
        key = body["meta"]["key"]
        assert body[key], (path, params)
        for record in body[key]:
            assert set(record) == schema_properties(product, RECORD_SCHEMAS[(product, pattern)])
        checked.add((product, pattern))
    assert checked == set(RECORD_SCHEMAS)


def test_openapi_overlay_still_rejects_a_bad_usage_record(simulator):
    response = get(simulator, "/supersim/v1/UsageRecords")
    body = response.json()
    body["usage_records"][0]["data_total"] = "lots"
    request = MockRequest("https://supersim.twilio.com", "GET", "/v1/UsageRecords", path_pattern="/v1/UsageRecords")
    with pytest.raises(Exception, match="InvalidData|not valid"):
        OPENAPIS["supersim"].validate_response(request, MockResponse(json.dumps(body).encode(), 200,
                                                                     content_type="application/json"))


# ---------------------------------------------------------------------------------------------------------------
# Usage adds up


def test_supersim_usage_adds_up_across_granularities_and_groups(simulator):
    truth = simulator.truth
    start, end = simulator.now - 9 * DAY - 1234, simulator.now - 5 * HOUR - 17
    window = {"StartTime": stamp(start), "EndTime": stamp(end), "PageSize": 1000}
    expected = {s["sid"]: expected_bytes(truth["usage"][s["sid"]], start, end) for s in truth["supersim_sims"]}
    whole = tuple(map(sum, zip(*expected.values())))
    assert whole[0] > 0 and whole[1] > 0
    for granularity, count in (("all", 1), ("day", 10), ("hour", (end - start) // HOUR + 1)):
        records, pages = list_all(simulator, "/supersim/v1/UsageRecords", dict(window, Granularity=granularity))
        assert len(records) == count and totals(records) == whole, granularity
        assert records[0]["period"]["end_time"] == stamp(end) and records[-1]["period"]["start_time"] == stamp(start)
        assert all(r["data_total"] == r["data_upload"] + r["data_download"] for r in records)
        assert all(r["data_total_billed"] == f"{round(r['data_total'] / 1e6 * 0.10 + 1e-9, 2):.2f}" for r in records)
    by_sim, pages = list_all(simulator, "/supersim/v1/UsageRecords", dict(window, Group="sim"))
    assert {r["sim_sid"]: (r["data_upload"], r["data_download"]) for r in by_sim} == {
        sid: used for sid, used in expected.items() if sum(used)}
    for sid in {r["sim_sid"] for r in by_sim}:
        assert simulator.usage_between(sid, start, end)["total"] == sum(expected[sid])
    sims = {s["sid"]: s for s in truth["supersim_sims"]}
    dimensions = {"fleet": ("fleet_sid", lambda sid: sims[sid]["fleet_sid"]),
                  "network": ("network_sid", lambda sid: truth["usage"][sid]["network_sid"]),
                  "isoCountry": ("iso_country", lambda sid: truth["usage"][sid]["iso_country"])}
    for group, (field, key_of) in dimensions.items():
        for granularity in ("all", "day"):
            records, pages = list_all(simulator, "/supersim/v1/UsageRecords", dict(window, Group=group, Granularity=granularity))
            assert totals(records) == whole, (group, granularity)
            sums = {}
            for record in records:
                assert record["sim_sid"] is None and all(record[f] is None for f, k in dimensions.values() if f != field)
                sums[record[field]] = tuple(a + b for a, b in zip(sums.get(record[field], (0, 0)),
                                                                  (record["data_upload"], record["data_download"])))
            mine = {}
            for sid, used in expected.items():
                if sum(used):
                    mine[key_of(sid)] = tuple(a + b for a, b in zip(mine.get(key_of(sid), (0, 0)), used))
            assert sums == mine, (group, granularity)
    fleet = max(truth["fleets"], key=lambda f: sum(sum(expected[s]) for s in sims if sims[s]["fleet_sid"] == f["sid"]))
    records, pages = list_all(simulator, "/supersim/v1/UsageRecords", dict(window, Fleet=fleet["unique_name"]))
    assert totals(records) == tuple(map(sum, zip(*(expected[s] for s in sims if sims[s]["fleet_sid"] == fleet["sid"]))))
    assert {r["fleet_sid"] for r in records} == {fleet["sid"]}


def test_wireless_usage_adds_up_and_counts_commands(simulator):
    truth = simulator.truth
    start, end = simulator.now - 3 * DAY - 999, simulator.now - 2 * HOUR
    window = {"Start": stamp(start), "End": stamp(end), "PageSize": 1000}
    expected = {s["sid"]: expected_bytes(truth["usage"][s["sid"]], start, end) for s in truth["wireless_sims"]}
    whole = tuple(map(sum, zip(*expected.values())))
    commands = [c for c in truth["commands"] if start <= epoch(c["date_created"]) < end]
    to_sim = sum(c["direction"] == "to_sim" for c in commands)
    assert whole[0] > 0 and commands
    for granularity, count in (("all", 1), ("daily", 4), ("hourly", -(-(end - start) // HOUR))):
        records, pages = list_all(simulator, "/wireless/v1/UsageRecords", dict(window, Granularity=granularity))
        assert len(records) == count
        assert sum(r["data"]["upload"] for r in records) == whole[0]
        assert sum(r["data"]["download"] for r in records) == whole[1]
        assert sum(r["data"]["home"]["total"] for r in records) == sum(whole)
        assert sum(r["commands"]["to_sim"] for r in records) == to_sim
        assert sum(r["commands"]["total"] for r in records) == len(commands)
    busy = sorted(expected, key=lambda sid: -sum(expected[sid]))[:5] + [
        sid for sid, entry in truth["usage"].items() if sid.startswith("DE") and entry is None][:2]
    for sid in busy:
        for granularity in ("all", "daily"):
            records, pages = list_all(simulator, f"/wireless/v1/Sims/{sid}/UsageRecords", dict(window, Granularity=granularity))
            assert {r["sim_sid"] for r in records} == {sid}
            assert (sum(r["data"]["upload"] for r in records), sum(r["data"]["download"] for r in records)) == expected[sid]
            assert sum(r["commands"]["total"] for r in records) == sum(c["sim_sid"] == sid for c in commands)
        assert simulator.usage_between(sid, stamp(start), stamp(end)) == {
            "upload": expected[sid][0], "download": expected[sid][1], "total": sum(expected[sid])}


def test_default_window_is_the_month_before_now(simulator):
    record = get(simulator, "/supersim/v1/UsageRecords").json()["usage_records"]
    assert len(record) == 1
    assert record[0]["period"] == {"start_time": stamp(months_from(simulator.now, -1)), "end_time": stamp(simulator.now)}
    wireless = get(simulator, "/wireless/v1/UsageRecords").json()["usage_records"]
    assert wireless[0]["period"] == {"start": stamp(months_from(simulator.now, -1)), "end": stamp(simulator.now)}


# ---------------------------------------------------------------------------------------------------------------
# Paging


@pytest.mark.parametrize("path,params", [
    ("/supersim/v1/UsageRecords", {"Group": "sim", "Granularity": "all"}),
    ("/supersim/v1/UsageRecords", {"Group": "isoCountry", "Granularity": "day"}),
    ("/wireless/v1/UsageRecords", {"Granularity": "daily"}),
])
def test_usage_paging_loses_and_repeats_nothing(simulator, path, params):
    everything, pages = list_all(simulator, path, dict(params, PageSize=1000))
    assert len(everything) > 20
    key = [(json.dumps(r["period"]), r.get("sim_sid"), r.get("iso_country")) for r in everything]
    assert len(set(key)) == len(key)
    for size in (1, 7):
        records, pages = list_all(simulator, path, dict(params, PageSize=size))
        assert records == everything and pages == -(-len(everything) // size)
    first = get(simulator, path, dict(params, PageSize=7)).json()
    second = requests.get(first["meta"]["next_page_url"], auth=(simulator.account_sid, simulator.auth_token)).json()
    back = requests.get(second["meta"]["previous_page_url"], auth=(simulator.account_sid, simulator.auth_token)).json()
    assert back["usage_records"] == first["usage_records"] and second["meta"]["page"] == 1
    for name, value in params.items():
        assert f"{name}={value}" in first["meta"]["next_page_url"]
    assert_error(get(simulator, path, dict(params, PageSize=7, Page=1, PageToken="PAnonsense")), 400, 20001)
    assert_error(get(simulator, path, dict(params, PageSize=1001)), 400, 20007)


# ---------------------------------------------------------------------------------------------------------------
# Data Sessions, Billing Periods, Settings Updates


def test_data_sessions_match_the_truth_and_the_usage(simulator):
    truth = simulator.truth
    sessions = {}
    for session in truth["data_sessions"]:
        sessions.setdefault(session["sim_sid"], []).append(session)
    used = [s["sid"] for s in truth["wireless_sims"] if truth["usage"][s["sid"]] and truth["usage"][s["sid"]]["start"]]
    assert set(sessions) == set(used)
    for sim in truth["wireless_sims"][:120]:
        records, pages = list_all(simulator, f"/wireless/v1/Sims/{sim['sid']}/DataSessions", {"PageSize": 2})
        assert records == sessions.get(sim["sid"], [])
    for sid, records in sessions.items():
        assert all(r["sid"].startswith("WN") and len(r["sid"]) == 34 for r in records)
        assert [r["start"] for r in records] == sorted((r["start"] for r in records), reverse=True)
        entry = truth["usage"][sid]
        for record in records:
            end = epoch(record["end"] or record["last_updated"])
            assert epoch(entry["start"]) <= epoch(record["start"]) < end <= epoch(entry["end"])
            up, down = expected_bytes(entry, epoch(record["start"]), end)
            assert (record["packets_uploaded"], record["packets_downloaded"]) == (up // 512, down // 512)
    named = next(s for s in truth["wireless_sims"] if s["sid"] in sessions and s["unique_name"])
    by_name = get(simulator, f"/wireless/v1/Sims/{named['unique_name']}/DataSessions").json()
    assert by_name["data_sessions"] == sessions[named["sid"]]
    assert by_name["meta"]["url"].endswith(f"/wireless/v1/Sims/{named['sid']}/DataSessions?PageSize=50&Page=0")


def test_billing_periods_follow_activation(simulator):
    truth = simulator.truth
    periods = {}
    for period in truth["billing_periods"]:
        periods.setdefault(period["sim_sid"], []).append(period)
    for sim in truth["supersim_sims"]:
        records = get(simulator, f"/supersim/v1/Sims/{sim['sid']}/BillingPeriods", {"PageSize": 1000}).json()["billing_periods"]
        assert records == periods.get(sim["sid"], [])
        entry = truth["usage"][sim["sid"]]
        if sim["status"] not in ("active", "inactive"):
            assert records == [] and entry is None
            continue
        activated = epoch(entry["activated"])
        oldest = records[::-1]
        assert [r["start_time"] for r in oldest] == [stamp(months_from(activated, n)) for n in range(len(oldest))]
        assert [r["end_time"] for r in oldest] == [stamp(months_from(activated, n + 1)) for n in range(len(oldest))]
        assert {r["period_type"] for r in records} == {"active"} and all(r["sid"].startswith("HB") for r in records)
        until = simulator.now if sim["status"] == "active" else epoch(entry["deactivated"])
        assert epoch(records[0]["start_time"]) <= until and (epoch(records[0]["end_time"]) > until or sim["status"] != "active")
    assert sum(map(len, periods.values())) > len(periods) > 50
    assert_error(get(simulator, f"/supersim/v1/Sims/{HS_ZERO}/BillingPeriods"), 404, 20404)


def test_a_few_super_sims_are_near_or_over_their_fleet_limit(simulator):
    truth = simulator.truth
    limits = {f["sid"]: f["data_limit"] for f in truth["fleets"]}
    ratios = []
    for sim in truth["supersim_sims"]:
        if sim["status"] != "active" or not sim["fleet_sid"]:
            continue
        current = [p for p in truth["billing_periods"] if p["sim_sid"] == sim["sid"]][0]
        used = simulator.usage_between(sim["sid"], current["start_time"], stamp(simulator.now))["total"]
        ratios.append((used / (limits[sim["fleet_sid"]] * 1e6), sim["sid"]))
    near = [ratio for ratio, sid in ratios if ratio >= 0.85]
    assert 1 <= len(near) <= len(ratios) // 10, sorted(ratios)[-10:]
    assert any(ratio >= 1 for ratio in near) or len(near) < 3
    flagged = {sid for sid, entry in truth["usage"].items() if entry and entry["near_limit"]}
    assert flagged and flagged <= {sid for ratio, sid in ratios if ratio >= 0.85}


def test_generated_usage_is_realistic(simulator):
    truth = simulator.truth
    entries = {s["sid"]: (s, truth["usage"][s["sid"]]) for s in truth["wireless_sims"] + truth["supersim_sims"]}
    never = {"new", "ready", "scheduled"}
    assert all(entry is None for sim, entry in entries.values() if sim["status"] in never)
    active = [(sim, entry) for sim, entry in entries.values() if sim["status"] == "active"]
    idle = [sim for sim, entry in active if entry["start"] is None]
    silent = [sim for sim, entry in active if entry["start"] and entry["silent"]]
    assert idle and silent
    for sim in silent:
        assert simulator.usage_between(sim["sid"], simulator.now - 60 * DAY, simulator.now)["total"] == 0
        assert simulator.usage_between(sim["sid"], entry_start(truth, sim), simulator.now)["total"] > 0
    daily = sorted(24 * (e["upload_per_hour"] + e["download_per_hour"]) for s, e in entries.values() if e and e["start"])
    assert daily[0] < 100_000 and daily[len(daily) // 2] < 50_000_000 and daily[-1] > 100_000_000
    stopped = [(sim, entry) for sim, entry in entries.values() if sim["status"] in ("suspended", "inactive", "deactivated")
               and entry["start"]]
    assert stopped and all(entry["end"] == sim["date_updated"] for sim, entry in stopped)


def entry_start(truth, sim):
    return epoch(truth["usage"][sim["sid"]]["start"])


def test_settings_updates_match_the_truth_and_filter(simulator):
    truth = simulator.truth
    updates = truth["settings_updates"]
    assert {u["status"] for u in updates} == {"scheduled", "in-progress", "successful", "failed"}
    records, pages = list_all(simulator, "/supersim/v1/SettingsUpdates", {"PageSize": 7})
    assert records == updates and pages == -(-len(updates) // 7)
    keys = [(u["date_created"], u["sid"]) for u in updates]
    assert [k[0] for k in keys] == sorted((k[0] for k in keys), reverse=True)
    sims = {s["sid"]: s for s in truth["supersim_sims"]}
    for update in updates:
        assert update["sid"].startswith("OB") and update["iccid"] == sims[update["sim_sid"]]["iccid"]
        assert (update["date_completed"] is not None) == (update["status"] == "successful")
    sim = next(sims[u["sim_sid"]] for u in updates if sims[u["sim_sid"]]["unique_name"])
    for value in (sim["sid"], sim["unique_name"]):
        mine, pages = list_all(simulator, "/supersim/v1/SettingsUpdates", {"Sim": value})
        assert mine == [u for u in updates if u["sim_sid"] == sim["sid"]]
    for status in ("scheduled", "failed"):
        mine, pages = list_all(simulator, "/supersim/v1/SettingsUpdates", {"Status": status})
        assert mine == [u for u in updates if u["status"] == status]
    assert list_all(simulator, "/supersim/v1/SettingsUpdates", {"Sim": "no-such-sim"})[0] == []
    assert_error(get(simulator, "/supersim/v1/SettingsUpdates", {"Status": "done"}), 400, 20001)
    assert_error(get(simulator, f"/supersim/v1/SettingsUpdates/{updates[0]['sid']}"), 404, 20404)


# ---------------------------------------------------------------------------------------------------------------
# Errors


def test_supersim_usage_window_errors_at_their_boundaries(simulator):
    now, today = simulator.now, simulator.now // DAY * DAY
    path = "/supersim/v1/UsageRecords"

    def answer(start, end, **params):
        return get(simulator, path, dict(params, StartTime=stamp(start), EndTime=stamp(end)))
    end = now - 3 * HOUR
    assert answer(end - 31 * DAY, end, Group="sim").status_code == 200
    assert_error(answer(end - 31 * DAY - 1, end, Group="sim"), 400, 83603)
    assert answer(end - 31 * DAY, end, Granularity="hour").status_code == 200
    assert_error(answer(end - 31 * DAY - 1, end, Granularity="hour"), 400, 83604)
    assert answer(months_from(end, -3), end, Granularity="day").status_code == 200
    assert_error(answer(months_from(end, -3) - 1, end, Granularity="day"), 400, 83604)
    later = now + 40 * DAY
    assert answer(months_from(later, -18), later).status_code == 200
    assert_error(answer(months_from(later, -18) - 1, later), 400, 83604)
    oldest = months_from(today, -18)
    assert answer(oldest, oldest + DAY, Granularity="day").status_code == 200
    assert_error(answer(oldest - 1, oldest + DAY, Granularity="day"), 400, 83605)
    for params in ({"StartTime": "yesterday"}, {"EndTime": "2026-13-45T00:00:00Z"}, {"Granularity": "daily"},
                   {"Group": "sims"}, {"StartTime": stamp(end), "EndTime": stamp(end)},
                   {"StartTime": stamp(end), "EndTime": stamp(end - 1)}):
        assert_error(get(simulator, path, params), 400, 20001)


def test_wireless_usage_errors(simulator):
    sid = simulator.truth["wireless_sims"][0]["sid"]
    for path in ("/wireless/v1/UsageRecords", f"/wireless/v1/Sims/{sid}/UsageRecords"):
        for params in ({"Granularity": "day"}, {"Start": "soon"}, {"Start": "2026-01-02T00:00:00Z", "End": "2026-01-01T00:00:00Z"}):
            assert_error(get(simulator, path, params), 400, 20001)
    for path in (f"/wireless/v1/Sims/{DE_ZERO}/UsageRecords", "/wireless/v1/Sims/no-such-sim/DataSessions",
                 f"/supersim/v1/Sims/{HS_ZERO}/BillingPeriods", f"/wireless/v1/Sims/{HS_ZERO}/UsageRecords"):
        assert_error(get(simulator, path), 404, 20404)
    # A filter that names nothing gives an empty list, as for the other list endpoints.
    assert get(simulator, "/supersim/v1/UsageRecords", {"Sim": "no-such-sim"}).json()["usage_records"] == []
    assert get(simulator, "/supersim/v1/UsageRecords", {"Fleet": "no-such-fleet"}).json()["usage_records"] == []


# ---------------------------------------------------------------------------------------------------------------
# KORE, fixtures, child process, scale


def test_kore_alias_serves_the_wireless_usage_endpoints(simulator_factory):
    sim = simulator_factory(platform="both", wireless_sims=30, super_sims=10)
    token = sim.access_token()
    counts = {}
    for session in sim.truth["data_sessions"]:
        counts[session["sim_sid"]] = counts.get(session["sim_sid"], 0) + 1
    sid = next(sid for sid, count in counts.items() if count > 1)
    for path, params in (("/v1/UsageRecords", {"Granularity": "daily", "PageSize": 5}),
                         (f"/v1/Sims/{sid}/UsageRecords", {"Granularity": "daily", "PageSize": 5}),
                         (f"/v1/Sims/{sid}/DataSessions", {"PageSize": 1})):
        twilio = get(sim, f"/wireless{path}", params).json()
        kore = requests.get(f"{sim.base_url}/programmable-wireless{path}", params=params,
                            headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
        key = kore["meta"]["key"]
        assert kore[key] == twilio[key] and kore[key]
        assert kore["meta"]["url"].startswith(f"{sim.base_url}/programmable-wireless/v1/")
        assert kore["meta"]["next_page_url"].startswith(f"{sim.base_url}/programmable-wireless/v1/")
        assert "/wireless/" not in json.dumps(kore)
    kore_only = simulator_factory(platform="kore", wireless_sims=5, super_sims=5)
    response = requests.get(f"{kore_only.base_url}/programmable-wireless/v1/UsageRecords",
                            headers={"Authorization": f"Bearer {kore_only.access_token()}"}, timeout=30)
    assert response.status_code == 200 and response.json()["usage_records"]
    assert sim.kore_truth["usage"] == sim.truth["usage"]


def test_fixture_usage_rates_and_settings_updates(simulator_factory):
    now = 1_780_000_000 // DAY * DAY
    fixture = {
        "fleets": [{"unique_name": "trackers", "data_limit": 10}],
        "supersim_sims": [
            {"unique_name": "busy", "fleet": "trackers", "created_days_ago": 40,
             "usage": {"upload_per_hour": 1000, "download_per_hour": 3000, "network": "KPN"}},
            {"unique_name": "quiet", "fleet": "trackers", "created_days_ago": 200,
             "usage": {"upload_per_hour": 10, "download_per_hour": 20, "silent_days": 90}},
            {"unique_name": "fresh", "status": "new"},
        ],
        "wireless_sims": [{"unique_name": "meter", "created_days_ago": 10,
                           "usage": {"upload_per_hour": 7, "download_per_hour": 11}}],
        "settings_updates": [{"sim": "busy", "status": "in-progress"}],
    }
    for subprocess in (False, True):
        sim = simulator_factory(fixture=fixture, now=now, subprocess=subprocess)
        truth = sim.truth
        named = {s["unique_name"]: s for s in truth["supersim_sims"]}
        busy, quiet, fresh = named["busy"], named["quiet"], named["fresh"]
        assert truth["usage"][fresh["sid"]] is None
        records = get(sim, "/supersim/v1/UsageRecords", {"Group": "network", "StartTime": stamp(now - 30 * DAY),
                                                         "EndTime": stamp(now)}).json()["usage_records"]
        kpn = next(n["sid"] for n in truth["networks"] if n["friendly_name"] == "KPN")
        assert [(r["network_sid"], r["data_upload"], r["data_download"]) for r in records] == [(kpn, 1000 * 720, 3000 * 720)]
        assert sim.usage_between(quiet["sid"], now - 90 * DAY, now)["total"] == 0
        assert sim.usage_between(quiet["sid"], now - 110 * DAY, now - 100 * DAY)["total"] == 30 * 240
        meter = truth["wireless_sims"][0]["sid"]
        data = get(sim, f"/wireless/v1/Sims/{meter}/UsageRecords").json()["usage_records"][0]["data"]
        assert (data["upload"], data["download"]) == (7 * 240, 11 * 240)
        assert [(u["sim_sid"], u["iccid"], u["status"]) for u in truth["settings_updates"]] == [
            (busy["sid"], busy["iccid"], "in-progress")]
        assert len(truth["billing_periods"]) == 2 + 7  # busy: 40 days, quiet: 200 days
    with pytest.raises(Exception, match="usage given for a SIM in status 'new'"):
        Simulator(fixture={"supersim_sims": [{"status": "new", "usage": {"upload_per_hour": 1}}]}).start().stop()
    with pytest.raises(Exception, match="usage must be a mapping"):
        Simulator(fixture={"wireless_sims": [{"usage": {"upload": 1}}]}).start().stop()


def test_group_sim_listing_costs_about_what_the_sim_listing_costs():
    with Simulator(seed=7, wireless_sims=0, super_sims=20_000) as sim:
        session = requests.Session()
        session.auth = (sim.account_sid, sim.auth_token)
        figures = {}
        for name, path, params in (("sims", "/supersim/v1/Sims", {"PageSize": 1000}),
                                   ("usage", "/supersim/v1/UsageRecords", {"Group": "sim", "PageSize": 1000})):
            began = time.monotonic()
            records, pages = list_all(sim, path, params, session=session)
            elapsed = time.monotonic() - began
            figures[name] = (len(records), pages, round(elapsed, 3), round(elapsed / len(records) * 1e6, 1))
        print(f"\n20,000 Super SIMs, pages of 1000: (records, pages, seconds, microseconds per record) {figures}")
        assert figures["sims"][0] == 20_000 and figures["usage"][0] > 10_000
        assert figures["usage"][3] < 5 * figures["sims"][3] + 50, figures
