# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark floor: the least an inventory plugin can do to add the same SIM hosts and variables.

Lists SIMs with the collection's client (same requests as simfleet.twilio.sims), and for each SIM adds a
host named by unique name or SID with the same host variables (prefixed SIM fields, product, rate plan or
fleet name). No groups, no unsafe marking beyond what ansible-core does, no cache, no checks.
Lives outside the collection; tests/benchmarks/bench_inventory.py puts it on ANSIBLE_COLLECTIONS_PATH.
"""

DOCUMENTATION = r"""
name: floor
short_description: benchmark floor for simfleet.twilio.sims
description: Adds one host per SIM with the same variables as simfleet.twilio.sims and nothing else.
options:
  plugin:
    description: Marks this as an instance of this plugin.
    required: true
    choices: [simfleet_bench.floor.floor]
"""

import os

from ansible.plugins.inventory import BaseInventoryPlugin

from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioClient
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS

LOOKUPS = {"wireless": ("wireless_sim", "wireless_rate_plan", "rate_plan_sid", "rate_plan_name"),
           "supersim": ("supersim_sim", "supersim_fleet", "fleet_sid", "fleet_name")}


class InventoryModule(BaseInventoryPlugin):
    NAME = "simfleet_bench.floor.floor"

    def verify_file(self, path):
        return super().verify_file(path) and path.endswith("floor.yml")

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        client = TwilioClient(os.environ["TWILIO_ACCOUNT_SID"], auth_token=os.environ["TWILIO_AUTH_TOKEN"],
                              base_url=os.environ["TWILIO_BASE_URL"])
        for product, (sims, lookup, sid_field, name_field) in LOOKUPS.items():
            names = dict((r["sid"], r.get("unique_name")) for r in client.list_records(ENDPOINTS[lookup]))
            for record in client.list_records(ENDPOINTS[sims]):
                host = record.get("unique_name") or record["sid"]
                if host in self.inventory.hosts:
                    host = "%s_%s" % (host, record["sid"])
                self.inventory.add_host(host)
                for field, value in record.items():
                    self.inventory.set_variable(host, "twilio_" + field, value)
                self.inventory.set_variable(host, "twilio_product", product)
                self.inventory.set_variable(host, "twilio_" + name_field, names.get(record.get(sid_field)))
