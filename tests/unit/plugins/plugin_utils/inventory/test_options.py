# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of reading and checking the options of the inventory plugin, before any request."""

import pytest
from ansible.errors import AnsibleParserError

from ansible_collections.simfleet.twilio.plugins.plugin_utils.inventory.options import (
    STRING_OPTIONS,
    check_options,
    read_options,
    templated_options,
)

ACCOUNT = "AC" + "0" * 31 + "1"


def options(**changes):
    """The options of a valid configuration with the plugin's defaults, changed by ``changes``."""
    values = {"account_sid": ACCOUNT, "auth_token": "t" * 32, "products": ["wireless", "supersim"], "statuses": [],
              "rate_plan": None, "fleet": None, "iccid": None, "hostnames": ["unique_name", "sid"], "hostname_prefix": "sim-",
              "enrich": [], "usage_window_days": 30, "max_concurrency": 4}
    values.update(changes)
    return values


def problems(**changes):
    with pytest.raises(AnsibleParserError) as info:
        check_options(options(**changes))
    text = str(info.value)
    assert text.startswith("simfleet.twilio.sims: invalid configuration: ")
    return text


def test_valid_options_are_normalised():
    checked = options(products=["supersim", "wireless"], statuses=["suspended", "active", "inactive"])
    check_options(checked)
    assert checked["products"] == ["wireless", "supersim"]  # the order of PRODUCTS
    assert checked["statuses"] == ["active", "inactive", "suspended"]
    assert checked["hostname_prefix"].__class__ is str  # plain text, not a subclass such as ansible-core's unsafe text


@pytest.mark.parametrize("changes, message", [
    (dict(products=[]), "products must name at least one of wireless, supersim"),
    (dict(iccid=" "), "iccid must not be empty or blank"),
    (dict(fleet="field"), "fleet filters supersim SIMs only: set products to [supersim]"),
    (dict(products=["wireless"], rate_plan="x", statuses=["inactive"]), "statuses: no SIM of products wireless can be 'inactive'"),
    (dict(statuses=["asleep"]), "statuses: unknown SIM status 'asleep'; known statuses are active, canceled, deactivated"),
    (dict(hostname_prefix="sim"), "hostname_prefix must start with a letter"),
    (dict(hostnames=["imei"]), "hostnames: 'imei' is neither one of unique_name, iccid, sid, friendly_name nor a template"),
    (dict(products=["wireless"], enrich=["usage"]), "enrich usage adds data to supersim SIMs: it needs supersim in products"),
    (dict(products=["supersim"], enrich=["rate_plan"]), "enrich rate_plan adds data to wireless SIMs: it needs wireless in products"),
    (dict(usage_window_days=32), "usage_window_days must be a whole number of days from 1 to 31"),
    (dict(usage_window_days=True), "usage_window_days must be a whole number of days from 1 to 31"),
    (dict(max_concurrency=17), "max_concurrency must be between 1 and 16, got 17"),
    (dict(account_sid=None), "account_sid is required"),
])
def test_bad_options_are_refused_naming_the_option(changes, message):
    assert message in problems(**changes)


def test_every_problem_is_reported_at_once():
    text = problems(products=[], max_concurrency=0)
    assert "products must name" in text and "; max_concurrency must be between 1 and 16" in text


class Templar(object):
    def __init__(self, fail=False):
        self.fail = fail
        self.templated = []

    def template(self, value):
        if self.fail:
            raise ValueError("no such variable")
        self.templated.append(value)
        return value.replace("{{ token }}", "t" * 32)


class Plugin(object):
    """What the options part reads of the inventory plugin: its option names, values and templar."""

    def __init__(self, values, templar):
        self._options = dict(values)
        self.templar = templar

    def get_option(self, name):
        return self._options[name]


def test_string_options_are_templated():
    templar = Templar()
    values = templated_options(Plugin(options(auth_token="{{ token }}", hostnames=["{{ x }}"], iccid=""), templar))
    assert values["auth_token"] == "t" * 32
    assert values["hostnames"] == ["{{ x }}"]  # not a string option: templated per SIM, later
    assert templar.templated == [ACCOUNT, "{{ token }}"]  # set string options only, in the order of STRING_OPTIONS
    assert "auth_token" in STRING_OPTIONS and "iccid" in STRING_OPTIONS and "hostnames" not in STRING_OPTIONS


def test_a_template_that_fails_names_the_option():
    with pytest.raises(AnsibleParserError) as info:
        read_options(Plugin(options(), Templar(fail=True)))
    assert str(info.value) == "cannot template option account_sid: no such variable"
