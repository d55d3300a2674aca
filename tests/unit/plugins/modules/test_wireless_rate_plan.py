# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""wireless_rate_plan against the simulator: every create field is sent (data_limit_strategy included); a change of a
field Twilio sets only at creation is refused, in check mode too, with a message that says to create a new plan."""

import pytest


@pytest.fixture
def sim(simulator_factory):
    return simulator_factory(wireless_sims=4, super_sims=0)


PLAN = dict(unique_name="field-units", friendly_name="Field units", data_enabled=True, data_limit=50,
            data_metering="payg", messaging_enabled=True, voice_enabled=False, national_roaming_enabled=True,
            national_roaming_data_limit=10, international_roaming=["data"], international_roaming_data_limit=5,
            data_limit_strategy="throttle")


def test_every_create_field_is_sent(run_module, sim):
    failed, result = run_module("wireless_rate_plan", dict(sim.connection, **PLAN))
    assert not failed and result["changed"] is True
    form = sim.write_log()[0]["params"]  # a parameter given once is logged as a string
    assert form == {"UniqueName": "field-units", "FriendlyName": "Field units", "DataEnabled": "true", "DataLimit": "50",
                    "DataMetering": "payg", "MessagingEnabled": "true", "VoiceEnabled": "false",
                    "NationalRoamingEnabled": "true", "NationalRoamingDataLimit": "10", "InternationalRoaming": "data",
                    "InternationalRoamingDataLimit": "5", "DataLimitStrategy": "throttle"}
    assert result["rate_plan"]["data_limit"] == 50 and "data_limit_strategy" not in result["rate_plan"]
    # Again: nothing to change; data_limit_strategy is never compared (Twilio does not show it).
    again = dict(PLAN)
    again["data_limit_strategy"] = "block"
    failed, result = run_module("wireless_rate_plan", dict(sim.connection, **again))
    assert not failed and result["changed"] is False and len(sim.write_log()) == 1


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_create_only_change_says_a_new_plan_is_needed(run_module, sim, check_mode):
    assert not run_module("wireless_rate_plan", dict(sim.connection, **PLAN))[0]
    failed, result = run_module("wireless_rate_plan", dict(sim.connection, unique_name="field-units", data_limit=100,
                                                           _ansible_check_mode=check_mode))
    assert failed and "data_limit" in result["msg"] and "create a new one instead" in result["msg"]
    assert "it is 50, asked 100" in result["msg"]
    assert len(sim.write_log()) == 1


def test_a_bad_data_limit_strategy_is_refused_by_the_argument_spec(run_module, sim):
    failed, result = run_module("wireless_rate_plan", dict(sim.connection, unique_name="x", data_limit_strategy="slow"))
    assert failed and "data_limit_strategy" in result["msg"] and sim.write_log() == []
