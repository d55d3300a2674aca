# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the host names of SIMs, usable without the inventory plugin."""

import pytest
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData

from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.naming import (
    DEFAULT_PREFIX,
    HOSTNAME_PREFIX,
    check_clashes,
    default_names,
    host_names,
    mark_sim_hosts,
    name_text,
    preferred_name,
    sim_hosts,
)

DE = "DE%032x"


@pytest.mark.parametrize("value, text", [
    (None, None), ("", None), ({}, None), ([1], None), ({"a": 1}, None), (0, "0"), (False, "False"), ("pump", "pump"),
])
def test_name_text(value, text):
    assert name_text(value) == text


def test_default_names_take_the_unique_name_else_the_sid():
    records = [{"sid": DE % 1, "unique_name": "pump"}, {"sid": DE % 2, "unique_name": ""}, {"sid": DE % 3}]
    assert default_names(records) == ["pump", DE % 2, DE % 3]


def test_preferred_name_reads_fields_and_asks_the_template_hook_for_the_rest():
    record = {"sid": DE % 1, "iccid": "8901", "unique_name": None}
    asked = []

    def template(entry):
        asked.append(entry)
        return {"{{ a }}": None, "{{ b }}": "from-template"}[entry]

    assert preferred_name(record, ["unique_name", "{{ a }}", "{{ b }}", "iccid"], template) == "from-template"
    assert asked == ["{{ a }}", "{{ b }}"]
    assert preferred_name(record, ["unique_name", "iccid"], template) == "8901"
    assert preferred_name(record, ["unique_name", "friendly_name"], template) == DE % 1


def test_host_names_with_the_default_prefix_and_no_warning():
    warnings = []
    records = [{"sid": DE % 1, "unique_name": "pump"}, {"sid": DE % 2}]
    assert host_names(records, DEFAULT_PREFIX, warn=warnings.append) == ["sim-pump", "sim-" + DE % 2]
    assert warnings == []
    assert HOSTNAME_PREFIX.match(DEFAULT_PREFIX)


def test_host_names_make_names_safe_and_unique_with_one_warning_each():
    warnings = []
    records = [{"sid": DE % 1, "unique_name": "a b", "date_created": "2026-01-02T00:00:00Z"},
               {"sid": DE % 2, "unique_name": "a_b", "date_created": "2026-01-01T00:00:00Z"}]
    names = host_names(records, "sim-", warn=warnings.append)
    assert names == ["sim-a_b_" + DE % 1, "sim-a_b"]  # the older SIM keeps the name
    assert warnings == [
        "simfleet.twilio.sims: 1 SIM names have characters other than letters, digits, '_', '.' and '-', replaced by '_' in "
        "their host names, for example 'a b' -> sim-a_b",
        "simfleet.twilio.sims: 1 SIMs share a host name with another SIM and were renamed <name>_<sid>, for example "
        "sim-a_b -> sim-a_b_" + DE % 1]


def test_host_names_without_prefix_never_take_a_reserved_name():
    warnings = []
    records = [{"sid": DE % 1, "unique_name": "LocalHost"}, {"sid": DE % 2, "unique_name": "pump"}]
    assert host_names(records, "", warn=warnings.append) == [DE % 1, "pump"]
    assert len(warnings) == 1 and "named like a host Ansible reserves (all, ungrouped, localhost, 127.0.0.1)" in warnings[0]
    assert host_names(records, "sim-") == ["sim-LocalHost", "sim-pump"]


def test_host_names_take_given_names_and_leave_earlier_sims_their_names():
    records = [{"sid": DE % 1}, {"sid": DE % 2}]
    assert host_names(records, "sim-", names=["x", "y"], others={"sim-x": DE % 9}) == ["sim-x_" + DE % 1, "sim-y"]


def test_clash_rules():
    inventory = InventoryData()
    inventory.add_host("sim-db")  # a host of another source
    inventory.add_group("sim-web")
    inventory.add_host("sim-a")
    mark_sim_hosts(inventory, ["sim-a"], [{"sid": DE % 1}])
    assert sim_hosts(inventory) == {"sim-a": DE % 1}
    check_clashes(inventory, ["sim-a", "sim-b"], [{"sid": DE % 1}, {"sid": DE % 2}], "sim-")  # the same SIM again
    for name in ("sim-db", "sim-web", "twilio_sims"):
        with pytest.raises(AnsibleError) as info:
            check_clashes(inventory, [name], [{"sid": DE % 3}], "sim-")
        assert str(info.value).startswith("simfleet.twilio.sims: SIM host names already in the inventory as a host of another "
                                          "source or as a group: %s (SIM %s). " % (name, DE % 3))
        assert "hostname_prefix 'sim-'" in str(info.value)
    with pytest.raises(AnsibleError) as info:
        check_clashes(inventory, ["sim-a"] * 7, [{"sid": DE % n} for n in range(2, 9)], "sim-")
    assert " and 2 more. " in str(info.value)
