# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The state module base against a small stateful Twilio stand-in on loopback (pytest-httpserver): find, compare,
check mode, diff, apply, idempotence, transitions, create-only fields, write retries, wait."""

import json
from urllib.parse import parse_qs

import pytest
from werkzeug.wrappers import Response

ACCOUNT = "AC" + "1" * 32
TOKEN = "token-" + "7" * 26
SIM = "DE" + "a" * 32
PLAN = "WP" + "b" * 32
OTHER_PLAN = "WP" + "c" * 32


class FakeWireless:
    """Wireless SIMs and rate plans; records every write's form."""

    def __init__(self, server, status="active"):
        self.server = server
        self.sims = {SIM: {"sid": SIM, "unique_name": "pump-1", "iccid": "8901000000000000001", "status": status,
                           "rate_plan_sid": PLAN, "friendly_name": None, "reset_status": None}}
        self.plans = {PLAN: {"sid": PLAN, "unique_name": "basic"}, OTHER_PLAN: {"sid": OTHER_PLAN, "unique_name": "premium"}}
        self.writes = []
        self.faults = []
        self.settle_polls = 0
        self.settle_to = None  # a status change settles in this status instead of the one asked for
        self.status_at_write = []  # the SIM's status when each write arrived
        server.expect_request("/wireless/v1/Sims").respond_with_handler(self.list_sims)
        for sid in self.sims:
            server.expect_request("/wireless/v1/Sims/" + sid).respond_with_handler(self.sim)
        for name in ("pump-1", "pump-2"):
            server.expect_request("/wireless/v1/Sims/" + name).respond_with_handler(self.sim)
        server.expect_request("/wireless/v1/Sims/nope").respond_with_response(error(404, 20404, "not found"))
        for sid, plan in self.plans.items():
            server.expect_request("/wireless/v1/RatePlans/" + sid).respond_with_json(plan)
            server.expect_request("/wireless/v1/RatePlans/" + plan["unique_name"]).respond_with_json(plan)
        server.expect_request("/wireless/v1/RatePlans/unknown").respond_with_response(error(404, 20404, "not found"))

    def list_sims(self, request):
        iccid = request.args.get("Iccid")
        sims = [s for s in self.sims.values() if iccid in (None, s["iccid"])]
        return Response(json.dumps({"sims": sims, "meta": {"key": "sims", "next_page_url": None}}), content_type="application/json")

    def sim(self, request):
        record = self.sims[SIM]
        name = request.path.rsplit("/", 1)[-1]
        if name not in (SIM, record["unique_name"]):  # a unique name the SIM no longer has
            return error(404, 20404, "not found")
        if request.method == "POST":
            form = dict((k, v[0]) for k, v in parse_qs(request.get_data(as_text=True)).items())
            self.writes.append(form)
            self.status_at_write.append(record["status"])
            fault = self.faults.pop(0) if self.faults else None
            if fault == "refuse":
                return error(400, 33121, "Status and ResetStatus cannot be updated in the same request")
            if fault is not None:
                if fault == "apply-then-503":
                    self.apply(record, form)
                return error(503, 20503, "Service Unavailable")
            self.apply(record, form, self.settle_to)
        elif record["status"] == "updating":
            self.settle_polls += 1
            if self.settle_polls >= 2:
                record["status"] = record.pop("_target")
        return Response(json.dumps(dict((k, v) for k, v in record.items() if not k.startswith("_"))), content_type="application/json")

    @staticmethod
    def apply(record, form, settle_to=None):
        mapping = {"Status": "status", "RatePlan": "rate_plan_sid", "UniqueName": "unique_name", "FriendlyName": "friendly_name",
                   "ResetStatus": "reset_status"}
        for param, value in form.items():
            if param == "Status" and value != record["status"]:
                record["_target"], record["status"] = settle_to or value, "updating"
            elif param in mapping:
                record[mapping[param]] = value


def error(status, code, message):
    body = {"code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/%d" % code, "status": status}
    return Response(json.dumps(body), status=status, content_type="application/json")


def args(server, **extra):
    values = dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url=server.url_for("/{product}"), max_retries=2, max_retry_time=5)
    values.update(extra)
    return values


@pytest.fixture
def fake(httpserver):
    return FakeWireless(httpserver)


def test_check_mode_reports_the_change_and_writes_nothing(run_module, httpserver, fake):
    failed, result = run_module("wireless_sim", dict(args(httpserver, sid="pump-1", status="suspended", rate_plan="premium"),
                                                     _ansible_check_mode=True, _ansible_diff=True))
    assert not failed, result
    assert result["changed"] is True and fake.writes == []
    assert result["diff"] == {"before": {"status": "active", "rate_plan": PLAN}, "after": {"status": "suspended", "rate_plan": OTHER_PLAN}}
    assert result["sim"]["status"] == "active"


def test_apply_sends_only_what_differs_then_a_second_run_changes_nothing(run_module, httpserver, fake):
    failed, result = run_module("wireless_sim", args(httpserver, iccid="8901000000000000001", rate_plan="premium", unique_name="pump-1",
                                                     friendly_name="Pump 1"))
    assert not failed and result["changed"] is True
    assert fake.writes == [{"RatePlan": OTHER_PLAN, "FriendlyName": "Pump 1"}]
    failed, result = run_module("wireless_sim", args(httpserver, iccid="8901000000000000001", rate_plan=OTHER_PLAN, unique_name="pump-1",
                                                     friendly_name="Pump 1"))
    assert not failed and result["changed"] is False and len(fake.writes) == 1


def test_wait_polls_until_the_status_settles(run_module, httpserver, fake):
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, status="suspended"))
    assert not failed and result["sim"]["status"] == "updating"
    fake.sims[SIM].update(status="active")
    fake.sims[SIM].pop("_target", None)
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, status="suspended", wait=True, wait_timeout=10))
    assert not failed and result["sim"]["status"] == "suspended" and fake.settle_polls == 2


@pytest.mark.parametrize("current,asked", [("active", "ready"), ("deactivated", "active"), ("canceled", "suspended")])
def test_impossible_transitions_are_refused_before_any_write(run_module, httpserver, current, asked):
    fake = FakeWireless(httpserver, status=current)
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, status=asked))
    assert failed and "status cannot change from %s to %s" % (current, asked) in result["msg"]
    assert fake.writes == []


def test_field_updates_are_retried_after_a_server_error(run_module, httpserver, fake):
    fake.faults = ["apply-then-503"]
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, friendly_name="again"))
    assert not failed and result["changed"] is True
    assert fake.writes == [{"FriendlyName": "again"}] * 2 and fake.sims[SIM]["friendly_name"] == "again"


def test_reset_is_an_action_that_is_not_repeated_while_in_progress(run_module, httpserver, fake):
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, reset=True))
    assert not failed and result["changed"] and fake.writes == [{"ResetStatus": "resetting"}]
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, reset=True))
    assert not failed and not result["changed"] and len(fake.writes) == 1


@pytest.mark.parametrize("extra,message", [
    (dict(sid="nope", status="active"), "no sim matches sid=nope: this module changes existing ones only"),
    (dict(sid=SIM, rate_plan="unknown"), "rate_plan: no wireless rate plan has the SID or unique name 'unknown'"),
])
def test_missing_records_fail_clearly(run_module, httpserver, fake, extra, message):
    failed, result = run_module("wireless_sim", args(httpserver, **extra))
    assert failed and message in result["msg"] and fake.writes == []


@pytest.mark.parametrize("extra,message", [
    (dict(status="active"), "one of the following is required: sid, iccid"),
    (dict(sid=".", status="active"), "sid must be a SID or a unique name, not a path"),
    (dict(sid=SIM, status="new"), "value of status must be one of: ready, active, suspended, deactivated"),
    (dict(sid=SIM, friendly_name=" "), "friendly_name must not be empty or blank"),
    (dict(sid=SIM, status="active", wait_timeout=0), "wait_timeout must be between 1 and 3600"),
])
def test_bad_input_is_refused_before_any_request(run_module, httpserver, extra, message):
    failed, result = run_module("wireless_sim", args(httpserver, **extra))
    assert failed and message in result["msg"], result
    assert len(httpserver.log) == 0


def test_a_status_change_under_way_is_not_written_again(run_module, httpserver):
    """Twilio does not show toward which status an updating SIM goes: a second run does not write it again."""
    fake = FakeWireless(httpserver, status="updating")
    fake.sims[SIM]["_target"] = "suspended"
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, status="suspended"))
    assert not failed, result
    assert result["changed"] is False and fake.writes == []
    assert "updating" in result["msg"] and "not written again" in result["msg"], result["msg"]
    assert result["sim"]["status"] == "updating"


def test_with_wait_a_change_under_way_settles_before_the_module_compares(run_module, httpserver):
    fake = FakeWireless(httpserver, status="updating")
    fake.sims[SIM]["_target"] = "active"
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, status="suspended", wait=True, wait_timeout=20))
    assert not failed, result
    assert fake.writes == [{"Status": "suspended"}] and fake.status_at_write == ["active"]  # written once it had settled
    assert result["changed"] is True and result["sim"]["status"] == "suspended"


def test_with_wait_a_change_under_way_toward_the_asked_status_is_not_written(run_module, httpserver):
    fake = FakeWireless(httpserver, status="updating")
    fake.sims[SIM]["_target"] = "suspended"
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, status="suspended", wait=True, wait_timeout=20))
    assert not failed, result
    assert fake.writes == [] and result["changed"] is False and result["sim"]["status"] == "suspended"


def test_wait_fails_when_the_sim_settles_in_another_status(run_module, httpserver, fake):
    fake.settle_to = "active"
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, status="suspended", wait=True, wait_timeout=20))
    assert failed and result["changed"] is True, result
    assert "settled in status active, not suspended as asked" in result["msg"], result["msg"]
    assert result["sim"]["status"] == "active" and fake.writes == [{"Status": "suspended"}]


def test_an_unknown_sid_never_falls_back_to_the_iccid(run_module, httpserver, fake):
    unknown = "DE" + "f" * 32
    httpserver.expect_request("/wireless/v1/Sims/" + unknown).respond_with_response(error(404, 20404, "not found"))
    failed, result = run_module("wireless_sim", args(httpserver, sid=unknown, iccid="8901000000000000001", status="suspended"))
    assert failed and "no sim matches sid=%s" % unknown in result["msg"], result
    assert fake.writes == [] and fake.sims[SIM]["status"] == "active"
    assert [r.path for r, dummy in httpserver.log] == ["/wireless/v1/Sims/" + unknown]  # never listed by ICCID


def test_sid_and_iccid_must_name_the_same_sim(run_module, httpserver, fake):
    failed, result = run_module("wireless_sim", args(httpserver, sid="pump-1", iccid="8901000000000000009", status="suspended"))
    assert failed and "8901000000000000001" in result["msg"] and "8901000000000000009" in result["msg"], result
    assert fake.writes == []


def test_renaming_by_unique_name_twice_changes_nothing(run_module, httpserver, fake):
    failed, result = run_module("wireless_sim", args(httpserver, sid="pump-1", unique_name="pump-2"))
    assert not failed and result["changed"] is True and fake.writes == [{"UniqueName": "pump-2"}], result
    failed, result = run_module("wireless_sim", args(httpserver, sid="pump-1", unique_name="pump-2"))
    assert not failed, result
    assert result["changed"] is False and len(fake.writes) == 1 and result["sim"]["sid"] == SIM
    assert "pump-2" in result["msg"]


def test_a_write_that_fails_after_an_earlier_request_reports_what_was_applied(run_module, httpserver, fake):
    fake.faults = [None, "refuse"]
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, friendly_name="Pump 1", reset=True))
    assert failed and result["changed"] is True, result
    assert result["applied"] == {"friendly_name": "Pump 1"}
    assert result["sim"]["friendly_name"] == "Pump 1" and result["error"]["code"] == 33121
    assert "friendly_name" in result["msg"] and "33121" in result["msg"], result["msg"]
    assert fake.writes == [{"FriendlyName": "Pump 1"}, {"ResetStatus": "resetting"}]


def test_status_and_reset_go_in_separate_requests_and_a_reset_is_never_repeated(run_module, httpserver, fake):
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, friendly_name="x", reset=True))
    assert not failed and fake.writes == [{"FriendlyName": "x"}, {"ResetStatus": "resetting"}]
    fake.sims[SIM]["reset_status"] = None
    fake.writes.clear()
    fake.faults = ["apply-then-503"]
    failed, result = run_module("wireless_sim", args(httpserver, sid=SIM, reset=True))
    assert failed and "it may have been applied" in result["msg"]
    assert fake.writes == [{"ResetStatus": "resetting"}]


@pytest.mark.parametrize("module,extra,message", [
    ("wireless_sim", dict(sid=SIM, sms_url="ftp://example.com/x"), "sms_url must be an absolute http or https URL"),
    ("wireless_sim", dict(sid=SIM, commands_callback_url="/relative"), "commands_callback_url must be an absolute http or https URL"),
    ("supersim_ip_command", dict(sim="HS" + "1" * 32, payload="x", device_port=70000), "device_port must be between 0 and 65535"),
    ("supersim_fleet", dict(unique_name="f", data_limit=0), "data_limit must be between 1 and 2000000"),
    ("wireless_rate_plan", dict(unique_name="p", international_roaming=["voice"]), "value of international_roaming must be one or more of: data, messaging"),
    ("wireless_sim", dict(sid="\u2025"), "sid must be a SID or a unique name, not a path"),
    ("wireless_sim", dict(sid="\uff0e\uff0e"), "sid must be a SID or a unique name, not a path"),
    ("wireless_sim", dict(sid="a\u2028b"), "must not carry leading or trailing white space or control characters"),
    ("wireless_sim", dict(sid="x" * 300), "sid must be at most 256 characters long"),
])
def test_values_twilio_refuses_are_refused_before_any_request(run_module, httpserver, module, extra, message):
    failed, result = run_module(module, args(httpserver, **extra))
    assert failed and message in result["msg"], result
    assert len(httpserver.log) == 0
