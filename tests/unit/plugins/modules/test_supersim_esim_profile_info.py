# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""eSIM activation codes and matching IDs are secrets: redacted unless asked for."""

import json

ACCOUNT = "AC" + "1" * 32
CODE = "LPA:1$rsp.example.com$SECRET-ACTIVATION-0001"
MATCHING = "MATCHING-ID-SECRET-0001"


def profiles():
    return [
        {"sid": "HP" + "1" * 32, "status": "available", "activation_code": CODE, "matching_id": MATCHING},
        {"sid": "HP" + "2" * 32, "status": "new", "activation_code": None, "matching_id": None},
    ]


def serve(httpserver):
    body = {"esim_profiles": profiles(), "meta": {"key": "esim_profiles", "next_page_url": None}}
    httpserver.expect_request("/supersim/v1/ESimProfiles").respond_with_json(body)


def test_secrets_are_redacted_by_default(run_module, httpserver):
    serve(httpserver)
    failed, result = run_module("supersim_esim_profile_info", dict(account_sid=ACCOUNT, auth_token="t", base_url=httpserver.url_for("/{product}")))
    assert not failed
    first, second = result["esim_profiles"]
    assert first["activation_code"] == "<redacted>" and first["matching_id"] == "<redacted>"
    assert second["activation_code"] is None and second["matching_id"] is None
    assert CODE not in json.dumps(result) and MATCHING not in json.dumps(result)


def test_secrets_are_revealed_on_request(run_module, httpserver):
    serve(httpserver)
    failed, result = run_module("supersim_esim_profile_info", dict(account_sid=ACCOUNT, auth_token="t", base_url=httpserver.url_for("/{product}"),
                                                                   reveal_secrets=True))
    assert not failed
    assert result["esim_profiles"] == profiles()
