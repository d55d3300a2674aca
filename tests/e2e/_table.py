# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the end-to-end tests cover, from the endpoint table and the module files: a new endpoint is picked up here."""

import os

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import ENDPOINTS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES_DIR = os.path.join(ROOT, "plugins", "modules")
# The endpoints that have an info module, and those that have a state module.
INFO_MODULES = sorted(name[:-len("_info.py")] for name in os.listdir(MODULES_DIR) if name.endswith("_info.py"))
# The info modules that list whole records with SIDs, with no parent to name: compared one to one with the truth.
LISTING_MODULES = [name for name in INFO_MODULES if not ENDPOINTS[name].parents and ENDPOINTS[name].sid_pattern]
STATE_MODULES = sorted(name[:-len(".py")] for name in os.listdir(MODULES_DIR)
                       if name.endswith(".py") and not name.endswith("_info.py") and name[:-len(".py")] in ENDPOINTS)


def truth_key(name):
    """The simulator's truth key of an endpoint's records: its list key, but per product for SIMs."""
    endpoint = ENDPOINTS[name]
    return name + "s" if endpoint.key == "sims" else endpoint.key


def sid_prefix(name):
    return ENDPOINTS[name].sid_pattern[1:3]
