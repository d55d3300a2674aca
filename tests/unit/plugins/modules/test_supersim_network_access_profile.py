# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""supersim_network_access_profile against the simulator: renaming a profile found by sid (SID or unique name) to
unique_name, check mode and diff, a rename run twice, an unknown sid, and finding by unique_name alone."""

import pytest


@pytest.fixture
def sim(simulator_factory):
    return simulator_factory(wireless_sims=0, super_sims=4)


def test_rename_by_sid_check_mode_diff_and_idempotence(run_module, sim):
    profile = sim.truth["network_access_profiles"][0]
    args = dict(sim.connection, sid=profile["sid"], unique_name="renamed-nap", _ansible_diff=True)
    failed, result = run_module("supersim_network_access_profile", dict(args, _ansible_check_mode=True))
    assert not failed and result["changed"] is True
    assert result["diff"] == {"before": {"unique_name": profile["unique_name"]}, "after": {"unique_name": "renamed-nap"}}
    assert sim.write_log() == []
    failed, result = run_module("supersim_network_access_profile", args)
    assert not failed and result["changed"] is True and result["network_access_profile"]["unique_name"] == "renamed-nap"
    assert [(w["route"], w["params"]) for w in sim.write_log()] == [
        ("POST /supersim/v1/NetworkAccessProfiles/{Sid}", {"UniqueName": "renamed-nap"})]
    failed, result = run_module("supersim_network_access_profile", args)
    assert not failed and result["changed"] is False and len(sim.write_log()) == 1


def test_rename_by_old_unique_name_twice(run_module, sim):
    profile = sim.truth["network_access_profiles"][0]
    args = dict(sim.connection, sid=profile["unique_name"], unique_name="second-name")
    failed, result = run_module("supersim_network_access_profile", args)
    assert not failed and result["changed"] is True
    failed, result = run_module("supersim_network_access_profile", args)
    assert not failed and result["changed"] is False and "already has the unique name" in result["msg"]
    assert result["network_access_profile"]["sid"] == profile["sid"]


def test_an_unknown_sid_is_never_created(run_module, sim):
    failed, result = run_module("supersim_network_access_profile", dict(sim.connection, sid="HA" + "0" * 32, unique_name="x"))
    assert failed and "no network access profile" in result["msg"] and sim.write_log() == []


def test_found_by_unique_name_alone_which_is_required(run_module, sim):
    profile = sim.truth["network_access_profiles"][0]
    failed, result = run_module("supersim_network_access_profile", dict(sim.connection, unique_name=profile["unique_name"]))
    assert not failed and result["changed"] is False and result["network_access_profile"]["sid"] == profile["sid"]
    failed, result = run_module("supersim_network_access_profile", dict(sim.connection, sid=profile["sid"]))
    assert failed and "unique_name" in result["msg"]
    failed, result = run_module("supersim_network_access_profile", dict(sim.connection, sid="..", unique_name="x"))
    assert failed and "sid must be a SID or a unique name, not a path" in result["msg"] and sim.write_log() == []
