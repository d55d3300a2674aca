# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""compose, groups and keyed_groups of constructed inventories at fleet speed (private to this collection, controller side).

ansible-core's ``Constructable`` templates every expression for every host, compiling it again each time. ``Constructed``
gives the same results (hosts, groups, group names, variables, value types, unsafe marking, ``strict`` errors) with each
expression planned once per run:

- ``PATH``: a variable name or a dotted or indexed path into one (``twilio_status``, ``twilio_links.rate_plan``,
  ``twilio_ip_addresses[0].ip_address``) is read from the host's variables without a template engine, when the value
  met is one whose templated result is known on the running ansible-core; any other value (and the first missing
  one) goes through ansible-core's own templating for that host;
- ``COMPARISON``: a ``groups`` condition comparing such a path with a string or integer literal (``==``, ``!=``) is
  read the same way and compared in Python, as Jinja does;
- ``COMPILED``: any other expression goes through ansible-core's own templating with the compiled expression kept
  for the run, so only the per-host evaluation remains;
- ``CORE``: what is neither (an expression that is not a string) goes through ansible-core's own call unchanged.

The group and variable handling around the expressions follows ``ansible.plugins.inventory.Constructable`` of the
running ansible-core line (2.16 to 2.18, or 2.19 and later with data tagging).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional, Tuple

from ansible import constants as C
from ansible import template as _template
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.utils.vars import combine_vars

# ansible-core 2.19 and later tag data (trust, origin) and evaluate expressions as such; 2.16 to 2.18 do neither.
DATA_TAGGING = hasattr(_template, "trust_as_template")

try:
    from ansible.errors import AnsibleValueOmittedError
except ImportError:  # before ansible-core 2.19
    AnsibleValueOmittedError = None

try:  # ansible-core 2.19 and later: the Origin tag an expression passes on to its result; inventory values carry one
    from ansible._internal._datatag._tags import Origin
    from ansible.module_utils._internal._datatag import (
        AnsibleTagHelper,
        NotTaggableError,
        _AnsibleTaggedDict,
        _AnsibleTaggedFloat,
        _AnsibleTaggedInt,
        _AnsibleTaggedList,
        _AnsibleTaggedStr,
    )
    ORIGIN_ONLY = frozenset([Origin])
    TAGGED_SCALARS = frozenset((_AnsibleTaggedStr, _AnsibleTaggedInt, _AnsibleTaggedFloat))
    TAGGED_DICTS = frozenset((_AnsibleTaggedDict,))
    TAGGED_LISTS = frozenset((_AnsibleTaggedList,))
except ImportError:
    Origin = NotTaggableError = AnsibleTagHelper = None
    ORIGIN_ONLY = TAGGED_SCALARS = TAGGED_DICTS = TAGGED_LISTS = frozenset()

try:  # ansible-core 2.19 and later: what Jinja sees of dicts and lists (their attributes are not keys)
    from ansible._internal._templating._lazy_containers import _AnsibleLazyTemplateDict, _AnsibleLazyTemplateList
    LAZY_ATTRIBUTES = frozenset(dir(_AnsibleLazyTemplateDict)) | frozenset(dir(_AnsibleLazyTemplateList))
except ImportError:
    LAZY_ATTRIBUTES = frozenset()

try:  # ansible-core before 2.19: values from APIs are AnsibleUnsafeText
    from ansible.utils.unsafe_proxy import AnsibleUnsafeText
except ImportError:
    AnsibleUnsafeText = None

PATH = "path"
COMPARISON = "comparison"
COMPILED = "compiled"
CORE = "core"

# Expression kinds: compose values and keyed_groups keys are expressions, groups values conditionals.
EXPRESSION = "expression"
CONDITIONAL = "conditional"

MISSING = object()
SKIP = object()  # the entry is skipped for this host (not strict), as ansible-core does after a templating error

# A path: a variable name, then .name, [integer], ['key'] or ["key"] steps; nothing else (no spaces inside, no filters).
_ROOT = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)")
_STEP = re.compile(r"\.([A-Za-z][A-Za-z0-9_]*)|\[(?:(0|-?[1-9][0-9]*)|'([^'\\]*)'|\"([^\"\\]*)\")\]")
_END = re.compile(r"\s*\Z")
# Names that are Jinja literals, operators or keywords, or special in Ansible's templating: never a plain variable.
RESERVED_NAMES = frozenset((
    "true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is", "if", "else", "elif", "endif",
    "for", "endfor", "recursive", "with", "without", "context", "import", "from", "as", "set", "block", "macro", "call",
    "filter", "raw", "vars", "hostvars", "omit", "varname", "environment", "self", "loop", "super", "caller",
))
# Attribute names that Jinja would resolve on the container itself (dict.items, list.append...), not as a key.
CONTAINER_ATTRIBUTES = frozenset(dir(dict)) | frozenset(dir(list)) | LAZY_ATTRIBUTES

# Hosts' magic variables (Host.get_magic_vars), computed afresh by Host.get_vars().
MAGIC_VARIABLES = frozenset(("inventory_hostname", "inventory_hostname_short", "group_names"))


@dataclass(frozen=True)
class Step:
    """One step of a path: ``attribute`` for ``.name`` (Jinja tries the attribute, then the key), else an item."""

    key: Any
    attribute: bool


@dataclass(frozen=True)
class Path:
    root: str
    steps: Tuple[Step, ...]


def parse_path(expression):
    """The ``Path`` that ``expression`` is, or None when it is anything else than a variable name or a path into one."""
    if not isinstance(expression, str):
        return None
    match = _ROOT.match(expression)
    if match is None or match.group(1) in RESERVED_NAMES:
        return None
    position = match.end()
    steps = []
    while True:
        step = _STEP.match(expression, position)
        if step is None:
            break
        name, number, single, double = step.groups()
        if name is not None:
            if name in CONTAINER_ATTRIBUTES:
                return None
            steps.append(Step(str(name), True))
        elif number is not None:
            steps.append(Step(int(number), False))
        else:
            steps.append(Step(str(single if single is not None else double), False))
        position = step.end()
    if _END.match(expression, position) is None:
        return None
    return Path(str(match.group(1)), tuple(steps))


# A conditional comparing a path with a literal: ``twilio_status == 'active'``, ``twilio_product != "supersim"``, ``x == 3``.
_COMPARISON = re.compile(r"(?P<path>.+?)\s*(?P<op>==|!=)\s*(?:'(?P<single>[^'\\{}%#]*)'|\"(?P<double>[^\"\\{}%#]*)\"|(?P<int>0|[1-9][0-9]{0,17}))\s*\Z",
                         re.DOTALL)


@dataclass(frozen=True)
class Comparison:
    path: Path
    equal: bool  # == (True) or != (False)
    literal: Any  # str or int


def parse_comparison(expression):
    """The ``Comparison`` that ``expression`` is (a path, ``==`` or ``!=``, a string or integer literal), or None."""
    if not isinstance(expression, str):
        return None
    match = _COMPARISON.match(expression)
    if match is None:
        return None
    path = parse_path(match.group("path"))
    if path is None:
        return None
    if match.group("int") is not None:
        literal = int(match.group("int"))
    else:
        literal = str(match.group("single") if match.group("single") is not None else match.group("double"))
    return Comparison(path, match.group("op") == "==", literal)


@dataclass(frozen=True)
class Plan:
    """How one expression is evaluated for the run, and why."""

    strategy: str  # PATH, COMPARISON, COMPILED or CORE
    path: Optional[Path]
    reason: str
    comparison: Optional[Comparison] = None


def plan_expression(expression, kind, path_allowed=True, compiled_allowed=True, jinja_globals=()):
    """Decide once per run how ``expression`` (of ``kind`` EXPRESSION or CONDITIONAL) is evaluated."""
    if not isinstance(expression, str):
        return Plan(CORE, None, "not a string: evaluated by ansible-core as it is")
    path = parse_path(expression) if path_allowed else None
    if path is not None and path.root in jinja_globals:
        path = None
    if path is not None:
        return Plan(PATH, path, "a variable or a path into one: read from the host's variables")
    comparison = parse_comparison(expression) if path_allowed and kind == CONDITIONAL else None
    if comparison is not None and comparison.path.root not in jinja_globals:
        return Plan(COMPARISON, comparison.path, "a path compared with a literal: read from the host's variables", comparison)
    if compiled_allowed:
        return Plan(COMPILED, None, "templated by ansible-core, compiled once per run")
    return Plan(CORE, None, "templated by ansible-core (the compiled expression cannot be kept on this ansible-core)")


class _Odd(Exception):
    """A value whose templated result this module does not reproduce: ansible-core's own templating decides."""


class _Miss(Exception):
    """A variable, key, item or attribute that is not there: templating it fails (checked once per expression)."""


def origin_only(value):
    """True for a value of ansible-core 2.19+ tagged with nothing but its Origin (what inventories store): templating
    passes it on as it is. Any other tag (trusted as template, deprecated...) has effects left to ansible-core."""
    return AnsibleTagHelper.tag_types(value) == ORIGIN_ONLY


def resolve(path, value):
    """The value at ``path`` from its root variable's ``value`` (MISSING when there is none); raises _Miss when something
    on the way is not there, _Odd when Jinja may give something else than the item."""
    if value is MISSING:
        raise _Miss()
    for step in path.steps:
        value_type = type(value)
        if value_type is dict or (value_type in TAGGED_DICTS and origin_only(value)):
            try:
                value = value[step.key]
            except (KeyError, TypeError):
                if isinstance(step.key, str) and (step.key in CONTAINER_ATTRIBUTES or step.key.startswith("_")):
                    raise _Odd()
                raise _Miss() from None
        elif value_type is list or (value_type in TAGGED_LISTS and origin_only(value)):
            if step.attribute or type(step.key) is not int:  # pylint: disable=unidiomatic-typecheck
                raise _Odd()
            try:
                value = value[step.key]
            except IndexError:
                raise _Miss() from None
        else:
            raise _Odd()
    return value


# -- the results of ansible-core's templating, per line ---------------------------------------------------------

SCALARS = (int, float, bool, type(None))
TAGGABLE = frozenset((str, int, float))


def _inert_before_219(value):
    """True when templating ``value`` (a variable before ansible-core 2.19) returns equal data: unsafe text, numbers,
    booleans, None, and plain dicts and lists of those."""
    value_type = type(value)
    if value_type is AnsibleUnsafeText or value_type in SCALARS:
        return True
    if value_type is dict:
        return all(_inert_before_219(v) for v in value.values())
    if value_type is list:
        return all(_inert_before_219(v) for v in value)
    return False


def _looks_converted_before_219(text):
    """ansible-core before 2.19 turns a result that looks like a list, dict or boolean into one (literal_eval)."""
    return text.startswith(("{", "[")) or text in ("True", "False")


def expression_result_before_219(path, value, root):
    """``templar.template('{{' + path + '}}')`` on ansible-core 2.16 to 2.18, or _Odd."""
    if not path.steps:
        value_type = type(value)
        if value_type in (bool, int, float):  # Templar.template's single variable shortcut (NON_TEMPLATED_TYPES)
            return value
        if value is None:
            return C.DEFAULT_NULL_REPRESENTATION
        if value_type is AnsibleUnsafeText and not _looks_converted_before_219(value):
            return value
        raise _Odd()
    if type(value) is AnsibleUnsafeText and not _looks_converted_before_219(value) and _inert_before_219(root):  # pylint: disable=unidiomatic-typecheck
        return value
    raise _Odd()


def conditional_result_before_219(path, value, root):
    """``boolean(templar.template('{% if ' + path + ' %} True {% else %} False {% endif %}'))`` on 2.16 to 2.18: the
    truth of the value the conditional compares."""
    return bool(comparable_before_219(path, value, root))


def expression_result_219(origin, value):
    """``templar.evaluate_expression(path)`` on ansible-core 2.19 and later, or _Odd: untagged scalars only, tagged
    with the expression's origin as the templar does."""
    value_type = type(value)
    if value_type in TAGGABLE:
        if origin is not None:
            try:
                return origin.tag(value)
            except NotTaggableError:
                pass
        return value
    if value_type is bool or value is None:
        return value
    if value_type in TAGGED_SCALARS and origin_only(value):
        return value  # it has an Origin already: the templar keeps it
    raise _Odd()


def comparable_before_219(path, value, root):
    """``value`` as the Jinja of ansible-core 2.16 to 2.18 sees it in a conditional, or _Odd."""
    value_type = type(value)
    if value_type is not AnsibleUnsafeText and value_type not in SCALARS:
        raise _Odd()
    if path.steps and not _inert_before_219(root):
        raise _Odd()
    return value


def comparable_219(value):
    """``value`` as the Jinja of ansible-core 2.19 and later sees it, or _Odd: untagged scalars or scalars tagged with
    their Origin only."""
    value_type = type(value)
    if value_type in TAGGABLE or value_type is bool or value is None:
        return value
    if value_type in TAGGED_SCALARS and origin_only(value):
        return value
    raise _Odd()


def conditional_result_219(value):
    """``templar.evaluate_conditional(path)`` on ansible-core 2.19 and later: only a boolean is a result; any other value
    is an error or a deprecation warning there, so ansible-core decides."""
    if type(value) is bool:  # pylint: disable=unidiomatic-typecheck
        return value
    raise _Odd()


# -- keeping compiled templates for the run ---------------------------------------------------------------------

class CompileCache(object):
    """Keeps what ansible-core compiles for the outermost expression of one templating call, for the run.

    ansible-core 2.19 and later: ``TemplateEngine._compile_expression`` of the plugin's templar; 2.16 to 2.18: the
    ``from_string`` of the templar's Jinja environment (one cache per ``disable_lookups``, as ansible-core sets lookups
    off on the compiled template). Installed on the plugin's own templar only for the duration of one call; templates
    compiled inside that call (variables holding templates, overlays) are compiled as usual.
    """

    def __init__(self, templar):
        self.templar = templar
        self.entries = {}
        self.hits = 0
        self.misses = 0
        engine = getattr(templar, "_engine", None) if DATA_TAGGING else None
        if DATA_TAGGING:
            self.owner = engine
            self.name = "_compile_expression"
        else:
            self.owner = getattr(templar, "environment", None)
            self.name = "from_string"
        original = getattr(self.owner, self.name, None) if self.owner is not None else None
        self.available = callable(original) and self.name not in vars(self.owner)

    def call(self, function, *args, lookups_disabled=False):
        """``function(*args)`` with the outermost compilation kept for the run."""
        owner, name = self.owner, self.name
        original = getattr(owner, name)
        state = {"first": True}
        entries = self.entries

        if DATA_TAGGING:
            def compile_expression(expression, options):
                if not state["first"]:
                    return original(expression, options)
                state["first"] = False
                key = (expression, options, id(getattr(owner, "environment", None)))
                compiled = entries.get(key)
                if compiled is None:
                    self.misses += 1
                    compiled = original(expression, options)
                    if type(compiled).__name__ == "AnsibleTemplateExpression":  # compile errors are never kept
                        entries[key] = compiled
                else:
                    self.hits += 1
                return compiled
            replacement = compile_expression
        else:
            def from_string(source, *more, **kwargs):
                if not state["first"] or more or kwargs:
                    return original(source, *more, **kwargs)
                state["first"] = False
                key = (source, lookups_disabled)
                compiled = entries.get(key)
                if compiled is None:
                    self.misses += 1
                    compiled = entries[key] = original(source)
                else:
                    self.hits += 1
                return compiled
            replacement = from_string
        setattr(owner, name, replacement)
        try:
            return function(*args)
        finally:
            delattr(owner, name)


# -- the engine --------------------------------------------------------------------------------------------------

class _Expression(object):
    """One planned expression: evaluates it for a host, by PATH, COMPARISON, COMPILED or CORE."""

    __slots__ = ("expression", "kind", "plan", "engine", "origin", "miss_fails")

    def __init__(self, engine, expression, kind):
        self.engine = engine
        self.expression = expression
        self.kind = kind
        self.plan = plan_expression(expression, kind, path_allowed=engine.path_allowed(kind), compiled_allowed=engine.cache.available,
                                    jinja_globals=engine.jinja_globals)
        self.origin = Origin.get_tag(expression) if (DATA_TAGGING and Origin is not None and isinstance(expression, str)) else None
        self.miss_fails = None  # whether templating failed for the first missing value (then every missing value fails)

    def evaluate(self, scope):
        """The expression's result for the host of ``scope``, or SKIP; errors are ansible-core's own."""
        if self.plan.strategy in (PATH, COMPARISON):
            try:
                root = scope.lookup(self.plan.path.root)
                value = resolve(self.plan.path, root)
                return self.engine.path_result(self, value, root)
            except _Odd:
                return self.templated(scope)
            except _Miss:
                if self.miss_fails and not self.engine.strict:
                    return SKIP
                try:
                    result = self.templated(scope)
                except Exception:
                    self.miss_fails = True
                    raise
                self.miss_fails = False
                return result
        return self.templated(scope)

    def templated(self, scope):
        engine = self.engine
        if self.plan.strategy == CORE:
            return engine.core(self, scope)
        return engine.cache.call(engine.core, self, scope, lookups_disabled=self.kind == EXPRESSION)


class _Scope(object):
    """A host's variables as ansible-core's Constructable sees them: ``combine_vars(variables, host.get_vars())`` (or
    only ``variables``), looked up without copying; the combined dict is built only when templating needs it."""

    __slots__ = ("variables", "host", "with_host", "_combined", "_magic")

    def __init__(self, variables, host=None):
        self.variables = variables
        self.host = host
        self.with_host = host is not None
        self._combined = None
        self._magic = None

    def lookup(self, name):
        if self.with_host:
            if name in MAGIC_VARIABLES:
                if self._magic is None:
                    self._magic = self.host.get_magic_vars()
                return self._magic[name]
            value = self.host.vars.get(name, MISSING)
            if value is not MISSING:
                return value
        return self.variables.get(name, MISSING)

    def combined(self):
        if self._combined is None:
            self._combined = combine_vars(self.variables, self.host.get_vars()) if self.with_host else self.variables
        return self._combined


class Constructed(object):
    """compose, groups and keyed_groups for one run of an inventory plugin (a ``Constructable``).

    Create it once per run with ``Constructed.create(plugin, compose, groups, keyed_groups, strict)`` (None when the
    options cannot be handled here, then use the plugin's own ``Constructable`` methods), then call
    ``construct(host, variables)`` for each host, as a plugin would call ``_set_composite_vars``,
    ``_add_host_to_composed_groups`` and ``_add_host_to_keyed_groups`` in that order.
    """

    def __init__(self, plugin, compose, groups, keyed_groups, strict):
        self.plugin = plugin
        self.inventory = plugin.inventory
        self.templar = plugin.templar
        self.strict = strict
        self.cache = CompileCache(self.templar)
        try:
            self.use_extra_vars = bool(plugin.get_option("use_extra_vars"))
        except Exception:
            self.use_extra_vars = False
        try:  # the Jinja environment's globals (lookup, range, omit...): names that are not host variables
            environment = self.templar._engine.environment if DATA_TAGGING else self.templar.environment
            self.jinja_globals = frozenset(environment.globals)
        except Exception:
            self.jinja_globals = frozenset()
        self.group_names = {}
        self.compose = [(name, _Expression(self, expression, EXPRESSION)) for name, expression in compose.items()] \
            if compose and isinstance(compose, dict) else []
        self.groups = [(name, _Expression(self, expression, CONDITIONAL)) for name, expression in groups.items()] \
            if groups and isinstance(groups, dict) else []
        self.keyed_groups = None
        if keyed_groups and isinstance(keyed_groups, list):
            self.keyed_groups = [(keyed, _Expression(self, keyed.get("key"), EXPRESSION) if keyed and isinstance(keyed, dict) else None)
                                 for keyed in keyed_groups]
        self.parents = {}

    @classmethod
    def create(cls, plugin, compose, groups, keyed_groups, strict):
        """The engine for this run, or None when ansible-core's own Constructable methods must run (merge hash behaviour)."""
        if C.DEFAULT_HASH_BEHAVIOUR == "merge":
            return None
        return cls(plugin, compose, groups, keyed_groups, strict)

    def plans(self):
        """{option entry: Plan}, for messages and tests."""
        result = {}
        for name, expression in self.compose:
            result["compose.%s" % name] = expression.plan
        for name, expression in self.groups:
            result["groups.%s" % name] = expression.plan
        for index, (keyed, expression) in enumerate(self.keyed_groups or ()):
            if expression is not None:
                result["keyed_groups[%d]" % index] = expression.plan
        return result

    def path_allowed(self, kind):
        if kind == EXPRESSION and self.use_extra_vars:
            return False  # extra vars take part in _compose: left to ansible-core
        if DATA_TAGGING:
            return Origin is not None or kind == CONDITIONAL
        return AnsibleUnsafeText is not None

    def path_result(self, expression, value, root):
        comparison = expression.plan.comparison
        if comparison is not None:  # a conditional: == and != of scalars are Python's, a boolean on every line
            value = comparable_219(value) if DATA_TAGGING else comparable_before_219(comparison.path, value, root)
            return (value == comparison.literal) is comparison.equal
        if DATA_TAGGING:
            if expression.kind == CONDITIONAL:
                return conditional_result_219(value)
            return expression_result_219(expression.origin, value)
        if expression.kind == CONDITIONAL:
            return conditional_result_before_219(expression.plan.path, value, root)
        return expression_result_before_219(expression.plan.path, value, root)

    def core(self, expression, scope):
        """ansible-core's own evaluation of ``expression`` for the host of ``scope``."""
        if expression.kind == EXPRESSION:
            return self.plugin._compose(expression.expression, scope.combined())
        self.templar.available_variables = scope.combined()
        if DATA_TAGGING:
            return self.templar.evaluate_conditional(expression.expression)
        conditional = "{%% if %s %%} True {%% else %%} False {%% endif %%}" % expression.expression
        return boolean(self.templar.template(conditional))

    def sanitize(self, name):
        """The plugin's _sanitize_group_name; results without replacement or message are kept for the run."""
        known = self.group_names.get(name)
        if known is not None:
            return known
        result = self.plugin._sanitize_group_name(name)
        if result == name and isinstance(name, str) and not C.INVALID_VARIABLE_NAMES.search(name):
            self.group_names[name] = result
        return result

    # -- per host ------------------------------------------------------------------------------------------------

    def construct(self, host, variables):
        """compose, then groups, then keyed_groups for ``host`` (its name), from ``variables`` (its variables)."""
        if self.compose:
            self._compose(host, variables)
            variables = None  # as the plugin passes host.get_vars() on after compose: host variables cover it
        inventory_host = self.inventory.get_host(host)
        if self.groups:
            self._groups(host, inventory_host, variables)
        if self.keyed_groups:
            self._keyed_groups(host, inventory_host, variables)

    @staticmethod
    def _host_scope(inventory_host, variables):
        if variables is None:
            return _HostOnlyScope(inventory_host)
        return _Scope(variables, inventory_host)

    def _compose(self, host, variables):
        scope = _Scope(variables)
        set_variable = self.inventory.set_variable
        for varname, expression in self.compose:
            try:
                composite = expression.evaluate(scope)
            except Exception as e:
                if self.strict:
                    raise AnsibleError("Could not set %s for host %s: %s" % (varname, host, to_native(e)))
                continue
            if composite is SKIP:
                continue
            set_variable(host, varname, composite)

    def _groups(self, host, inventory_host, variables):
        scope = self._host_scope(inventory_host, variables)
        inventory = self.inventory
        for group_name, expression in self.groups:
            group_name = self.sanitize(group_name)
            try:
                result = expression.evaluate(scope)
            except Exception as e:
                if self.strict:
                    raise AnsibleParserError("Could not add host %s to group %s: %s" % (host, group_name, to_native(e)))
                continue
            if result is SKIP:
                continue
            if result:
                group_name = inventory.add_group(group_name)
                inventory.add_child(group_name, host)

    def _keyed_groups(self, host, inventory_host, variables):
        strict = self.strict
        for keyed, expression in self.keyed_groups:
            if expression is None:
                raise AnsibleParserError("Invalid keyed group entry, it must be a dictionary: %s " % keyed)
            scope = self._host_scope(inventory_host, variables)
            try:
                key = expression.evaluate(scope)
            except Exception as e:
                if strict:
                    raise AnsibleParserError("Could not generate group for host %s from %s entry: %s" % (host, keyed.get("key"), to_native(e)))
                continue
            if key is SKIP:
                continue
            default_value_name = keyed.get("default_value", None)
            trailing_separator = keyed.get("trailing_separator")
            if trailing_separator is not None and default_value_name is not None:
                raise AnsibleParserError("parameters are mutually exclusive for keyed groups: default_value|trailing_separator")
            if DATA_TAGGING:
                self._keyed_group_219(host, keyed, key, scope, default_value_name, trailing_separator)
            else:
                self._keyed_group_before_219(host, keyed, key, scope, default_value_name, trailing_separator)

    def _parent_group(self, raw_parent_name, scope):
        """``templar.template(parent_group)``: once per run when it holds no template syntax, else per host."""
        templar = self.templar
        literal = isinstance(raw_parent_name, str) and "{" not in raw_parent_name and not raw_parent_name.startswith("#jinja2:")
        if raw_parent_name is None or literal:
            key = (raw_parent_name, id(raw_parent_name))
            try:
                return self.parents[key]
            except KeyError:
                result = self.parents[key] = templar.template(raw_parent_name)
                return result
        templar.available_variables = scope.combined()
        if self.cache.available and isinstance(raw_parent_name, str):
            return self.cache.call(templar.template, raw_parent_name)
        return templar.template(raw_parent_name)

    def _add(self, host, prefix, sep, names, raw_parent_name):
        inventory = self.inventory
        leading_separator = None
        for bare_name in names:
            if prefix == "":
                if leading_separator is None:
                    leading_separator = self.plugin.get_option("leading_separator")
                if leading_separator is False:
                    sep = ""
            gname = self.sanitize("%s%s%s" % (prefix, sep, bare_name))
            result_gname = inventory.add_group(gname)
            inventory.add_host(host, result_gname)
            if raw_parent_name:
                parent_name = self.sanitize(raw_parent_name)
                inventory.add_group(parent_name)
                inventory.add_child(parent_name, result_gname)

    def _keyed_group_219(self, host, keyed, key, scope, default_value_name, trailing_separator):
        should_default_value = (None, "")
        use_default = key in should_default_value and default_value_name is not None
        if key or use_default:
            prefix = keyed.get("prefix", "")
            sep = keyed.get("separator", "_")
            raw_parent_name = keyed.get("parent_group", None)
            try:
                raw_parent_name = self._parent_group(raw_parent_name, scope)
            except AnsibleValueOmittedError:
                raw_parent_name = None
            except Exception as ex:
                if self.strict:
                    raise AnsibleParserError(f"Could not generate parent group {raw_parent_name!r} for group {key!r}: {ex}") from ex
                return
            new_raw_group_names = []
            if use_default:
                new_raw_group_names.append(default_value_name)
            elif isinstance(key, str):
                new_raw_group_names.append(key)
            elif isinstance(key, list):
                for name in key:
                    if name in should_default_value and default_value_name is not None:
                        new_raw_group_names.append(default_value_name)
                    else:
                        new_raw_group_names.append(name)
            elif isinstance(key, Mapping):
                for (gname, gval) in key.items():
                    bare_name = "%s%s%s" % (gname, sep, gval)
                    if gval in should_default_value:
                        if default_value_name is not None:
                            bare_name = "%s%s%s" % (gname, sep, default_value_name)
                        elif trailing_separator is False:
                            bare_name = gname
                    new_raw_group_names.append(bare_name)
            else:
                raise AnsibleParserError("Invalid group name format, expected a string or a list of them or dictionary, got: %s" % type(key))
            self._add(host, prefix, sep, new_raw_group_names, raw_parent_name)
        elif self.strict and key not in ([], {}):
            raise AnsibleParserError("No key or key resulted empty for %s in host %s, invalid entry" % (keyed.get("key"), host))

    def _keyed_group_before_219(self, host, keyed, key, scope, default_value_name, trailing_separator):
        if key or (key == "" and default_value_name is not None):
            prefix = keyed.get("prefix", "")
            sep = keyed.get("separator", "_")
            raw_parent_name = keyed.get("parent_group", None)
            if raw_parent_name:
                try:
                    raw_parent_name = self._parent_group(raw_parent_name, scope)
                except AnsibleError as e:
                    if self.strict:
                        raise AnsibleParserError("Could not generate parent group %s for group %s: %s" % (raw_parent_name, key, to_native(e)))
                    return
            new_raw_group_names = []
            if isinstance(key, str):
                if key == "" and default_value_name is not None:
                    new_raw_group_names.append(default_value_name)
                else:
                    new_raw_group_names.append(key)
            elif isinstance(key, list):
                for name in key:
                    if name == "" and default_value_name is not None:
                        new_raw_group_names.append(default_value_name)
                    else:
                        new_raw_group_names.append(name)
            elif isinstance(key, Mapping):
                for (gname, gval) in key.items():
                    bare_name = "%s%s%s" % (gname, sep, gval)
                    if gval == "":
                        if default_value_name is not None:
                            bare_name = "%s%s%s" % (gname, sep, default_value_name)
                        elif trailing_separator is False:
                            bare_name = gname
                    new_raw_group_names.append(bare_name)
            else:
                raise AnsibleParserError("Invalid group name format, expected a string or a list of them or dictionary, got: %s" % type(key))
            self._add(host, prefix, sep, new_raw_group_names, raw_parent_name)
        elif self.strict and key not in ([], {}):
            raise AnsibleParserError("No key or key resulted empty for %s in host %s, invalid entry" % (keyed.get("key"), host))


class _HostOnlyScope(_Scope):
    """After compose the plugin passes ``host.get_vars()`` on: the host's variables are the whole scope."""

    __slots__ = ()

    def __init__(self, host):
        super().__init__({}, host)

    def combined(self):
        if self._combined is None:
            self._combined = self.host.get_vars()
        return self._combined
