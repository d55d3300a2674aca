# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Command modules against a stand-in of the Wireless Commands API on loopback (pytest-httpserver), for what the
simulator never answers: a command that ends ``undelivered``, a SIM whose status changes between runs."""

import json
from urllib.parse import parse_qs

import pytest
from werkzeug.wrappers import Response

ACCOUNT = "AC" + "1" * 32
TOKEN = "token-" + "7" * 26
SIM = "DE" + "a" * 32
COMMAND = "DC" + "d" * 32


class FakeCommands:
    """One wireless SIM; a command sent to it goes ``queued`` then, at the first poll, ``final``."""

    def __init__(self, server, sim_status="active", final="undelivered"):
        self.sim = {"sid": SIM, "unique_name": "pump-1", "status": sim_status}
        self.final = final
        self.sent = []
        self.command = None
        server.expect_request("/wireless/v1/Sims/" + SIM).respond_with_handler(lambda request: self.json(self.sim))
        server.expect_request("/wireless/v1/Sims/pump-1").respond_with_handler(lambda request: self.json(self.sim))
        server.expect_request("/wireless/v1/Commands", method="POST").respond_with_handler(self.create)
        server.expect_request("/wireless/v1/Commands/" + COMMAND).respond_with_handler(self.fetch)

    @staticmethod
    def json(record, status=200):
        return Response(json.dumps(record), status=status, content_type="application/json")

    def create(self, request):
        form = dict((k, v[0]) for k, v in parse_qs(request.get_data(as_text=True)).items())
        self.sent.append(form)
        self.command = {"sid": COMMAND, "sim_sid": form["Sim"], "command": form["Command"], "command_mode": "text",
                        "transport": "sms", "delivery_receipt_requested": True, "status": "queued", "direction": "to_sim"}
        return self.json(self.command, 201)

    def fetch(self, request):
        self.command["status"] = self.final
        return self.json(self.command)


def args(server, **extra):
    values = dict(account_sid=ACCOUNT, auth_token=TOKEN, base_url=server.url_for("/{product}"), max_retries=2, max_retry_time=5)
    values.update(extra)
    return values


@pytest.mark.parametrize("final", ["undelivered", "failed"])
def test_wait_fails_when_the_command_ends_undelivered_or_failed(run_module, httpserver, final):
    fake = FakeCommands(httpserver, final=final)
    failed, result = run_module("wireless_command", args(httpserver, sim=SIM, command="PING", wait=True, wait_timeout=10))
    assert failed and result["changed"] is True, result
    assert "ended with status %s" % final in result["msg"] and COMMAND in result["msg"], result["msg"]
    assert "do not send it again" not in result["msg"]
    assert result["command"]["status"] == final and len(fake.sent) == 1


def test_check_mode_returns_the_command_that_would_be_sent(run_module, httpserver):
    fake = FakeCommands(httpserver)
    failed, result = run_module("wireless_command", dict(args(httpserver, sim="pump-1", command="PING", include_sid="end"),
                                                         _ansible_check_mode=True))
    assert not failed and result["changed"] is True, result
    assert result["command"] == {"sim_sid": SIM, "command": "PING", "command_mode": "text", "include_sid": "end",
                                 "delivery_receipt_requested": True, "transport": "sms", "status": "queued",
                                 "direction": "to_sim"}
    assert fake.sent == []


@pytest.mark.parametrize("status", ["suspended", "deactivated", "new", "updating"])
def test_a_command_to_a_sim_that_cannot_receive_it_fails_before_any_write(run_module, httpserver, status):
    fake = FakeCommands(httpserver, sim_status=status)
    for check_mode in (True, False):
        failed, result = run_module("wireless_command", dict(args(httpserver, sim=SIM, command="PING"), _ansible_check_mode=check_mode))
        assert failed and not result.get("changed"), result
        assert "is %s" % status in result["msg"] and "ready or active" in result["msg"], result["msg"]
    assert fake.sent == []


@pytest.mark.parametrize("module,options,message", [
    ("wireless_command", dict(command="x" * 161), "command must be at most 160 characters of text, got 161"),
    ("wireless_command", dict(command="\u00e9" * 161), "command must be at most 160 characters of text, got 161"),
    ("wireless_command", dict(command="x" * 129, include_sid="start"), "command must be at most 128 characters with include_sid=start"),
    ("wireless_command", dict(command="AAAA" * 47, command_mode="binary"), "command must be at most 140 bytes with command_mode=binary"),
    ("wireless_command", dict(command="not base64!", command_mode="binary"), "command must be Base64 with command_mode=binary"),
    ("supersim_sms_command", dict(payload="\U0001F600" * 161), "payload must be at most 160 characters of text, got 161"),
    ("supersim_ip_command", dict(payload="\u00e9" * 651, device_port=1), "payload must be at most 1300 bytes of UTF-8 text, got 1302"),
])
def test_messages_longer_than_twilio_takes_are_refused_before_any_request(run_module, httpserver, module, options, message):
    sim = SIM if module == "wireless_command" else "HS" + "1" * 32
    failed, result = run_module(module, args(httpserver, sim=sim, **options))
    assert failed and message in result["msg"], result
    assert len(httpserver.log) == 0
