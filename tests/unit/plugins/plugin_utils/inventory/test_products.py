# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the products of the inventory, read from the endpoint table."""

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    ENDPOINTS,
    SUPERSIM_SIM_STATUSES,
    WIRELESS_SIM_STATUSES,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.products import OWN_GROUPS, PRODUCTS, TOP_GROUP, Product


def test_products_come_from_the_sim_listings_of_the_endpoint_table():
    assert list(PRODUCTS) == ["wireless", "supersim"]
    assert [spec.endpoint for spec in PRODUCTS.values()] == [e.name for e in ENDPOINTS.values() if e.hosts]
    assert PRODUCTS["wireless"] == Product(
        endpoint="wireless_sim", group="twilio_wireless", statuses=WIRELESS_SIM_STATUSES, name_filter="rate_plan",
        group_prefix="rate_plan_", sid_field="rate_plan_sid", name_field="rate_plan_name",
        lookup_endpoint="wireless_rate_plan", lookup_label="rate plans")
    assert PRODUCTS["supersim"] == Product(
        endpoint="supersim_sim", group="twilio_supersim", statuses=SUPERSIM_SIM_STATUSES, name_filter="fleet",
        group_prefix="fleet_", sid_field="fleet_sid", name_field="fleet_name",
        lookup_endpoint="supersim_fleet", lookup_label="fleets")


def test_group_listings_belong_to_the_same_product():
    for product, spec in PRODUCTS.items():
        endpoint = ENDPOINTS[spec.endpoint]
        assert endpoint.product == ENDPOINTS[spec.lookup_endpoint].product == product
        assert endpoint.filter_param(spec.name_filter)  # the filter exists


def test_own_groups():
    assert TOP_GROUP == "twilio_sims"
    assert OWN_GROUPS == {"twilio_sims", "twilio_wireless", "twilio_supersim"}
