# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The parts of the inventory plugin simfleet.twilio.sims (private to this collection, controller side).

- ``products``: what the inventory lists of each product, read from the endpoint table;
- ``options``: reading and checking the plugin's options, before any request;
- ``fetch``: what is fetched, through the one client, and the inventory cache;
- ``naming``: host names, their prefix and the rules against clashes with other sources;
- ``populate``: hosts, host variables, groups and the constructed features.

``plugins/inventory/sims.py`` wires them together.
"""
