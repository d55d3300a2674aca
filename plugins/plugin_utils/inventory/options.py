# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading and checking the options of the inventory plugin, before any request (private to this collection,
controller side)."""

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.simfleet.twilio.plugins.module_utils._client import CONNECTION_OPTIONS, connection_problems
from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import blank
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.fetch import ENRICHMENTS, USAGE_MAX_DAYS
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.naming import HOSTNAME_PREFIX, NAME_FIELDS
from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.products import PRODUCTS

FILTER_OPTIONS = ("rate_plan", "fleet", "iccid")
# The options whose templates are rendered (vault, lookups, extra vars): the connection options and the filters.
STRING_OPTIONS = tuple(CONNECTION_OPTIONS) + FILTER_OPTIONS


def read_options(plugin):
    """The options of ``plugin`` (its configuration read) as used: templated, checked and normalised."""
    options = templated_options(plugin)
    check_options(options)
    return options


def templated_options(plugin):
    """Option values as used: templates in string options rendered (vault, lookups, extra vars) with ``plugin``'s
    templar."""
    options = dict((name, plugin.get_option(name)) for name in plugin._options)
    for name in STRING_OPTIONS:
        value = options.get(name)
        if isinstance(value, str) and value:
            try:
                options[name] = plugin.templar.template(value)
            except Exception as err:
                raise AnsibleParserError("cannot template option %s: %s" % (name, to_native(err))) from None
    return options


def check_options(options):
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
    known = set().union(*(spec.statuses for spec in PRODUCTS.values()))
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
