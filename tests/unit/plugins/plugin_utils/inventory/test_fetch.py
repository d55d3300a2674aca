# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of what the inventory fetches (read from the endpoint table), through a client, and its cache."""

import threading

import pytest
from ansible.errors import AnsibleError

from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioError
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory import fetch
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.fetch import (
    CACHE_FORMAT,
    ENRICHMENTS,
    Fetch,
    load_data,
    sim_queries,
)

HS = "HS%032x"
HF = "HF%032x"


def test_each_enrichment_reads_its_endpoint_from_the_table():
    resolved = dict((e.option, (e.endpoint.name, e.product, e.per_sim, e.window, e.link, e.key)) for e in ENRICHMENTS)
    assert resolved == {
        "esim_profiles": ("supersim_esim_profile", "supersim", False, False, "sid", "sim_sid"),
        "ip_commands": ("supersim_ip_command", "supersim", False, False, "sid", "sim_sid"),
        "sms_commands": ("supersim_sms_command", "supersim", False, False, "sid", "sim_sid"),
        "ip_addresses": ("supersim_ip_address", "supersim", True, False, "sid", "sim_sid"),
        "usage": ("supersim_usage_record", "supersim", False, True, "sid", "sim_sid"),
        "fleet": ("supersim_fleet", "supersim", False, False, "fleet_sid", "sid"),
        "rate_plan": ("wireless_rate_plan", "wireless", False, False, "rate_plan_sid", "sid"),
    }
    assert [e.name for e in ENDPOINTS.values() if e.enrich] and \
        sorted(e.enrich for e in ENDPOINTS.values() if e.enrich) == sorted(resolved)


def test_sim_queries_per_product_and_status():
    options = {"products": ["wireless", "supersim"], "statuses": ["active", "suspended"], "iccid": "8901", "rate_plan": None,
               "fleet": None}
    assert sim_queries(options) == [("wireless", {"Iccid": "8901", "Status": "active"}),
                                    ("wireless", {"Iccid": "8901", "Status": "suspended"}),
                                    ("supersim", {"Iccid": "8901", "Status": "active"})]
    assert sim_queries(dict(options, products=["supersim"], statuses=[], iccid=None, fleet="field")) == \
        [("supersim", {"Fleet": "field"})]


def test_cache_key_holds_the_usage_window_only_with_usage():
    options = {"account_sid": "AC1", "base_url": None, "resolve_group_names": True, "enrich": ["fleet"], "usage_window_days": 30}
    queries = [("supersim", {})]
    assert fetch.cache_key(options, queries) == fetch.cache_key(dict(options, usage_window_days=7), queries)
    usage = dict(options, enrich=["usage"])
    assert fetch.cache_key(usage, queries) != fetch.cache_key(dict(usage, usage_window_days=7), queries)
    assert fetch.cache_key(options, queries).startswith("simfleet_twilio_sims_")


class Client(object):
    """A client that answers listings from ``answers`` ({endpoint name: records}) and records each call."""

    def __init__(self, answers, fail=None):
        self.answers = answers
        self.fail = fail
        self.calls = []
        self.lock = threading.Lock()
        self.request_count = 0
        self.closed = False

    def list_records(self, endpoint, params=None, parents=None):
        with self.lock:
            self.calls.append((endpoint.name, params, parents))
            self.request_count += 1
        if endpoint.name == self.fail:
            raise TwilioError("HTTP 500")
        answer = self.answers[endpoint.name]
        return answer(parents) if callable(answer) else list(answer)

    def close(self):
        self.closed = True


def fetch_options(**changes):
    values = {"products": ["supersim"], "resolve_group_names": True, "enrich": [], "max_concurrency": 4, "usage_window_days": 30}
    values.update(changes)
    return values


SIMS = [{"sid": HS % 1, "fleet_sid": HF % 1}, {"sid": HS % 2, "fleet_sid": None}, {"sid": HS % 1, "fleet_sid": HF % 1}]
FLEETS = [{"sid": HF % 1, "unique_name": "field", "data_limit": 100, "url": "https://x"}]


def test_fetch_lists_sims_once_each_and_the_group_names():
    client = Client({"supersim_sim": SIMS, "supersim_fleet": FLEETS})
    data = Fetch(client, fetch_options()).run([("supersim", {})])
    assert data == {"format": CACHE_FORMAT, "sims": [["supersim", SIMS[0]], ["supersim", SIMS[1]]],
                    "names": {"supersim": {HF % 1: "field"}}, "enrich": {}, "windows": {}}
    assert sorted(name for name, dummy, dummy2 in client.calls) == ["supersim_fleet", "supersim_sim"]


def test_fetch_names_groups_from_an_enrichment_listing_without_a_second_one():
    client = Client({"supersim_sim": SIMS, "supersim_fleet": FLEETS})
    data = Fetch(client, fetch_options(enrich=["fleet"])).run([("supersim", {})])
    assert [name for name, dummy, dummy2 in client.calls].count("supersim_fleet") == 1
    assert data["names"] == {"supersim": {HF % 1: "field"}}
    assert data["enrich"]["fleet"][HF % 1]["data_limit"] == 100 and "url" not in data["enrich"]["fleet"][HF % 1]


def test_fetch_per_sim_enrichment_lists_each_sim():
    addresses = {HS % 1: [{"ip_address": "10.0.0.1", "ip_address_version": "IPv4", "extra": 1}], HS % 2: []}
    client = Client({"supersim_sim": SIMS, "supersim_ip_address": lambda parents: addresses[parents["sim"]]})
    data = Fetch(client, fetch_options(enrich=["ip_addresses"], resolve_group_names=False)).run([("supersim", {})])
    assert data["enrich"]["ip_addresses"] == {HS % 1: [{"ip_address": "10.0.0.1", "ip_address_version": "IPv4"}], HS % 2: []}


def test_fetch_usage_lists_a_window_of_usage_grouped_by_sim():
    client = Client({"supersim_sim": SIMS, "supersim_usage_record": [{"sim_sid": HS % 1, "data_total": 5}]})
    data = Fetch(client, fetch_options(enrich=["usage"], resolve_group_names=False, usage_window_days=7)).run([("supersim", {})])
    params = [params for name, params, dummy in client.calls if name == "supersim_usage_record"][0]
    assert params["Group"] == "sim" and params["StartTime"] == data["windows"]["usage"]["start"]
    assert params["EndTime"] == data["windows"]["usage"]["end"]
    assert data["enrich"]["usage"] == {HS % 1: {"data_upload": 0, "data_download": 0, "data_total": 5}}


@pytest.mark.parametrize("fail, enrich, message", [
    ("supersim_sim", [], "simfleet.twilio.sims: cannot list supersim SIMs (Status=active): HTTP 500"),
    ("supersim_fleet", [], "simfleet.twilio.sims: cannot list supersim fleets: HTTP 500"),
    ("supersim_esim_profile", ["esim_profiles"], "simfleet.twilio.sims: cannot list supersim esim_profiles: HTTP 500"),
    ("supersim_ip_address", ["ip_addresses"], "simfleet.twilio.sims: cannot list Super SIM IP addresses: HTTP 500"),
])
def test_fetch_failures_name_the_listing(fail, enrich, message):
    client = Client({"supersim_sim": SIMS, "supersim_fleet": FLEETS, "supersim_esim_profile": [], "supersim_ip_address": []},
                    fail=fail)
    with pytest.raises(AnsibleError) as info:
        Fetch(client, fetch_options(enrich=enrich)).run([("supersim", {"Status": "active"})])
    assert str(info.value) == message


class Display(object):
    def __init__(self):
        self.messages = []

    def vvv(self, message):
        self.messages.append(message)


class Plugin(object):
    """What load_data reads of the inventory plugin: its cache and display."""

    def __init__(self, cache):
        self._cache = cache
        self.display = Display()


def test_load_data_uses_fresh_well_formed_cache_and_fills_it(monkeypatch):
    client = Client({"supersim_sim": SIMS[:2]})
    monkeypatch.setattr(fetch, "client_from_options", lambda options: client)
    options = fetch_options(cache=True, resolve_group_names=False, account_sid="AC1", base_url=None)
    queries = sim_queries(dict(options, statuses=[], iccid=None, fleet=None))
    plugin = Plugin({})
    data = load_data(plugin, options, queries, True)
    assert client.closed and plugin._cache == {fetch.cache_key(options, queries): data}
    assert plugin.display.messages == ["simfleet.twilio.sims: 2 SIMs in 1 requests"]
    client.calls.clear()
    assert load_data(plugin, options, queries, True) is data and client.calls == []
    key = fetch.cache_key(options, queries)
    plugin._cache[key] = dict(data, sims=[["supersim", {"sid": "HS/.."}]])
    assert load_data(plugin, options, queries, True) == data and len(client.calls) == 1
    assert "simfleet.twilio.sims: ignoring cached data with a malformed SIM record" in plugin.display.messages
    client.calls.clear()
    load_data(plugin, options, queries, False)  # refresh: fetched again
    assert len(client.calls) == 1
