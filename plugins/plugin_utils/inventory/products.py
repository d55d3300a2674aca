# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The products the inventory lists, Programmable Wireless and Super SIM, read from the endpoint table (private to this
collection, controller side).

Each endpoint of ENDPOINTS with ``hosts`` is the SIM listing of one product; what the inventory needs besides (its
groups, the field with the SIM's rate plan or fleet, the listing that names them) follows from that entry.
"""

from dataclasses import dataclass
from typing import Tuple

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS

# The group of every SIM of a source; the product groups are its children.
TOP_GROUP = "twilio_sims"


@dataclass(frozen=True)
class Product:
    """What the inventory needs to know about one product (a key of PRODUCTS)."""

    endpoint: str  # ENDPOINTS name of the product's SIM listing
    group: str  # the product group, a child of TOP_GROUP
    statuses: Tuple[str, ...]  # every status a SIM of the product can have
    name_filter: str  # the option that filters SIMs by rate plan or fleet
    group_prefix: str  # prefix of the rate plan or fleet groups
    sid_field: str  # the SIM field that holds the rate plan or fleet SID
    name_field: str  # the field the plugin adds with the rate plan's or fleet's unique name
    lookup_endpoint: str  # ENDPOINTS name of the rate plan or fleet listing, for those names
    lookup_label: str  # what that listing is called in messages


def product_of(endpoint):
    """The Product of a SIM listing of the endpoint table (an Endpoint with ``hosts``)."""
    statuses = next(f.choices for f in endpoint.filters if f.option == "status")
    return Product(endpoint=endpoint.name, group="twilio_" + endpoint.product, statuses=statuses, name_filter=endpoint.group_by,
                   group_prefix=endpoint.group_by + "_", sid_field=endpoint.group_by + "_sid",
                   name_field=endpoint.group_by + "_name", lookup_endpoint=endpoint.group_endpoint,
                   lookup_label=ENDPOINTS[endpoint.group_endpoint].key.replace("_", " "))


PRODUCTS = dict((endpoint.product, product_of(endpoint)) for endpoint in ENDPOINTS.values() if endpoint.hosts)
# The groups every source of the plugin makes: no SIM host is ever named like one of them.
OWN_GROUPS = frozenset([TOP_GROUP] + [product.group for product in PRODUCTS.values()])
