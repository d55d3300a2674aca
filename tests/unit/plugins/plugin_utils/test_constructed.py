# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of plugin_utils/_constructed.py: path parsing, the plan of each expression, path results against
ansible-core's own templating, the compile cache, and when
ansible-core's own Constructable runs instead (unproven lines, options the fast path does not implement, missing internals)."""
import os

import pytest
import yaml
from ansible import constants as C
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.simfleet.twilio.plugins.plugin_utils import _constructed
from ansible_collections.simfleet.twilio.plugins.plugin_utils._constructed import (
    COMPARISON,
    COMPILED,
    CONDITIONAL,
    CONSTRUCTED_OPTIONS,
    CORE,
    DATA_TAGGING,
    EXPRESSION,
    KEYED_GROUP_OPTIONS,
    MISSING,
    PATH,
    PROVEN_LINES,
    Comparison,
    Constructed,
    CoreConstructed,
    Path,
    Step,
    _Miss,
    _Odd,
    core_internals,
    core_line,
    fallback_reason,
    line_rules,
    parse_comparison,
    parse_path,
    plan_expression,
)
from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import unsafe

try:
    from ansible.template import trust_as_template
except ImportError:
    trust_as_template = None

try:
    from ansible.module_utils._internal._datatag import AnsibleTagHelper
except ImportError:
    AnsibleTagHelper = None


@pytest.mark.parametrize("expression, root, steps", [
    ("twilio_status", "twilio_status", ()),
    ("  twilio_status  ", "twilio_status", ()),
    ("_private", "_private", ()),
    ("twilio_links.rate_plan", "twilio_links", (Step("rate_plan", True),)),
    ("twilio_ip_addresses[0].ip_address", "twilio_ip_addresses", (Step(0, False), Step("ip_address", True))),
    ("a[-1]", "a", (Step(-1, False),)),
    ("a['b c']", "a", (Step("b c", False),)),
    ('a["b"][12].c', "a", (Step("b", False), Step(12, False), Step("c", True))),
])
def test_paths(expression, root, steps):
    assert parse_path(expression) == Path(root, steps)


@pytest.mark.parametrize("expression", [
    "twilio_status | upper",       # filter
    "twilio_status == 'active'",   # comparison
    "a.b c",                       # two things
    "a .b",                        # space inside
    "a[01]",                       # not a Jinja integer literal
    "a[b]",                        # item from a variable
    "a['b\\'c']",                  # escapes
    "a.0",                         # Jinja reads this differently
    "a._b",                        # private attributes are left to Jinja
    "a.items",                     # a method of dict, not a key
    "a.append",                    # a method of list
    "true", "None", "not",         # literals and operators
    "vars", "hostvars", "omit",    # special in Ansible's templating
    "{{ a }}",                     # a template
    "a[0",                         # broken
    "",
    "1a",
    "ä",                           # non-ASCII names are left to Jinja
])
def test_not_paths(expression):
    assert parse_path(expression) is None


@pytest.mark.parametrize("expression, wanted", [
    ("twilio_status == 'active'", Comparison(Path("twilio_status", ()), True, "active")),
    ('a.b != "x y"', Comparison(Path("a", (Step("b", True),)), False, "x y")),
    ("a[0]==3", Comparison(Path("a", (Step(0, False),)), True, 3)),
    ("a == 03", None),                 # not a Jinja integer
    ("a == '{{ x }}'", None),          # template syntax in the literal
    ("a == 'it\\'s'", None),         # escapes
    ("a | upper == 'X'", None),        # a filter
    ("a == 'b' and c", None),          # more than one comparison
    ("a == b", None),                  # two variables
    ("'x' == a", None),                # literal first
    ("a < 3", None),                   # other operators
    ("a == 1.5", None),                # floats
])
def test_comparisons(expression, wanted):
    assert parse_comparison(expression) == wanted


def test_plans():
    assert plan_expression("twilio_status == 'active'", CONDITIONAL).strategy == COMPARISON
    assert plan_expression("twilio_status == 'active'", EXPRESSION).strategy == COMPILED  # only conditionals
    assert plan_expression("twilio_status", EXPRESSION).strategy == PATH
    assert plan_expression("twilio_status", CONDITIONAL).strategy == PATH
    assert plan_expression("twilio_status | upper", EXPRESSION).strategy == COMPILED
    # Without a way to keep compiled expressions, ansible-core templates as usual.
    assert plan_expression("twilio_status | upper", EXPRESSION, compiled_allowed=False).strategy == CORE
    # Paths can be turned off (use_extra_vars): then compiled.
    assert plan_expression("twilio_status", EXPRESSION, path_allowed=False).strategy == COMPILED
    # A name that is a Jinja global (lookup, range...) is no host variable.
    assert plan_expression("range", EXPRESSION, jinja_globals=frozenset(["range"])).strategy == COMPILED
    # Anything but a string: ansible-core's own call.
    for value in (None, 42, True, ["a"]):
        assert plan_expression(value, EXPRESSION).strategy == CORE


def templar_with(variables):
    templar = Templar(loader=DataLoader())
    templar.available_variables = variables
    return templar


def rules_for(templar=None):
    """The LineRules of the running ansible-core line."""
    return line_rules(core_internals(templar if templar is not None else templar_with({})))


RULES = rules_for()
resolve = RULES.resolve


def test_resolve():
    data = {"a": {"b": [{"c": 1}, {"c": 2}]}, "items_key": {"items": 1}}
    assert resolve(Path("a", (Step("b", True), Step(-1, False), Step("c", True))), data["a"]) == 2
    with pytest.raises(_Miss):
        resolve(Path("a", ()), MISSING)
    with pytest.raises(_Miss):
        resolve(Path("a", (Step("x", True),)), data["a"])
    with pytest.raises(_Miss):
        resolve(Path("a", (Step("b", True), Step(5, False))), data["a"])
    with pytest.raises(_Odd):  # a key named like a dict method, missing: Jinja returns the method
        resolve(Path("a", (Step("keys", False),)), data["a"])
    with pytest.raises(_Odd):  # a string is not walked into
        resolve(Path("a", (Step(0, False),)), "text")
    with pytest.raises(_Odd):  # a list's attribute
        resolve(Path("a", (Step("x", True),)), [1])


def expression_text(text):
    return trust_as_template(text) if trust_as_template is not None else text


def core_expression(templar, text):
    if DATA_TAGGING:
        return templar.evaluate_expression(expression_text(text))
    return templar.template("{{%s}}" % text, disable_lookups=True)


def core_conditional(templar, text):
    if DATA_TAGGING:
        return templar.evaluate_conditional(expression_text(text))
    from ansible.module_utils.parsing.convert_bool import boolean
    return boolean(templar.template("{%% if %s %%} True {%% else %%} False {%% endif %%}" % text))


def shape(value):
    tags = sorted(repr(t) for t in AnsibleTagHelper.tags(value)) if AnsibleTagHelper is not None else []
    return type(value).__name__, tags, repr(value)


VARIABLES = unsafe({
    "status": "active", "number": 7, "ratio": 0.5, "flag": True, "nothing": None, "empty": "",
    "looks_true": "True", "looks_list": "[1, 2]", "template": "{{ lookup('pipe', 'id') }}",
    "links": {"rate_plan": "https://example.invalid/WP1", "total": 3, "none": None},
    "ips": [{"ip_address": "10.0.0.1"}], "no_ips": [],
})


def origin_tagged(value):
    """``value`` tagged with an inventory source's Origin throughout, as ansible-core 2.19+ stores inventory variables."""
    origin = RULES.internals.origin(description="<inventory plugin 'auto' with source 'test'>")
    if isinstance(value, dict):
        return origin.tag(dict((k, origin_tagged(v)) for k, v in value.items()))
    if isinstance(value, list):
        return origin.tag([origin_tagged(v) for v in value])
    if type(value) in (str, int, float):
        return origin.tag(value)
    return value


# Variables as the plugin passes them to compose, and (ansible-core 2.19+) as the inventory stores them.
VARIABLE_SETS = [VARIABLES] + ([origin_tagged(VARIABLES)] if DATA_TAGGING else [])


class FakeExpression(object):
    def __init__(self, text, kind):
        self.kind = kind
        self.plan = plan_expression(text, kind)
        tagged = expression_text(text)
        self.origin = RULES.internals.origin.get_tag(tagged) if DATA_TAGGING else None


@pytest.mark.parametrize("text", ["status", "number", "ratio", "flag", "nothing", "empty", "looks_true", "looks_list",
                                  "template", "links.rate_plan", "links['rate_plan']", "links.total", "links.none", "links",
                                  "ips[0].ip_address", "ips", "ips[-1]['ip_address']"])
@pytest.mark.parametrize("kind", [EXPRESSION, CONDITIONAL])
@pytest.mark.parametrize("variables", range(len(VARIABLE_SETS)))
def test_path_results_are_ansible_cores(text, kind, variables):
    """A path's result, when this module gives one, is exactly ansible-core's (type, tags, value); else _Odd."""
    variables = VARIABLE_SETS[variables]
    expression = FakeExpression(text, kind)
    assert expression.plan.strategy == PATH
    root = variables[expression.plan.path.root]
    templar = templar_with(variables)
    try:
        core = core_conditional(templar, text) if kind == CONDITIONAL else core_expression(templar, text)
    except Exception as err:
        core = err
    try:
        fast = RULES.path_result(expression, resolve(expression.plan.path, root), root)
    except _Odd:
        return  # ansible-core decides for this value
    assert not isinstance(core, Exception), "the fast path gave %r where ansible-core fails: %s" % (fast, core)
    assert shape(fast) == shape(core)


@pytest.mark.parametrize("text", ["status == 'active'", "status != 'active'", "status == 'ready'", "number == 7", "number != 7",
                                  "flag == 1", "nothing == 'None'", "empty != ''", "looks_true == 'True'", "looks_list == '[1, 2]'",
                                  "template == 'x'", "links.rate_plan == \"https://example.invalid/WP1\"", "links.total == 3",
                                  "links.none != 0", "links == 'x'", "ips[0].ip_address == '10.0.0.1'", "ips == 'x'"])
@pytest.mark.parametrize("variables", range(len(VARIABLE_SETS)))
def test_comparison_results_are_ansible_cores(text, variables):
    variables = VARIABLE_SETS[variables]
    expression = FakeExpression(text, CONDITIONAL)
    assert expression.plan.strategy == COMPARISON
    root = variables[expression.plan.path.root]
    try:
        core = core_conditional(templar_with(variables), text)
    except Exception as err:
        core = err
    try:
        fast = RULES.path_result(expression, resolve(expression.plan.path, root), root)
    except _Odd:
        assert text.split()[0] in ("links", "ips")  # only containers are left to ansible-core here
        return
    assert not isinstance(core, Exception), "the fast path gave %r where ansible-core fails: %s" % (fast, core)
    assert shape(fast) == shape(core)


@pytest.mark.parametrize("variables", range(len(VARIABLE_SETS)))
def test_common_values_take_the_fast_path(variables):
    """The values a fleet's keys are made of never need ansible-core's templating."""
    variables = VARIABLE_SETS[variables]
    engine = RULES
    for text in ("status", "links.rate_plan", "ips[0].ip_address"):
        expression = FakeExpression(text, EXPRESSION)
        root = variables[expression.plan.path.root]
        engine.path_result(expression, resolve(expression.plan.path, root), root)
    engine.path_result(FakeExpression("flag", CONDITIONAL), True, True)
    for text in ("status == 'active'", "links.rate_plan != 'x'"):
        expression = FakeExpression(text, CONDITIONAL)
        root = variables[expression.plan.path.root]
        engine.path_result(expression, resolve(expression.plan.path, root), root)


def test_values_with_effects_are_left_to_ansible_core():
    """A value that templating would change (a trusted template on 2.19+, text that looks like a list or a boolean,
    or plain text before 2.19) is never read directly."""
    engine = RULES
    expression = FakeExpression("value", EXPRESSION)
    odd = ["[1]", "True"] if not DATA_TAGGING else [trust_as_template("{{ 1 }}")]
    if not DATA_TAGGING:
        odd = [unsafe(text) for text in odd] + ["plain text"]
    for value in odd:
        with pytest.raises(_Odd):
            engine.path_result(expression, value, value)


def test_compile_cache_keeps_the_outermost_compilation():
    templar = templar_with(VARIABLES)
    cache = rules_for(templar).compile_cache()
    for dummy in range(3):
        if DATA_TAGGING:
            result = cache.call(templar.evaluate_expression, expression_text("status | upper"), lookups_disabled=True)
        else:
            result = cache.call(templar.template, "{{status | upper}}", lookups_disabled=True)
        assert result == "ACTIVE"
    assert (cache.misses, cache.hits) == (1, 2)
    # Nothing stays installed on the templar after a call.
    owner = templar._engine if DATA_TAGGING else templar.environment
    assert cache.name not in vars(owner)


def test_compile_cache_keeps_no_compile_error():
    templar = templar_with(VARIABLES)
    cache = rules_for(templar).compile_cache()
    for dummy in range(2):
        with pytest.raises(Exception):
            if DATA_TAGGING:
                cache.call(templar.evaluate_expression, expression_text("status |"), lookups_disabled=True)
            else:
                cache.call(templar.template, "{{status |}}", lookups_disabled=True)
    assert cache.hits == 0 and not cache.entries


# -- where the fast path runs, and ansible-core's own path otherwise ---------------------------------------------

CORE_LINES_FILE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "gates", "core-lines.txt")


def gated_lines():
    """The ansible-core lines of tests/gates/core-lines.txt, on which `make test` runs the differential tests."""
    with open(CORE_LINES_FILE) as lines:
        return tuple(line.split()[0] for line in lines if line.strip() and not line.startswith("#"))


def documented_constructed_options():
    """(options, keyed_groups suboptions) of the running ansible-core's ``constructed`` doc fragment."""
    from ansible.plugins.doc_fragments.constructed import ModuleDocFragment
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    return frozenset(options), frozenset(options["keyed_groups"].get("suboptions", {}))


def test_proven_lines_are_the_tested_lines():
    assert PROVEN_LINES == gated_lines()


def test_proven_lines_document_nothing_the_fast_path_leaves_out():
    """On a proven line, every constructed option and keyed_groups suboption ansible-core documents is implemented."""
    if core_line() not in PROVEN_LINES:
        pytest.skip("ansible-core %s is no proven line: ansible-core's own path runs there" % core_line())
    options, suboptions = documented_constructed_options()
    assert options <= CONSTRUCTED_OPTIONS, options - CONSTRUCTED_OPTIONS
    assert suboptions <= KEYED_GROUP_OPTIONS, suboptions - KEYED_GROUP_OPTIONS


def test_core_line():
    assert core_line("2.21.5") == "2.21"
    assert core_line("2.19.0rc1") == "2.19"
    assert core_line("2.22.0.dev0") == "2.22"


@pytest.mark.parametrize("keyed_groups, line, reason", [
    ([{"key": "a", "prefix": "p", "separator": "-", "parent_group": "x", "default_value": "d"}], "2.21", None),
    ([{"key": "a", "trailing_separator": False}, "not a dict", None], "2.16", None),
    (None, "2.19", None),
    ([{"key": "a", "priority": 10}], "2.21", "keyed_groups[0] sets priority"),
    ([{"key": "a"}, {"key": "b", "zzz": 1, "group_vars": {}}], "2.19", "keyed_groups[1] sets group_vars, zzz"),
    ([{"key": "a"}], "2.20", "ansible-core 2.20 is not a line the fast path is proven on"),
    ([{"key": "a"}], "2.99", "ansible-core 2.99 is not a line"),
])
def test_fallback_reasons(keyed_groups, line, reason):
    result = fallback_reason(keyed_groups, line)
    if reason is None:
        assert result is None
    else:
        assert result.startswith(reason)


def test_merge_hash_behaviour_falls_back(monkeypatch):
    monkeypatch.setattr(C, "DEFAULT_HASH_BEHAVIOUR", "merge")
    assert fallback_reason([], PROVEN_LINES[0]) == "hash_behaviour is merge"


class FakePlugin(object):
    """What Constructed.create reads of a plugin before it decides."""

    def __init__(self, templar):
        self.templar = templar
        self.inventory = None

    @staticmethod
    def get_option(name):
        return {"use_extra_vars": False, "leading_separator": True}[name]


class Recorder(object):
    """Stands in for the module's Display: keeps the vvv messages."""

    def __init__(self):
        self.messages = []

    def vvv(self, message):
        self.messages.append(message)


def create(monkeypatch, keyed_groups=None, templar=None):
    recorder = Recorder()
    monkeypatch.setattr(_constructed, "display", recorder)
    engine = Constructed.create(FakePlugin(templar or templar_with({})), {}, {}, keyed_groups or [], False)
    return engine, recorder.messages


def test_the_fast_path_on_a_proven_line(monkeypatch):
    monkeypatch.setattr(_constructed, "core_line", lambda: PROVEN_LINES[-1])
    engine, messages = create(monkeypatch, [{"key": "a"}])
    assert type(engine) is Constructed and messages == []  # pylint: disable=unidiomatic-typecheck


@pytest.mark.parametrize("keyed_groups, line, reason", [
    ([{"key": "a", "priority": 3}], None, "keyed_groups[0] sets priority, which the fast path does not implement"),
    ([{"key": "a"}], "2.99", "ansible-core 2.99 is not a line the fast path is proven on (%s)" % ", ".join(PROVEN_LINES)),
])
def test_unproven_cases_take_ansible_cores_path(monkeypatch, keyed_groups, line, reason):
    monkeypatch.setattr(_constructed, "core_line", lambda: line or PROVEN_LINES[-1])
    engine, messages = create(monkeypatch, keyed_groups)
    assert isinstance(engine, CoreConstructed) and engine.reason == reason and engine.plans() == {}
    assert messages == ["simfleet.twilio: compose, groups and keyed_groups by ansible-core's own Constructable: " + reason]


@pytest.mark.parametrize("error", [ImportError("No module named 'ansible._internal._datatag'"), AttributeError("no _engine")])
def test_missing_internals_take_ansible_cores_path(monkeypatch, error):
    monkeypatch.setattr(_constructed, "core_line", lambda: PROVEN_LINES[-1])

    def missing(templar):
        raise error

    monkeypatch.setattr(_constructed, "core_internals", missing)
    engine, messages = create(monkeypatch)
    assert isinstance(engine, CoreConstructed) and str(error) in engine.reason
    assert len(messages) == 1 and "an ansible-core internal it relies on is missing" in messages[0]


def test_core_internals_missing_on_the_templar():
    """A templar without what core_internals reads raises AttributeError (then create falls back)."""
    with pytest.raises(AttributeError):
        core_internals(object())


def test_core_internals_refuse_a_compile_method_already_wrapped():
    templar = templar_with({})
    internals = core_internals(templar)
    owner, name = internals.compile_owner, internals.compile_name
    setattr(owner, name, getattr(owner, name))
    try:
        with pytest.raises(AttributeError):
            core_internals(templar)
    finally:
        delattr(owner, name)
