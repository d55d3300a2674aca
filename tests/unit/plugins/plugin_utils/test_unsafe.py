# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests of plugin_utils._unsafe.unsafe, shared by the inventory plugin and the report filters."""

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import trust_as_template, unsafe

PIPE = "{{ lookup('pipe', 'id') }}"


def trusted(text):
    """A template string as a playbook would hold it (trusted on ansible-core 2.19+, plain before)."""
    return text if trust_as_template is None else trust_as_template(text)


def render(variables, expression):
    return Templar(loader=DataLoader(), variables=variables).template(trusted(expression))


def test_pipe_lookup_string_stays_text():
    assert render({"v": unsafe(PIPE)}, "{{ v }}") == PIPE
    # A string a playbook would trust as a template loses that trust.
    assert render({"v": unsafe(trusted(PIPE))}, "{{ v }}") == PIPE


def test_unmarked_trusted_string_would_be_templated():
    """The control case: without unsafe() the pipe lookup runs, so the tests above do test something."""
    assert render({"v": trusted("{{ 'a' ~ 'b' }}")}, "{{ v }}") == "ab"


def test_dict_and_list_recursion():
    data = {
        "name": trusted(PIPE),
        "links": {"self": trusted(PIPE), trusted(PIPE): "key"},
        "list": [trusted(PIPE), [trusted(PIPE)], {"deep": trusted(PIPE)}, 1, 2.5, None, True],
    }
    value = unsafe(data)
    assert value == data
    assert isinstance(value, dict) and isinstance(value["links"], dict) and isinstance(value["list"], list)
    assert value is not data and value["list"] is not data["list"]
    variables = {"v": value}
    assert render(variables, "{{ v.name }}") == PIPE
    assert render(variables, "{{ v.links.self }}") == PIPE
    assert render(variables, "{{ v.links | list | sort | last }}") == PIPE
    assert render(variables, "{{ v.list[0] }}") == PIPE
    assert render(variables, "{{ v.list[1][0] }}") == PIPE
    assert render(variables, "{{ v.list[2].deep }}") == PIPE
    assert render(variables, "{{ v.list[3:] }}") == [1, 2.5, None, True]


def test_scalars_unchanged():
    for scalar in (0, 7, 2.5, None, True, False):
        assert unsafe(scalar) is scalar


def test_other_containers_are_wrapped():
    value = unsafe(({"a": trusted(PIPE)}, trusted(PIPE)))
    assert isinstance(value, tuple)
    assert render({"v": value}, "{{ v[0].a }}") == PIPE
    assert render({"v": value}, "{{ v[1] }}") == PIPE
