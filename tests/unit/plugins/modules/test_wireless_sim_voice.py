# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""wireless_sim's voice URLs (VoiceUrl, VoiceMethod, VoiceFallbackUrl, VoiceFallbackMethod of UpdateSim) against the
simulator: checked before any request, predicted in check mode with a diff, sent once, unchanged the second time; and
sim_batch takes them for many SIMs."""

import pytest


@pytest.fixture
def sim(simulator_factory):
    return simulator_factory(wireless_sims=6, super_sims=0)


VOICE = dict(voice_url="https://voice.example.com/in", voice_method="GET", voice_fallback_url="https://voice.example.com/fb",
             voice_fallback_method="POST")


def test_voice_urls_are_checked_predicted_sent_once_and_then_unchanged(run_module, sim):
    sid = sim.truth["wireless_sims"][0]["sid"]
    sim.reset_stats()
    failed, result = run_module("wireless_sim", dict(sim.connection, sid=sid, voice_url="ftp://voice"))
    assert failed and "voice_url must be an absolute http or https URL" in result["msg"] and sim.stats()["requests"] == 0
    failed, result = run_module("wireless_sim", dict(sim.connection, sid=sid, _ansible_check_mode=True, _ansible_diff=True, **VOICE))
    assert not failed and result["changed"] is True and sim.write_log() == []
    # the fallback method is POST already: no change of its own
    changed = dict((k, v) for k, v in VOICE.items() if k != "voice_fallback_method")
    assert result["diff"] == {"before": {"voice_url": None, "voice_method": "POST", "voice_fallback_url": None}, "after": changed}
    failed, result = run_module("wireless_sim", dict(sim.connection, sid=sid, **VOICE))
    assert not failed and result["changed"] is True
    assert [w["params"] for w in sim.write_log()] == [{"VoiceUrl": VOICE["voice_url"], "VoiceMethod": "GET",
                                                       "VoiceFallbackUrl": VOICE["voice_fallback_url"]}]
    assert all(result["sim"][k] == v for k, v in VOICE.items())
    failed, result = run_module("wireless_sim", dict(sim.connection, sid=sid, **VOICE))
    assert not failed and result["changed"] is False and len(sim.write_log()) == 1


def test_sim_batch_sets_the_voice_url_of_many_sims(run_module, sim):
    sids = [s["sid"] for s in sim.truth["wireless_sims"][:3]]
    failed, result = run_module("sim_batch", dict(sim.connection, product="wireless", sims=sids, voice_url=VOICE["voice_url"]))
    assert not failed and result["counts"]["changed"] == 3, result
    assert all(s["voice_url"] == VOICE["voice_url"] for s in sim.truth["wireless_sims"] if s["sid"] in sids)
