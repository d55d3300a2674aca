# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of filling the inventory from fetched data: hosts, variables and default groups."""

from ansible.inventory.data import InventoryData

from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.fetch import CACHE_FORMAT
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.naming import sim_hosts
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.populate import Populator, default_group_name, extras

DE = "DE%032x"
HS = "HS%032x"
HF = "HF%032x"
WP = "WP%032x"

DATA = {
    "format": CACHE_FORMAT,
    "sims": [["wireless", {"sid": DE % 1, "unique_name": "pump", "status": "active", "rate_plan_sid": WP % 1}],
             ["supersim", {"sid": HS % 1, "unique_name": None, "status": "ready", "fleet_sid": HF % 1}],
             ["supersim", {"sid": HS % 2, "unique_name": "meter", "status": "ready", "fleet_sid": HF % 2}]],
    "names": {"wireless": {WP % 1: "field-units"}, "supersim": {HF % 1: "lab"}},
    "enrich": {"usage": {HS % 1: {"data_upload": 1, "data_download": 2, "data_total": 3}}},
    "windows": {"usage": {"start": "2026-01-01T00:00:00Z", "end": "2026-01-31T00:00:00Z"}},
}


def test_extras_add_group_names_and_enrichments():
    result = extras(DATA, {"enrich": ["usage"]})
    assert result[DE % 1] == {"product": "wireless", "rate_plan_name": "field-units"}
    assert result[HS % 1] == {"product": "supersim", "fleet_name": "lab", "data_upload": 1, "data_download": 2, "data_total": 3,
                              "usage_start": "2026-01-01T00:00:00Z", "usage_end": "2026-01-31T00:00:00Z"}
    assert result[HS % 2]["data_total"] == 0 and result[HS % 2]["fleet_name"] is None
    assert "data_total" not in extras(DATA, {"enrich": []})[HS % 1]  # cached data of an item no longer asked for


def test_default_group_names():
    resolved = {"supersim": {HF % 1: "lab-1"}}
    assert default_group_name("status", "active", resolved) == "status_active"
    assert default_group_name("supersim", HF % 1, resolved) == "fleet_lab_1"
    assert default_group_name("supersim", HF % 2, resolved) == "fleet_" + HF % 2
    assert default_group_name("wireless", WP % 1, {}) == "rate_plan_" + WP % 1


class Display(object):
    def __init__(self):
        self.warnings = []

    def warning(self, message):
        self.warnings.append(message)


class Plugin(object):
    """What the populate part reads of the inventory plugin without constructed options: its inventory and display."""

    def __init__(self):
        self.inventory = InventoryData()
        self.display = Display()


def populate_options(**changes):
    values = {"hostvars_prefix": "twilio_", "hostvars_fields": None, "hostnames": ["unique_name", "sid"], "hostname_prefix": "sim-",
              "products": ["wireless", "supersim"], "local_connection": True, "default_groups": True, "enrich": ["usage"],
              "compose": {}, "groups": {}, "keyed_groups": [], "strict": False, "fast_constructed": True}
    values.update(changes)
    return values


def test_populate_adds_hosts_variables_and_groups():
    plugin = Plugin()
    Populator(plugin, populate_options()).populate(DATA)
    inventory = plugin.inventory
    assert sorted(inventory.hosts) == ["sim-" + HS % 1, "sim-meter", "sim-pump"]
    assert sim_hosts(inventory) == {"sim-pump": DE % 1, "sim-" + HS % 1: HS % 1, "sim-meter": HS % 2}
    assert inventory.get_host("sim-pump").vars["twilio_rate_plan_name"] == "field-units"
    assert inventory.get_host("sim-meter").vars["twilio_status"] == "ready"
    groups = inventory.groups
    assert sorted(h.name for h in groups["status_ready"].get_hosts()) == ["sim-" + HS % 1, "sim-meter"]
    assert [h.name for h in groups["rate_plan_field_units"].get_hosts()] == ["sim-pump"]
    assert [h.name for h in groups["fleet_lab"].get_hosts()] == ["sim-" + HS % 1]
    assert [h.name for h in groups["fleet_" + HF % 2].get_hosts()] == ["sim-meter"]
    assert sorted(g.name for g in groups["twilio_sims"].child_groups) == ["twilio_supersim", "twilio_wireless"]
    assert groups["twilio_sims"].vars["ansible_connection"] == "local"
    assert plugin.display.warnings == []


def test_populate_with_few_variables_and_without_default_groups():
    plugin = Plugin()
    Populator(plugin, populate_options(hostvars_fields=["sid"], hostvars_prefix="", default_groups=False,
                                       local_connection=False)).populate(DATA)
    inventory = plugin.inventory
    assert dict((k, v) for k, v in inventory.get_host("sim-pump").vars.items() if not k.startswith("inventory_")) == {"sid": DE % 1}
    assert "status_ready" not in inventory.groups and "ansible_connection" not in inventory.groups["twilio_sims"].vars
    assert [h.name for h in inventory.groups["twilio_wireless"].get_hosts()] == ["sim-pump"]
