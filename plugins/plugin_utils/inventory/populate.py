# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filling the inventory from the fetched data: hosts, host variables, default groups and the constructed features
(private to this collection, controller side)."""

import copy
from functools import partial

from ansible.errors import AnsibleError
from ansible.inventory.group import to_safe_group_name
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.simfleet.twilio.plugins.plugin_utils._constructed import Constructed
from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import trust_as_template, unsafe
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.fetch import ENRICHMENTS, WINDOW_VARIABLES
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.naming import (
    DEFAULT_HOSTNAMES,
    check_clashes,
    host_names,
    mark_sim_hosts,
    preferred_name,
    sim_hosts,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.products import PRODUCTS, TOP_GROUP

CONSTRUCTED_OPTIONS = ("compose", "groups", "keyed_groups")


def extras(data, options):
    """Per SIM SID, the fields the plugin adds (names of rate plan or fleet, enrichment), unprefixed."""
    result = {}
    for product, record in data["sims"]:
        extra = {"product": product}
        names = data["names"].get(product)
        if names is not None:
            spec = PRODUCTS[product]
            extra[spec.name_field] = names.get(record.get(spec.sid_field))
        result[record["sid"]] = extra
    fetched = data["enrich"]
    windows = data.get("windows") or {}
    for enrichment in ENRICHMENTS:
        values = fetched.get(enrichment.option)
        if values is None or enrichment.option not in options["enrich"]:
            continue
        window = windows.get(enrichment.option)
        for product, record in data["sims"]:
            if product != enrichment.product:
                continue
            extra = result[record["sid"]]
            value = values.get(record.get(enrichment.link))
            for variable, field, default in enrichment.variables:
                if value is None:
                    extra[variable] = copy.copy(default)
                else:
                    extra[variable] = value if field is None else value.get(field)
            if window:
                extra.update(zip(WINDOW_VARIABLES, (window["start"], window["end"])))
    return result


def default_group_name(kind, value, resolved):
    """The default group of a SIM's ``status`` (kind C(status)) or of its rate plan or fleet (kind: the product),
    named by its unique name in ``resolved`` ({product: {SID: unique name}}) when known."""
    if kind == "status":
        return to_safe_group_name("status_" + value, force=True, silent=True)
    names = resolved.get(kind) or {}
    return to_safe_group_name(PRODUCTS[kind].group_prefix + (names.get(value) or value), force=True, silent=True)


class Populator(object):
    """Adds the SIMs of one run of ``plugin`` (the inventory plugin, with its inventory, templar and display) to its
    inventory, as the checked ``options`` say. Host variables are built per host and not kept (memory)."""

    def __init__(self, plugin, options):
        self.plugin = plugin
        self.inventory = plugin.inventory
        self.options = options
        self.prefix = options["hostvars_prefix"] or ""
        self.fields = None if options["hostvars_fields"] is None else frozenset(options["hostvars_fields"])
        self.variable_names = {}

    def host_vars(self, record, extra):
        """The SIM's host variables: prefixed, limited to the option hostvars_fields, marked unsafe."""
        hostvars = {}
        fields, prefix, names = self.fields, self.prefix, self.variable_names
        for source in (record, extra):
            for field, value in source.items():
                if fields is not None and field not in fields:
                    continue
                name = names.get(field)
                if name is None:
                    name = names[field] = prefix + field
                hostvars[name] = unsafe(value)
        return hostvars

    def template_name(self, entry, record, hostvars):
        """The value of the hostnames template ``entry`` for a SIM with these host variables; None when templating
        fails and the option strict is off."""
        templar = self.plugin.templar
        templar.available_variables = hostvars
        try:
            return templar.template(entry)
        except Exception as err:
            if self.plugin.get_option("strict"):
                raise AnsibleError("simfleet.twilio.sims: cannot template hostname %r for SIM %s: %s"
                                   % (entry, record.get("sid"), to_native(err))) from None
            return None

    def host_names(self, records, extra_of):
        """One unique host name per SIM of ``records``, in their order, marked unsafe."""
        preferences = self.options["hostnames"]
        names = None
        if preferences != DEFAULT_HOSTNAMES:
            names = []
            for record in records:
                hostvars = self.host_vars(record, extra_of[record["sid"]])
                names.append(preferred_name(record, preferences, partial(self.template_name, record=record, hostvars=hostvars)))
        names = host_names(records, self.options["hostname_prefix"], names, sim_hosts(self.inventory),
                           warn=self.plugin.display.warning)
        # Host names come from API data too: inventory_hostname must never be templated (ansible-core before 2.19).
        return [unsafe(name) for name in names]

    def add_top_groups(self):
        """The group of every SIM of the source, with the connection variables, and its product groups."""
        inventory = self.inventory
        inventory.add_group(TOP_GROUP)
        if self.options["local_connection"]:
            inventory.set_variable(TOP_GROUP, "ansible_connection", "local")
            interpreter = "{{ ansible_playbook_python }}"
            inventory.set_variable(TOP_GROUP, "ansible_python_interpreter",
                                   trust_as_template(interpreter) if trust_as_template is not None else interpreter)
        for product in self.options["products"]:
            inventory.add_group(PRODUCTS[product].group)
            inventory.add_child(TOP_GROUP, PRODUCTS[product].group)

    def populate(self, data):
        """Add hosts, their variables and groups; nothing is added when a host name clashes with another source's."""
        options = self.options
        sims = data["sims"]
        records = [record for dummy, record in sims]
        extra_of = extras(data, options)
        names = self.host_names(records, extra_of)
        check_clashes(self.inventory, names, records, options["hostname_prefix"])
        self.add_top_groups()

        inventory = self.inventory
        set_variable = inventory.set_variable
        host_vars = self.host_vars
        default_groups = options["default_groups"]
        construct = any(options.get(name) for name in CONSTRUCTED_OPTIONS)
        constructed = Constructed.create(self.plugin, *(options.get(name) for name in CONSTRUCTED_OPTIONS), strict=options["strict"]) \
            if construct and options["fast_constructed"] else None
        members = {}
        group_names = {}
        resolved = data["names"]
        for (product, record), host in zip(sims, names):
            inventory.add_host(host, group=PRODUCTS[product].group)
            hostvars = host_vars(record, extra_of[record["sid"]])
            for name, value in hostvars.items():
                set_variable(host, name, value)
            if default_groups:
                for kind, value in (("status", record.get("status")), (product, record.get(PRODUCTS[product].sid_field))):
                    if not value:
                        continue
                    group = group_names.get((kind, value))
                    if group is None:
                        group = group_names[(kind, value)] = default_group_name(kind, value, resolved)
                    members.setdefault(group, []).append(host)
            if construct:
                self.construct(host, hostvars, constructed)
        mark_sim_hosts(inventory, names, records)
        add_child = inventory.add_child
        for group in sorted(members):
            inventory.add_group(group)
            for host in members[group]:
                add_child(group, host)

    def construct(self, host, hostvars, constructed=None):
        """compose, groups and keyed_groups for one host: only when the user set one of them. ``constructed`` (the run's
        Constructed, with fast_constructed) evaluates them with each expression prepared once; otherwise ansible-core's
        Constructable templates them for this host."""
        if constructed is not None:
            constructed.construct(host, hostvars)
            return
        plugin = self.plugin
        strict = self.options["strict"]
        compose, groups, keyed_groups = (self.options.get(name) for name in CONSTRUCTED_OPTIONS)
        if compose:
            plugin._set_composite_vars(compose, hostvars, host, strict=strict)
            hostvars = self.inventory.get_host(host).get_vars()
        plugin._add_host_to_composed_groups(groups, hostvars, host, strict=strict)
        plugin._add_host_to_keyed_groups(keyed_groups, hostvars, host, strict=strict)
