# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The host names of SIMs in the inventory (private to this collection, controller side).

A SIM's host is named ``<hostname_prefix><name>``: the name is the first non-empty entry of the option hostnames (by
default the SIM's unique name, else its SID), with every character other than ASCII letters, digits, ``_``, ``.``
and ``-`` replaced by ``_``. SIMs sharing a name are told apart by their SID, and a SIM never takes over a host or
group of another source. Nothing here needs the plugin: other parts of the collection can name SIMs the same way,
for example ``host_names(records, "sim-")``.
"""

import re

from ansible.errors import AnsibleError

from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.products import OWN_GROUPS

# The SIM fields the option hostnames takes by name; any other entry is a template.
NAME_FIELDS = ("unique_name", "iccid", "sid", "friendly_name")
DEFAULT_HOSTNAMES = ["unique_name", "sid"]
DEFAULT_PREFIX = "sim-"
# Host names keep ASCII letters, digits, "_", "." and "-": no pattern syntax (":" "," "*" "?" "[" "~" "!" "&" "@"),
# no path separator (host_vars files), no template or space.
HOST_NAME_CHARS = re.compile(r"[A-Za-z0-9_.-]+\Z")
NOT_HOST_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]")
# A letter first and a separator last: prefixed names are never all, localhost, an IP address or a pattern.
HOSTNAME_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*[_.-]\Z")
# names a SIM host never takes (they can only arise with an empty hostname_prefix): Ansible's own groups and localhost
RESERVED_HOST_NAMES = ("all", "ungrouped", "localhost", "127.0.0.1")
# The attribute of a Host that holds the SID of the SIM a source of this plugin added it for: the same SIM listed by
# two sources is one host, another SIM with that name is renamed, any other host or group is a clash.
SIM_SID_ATTRIBUTE = "_simfleet_twilio_sim_sid"


def name_text(value):
    """A host name candidate from a field or template value: text, or None for null, empty text, objects and arrays."""
    if value is None or value == "" or isinstance(value, (dict, list)):
        return None
    return str(value)


def default_names(records):
    """The names of the default hostnames (unique_name, then sid), one per record, before prefixing."""
    return [name_text(record.get("unique_name")) or record["sid"] for record in records]


def preferred_name(record, preferences, template):
    """The SIM's name before prefixing: its first entry of ``preferences`` that gives a name, else its SID.

    An entry of NAME_FIELDS is that field of ``record``; any other is a template, whose value ``template(entry)`` gives.
    """
    for entry in preferences:
        value = record.get(entry) if entry in NAME_FIELDS else template(entry)
        value = name_text(value)
        if value is not None:
            return value
    return record["sid"]


def prefixed_host_names(prefix, names):
    """``prefix`` before each name, in which every character but ASCII letters, digits, ``_``, ``.`` and ``-`` becomes ``_``.

    Returns the new names and a list of (old name, new name) for the names that had other characters.
    """
    result = []
    changed = []
    for name in names:
        if HOST_NAME_CHARS.match(name) is None:
            safe = prefix + NOT_HOST_NAME_CHARS.sub("_", name)
            changed.append((name, safe))
            result.append(safe)
        else:
            result.append(prefix + name)
    return result, changed


def unique_host_names(names, records, others=None):
    """Make ``names`` (one per record, same order) unique, deterministically, without losing a record.

    Among records sharing a name, the one created first (``date_created``, then ``sid``) keeps it and each of the
    others becomes ``<name>_<sid>`` (then ``<name>_<sid>_2`` and so on in the unlikely case that is taken too).
    ``others`` maps the names of SIM hosts already in the inventory (from earlier sources) to their SIM's SID: such a
    name stays with that SIM, and every other record that gets it is renamed the same way.
    Returns the new list of names and a list of (old name, new name) renames.
    """
    others = others or {}
    first = {}
    duplicates = {}
    for index, name in enumerate(names):
        if name in first:
            duplicates.setdefault(name, [first[name]]).append(index)
        else:
            first[name] = index
    held = set(name for name in first if name in others) if others else set()
    if not duplicates and not held:
        return names, []
    names = list(names)
    taken = set(first)
    renames = []
    for name in sorted(set(duplicates) | held):
        indexes = sorted(duplicates.get(name) or [first[name]],
                         key=lambda i: (records[i].get("date_created") or "", records[i].get("sid") or ""))
        keeper = indexes[0] if name not in others else next((i for i in indexes if records[i].get("sid") == others[name]), None)
        for index in indexes:
            if index == keeper:
                continue
            sid = records[index].get("sid")
            candidate = base = "%s_%s" % (name, sid)
            counter = 1
            while candidate in taken or others.get(candidate, sid) != sid:
                counter += 1
                candidate = "%s_%d" % (base, counter)
            taken.add(candidate)
            names[index] = candidate
            renames.append((name, candidate))
    return names, renames


def _ignore(message):
    """The default ``warn`` of host_names: say nothing."""


def host_names(records, prefix, names=None, others=None, warn=_ignore):
    """One unique host name per SIM record, in their order: ``prefix`` and the SIM's name made safe, renamed apart.

    ``names``: the SIMs' names before prefixing (default_names or preferred_name), by default those of the default
    hostnames. Without a prefix, a name that Ansible reserves becomes the SIM's SID. ``others``: {host name: SIM SID}
    of SIM hosts already in the inventory (sim_hosts). ``warn(message)`` is told of every name changed.
    """
    names, changed = prefixed_host_names(prefix, default_names(records) if names is None else names)
    if changed:
        warn("simfleet.twilio.sims: %d SIM names have characters other than letters, digits, '_', '.' and '-', "
             "replaced by '_' in their host names, for example %r -> %s" % (len(changed), changed[0][0], changed[0][1]))
    reserved = [] if prefix else [index for index, name in enumerate(names) if name.lower() in RESERVED_HOST_NAMES]
    for index in reserved:
        names[index] = records[index]["sid"]
    if reserved:
        warn("simfleet.twilio.sims: %d SIMs are named like a host Ansible reserves (%s) and are named by "
             "their SID instead, for example %s" % (len(reserved), ", ".join(RESERVED_HOST_NAMES), names[reserved[0]]))
    names, renames = unique_host_names(names, records, others)
    if renames:
        warn("simfleet.twilio.sims: %d SIMs share a host name with another SIM and were renamed <name>_<sid>, "
             "for example %s -> %s" % (len(renames), renames[0][0], renames[0][1]))
    return names


def sim_hosts(inventory):
    """{host name: SIM SID} of the hosts that sources of this plugin added to ``inventory`` (an InventoryData) for SIMs."""
    return dict((name, getattr(host, SIM_SID_ATTRIBUTE)) for name, host in inventory.hosts.items()
                if hasattr(host, SIM_SID_ATTRIBUTE))


def mark_sim_hosts(inventory, names, records):
    """Record on each host of ``names`` the SID of the SIM (``records``, same order) it was added for (see sim_hosts)."""
    hosts = inventory.hosts
    for name, record in zip(names, records):
        setattr(hosts[name], SIM_SID_ATTRIBUTE, record["sid"])


def check_clashes(inventory, names, records, prefix):
    """Fail, before adding anything, if a SIM's host name is already a host or group of another source.

    Ansible merges hosts of the same name across sources: a SIM must never take over another source's host (its
    groups, the connection variables of TOP_GROUP, compose). The same SIM added by another source of this plugin is
    the same host; other SIMs of earlier sources were already named apart (unique_host_names). The other order (a
    later source adds a host named like a SIM) is what hostname_prefix prevents.
    """
    hosts, groups = inventory.hosts, inventory.groups
    owners = sim_hosts(inventory)
    clashes = []
    for name, record in zip(names, records):
        if (name in hosts and owners.get(name) != record["sid"]) or name in groups or name in OWN_GROUPS:
            clashes.append("%s (SIM %s)" % (name, record["sid"]))
    if clashes:
        more = " and %d more" % (len(clashes) - 5) if len(clashes) > 5 else ""
        raise AnsibleError("simfleet.twilio.sims: SIM host names already in the inventory as a host of another source or as a "
                           "group: %s%s. A SIM never takes over another host or a group: names starting with hostname_prefix %r "
                           "are meant for SIM hosts only, so rename those hosts or groups, or set another hostname_prefix for this "
                           "source" % (", ".join(clashes[:5]), more, prefix))
