# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: sims
short_description: Twilio Wireless and Super SIMs as an Ansible inventory
version_added: 1.0.0
author:
  - simfleet.twilio contributors (@simfleet)
description:
  - Reads Twilio Programmable Wireless SIMs and Super SIMs and makes one inventory host per SIM.
  - Uses a YAML configuration file whose name ends with C(twilio_sims.yml) or C(twilio_sims.yaml).
  - Lists SIMs with the largest page Twilio allows (1000), so N SIMs take ceil(N/1000) requests per status queried, plus,
    with O(resolve_group_names), one listing of rate plans and one of fleets.
  - >-
    Builds groups in plain Python, without templating: V(twilio_sims) holds every SIM of the source through its children
    V(twilio_wireless) and V(twilio_supersim); V(status_<status>) holds the SIMs in each status (for example
    V(status_active)); V(rate_plan_<name>) holds the wireless SIMs of each rate plan and V(fleet_<name>) the Super SIMs of
    each fleet, named by the plan's or fleet's unique name (its SID when it has none), with characters other than letters,
    digits and underscores replaced by underscores.
  - O(compose), O(groups) and O(keyed_groups) work as in every constructed inventory; templating is skipped entirely when
    none of them is set, which keeps large fleets fast.
  - >-
    Every API or authentication error fails the inventory source with a clear message; the plugin never returns an empty or
    partial list of SIMs as if it were complete. Ansible itself only warns about a failed source by default and goes on
    without its hosts: set E(ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true) (or C(any_unparsed_is_failed = true) in the
    C([inventory]) section of C(ansible.cfg)) so that the run stops instead. AWX runs inventory updates with
    E(ANSIBLE_INVENTORY_UNPARSED_FAILED=true), so a failed update keeps the previous hosts.
  - >-
    A SIM never takes over a host of another inventory source. Ansible merges hosts of the same name across sources, so a
    SIM named like a static host would otherwise pass it the groups and connection variables of this source and the values
    of O(compose). Every SIM host name therefore starts with O(hostname_prefix) (V(sim-) by default, for example
    C(sim-pump)), a namespace other sources must not use, and keeps only letters, digits, C(_), C(.) and C(-), so it is
    never V(all), V(localhost), an IP address or a host pattern, whatever the order of the C(-i) sources. When this
    source runs after another one that already has a host or group of a SIM's name, the source fails with an error
    naming it.
  - >-
    A SIM record without a SID (letters and digits) is malformed API data: the source fails rather than drop the SIM or
    merge it into another.
  - >-
    SIM hosts are not machines Ansible logs into: tasks for a SIM call Twilio's API and run on the controller. With
    O(local_connection) (the default) the group V(twilio_sims) sets C(ansible_connection=local) and
    C(ansible_python_interpreter={{ ansible_playbook_python }}). For devices reachable by IP, set C(ansible_host) and
    C(ansible_connection) with O(compose), for example from the Super SIM IP addresses of O(enrich).
extends_documentation_fragment:
  - simfleet.twilio.common.plugins
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: Marks this as an instance of the P(simfleet.twilio.sims#inventory) plugin.
    type: str
    required: true
    choices: [simfleet.twilio.sims]
  products:
    description:
      - Which SIMs to list, C(wireless) (Programmable Wireless SIMs) and C(supersim) (Super SIMs), one or both.
    type: list
    elements: str
    choices: [wireless, supersim]
    default: [wireless, supersim]
  statuses:
    description:
      - List only SIMs in these statuses, one query per status, run concurrently (see O(max_concurrency)).
      - Each status is queried only for the products that have it, for example C(suspended) only for wireless SIMs and
        C(inactive) only for Super SIMs.
      - Wireless statuses are C(new), C(ready), C(active), C(suspended), C(deactivated), C(canceled), C(scheduled) and
        C(updating); Super SIM statuses are C(new), C(ready), C(active), C(inactive) and C(scheduled).
      - By default SIMs in every status are listed, with one query per product.
    type: list
    elements: str
    default: []
  rate_plan:
    description:
      - List only wireless SIMs on this rate plan, given by SID (C(WP...)) or unique name.
      - Applies to wireless SIMs only, so O(products) must be V([wireless]).
    type: str
  fleet:
    description:
      - List only Super SIMs in this fleet, given by SID (C(HF...)) or unique name.
      - Applies to Super SIMs only, so O(products) must be V([supersim]).
    type: str
  iccid:
    description:
      - List only the SIM with this ICCID.
    type: str
  hostnames:
    description:
      - How to name each SIM's host, as a preference list; the first entry that gives a non-empty name wins.
      - Each entry is a SIM field, C(unique_name), C(iccid), C(sid) or C(friendly_name) (wireless SIMs only), or a template
        such as C({{ twilio_iccid }}-{{ twilio_status }}) evaluated with the SIM's host variables.
      - When no entry gives a name, the SIM's SID is used. SIDs are unique and never change.
      - >-
        The host name is O(hostname_prefix) followed by that name, in which every character other than an ASCII letter, a
        digit, C(_), C(.) or C(-) is replaced by C(_) (with a warning), for example C(sim-pump) or C(sim-DE0123...).
      - >-
        When several SIMs get the same name, the one created first (by C(date_created), then SID) keeps it and each
        of the others is named C(<name>_<sid>), with a warning. A name that a SIM of an earlier source of this plugin
        already has in the inventory stays with that SIM. No SIM is ever dropped or merged into another.
    type: list
    elements: str
    default: [unique_name, sid]
  hostname_prefix:
    description:
      - The start of every SIM host name, so that SIM hosts have a namespace of their own, for example C(sim-pump) for the
        SIM named C(pump). Target SIMs with it, for example C(--limit sim-pump) or C(--limit 'sim-*').
      - >-
        Ansible merges hosts of the same name from all inventory sources (and AWX merges the hosts of an inventory's
        sources by name), so without it whoever can rename a SIM could take over another source's host, for example give
        a static host C(db01) the C(ansible_connection=local) of the group V(twilio_sims), or its C(ansible_host) through
        O(compose). Do not name hosts or groups of other sources with this prefix: it is reserved for SIMs.
      - >-
        When this source runs after another one that already has a host or group named like one of its SIMs, the source
        fails with an error that names it, before adding any host. Sources of this plugin share the namespace: the same
        SIM listed by two of them is one host, and a SIM named like another SIM of an earlier source is renamed (see
        O(hostnames)). Give sources of different accounts different prefixes to keep their host names stable.
      - >-
        It must start with a letter, hold only letters, digits, C(_), C(.) and C(-), and end with C(_), C(.) or C(-), so that
        no SIM host is ever named V(all), V(localhost), like an IP address or like a host pattern.
      - >-
        An empty string names SIM hosts by the SIM's name alone, as releases before 2.0.0 did (characters other than
        letters, digits, C(_), C(.) and C(-) are still replaced by C(_)); a SIM whose name would be V(all),
        V(ungrouped), V(localhost) or V(127.0.0.1) is named by its SID instead, with a warning. Without a prefix the
        SIM hosts share the namespace of every other source: use it only where this plugin is the inventory's only
        source, or where no other source names a host like a SIM (see the porting guide).
    type: str
    default: sim-
    version_added: 2.0.0
  hostvars_prefix:
    description:
      - The prefix of the host variables that carry the SIM's fields, for example C(twilio_status).
      - Values from Twilio are marked unsafe, so text such as C({{ lookup('pipe', 'id') }}) in a SIM's name stays text.
    type: str
    default: twilio_
  hostvars_fields:
    description:
      - Which fields become host variables (names without O(hostvars_prefix)). By default every field does.
      - >-
        Fields are the SIM's fields as Twilio returns them (for example C(sid), C(unique_name), C(iccid), C(status),
        C(rate_plan_sid), C(fleet_sid), C(date_created), C(url), C(links)) and these added by the plugin: C(product)
        (C(wireless) or C(supersim)), C(rate_plan_name), C(fleet_name), and the fields of O(enrich).
      - Fewer variables make large inventories faster and smaller; an empty list sets none. Groups do not depend on
        this option. O(compose), O(groups), O(keyed_groups) and templated O(hostnames) only see the fields kept.
    type: list
    elements: str
  default_groups:
    description:
      - Whether to build the groups V(twilio_sims), V(twilio_wireless), V(twilio_supersim), V(status_<status>),
        V(rate_plan_<name>) and V(fleet_<name>). Without them each host is still in V(twilio_sims) and its product group.
    type: bool
    default: true
  resolve_group_names:
    description:
      - List the account's rate plans (wireless) and fleets (Super SIM) to name their groups and the C(rate_plan_name) and
        C(fleet_name) variables by unique name. This costs one more request per product.
      - When false, rate plan and fleet groups are named by SID.
    type: bool
    default: true
  enrich:
    description:
      - Extra SIM data, off by default. Each item except C(ip_addresses) is one listing for the whole account, never
        one call per SIM.
      - C(esim_profiles) adds C(esim_profile_sid), C(esim_profile_status) and C(eid) from the SIM's most recently updated
        eSIM profile. Profile secrets (C(activation_code), C(matching_id)) are never stored or cached.
      - C(ip_commands) adds C(last_ip_command_date), C(last_ip_command_direction) and C(last_ip_command_status).
      - C(sms_commands) adds C(last_sms_command_date), C(last_sms_command_direction) and C(last_sms_command_status).
      - C(ip_addresses) adds C(ip_addresses), the list of the SIM's IP addresses (C(ip_address), C(ip_address_version)).
        Twilio offers no listing for them, so this is one request per Super SIM, O(max_concurrency) at a time.
      - C(usage) adds C(data_upload), C(data_download) and C(data_total), the bytes each Super SIM moved in the last
        O(usage_window_days) days (0 for a SIM without data), and C(usage_start) and C(usage_end), that window, from one
        listing of usage records grouped by SIM (one request per 1000 Super SIMs with data). Programmable Wireless SIMs
        are not enriched with usage (Twilio lists their usage one SIM at a time).
      - C(fleet) adds the settings of the Super SIM's fleet, C(fleet_unique_name), C(fleet_data_enabled),
        C(fleet_data_limit) (megabytes per SIM and billing period), C(fleet_data_metering), C(fleet_sms_commands_enabled)
        and C(fleet_network_access_profile_sid), from one listing of fleets (which also names the fleet groups with
        O(resolve_group_names), without a second listing).
      - C(rate_plan) adds the settings of the wireless SIM's rate plan, C(rate_plan_unique_name), C(rate_plan_data_enabled),
        C(rate_plan_data_limit) (megabytes per month), C(rate_plan_data_metering), C(rate_plan_messaging_enabled),
        C(rate_plan_voice_enabled), C(rate_plan_national_roaming_enabled), C(rate_plan_national_roaming_data_limit),
        C(rate_plan_international_roaming) and C(rate_plan_international_roaming_data_limit), from one listing of rate
        plans (which also names the rate plan groups, as for C(fleet)).
      - C(rate_plan) requires V(wireless) in O(products); every other item requires V(supersim).
      - A SIM without a fleet or rate plan, or whose fleet or rate plan is not listed, gets null values.
    type: list
    elements: str
    choices: [esim_profiles, ip_commands, sms_commands, ip_addresses, usage, fleet, rate_plan]
    default: []
  usage_window_days:
    description:
      - The window of O(enrich=usage), the last this many days before the inventory is built. From 1 to 31, the longest
        window Twilio answers for Super SIM usage grouped by SIM.
    type: int
    default: 30
    version_added: 2.0.0
  max_concurrency:
    description:
      - How many requests run at the same time, for several O(statuses) and for O(enrich=ip_addresses). Between 1 and 16.
    type: int
    default: 4
  local_connection:
    description:
      - Set C(ansible_connection=local) and C(ansible_python_interpreter={{ ansible_playbook_python }}) as variables of the
        group V(twilio_sims), so tasks for SIM hosts run on the controller, where they can call Twilio's API.
      - Host variables, including those set by O(compose), take precedence over these group variables.
    type: bool
    default: true
  fast_constructed:
    description:
      - >-
        Evaluate O(compose), O(groups) and O(keyed_groups) with each expression prepared once per run instead of templated
        from scratch for every host, with the same results as ansible-core's own constructed inventory: the same groups and
        group names, variables and value types, O(strict) errors, and values from Twilio still marked unsafe.
      - >-
        An expression that is only a variable name or a path into one (for example C(twilio_status),
        C(twilio_links.rate_plan) or C(twilio_ip_addresses[0].ip_address)), and a O(groups) condition that compares such
        a path with a string or an integer (C(twilio_status == 'active'), C(!=) too), is read from the host's variables
        without templating; any other expression is templated by ansible-core with its compiled form kept for the run. Values
        whose templated result could differ, and the first missing variable of each expression, go through ansible-core's
        own templating for that host.
      - Set to V(false) to use ansible-core's per-host templating unchanged, for comparison or should a result ever differ.
    type: bool
    default: true
    env:
      - name: SIMFLEET_TWILIO_FAST_CONSTRUCTED
    ini:
      - section: simfleet_twilio_sims
        key: fast_constructed
    version_added: 2.0.0
  cache_timeout:
    description:
      - Cache duration in seconds. Short by default because SIM statuses change; C(scheduled) and C(updating) are
        transitional.
      - The cache holds the raw API data of a query, keyed by platform, account (the Account SID on Twilio, the API client
        ID on KORE), base URL and query (products, statuses, filters,
        O(resolve_group_names), O(enrich)); no credential is ever part of it. Host naming, variables and groups are
        rebuilt from it on every run, so changing them needs no new requests.
    type: int
    default: 300
notes:
  - SIMs are listed newest first, as Twilio returns them; a SIM that changes status between two status queries is kept once.
seealso:
  - module: simfleet.twilio.wireless_sim_info
  - module: simfleet.twilio.supersim_sim_info
"""

EXAMPLES = r"""
# demo.twilio_sims.yml: every SIM of the account, credentials from TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN
plugin: simfleet.twilio.sims

# Each example below is a whole file of its own, shown commented out so that they can stand together here.

# Active and suspended wireless SIMs, with credentials from Ansible Vault, named by ICCID
# plugin: simfleet.twilio.sims
# account_sid: "{{ vault_twilio_account_sid }}"
# api_key: "{{ vault_twilio_api_key }}"
# api_secret: "{{ vault_twilio_api_secret }}"
# products: [wireless]
# statuses: [active, suspended]
# hostnames: [iccid]

# Super SIMs of one fleet with their IP addresses; devices reachable by IP are managed over SSH
# plugin: simfleet.twilio.sims
# products: [supersim]
# fleet: field-sensors
# enrich: [esim_profiles, ip_addresses]
# compose:
#   # SIMs without an address keep the local connection of the group twilio_sims (not strict: the error is skipped)
#   ansible_host: twilio_ip_addresses[0].ip_address
#   ansible_connection: "'ssh' if twilio_ip_addresses else 'local'"
# keyed_groups:
#   - key: twilio_esim_profile_status | default('none')
#     prefix: esim

# Hosts named twilio-<ICCID>, for example `ansible-playbook -i fleet.twilio_sims.yml --limit 'twilio-8901*' site.yml`
# plugin: simfleet.twilio.sims
# hostnames: [iccid]
# hostname_prefix: twilio-

# A big fleet targeted by group: few variables, cached for 10 minutes
# plugin: simfleet.twilio.sims
# hostvars_fields: [sid, iccid, status]
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/ansible/twilio
# cache_timeout: 600
"""

import copy
import datetime
import hashlib
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.inventory.group import to_safe_group_name
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.simfleet.twilio.plugins.module_utils._client import (
    CONNECTION_OPTIONS,
    TwilioError,
    platform_of,
    client_from_options,
    connection_problems,
)
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    ENDPOINTS,
    SUPERSIM_SIM_STATUSES,
    WIRELESS_SIM_STATUSES,
    blank,
    format_time,
    query_params,
    validate_filters,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils._constructed import Constructed
from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import (
    trust_as_template,
    unsafe,
)

CACHE_FORMAT = 1
TOP_GROUP = "twilio_sims"


@dataclass(frozen=True)
class ProductSpec:
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


PRODUCTS = {
    "wireless": ProductSpec(endpoint="wireless_sim", group="twilio_wireless", statuses=WIRELESS_SIM_STATUSES, name_filter="rate_plan",
                            group_prefix="rate_plan_", sid_field="rate_plan_sid", name_field="rate_plan_name",
                            lookup_endpoint="wireless_rate_plan", lookup_label="rate plans"),
    "supersim": ProductSpec(endpoint="supersim_sim", group="twilio_supersim", statuses=SUPERSIM_SIM_STATUSES, name_filter="fleet",
                            group_prefix="fleet_", sid_field="fleet_sid", name_field="fleet_name",
                            lookup_endpoint="supersim_fleet", lookup_label="fleets"),
}


@dataclass(frozen=True)
class Enrichment:
    """One item of the option enrich: where its records come from and which host variables they give.

    ``endpoint``: ENDPOINTS name of the listing for the whole account (one request per page); ``per_sim_endpoint``
    instead: ENDPOINTS name of a listing per Super SIM (its parent ``sim``), one per SIM. ``product``: the SIMs it
    enriches. ``link``: the SIM field whose value finds the SIM's records, whose field ``key`` holds it (the SIM's own
    SID in ``sim_sid`` for per-SIM data, its fleet's SID in the fleet's ``sid``). ``combine``: how several records
    of one SIM become one: ``newest`` (by the date field ``newest_by``, ties broken by the record's SID), ``sum``
    (the fields added up) or ``list`` (all of them, as a list). ``filters``: fixed filter values of the listing, by
    option name (``group: sim``); ``window``: the listing covers the last ``usage_window_days`` days, through the
    endpoint's time window filters. ``fields``: the record fields kept; nothing else is stored or cached.
    ``variables``: (variable, field, default) triples: the variable (without hostvars_prefix) takes that field of the
    combined record, or with field None the SIM's list of records; a SIM of ``product`` without records gets the
    default.
    """

    option: str
    endpoint: Optional[str]
    fields: Tuple[str, ...]
    variables: Tuple[Tuple[str, Optional[str], Any], ...]
    newest_by: Optional[str] = None
    combine: str = "newest"
    per_sim_endpoint: Optional[str] = None
    product: str = "supersim"
    link: str = "sid"
    key: str = "sim_sid"
    filters: Tuple[Tuple[str, str], ...] = ()
    window: bool = False


ENRICHMENTS = (
    # Of an eSIM profile only its SID, status and EID are kept: its secrets (activation_code, matching_id) are never stored.
    Enrichment(option="esim_profiles", endpoint="supersim_esim_profile", newest_by="date_updated", fields=("sid", "status", "eid"),
               variables=(("esim_profile_sid", "sid", None), ("esim_profile_status", "status", None), ("eid", "eid", None))),
    Enrichment(option="ip_commands", endpoint="supersim_ip_command", newest_by="date_created",
               fields=("date_created", "direction", "status"),
               variables=(("last_ip_command_date", "date_created", None), ("last_ip_command_direction", "direction", None),
                          ("last_ip_command_status", "status", None))),
    Enrichment(option="sms_commands", endpoint="supersim_sms_command", newest_by="date_created",
               fields=("date_created", "direction", "status"),
               variables=(("last_sms_command_date", "date_created", None), ("last_sms_command_direction", "direction", None),
                          ("last_sms_command_status", "status", None))),
    Enrichment(option="ip_addresses", endpoint=None, per_sim_endpoint="supersim_ip_address", combine="list",
               fields=("ip_address", "ip_address_version"), variables=(("ip_addresses", None, []),)),
    # One record per Super SIM that used data in the window; a SIM without one used none.
    Enrichment(option="usage", endpoint="supersim_usage_record", combine="sum", filters=(("group", "sim"),), window=True,
               fields=("data_upload", "data_download", "data_total"),
               variables=(("data_upload", "data_upload", 0), ("data_download", "data_download", 0),
                          ("data_total", "data_total", 0))),
    Enrichment(option="fleet", endpoint="supersim_fleet", link="fleet_sid", key="sid",
               fields=("unique_name", "data_enabled", "data_limit", "data_metering", "sms_commands_enabled",
                       "network_access_profile_sid"),
               variables=(("fleet_unique_name", "unique_name", None), ("fleet_data_enabled", "data_enabled", None),
                          ("fleet_data_limit", "data_limit", None), ("fleet_data_metering", "data_metering", None),
                          ("fleet_sms_commands_enabled", "sms_commands_enabled", None),
                          ("fleet_network_access_profile_sid", "network_access_profile_sid", None))),
    Enrichment(option="rate_plan", endpoint="wireless_rate_plan", product="wireless", link="rate_plan_sid", key="sid",
               fields=("unique_name", "data_enabled", "data_limit", "data_metering", "messaging_enabled", "voice_enabled",
                       "national_roaming_enabled", "national_roaming_data_limit", "international_roaming",
                       "international_roaming_data_limit"),
               variables=tuple(("rate_plan_" + field, field, None) for field in (
                   "unique_name", "data_enabled", "data_limit", "data_metering", "messaging_enabled", "voice_enabled",
                   "national_roaming_enabled", "national_roaming_data_limit", "international_roaming",
                   "international_roaming_data_limit"))),
)
# The variables of the window of enrichments with one, given to every SIM they enrich.
WINDOW_VARIABLES = ("usage_start", "usage_end")


def window_limit_days(enrichment):
    """The longest window in days the endpoint of a windowed enrichment answers with its filters (the endpoint table's
    limits), None when it has no such limit."""
    endpoint = ENDPOINTS[enrichment.endpoint]
    given = dict((f.option, f.default) for f in endpoint.filters)
    given.update(enrichment.filters)
    days = [limit.days for limit in endpoint.window.limits if limit.days is not None and given.get(limit.option) == limit.value]
    return min(days) if days else None


# The longest usage_window_days: Twilio answers Super SIM usage grouped by SIM for at most 31 days (its error 83603).
USAGE_MAX_DAYS = min(window_limit_days(e) for e in ENRICHMENTS if e.window)

NAME_FIELDS = ("unique_name", "iccid", "sid", "friendly_name")
# Twilio SIDs are two letters and 32 hex digits; a SIM record whose SID is not letters and digits is malformed data.
SID_CHARS = re.compile(r"[A-Za-z0-9]+\Z")
# Host names keep ASCII letters, digits, "_", "." and "-": no pattern syntax (":" "," "*" "?" "[" "~" "!" "&" "@"),
# no path separator (host_vars files), no template or space.
HOST_NAME_CHARS = re.compile(r"[A-Za-z0-9_.-]+\Z")
NOT_HOST_NAME_CHARS = re.compile(r"[^A-Za-z0-9_.-]")
# A letter first and a separator last: prefixed names are never all, localhost, an IP address or a pattern.
HOSTNAME_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*[_.-]\Z")
# names a SIM host never takes (they can only arise with an empty hostname_prefix): Ansible's own groups and localhost
RESERVED_HOST_NAMES = ("all", "ungrouped", "localhost", "127.0.0.1")
OWN_GROUPS = frozenset([TOP_GROUP] + [spec.group for spec in PRODUCTS.values()])
# The attribute of a Host that holds the SID of the SIM a source of this plugin added it for: the same SIM listed by
# two sources is one host, another SIM with that name is renamed, any other host or group is a clash.
SIM_SID_ATTRIBUTE = "_simfleet_twilio_sim_sid"
FILTER_OPTIONS = ("rate_plan", "fleet", "iccid")
STRING_OPTIONS = tuple(CONNECTION_OPTIONS) + FILTER_OPTIONS
CONSTRUCTED_OPTIONS = ("compose", "groups", "keyed_groups")


def newest_by_sim(records, sim_field="sim_sid", date_field="date_created"):
    """The newest record per SIM SID (by ``date_field``, then SID), as a dict keyed by SIM SID."""
    newest = {}
    for record in records:
        sim_sid = record.get(sim_field)
        if not sim_sid:
            continue
        current = newest.get(sim_sid)
        if current is None or (record.get(date_field) or "", record.get("sid") or "") > (current.get(date_field) or "", current.get("sid") or ""):
            newest[sim_sid] = record
    return newest


def _count(value):
    """A number from an API field that should hold one; anything else counts as 0."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def combined(enrichment, records):
    """An enrichment's records as ``{key: {field: value}}`` (key: the records' ``enrichment.key``), one entry per key:
    its newest record, or the sum of its records' fields; only ``enrichment.fields`` are kept."""
    fields = enrichment.fields
    if enrichment.combine == "sum":
        sums = {}
        for record in records:
            key = record.get(enrichment.key)
            if key:
                current = sums.setdefault(key, dict((field, 0) for field in fields))
                for field in fields:
                    current[field] += _count(record.get(field))
        return sums
    newest = newest_by_sim(records, sim_field=enrichment.key, date_field=enrichment.newest_by or "date_created")
    return dict((key, dict((field, record.get(field)) for field in fields)) for key, record in newest.items())


def sim_record_problem(record):
    """Why ``record`` cannot be a SIM host, or None: it must be an object whose ``sid`` is a string of letters and digits."""
    if not isinstance(record, dict):
        kinds = {list: "array", str: "string", type(None): "null", bool: "boolean", int: "number", float: "number"}
        return "a JSON %s instead of an object" % kinds.get(type(record), type(record).__name__)
    sid = record.get("sid")
    if isinstance(sid, str) and SID_CHARS.match(sid):
        return None
    if "sid" not in record:
        return "no sid"
    return "sid %s" % json.dumps(sid, default=repr)[:80]


def name_text(value):
    """A host name candidate from a field or template value: text, or None for null, empty text, objects and arrays."""
    if value is None or value == "" or isinstance(value, (dict, list)):
        return None
    return str(value)


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


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "simfleet.twilio.sims"

    def verify_file(self, path):
        """Accept only files named ``*twilio_sims.yml`` or ``*twilio_sims.yaml``."""
        return super().verify_file(path) and path.endswith(("twilio_sims.yml", "twilio_sims.yaml"))

    # -- options -----------------------------------------------------------------------------------------------

    def _templated_options(self):
        """Option values as used: templates in string options rendered (vault, lookups, extra vars)."""
        options = dict((name, self.get_option(name)) for name in self._options)
        for name in STRING_OPTIONS:
            value = options.get(name)
            if isinstance(value, str) and value:
                try:
                    options[name] = self.templar.template(value)
                except Exception as err:
                    raise AnsibleParserError("cannot template option %s: %s" % (name, to_native(err))) from None
        return options

    def _check_options(self, options):
        """Refuse bad option values before any request; normalise products and statuses to plain, ordered values."""
        problems = connection_problems(options)
        # Plain strings of this module rather than option values (tagged with their origin on ansible-core 2.19+),
        # as they end up in the cached data.
        products = options["products"] = [p for p in PRODUCTS if p in options["products"]]
        if not products:
            problems.append("products must name at least one of wireless, supersim")
        for name in FILTER_OPTIONS:
            if blank(options.get(name)):
                problems.append("%s must not be empty or blank; leave it unset to list without it" % name)
        for product, spec in PRODUCTS.items():
            if options.get(spec.name_filter) and products != [product]:
                problems.append("%s filters %s SIMs only: set products to [%s] (use another source for the other product)"
                                % (spec.name_filter, product, product))
        known = set(WIRELESS_SIM_STATUSES) | set(SUPERSIM_SIM_STATUSES)
        wanted = set()
        for product in products:
            wanted.update(PRODUCTS[product].statuses)
        for status in options["statuses"]:
            if status not in known:
                problems.append("statuses: unknown SIM status %r; known statuses are %s" % (str(status), ", ".join(sorted(known))))
            elif status not in wanted:
                problems.append("statuses: no SIM of products %s can be %r" % (", ".join(products), str(status)))
        options["statuses"] = [s for s in sorted(known) if s in options["statuses"]]
        prefix = options["hostname_prefix"]
        if not isinstance(prefix, str) or (prefix and not HOSTNAME_PREFIX.match(prefix)):
            problems.append("hostname_prefix must start with a letter, hold only letters, digits, '_', '.' and '-', and end with "
                            "'_', '.' or '-' (so that no SIM host is named like a host of another source), or be empty (the "
                            "SIM's name alone), got %r" % (prefix,))
        else:
            options["hostname_prefix"] = "%s" % prefix
        for entry in options["hostnames"]:
            if entry not in NAME_FIELDS and "{{" not in entry and "{%" not in entry:
                problems.append("hostnames: %r is neither one of %s nor a template" % (entry, ", ".join(NAME_FIELDS)))
        for enrichment in ENRICHMENTS:
            if enrichment.option in options["enrich"] and enrichment.product not in products:
                problems.append("enrich %s adds data to %s SIMs: it needs %s in products"
                                % (enrichment.option, enrichment.product, enrichment.product))
        window = options.get("usage_window_days")
        if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= USAGE_MAX_DAYS:
            problems.append("usage_window_days must be a whole number of days from 1 to %d (the longest window Twilio "
                            "answers for Super SIM usage grouped by SIM), got %r" % (USAGE_MAX_DAYS, window))
        if not 1 <= options["max_concurrency"] <= 16:
            problems.append("max_concurrency must be between 1 and 16, got %s" % options["max_concurrency"])
        if problems:
            raise AnsibleParserError("simfleet.twilio.sims: invalid configuration: %s" % "; ".join(problems))

    @staticmethod
    def _query(options):
        """The SIM queries: a list of (product, params), one per product and status."""
        queries = []
        for product in options["products"]:
            spec = PRODUCTS[product]
            base = {"Iccid": options.get("iccid")}
            if options.get(spec.name_filter):
                base[dict((f.option, f.param) for f in ENDPOINTS[spec.endpoint].filters)[spec.name_filter]] = options[spec.name_filter]
            product_statuses = [s for s in options["statuses"] if s in spec.statuses] if options["statuses"] else [None]
            for status in product_statuses:
                params = dict((k, v) for k, v in base.items() if v)
                if status:
                    params["Status"] = status
                queries.append((product, params))
        return queries

    def _cache_key(self, options, queries):
        """Cache key from platform, account (Twilio's Account SID, KORE's API client ID), base URL and query; never
        from a secret."""
        platform = platform_of(options)
        identity = {
            "format": CACHE_FORMAT,
            "platform": platform,
            "account": options["client_id"] if platform == "kore" else options["account_sid"],
            "base_url": options["base_url"],
            "queries": queries,
            "resolve_group_names": options["resolve_group_names"],
            "enrich": sorted(options["enrich"]),
        }
        if any(e.window and e.option in options["enrich"] for e in ENRICHMENTS):
            identity["usage_window_days"] = options["usage_window_days"]
        digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()
        return "simfleet_twilio_sims_%s" % digest[:32]

    # -- fetching ----------------------------------------------------------------------------------------------

    def _fetch(self, client, options, queries):
        """Every API listing the inventory needs, as plain data ready for the cache; any failure raises AnsibleError."""
        enrichments = [e for e in ENRICHMENTS if e.option in options["enrich"]]
        # A rate plan or fleet listing read for an enrichment also names the groups: never listed twice.
        enriched = set(e.endpoint for e in enrichments if e.endpoint)
        jobs = [("sims", product, params) for product, params in queries]
        if options["resolve_group_names"]:
            jobs.extend(("names", product, None) for product in options["products"]
                        if PRODUCTS[product].lookup_endpoint not in enriched)
        windows = {}
        for enrichment in enrichments:
            if enrichment.endpoint:
                jobs.append((enrichment, enrichment.product, self._enrichment_params(enrichment, options, windows)))
        workers = max(1, min(options["max_concurrency"], len(jobs)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda job: self._run_job(client, *job), jobs))

        data = {"format": CACHE_FORMAT, "sims": [], "names": {}, "enrich": {}, "windows": windows}
        seen = set()
        for (kind, product, params), result in zip(jobs, results):
            if kind == "sims":
                for index, record in enumerate(result):
                    problem = sim_record_problem(record)
                    if problem:
                        raise AnsibleError("simfleet.twilio.sims: cannot list %s: record %d of %d is not a SIM with a SID (%s); "
                                           "the source fails rather than merge or drop SIMs of malformed API data"
                                           % (self._job_label(kind, product, params), index + 1, len(result), problem))
                    if record["sid"] not in seen:
                        seen.add(record["sid"])
                        data["sims"].append([product, record])
            elif kind == "names":
                data["names"][product] = result
            else:
                data["enrich"][kind.option] = result
                if options["resolve_group_names"] and product in options["products"] and \
                        PRODUCTS[product].lookup_endpoint == kind.endpoint:
                    data["names"][product] = dict((sid, values.get("unique_name")) for sid, values in result.items())
        for enrichment in enrichments:
            if not enrichment.endpoint:
                sids = [record["sid"] for product, record in data["sims"] if product == "supersim"]
                data["enrich"][enrichment.option] = self._fetch_ip_addresses(client, enrichment, sids, options["max_concurrency"])
        return data

    @staticmethod
    def _enrichment_params(enrichment, options, windows):
        """The query parameters of an enrichment's listing (the endpoint table names them): its fixed filters and, for
        one with a window, the last usage_window_days days, recorded in ``windows``."""
        endpoint = ENDPOINTS[enrichment.endpoint]
        values = dict(enrichment.filters)
        if enrichment.window:
            end = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
            start = end - datetime.timedelta(days=options["usage_window_days"])
            values.update(((endpoint.window.start, format_time(start)), (endpoint.window.end, format_time(end))))
            windows[enrichment.option] = {"start": format_time(start), "end": format_time(end)}
        problems = validate_filters(endpoint, values)
        if problems:
            raise AnsibleParserError("simfleet.twilio.sims: enrich %s: %s" % (enrichment.option, "; ".join(problems)))
        return query_params(endpoint, values)

    @staticmethod
    def _job_label(kind, product, params=None):
        """What a job lists, for messages: for example C(wireless SIMs (Status=active))."""
        if kind == "sims":
            what = "%s SIMs" % product
        elif kind == "names":
            what = "%s %s" % (product, PRODUCTS[product].lookup_label)
        else:
            what = "%s %s" % (product, kind.option)
        if params:
            what += " (%s)" % ", ".join("%s=%s" % item for item in sorted(params.items()))
        return what

    def _run_job(self, client, kind, product, params):
        try:
            if kind == "sims":
                return client.list_records(ENDPOINTS[PRODUCTS[product].endpoint], params=params)
            if kind == "names":
                records = client.list_records(ENDPOINTS[PRODUCTS[product].lookup_endpoint])
                return dict((r["sid"], r.get("unique_name")) for r in records if r.get("sid"))
            return combined(kind, client.list_records(ENDPOINTS[kind.endpoint], params=params))
        except TwilioError as err:
            raise AnsibleError("simfleet.twilio.sims: cannot list %s: %s" % (self._job_label(kind, product, params), err)) from None

    @staticmethod
    def _fetch_ip_addresses(client, enrichment, sids, max_concurrency):
        """The IP addresses of each Super SIM, one listing per SIM: ``{SIM SID: [{field: value}]}``."""
        lock = threading.Lock()
        addresses = {}
        fields = enrichment.fields
        endpoint = ENDPOINTS[enrichment.per_sim_endpoint]

        def one(sid):
            records = client.list_records(endpoint, parents={"sim": sid})
            with lock:
                addresses[sid] = [dict((field, r.get(field)) for field in fields) for r in records]

        try:
            with ThreadPoolExecutor(max_workers=max_concurrency) as pool:
                list(pool.map(one, sids))
        except TwilioError as err:
            raise AnsibleError("simfleet.twilio.sims: cannot list Super SIM IP addresses: %s" % err) from None
        return addresses

    def _get_data(self, options, queries, cache):
        """API data from the inventory cache when allowed and fresh, otherwise from Twilio (then cached)."""
        use_cache = bool(options.get("cache"))
        key = self._cache_key(options, queries) if use_cache else None
        if use_cache and cache:
            try:
                data = self._cache[key]
            except KeyError:
                data = None
            if isinstance(data, dict) and data.get("format") == CACHE_FORMAT:
                if not any(product not in PRODUCTS or sim_record_problem(record) for product, record in data["sims"]):
                    self.display.vvv("simfleet.twilio.sims: using cached Twilio data (%d SIMs)" % len(data["sims"]))
                    return data
                self.display.vvv("simfleet.twilio.sims: ignoring cached data with a malformed SIM record")
        client = client_from_options(options)
        try:
            data = self._fetch(client, options, queries)
        finally:
            client.close()
        self.display.vvv("simfleet.twilio.sims: %d SIMs in %d requests" % (len(data["sims"]), client.request_count))
        if use_cache:
            self._cache[key] = data
        return data

    # -- inventory ---------------------------------------------------------------------------------------------

    @staticmethod
    def _extras(data, options):
        """Per SIM SID, the fields the plugin adds (names of rate plan or fleet, enrichment), unprefixed."""
        extras = {}
        for product, record in data["sims"]:
            extra = {"product": product}
            names = data["names"].get(product)
            if names is not None:
                spec = PRODUCTS[product]
                extra[spec.name_field] = names.get(record.get(spec.sid_field))
            extras[record["sid"]] = extra
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
                extra = extras[record["sid"]]
                value = values.get(record.get(enrichment.link))
                for variable, field, default in enrichment.variables:
                    if value is None:
                        extra[variable] = copy.copy(default)
                    else:
                        extra[variable] = value if field is None else value.get(field)
                if window:
                    extra.update(zip(WINDOW_VARIABLES, (window["start"], window["end"])))
        return extras

    def _host_vars(self, record, extra, prefix, fields, names):
        """The SIM's host variables: prefixed, limited to ``fields`` (None for all), marked unsafe."""
        hostvars = {}
        for source in (record, extra):
            for field, value in source.items():
                if fields is not None and field not in fields:
                    continue
                name = names.get(field)
                if name is None:
                    name = names[field] = prefix + field
                hostvars[name] = unsafe(value)
        return hostvars

    def _preferred_name(self, record, hostvars, preferences):
        for entry in preferences:
            if entry in NAME_FIELDS:
                value = record.get(entry)
            else:
                self.templar.available_variables = hostvars
                try:
                    value = self.templar.template(entry)
                except Exception as err:
                    if self.get_option("strict"):
                        raise AnsibleError("simfleet.twilio.sims: cannot template hostname %r for SIM %s: %s"
                                           % (entry, record.get("sid"), to_native(err))) from None
                    value = None
            value = name_text(value)
            if value is not None:
                return value
        return record["sid"]

    def _host_names(self, data, extras, options, hostvars_args):
        """One unique host name per SIM, in the order of ``data["sims"]``."""
        records = [record for dummy, record in data["sims"]]
        preferences = options["hostnames"]
        if preferences == ["unique_name", "sid"]:
            names = [name_text(record.get("unique_name")) or record["sid"] for record in records]
        else:
            names = [self._preferred_name(record, self._host_vars(record, extras[record["sid"]], *hostvars_args), preferences)
                     for record in records]
        names, changed = prefixed_host_names(options["hostname_prefix"], names)
        if changed:
            self.display.warning("simfleet.twilio.sims: %d SIM names have characters other than letters, digits, '_', '.' and '-', "
                                 "replaced by '_' in their host names, for example %r -> %s" % (len(changed), changed[0][0], changed[0][1]))
        reserved = [] if options["hostname_prefix"] else [index for index, name in enumerate(names) if name.lower() in RESERVED_HOST_NAMES]
        for index in reserved:
            names[index] = records[index]["sid"]
        if reserved:
            self.display.warning("simfleet.twilio.sims: %d SIMs are named like a host Ansible reserves (%s) and are named by "
                                 "their SID instead, for example %s" % (len(reserved), ", ".join(RESERVED_HOST_NAMES), names[reserved[0]]))
        names, renames = unique_host_names(names, records, self._sim_hosts())
        if renames:
            self.display.warning("simfleet.twilio.sims: %d SIMs share a host name with another SIM and were renamed <name>_<sid>, "
                                 "for example %s -> %s" % (len(renames), renames[0][0], renames[0][1]))
        # Host names come from API data too: inventory_hostname must never be templated (ansible-core before 2.19).
        return [unsafe(name) for name in names]

    def _add_top_groups(self, options):
        inventory = self.inventory
        inventory.add_group(TOP_GROUP)
        if options["local_connection"]:
            inventory.set_variable(TOP_GROUP, "ansible_connection", "local")
            interpreter = "{{ ansible_playbook_python }}"
            inventory.set_variable(TOP_GROUP, "ansible_python_interpreter",
                                   trust_as_template(interpreter) if trust_as_template is not None else interpreter)
        for product in options["products"]:
            inventory.add_group(PRODUCTS[product].group)
            inventory.add_child(TOP_GROUP, PRODUCTS[product].group)

    def _populate(self, data, options):
        """Add hosts, their variables and groups. Host variables are built per host and not kept (memory)."""
        fields = None if options["hostvars_fields"] is None else frozenset(options["hostvars_fields"])
        hostvars_args = (options["hostvars_prefix"] or "", fields, {})
        extras = self._extras(data, options)
        host_names = self._host_names(data, extras, options, hostvars_args)
        self._check_clashes(host_names, data["sims"], options)
        self._add_top_groups(options)

        inventory = self.inventory
        set_variable = inventory.set_variable
        host_vars = self._host_vars
        default_groups = options["default_groups"]
        construct = any(options.get(name) for name in CONSTRUCTED_OPTIONS)
        constructed = Constructed.create(self, *(options.get(name) for name in CONSTRUCTED_OPTIONS), strict=options["strict"]) \
            if construct and options["fast_constructed"] else None
        members = {}
        group_names = {}
        resolved = data["names"]
        for (product, record), host in zip(data["sims"], host_names):
            inventory.add_host(host, group=PRODUCTS[product].group)
            hostvars = host_vars(record, extras[record["sid"]], *hostvars_args)
            for name, value in hostvars.items():
                set_variable(host, name, value)
            if default_groups:
                for kind, value in (("status", record.get("status")), (product, record.get(PRODUCTS[product].sid_field))):
                    if not value:
                        continue
                    group = group_names.get((kind, value))
                    if group is None:
                        group = group_names[(kind, value)] = self._default_group_name(kind, value, resolved)
                    members.setdefault(group, []).append(host)
            if construct:
                self._construct(host, hostvars, options, constructed)
        hosts = inventory.hosts
        for host, (dummy, record) in zip(host_names, data["sims"]):
            setattr(hosts[host], SIM_SID_ATTRIBUTE, record["sid"])
        add_child = inventory.add_child
        for group in sorted(members):
            inventory.add_group(group)
            for host in members[group]:
                add_child(group, host)

    def _sim_hosts(self):
        """{host name: SIM SID} of the hosts that sources of this plugin added to this inventory for SIMs."""
        return dict((name, getattr(host, SIM_SID_ATTRIBUTE)) for name, host in self.inventory.hosts.items()
                    if hasattr(host, SIM_SID_ATTRIBUTE))

    def _check_clashes(self, host_names, sims, options):
        """Fail, before adding anything, if a SIM's host name is already a host or group of another source.

        Ansible merges hosts of the same name across sources: a SIM must never take over another source's host (its
        groups, the connection variables of TOP_GROUP, compose). The same SIM added by another source of this plugin is
        the same host; other SIMs of earlier sources were already named apart (unique_host_names). The other order (a
        later source adds a host named like a SIM) is what hostname_prefix prevents.
        """
        inventory = self.inventory
        hosts, groups = inventory.hosts, inventory.groups
        owners = self._sim_hosts()
        clashes = []
        for name, (dummy, record) in zip(host_names, sims):
            if (name in hosts and owners.get(name) != record["sid"]) or name in groups or name in OWN_GROUPS:
                clashes.append("%s (SIM %s)" % (name, record["sid"]))
        if clashes:
            more = " and %d more" % (len(clashes) - 5) if len(clashes) > 5 else ""
            raise AnsibleError("simfleet.twilio.sims: SIM host names already in the inventory as a host of another source or as a "
                               "group: %s%s. A SIM never takes over another host or a group: names starting with hostname_prefix %r "
                               "are meant for SIM hosts only, so rename those hosts or groups, or set another hostname_prefix for this "
                               "source" % (", ".join(clashes[:5]), more, options["hostname_prefix"]))

    @staticmethod
    def _default_group_name(kind, value, resolved):
        if kind == "status":
            return to_safe_group_name("status_" + value, force=True, silent=True)
        names = resolved.get(kind) or {}
        return to_safe_group_name(PRODUCTS[kind].group_prefix + (names.get(value) or value), force=True, silent=True)

    def _construct(self, host, hostvars, options, constructed=None):
        """compose, groups and keyed_groups for one host: only when the user set one of them. ``constructed`` (the run's
        Constructed, with fast_constructed) evaluates them with each expression prepared once; otherwise ansible-core's
        Constructable templates them for this host."""
        if constructed is not None:
            constructed.construct(host, hostvars)
            return
        strict = options["strict"]
        compose, groups, keyed_groups = (options.get(name) for name in CONSTRUCTED_OPTIONS)
        if compose:
            self._set_composite_vars(compose, hostvars, host, strict=strict)
            hostvars = self.inventory.get_host(host).get_vars()
        self._add_host_to_composed_groups(groups, hostvars, host, strict=strict)
        self._add_host_to_keyed_groups(keyed_groups, hostvars, host, strict=strict)

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        self.templar.available_variables = self._vars
        options = self._templated_options()
        self._check_options(options)
        queries = self._query(options)
        try:
            data = self._get_data(options, queries, cache)
        except TwilioError as err:
            raise AnsibleError("simfleet.twilio.sims: %s" % err) from None
        self._populate(data, options)
