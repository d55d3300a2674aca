# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""simfleet.twilio.connection: a role's connection variables as module options, on every ansible-core line."""

import pytest

from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar

try:
    from ansible.template import trust_as_template
except ImportError:  # ansible-core < 2.19: every string is a template
    def trust_as_template(value):
        return value

SID = "AC" + "0" * 32


def run(variables, *terms):
    loader = DataLoader()
    templar = Templar(loader=loader, variables=variables)
    return lookup_loader.get("simfleet.twilio.connection", loader=loader, templar=templar).run(list(terms), variables=variables)


def test_the_options_set_are_returned_templated_and_the_unset_or_null_ones_left_out():
    variables = {"vault_sid": SID, "fleet_account_sid": trust_as_template("{{ vault_sid }}"), "fleet_auth_token": "secret",
                 "fleet_timeout": 12, "fleet_base_url": None, "fleet_unknown_option": "x", "other_auth_token": "not this one"}
    assert run(variables, "fleet", "other") == [{"account_sid": SID, "auth_token": "secret", "timeout": 12}, {"auth_token": "not this one"}]


def test_no_variable_set_gives_an_empty_dictionary():
    assert run({}, "sim_audit") == [{}]


@pytest.mark.parametrize("term", ["", 3])
def test_a_prefix_that_is_not_a_name_is_refused(term):
    with pytest.raises(AnsibleError, match="takes variable prefixes"):
        run({}, term)
