# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Wireless SIMs: fetch by unique name, the deprecated e_id filter."""

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS
from ansible_collections.simfleet.twilio.plugins.module_utils._module import info_argument_spec

ACCOUNT = "AC" + "1" * 32


def test_fetch_by_unique_name_is_url_quoted(run_module, httpserver):
    record = {"sid": "DE" + "3" * 32, "unique_name": "pump station 17"}
    httpserver.expect_request("/wireless/v1/Sims/pump station 17").respond_with_json(record)
    failed, result = run_module("wireless_sim_info", dict(account_sid=ACCOUNT, auth_token="t", base_url=httpserver.url_for("/{product}"),
                                                          sid="pump station 17"))
    assert not failed, result
    assert result["sims"] == [record]
    assert httpserver.log[0][0].environ["REQUEST_URI"].startswith("/wireless/v1/Sims/pump%20station%2017")


def test_e_id_is_deprecated_and_still_sent(run_module, httpserver):
    validated = ArgumentSpecValidator(info_argument_spec(ENDPOINTS["wireless_sim"])).validate({"e_id": "x"})
    assert [(d["version"], d["collection_name"]) for d in validated._deprecations if "e_id" in d["msg"]] == [("3.0.0", "simfleet.twilio")]

    httpserver.expect_request("/wireless/v1/Sims").respond_with_json({"sims": [], "meta": {"key": "sims", "next_page_url": None}})
    failed, result = run_module("wireless_sim_info", dict(account_sid=ACCOUNT, auth_token="t", base_url=httpserver.url_for("/{product}"),
                                                          e_id="89049032000001000000000000000001"))
    assert not failed
    assert httpserver.log[0][0].args["EId"] == "89049032000001000000000000000001"
