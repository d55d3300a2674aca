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
        When several SIMs get the same name, the one created first (by C(date_created), then SID) keeps it and each
        of the others is named C(<name>_<sid>), with a warning. No SIM is ever dropped or merged into another.
    type: list
    elements: str
    default: [unique_name, sid]
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
      - Extra Super SIM data, off by default. Each item except C(ip_addresses) is one listing for the whole account, never
        one call per SIM.
      - C(esim_profiles) adds C(esim_profile_sid), C(esim_profile_status) and C(eid) from the SIM's most recently updated
        eSIM profile. Profile secrets (C(activation_code), C(matching_id)) are never stored or cached.
      - C(ip_commands) adds C(last_ip_command_date), C(last_ip_command_direction) and C(last_ip_command_status).
      - C(sms_commands) adds C(last_sms_command_date), C(last_sms_command_direction) and C(last_sms_command_status).
      - C(ip_addresses) adds C(ip_addresses), the list of the SIM's IP addresses (C(ip_address), C(ip_address_version)).
        Twilio offers no listing for them, so this is one request per Super SIM, O(max_concurrency) at a time.
      - Requires V(supersim) in O(products).
    type: list
    elements: str
    choices: [esim_profiles, ip_commands, sms_commands, ip_addresses]
    default: []
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
  cache_timeout:
    description:
      - Cache duration in seconds. Short by default because SIM statuses change; C(scheduled) and C(updating) are
        transitional.
      - The cache holds the raw API data of a query, keyed by account, base URL and query (products, statuses, filters,
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

# A big fleet targeted by group: few variables, cached for 10 minutes
# plugin: simfleet.twilio.sims
# hostvars_fields: [sid, iccid, status]
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: ~/.cache/ansible/twilio
# cache_timeout: 600
"""

import hashlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.inventory.group import to_safe_group_name
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.simfleet.twilio.plugins.module_utils._client import (
    CONNECTION_OPTIONS,
    TwilioError,
    client_from_options,
    connection_problems,
)
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import (
    ENDPOINTS,
    SUPERSIM_SIM_STATUSES,
    WIRELESS_SIM_STATUSES,
    redact,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import (
    trust_as_template,
    unsafe,
)

CACHE_FORMAT = 1
TOP_GROUP = "twilio_sims"
PRODUCTS = {
    # product: (SIM endpoint, product group, statuses, name filter option, group prefix, SID field, name field, lookup endpoint)
    "wireless": ("wireless_sim", "twilio_wireless", WIRELESS_SIM_STATUSES, "rate_plan", "rate_plan_", "rate_plan_sid",
                 "rate_plan_name", "wireless_rate_plan"),
    "supersim": ("supersim_sim", "twilio_supersim", SUPERSIM_SIM_STATUSES, "fleet", "fleet_", "fleet_sid",
                 "fleet_name", "supersim_fleet"),
}
NAME_FIELDS = ("unique_name", "iccid", "sid", "friendly_name")
STRING_OPTIONS = tuple(CONNECTION_OPTIONS) + ("rate_plan", "fleet", "iccid")
CONSTRUCTED_OPTIONS = ("compose", "groups", "keyed_groups")
IP_ADDRESSES_PATH = "/v1/Sims/%s/IpAddresses"


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


def unique_host_names(names, records):
    """Make ``names`` (one per record, same order) unique, deterministically, without losing a record.

    Among records sharing a name, the one created first (``date_created``, then ``sid``) keeps it and each of the
    others becomes ``<name>_<sid>`` (then ``<name>_<sid>_2`` and so on in the unlikely case that is taken too).
    Returns the new list of names and a list of (old name, new name) renames.
    """
    first = {}
    duplicates = {}
    for index, name in enumerate(names):
        if name in first:
            duplicates.setdefault(name, [first[name]]).append(index)
        else:
            first[name] = index
    if not duplicates:
        return names, []
    names = list(names)
    taken = set(first)
    renames = []
    for name in sorted(duplicates):
        indexes = sorted(duplicates[name], key=lambda i: (records[i].get("date_created") or "", records[i].get("sid") or ""))
        names[indexes[0]] = name
        for index in indexes[1:]:
            candidate = base = "%s_%s" % (name, records[index].get("sid"))
            counter = 1
            while candidate in taken:
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
        for product in PRODUCTS:
            name_filter = PRODUCTS[product][3]
            if options.get(name_filter) and products != [product]:
                problems.append("%s filters %s SIMs only: set products to [%s] (use another source for the other product)"
                                % (name_filter, product, product))
        known = set(WIRELESS_SIM_STATUSES) | set(SUPERSIM_SIM_STATUSES)
        wanted = set()
        for product in products:
            wanted.update(PRODUCTS[product][2])
        for status in options["statuses"]:
            if status not in known:
                problems.append("statuses: unknown SIM status %r; known statuses are %s" % (str(status), ", ".join(sorted(known))))
            elif status not in wanted:
                problems.append("statuses: no SIM of products %s can be %r" % (", ".join(products), str(status)))
        options["statuses"] = [s for s in sorted(known) if s in options["statuses"]]
        for entry in options["hostnames"]:
            if entry not in NAME_FIELDS and "{{" not in entry and "{%" not in entry:
                problems.append("hostnames: %r is neither one of %s nor a template" % (entry, ", ".join(NAME_FIELDS)))
        if options["enrich"] and "supersim" not in products:
            problems.append("enrich adds Super SIM data: it needs supersim in products")
        if not 1 <= options["max_concurrency"] <= 16:
            problems.append("max_concurrency must be between 1 and 16, got %s" % options["max_concurrency"])
        if problems:
            raise AnsibleParserError("simfleet.twilio.sims: invalid configuration: %s" % "; ".join(problems))

    @staticmethod
    def _query(options):
        """The SIM queries: a list of (product, params), one per product and status."""
        queries = []
        for product in options["products"]:
            endpoint_name, dummy, statuses, name_filter = PRODUCTS[product][:4]
            base = {"Iccid": options.get("iccid")}
            if options.get(name_filter):
                base[dict((f.option, f.param) for f in ENDPOINTS[endpoint_name].filters)[name_filter]] = options[name_filter]
            product_statuses = [s for s in options["statuses"] if s in statuses] if options["statuses"] else [None]
            for status in product_statuses:
                params = dict((k, v) for k, v in base.items() if v)
                if status:
                    params["Status"] = status
                queries.append((product, params))
        return queries

    def _cache_key(self, options, queries):
        """Cache key from account, base URL and query; never from a credential."""
        identity = {
            "format": CACHE_FORMAT,
            "account_sid": options["account_sid"],
            "base_url": options["base_url"],
            "queries": queries,
            "resolve_group_names": options["resolve_group_names"],
            "enrich": sorted(options["enrich"]),
        }
        digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode("utf-8")).hexdigest()
        return "simfleet_twilio_sims_%s" % digest[:32]

    # -- fetching ----------------------------------------------------------------------------------------------

    def _fetch(self, client, options, queries):
        """Every API listing the inventory needs, as plain data ready for the cache; any failure raises AnsibleError."""
        jobs = [("sims", product, params) for product, params in queries]
        if options["resolve_group_names"]:
            jobs.extend(("names", product, None) for product in options["products"])
        enrich = options["enrich"]
        for item in ("esim_profiles", "ip_commands", "sms_commands"):
            if item in enrich:
                jobs.append((item, "supersim", None))
        workers = max(1, min(options["max_concurrency"], len(jobs)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda job: self._run_job(client, *job), jobs))

        data = {"format": CACHE_FORMAT, "sims": [], "names": {}, "enrich": {}}
        seen = set()
        for (kind, product, params), result in zip(jobs, results):
            if kind == "sims":
                for record in result:
                    if record.get("sid") not in seen:
                        seen.add(record.get("sid"))
                        data["sims"].append([product, record])
            elif kind == "names":
                data["names"][product] = result
            else:
                data["enrich"][kind] = result
        if "ip_addresses" in enrich:
            sids = [record["sid"] for product, record in data["sims"] if product == "supersim"]
            data["enrich"]["ip_addresses"] = self._fetch_ip_addresses(client, sids, options["max_concurrency"])
        return data

    def _run_job(self, client, kind, product, params):
        try:
            if kind == "sims":
                endpoint = ENDPOINTS[PRODUCTS[product][0]]
                return client.list_records(product, endpoint.path, endpoint.key, params=params)
            if kind == "names":
                endpoint = ENDPOINTS[PRODUCTS[product][7]]
                records = client.list_records(product, endpoint.path, endpoint.key)
                return dict((r["sid"], r.get("unique_name")) for r in records if r.get("sid"))
            endpoint = ENDPOINTS["supersim_" + kind[:-1]]
            records = client.list_records(product, endpoint.path, endpoint.key)
            if kind == "esim_profiles":
                return newest_by_sim(redact(endpoint, records), date_field="date_updated")
            return newest_by_sim(records)
        except TwilioError as err:
            what = "%s %s" % (product, {"sims": "SIMs", "names": "rate plans" if product == "wireless" else "fleets"}.get(kind, kind))
            if params:
                what += " (%s)" % ", ".join("%s=%s" % item for item in sorted(params.items()))
            raise AnsibleError("simfleet.twilio.sims: cannot list %s: %s" % (what, err)) from None

    @staticmethod
    def _fetch_ip_addresses(client, sids, max_concurrency):
        lock = threading.Lock()
        addresses = {}

        def one(sid):
            records = client.list_records("supersim", IP_ADDRESSES_PATH % sid, "ip_addresses")
            with lock:
                addresses[sid] = [dict(ip_address=r.get("ip_address"), ip_address_version=r.get("ip_address_version")) for r in records]

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
                self.display.vvv("simfleet.twilio.sims: using cached Twilio data (%d SIMs)" % len(data["sims"]))
                return data
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
                name_field = PRODUCTS[product][6]
                extra[name_field] = names.get(record.get(PRODUCTS[product][5]))
            extras[record["sid"]] = extra
        enrich = data["enrich"]
        for sim_sid, profile in enrich.get("esim_profiles", {}).items():
            if sim_sid in extras:
                extras[sim_sid].update(esim_profile_sid=profile.get("sid"), esim_profile_status=profile.get("status"), eid=profile.get("eid"))
        for kind in ("ip_command", "sms_command"):
            for sim_sid, command in enrich.get(kind + "s", {}).items():
                if sim_sid in extras:
                    extras[sim_sid].update({"last_%s_date" % kind: command.get("date_created"),
                                            "last_%s_direction" % kind: command.get("direction"),
                                            "last_%s_status" % kind: command.get("status")})
        for sim_sid, addresses in enrich.get("ip_addresses", {}).items():
            if sim_sid in extras:
                extras[sim_sid]["ip_addresses"] = addresses
        if options["enrich"]:
            defaults = {}
            if "esim_profiles" in options["enrich"]:
                defaults.update(esim_profile_sid=None, esim_profile_status=None, eid=None)
            for kind in ("ip_command", "sms_command"):
                if kind + "s" in options["enrich"]:
                    defaults.update(dict(("last_%s_%s" % (kind, f), None) for f in ("date", "direction", "status")))
            if "ip_addresses" in options["enrich"]:
                defaults["ip_addresses"] = []
            for product, record in data["sims"]:
                if product == "supersim":
                    extra = extras[record["sid"]]
                    for name, value in defaults.items():
                        extra.setdefault(name, value)
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
            if value is not None and value != "" and not isinstance(value, (dict, list)):
                return str(value)
        return record["sid"]

    def _host_names(self, data, extras, options, hostvars_args):
        """One unique host name per SIM, in the order of ``data["sims"]``."""
        records = [record for dummy, record in data["sims"]]
        preferences = options["hostnames"]
        if preferences == ["unique_name", "sid"]:
            names = [record.get("unique_name") or record["sid"] for record in records]
        else:
            names = [self._preferred_name(record, self._host_vars(record, extras[record["sid"]], *hostvars_args), preferences)
                     for record in records]
        names, renames = unique_host_names(names, records)
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
            inventory.add_group(PRODUCTS[product][1])
            inventory.add_child(TOP_GROUP, PRODUCTS[product][1])

    def _populate(self, data, options):
        """Add hosts, their variables and groups. Host variables are built per host and not kept (memory)."""
        fields = None if options["hostvars_fields"] is None else frozenset(options["hostvars_fields"])
        hostvars_args = (options["hostvars_prefix"] or "", fields, {})
        extras = self._extras(data, options)
        host_names = self._host_names(data, extras, options, hostvars_args)
        self._add_top_groups(options)

        inventory = self.inventory
        set_variable = inventory.set_variable
        host_vars = self._host_vars
        default_groups = options["default_groups"]
        construct = any(options.get(name) for name in CONSTRUCTED_OPTIONS)
        members = {}
        group_names = {}
        resolved = data["names"]
        for (product, record), host in zip(data["sims"], host_names):
            inventory.add_host(host, group=PRODUCTS[product][1])
            hostvars = host_vars(record, extras[record["sid"]], *hostvars_args)
            for name, value in hostvars.items():
                set_variable(host, name, value)
            if default_groups:
                for kind, value in (("status", record.get("status")), (product, record.get(PRODUCTS[product][5]))):
                    if not value:
                        continue
                    group = group_names.get((kind, value))
                    if group is None:
                        group = group_names[(kind, value)] = self._default_group_name(kind, value, resolved)
                    members.setdefault(group, []).append(host)
            if construct:
                self._construct(host, hostvars, options)
        add_child = inventory.add_child
        for group in sorted(members):
            inventory.add_group(group)
            for host in members[group]:
                add_child(group, host)

    @staticmethod
    def _default_group_name(kind, value, resolved):
        if kind == "status":
            return to_safe_group_name("status_" + value, force=True, silent=True)
        names = resolved.get(kind) or {}
        return to_safe_group_name(PRODUCTS[kind][4] + (names.get(value) or value), force=True, silent=True)

    def _construct(self, host, hostvars, options):
        """compose, groups and keyed_groups, templated for one host: only when the user set one of them."""
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
