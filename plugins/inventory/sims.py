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
      - >-
        On an ansible-core line the collection's tests have not proven it on, or with a O(keyed_groups) option it does not
        implement (such as C(priority)), ansible-core's own constructed code runs instead; C(-vvv) says why.
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

from ansible.errors import AnsibleError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.simfleet.twilio.plugins.module_utils._client import TwilioError
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.fetch import load_data, sim_queries
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.options import read_options
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.populate import Populator


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    """The inventory plugin simfleet.twilio.sims: its parts are in plugins/plugin_utils/inventory/."""

    NAME = "simfleet.twilio.sims"

    def verify_file(self, path):
        """Accept only files named ``*twilio_sims.yml`` or ``*twilio_sims.yaml``."""
        return super().verify_file(path) and path.endswith(("twilio_sims.yml", "twilio_sims.yaml"))

    def parse(self, inventory, loader, path, cache=True):
        """Read and check the options, get the SIMs (from the cache or Twilio), then add hosts and groups."""
        super().parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        self.templar.available_variables = self._vars
        options = read_options(self)
        queries = sim_queries(options)
        try:
            data = load_data(self, options, queries, cache)
        except TwilioError as err:
            raise AnsibleError("simfleet.twilio.sims: %s" % err) from None
        Populator(self, options).populate(data)
