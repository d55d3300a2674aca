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
running ansible-core line (``RulesBefore219`` for 2.16 to 2.18, ``Rules219`` for 2.19 and later with data tagging).

The fast path runs only where it is proven to give ansible-core's results: on the ansible-core lines of
``PROVEN_LINES`` (those the differential tests run on), with keyed_groups entries that set no other option than
``KEYED_GROUP_OPTIONS``, and when the ansible-core internals it needs (``core_internals``) are there. Otherwise
``Constructed.create`` returns a ``CoreConstructed``, which makes ansible-core's own ``Constructable`` calls, and
says why at verbosity 3.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, FrozenSet, Optional, Tuple

from ansible import constants as C
from ansible import template as _template
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.release import __version__ as ANSIBLE_CORE_VERSION
from ansible.utils.display import Display
from ansible.utils.vars import combine_vars

display = Display()

# ansible-core 2.19 and later tag data (trust, origin) and evaluate expressions as such; 2.16 to 2.18 do neither.
DATA_TAGGING = hasattr(_template, "trust_as_template")

# The ansible-core lines (major.minor) on which the differential tests prove the fast path gives ansible-core's results:
# the lines of tests/gates/core-lines.txt (a unit test keeps the two equal). Any other line runs ansible-core's own path.
PROVEN_LINES = ("2.16", "2.19", "2.21")

# The keyed_groups options the fast path implements (all that the proven lines document). An entry setting any other
# (``priority``, or whatever a newer ansible-core adds) makes the whole run take ansible-core's own path.
KEYED_GROUP_OPTIONS = frozenset(("key", "prefix", "separator", "parent_group", "default_value", "trailing_separator"))

# The options of ansible-core's ``constructed`` doc fragment the fast path implements (checked by a unit test).
CONSTRUCTED_OPTIONS = frozenset(("strict", "compose", "groups", "keyed_groups", "use_extra_vars", "leading_separator"))

PATH = "path"
COMPARISON = "comparison"
COMPILED = "compiled"
CORE = "core"

# Expression kinds: compose values and keyed_groups keys are expressions, groups values conditionals.
EXPRESSION = "expression"
CONDITIONAL = "conditional"

MISSING = object()
SKIP = object()  # the entry is skipped for this host (not strict), as ansible-core does after a templating error

# Attribute names that Jinja would resolve on the container itself (dict.items, list.append...), not as a key. On
# ansible-core 2.19 and later the engine adds those of the lazy containers Jinja sees there (core_internals).
CONTAINER_ATTRIBUTES = frozenset(dir(dict)) | frozenset(dir(list))

# Hosts' magic variables (Host.get_magic_vars), computed afresh by Host.get_vars().
MAGIC_VARIABLES = frozenset(("inventory_hostname", "inventory_hostname_short", "group_names"))


def core_line(version=ANSIBLE_CORE_VERSION):
    """The ansible-core line (``major.minor``) of ``version``, by default the running one."""
    return ".".join(str(version).split(".")[:2])


def fallback_reason(keyed_groups, line=None):
    """Why these options must be evaluated by ansible-core's own Constructable on this line, or None when the fast
    path gives ansible-core's results (the internals it needs aside: see ``core_internals``)."""
    line = core_line() if line is None else line
    if line not in PROVEN_LINES:
        return "ansible-core %s is not a line the fast path is proven on (%s)" % (line, ", ".join(PROVEN_LINES))
    if C.DEFAULT_HASH_BEHAVIOUR == "merge":
        return "hash_behaviour is merge"
    if keyed_groups and isinstance(keyed_groups, list):
        for index, keyed in enumerate(keyed_groups):
            if keyed and isinstance(keyed, dict):
                unknown = sorted(str(option) for option in keyed if option not in KEYED_GROUP_OPTIONS)
                if unknown:
                    return "keyed_groups[%d] sets %s, which the fast path does not implement" % (index, ", ".join(unknown))
    return None


# -- ansible-core's private internals, all read here ------------------------------------------------------------

@dataclass(frozen=True)
class CoreInternals:
    """What the fast path takes from ansible-core beyond its public plugin API, for one templar (``core_internals``)."""

    data_tagging: bool
    jinja_globals: FrozenSet[str]  # names of the Jinja environment's globals (lookup, range, omit...): no host variables
    compile_owner: Any  # the object whose compile method CompileCache wraps for one templating call
    compile_name: str
    container_attributes: FrozenSet[str]  # CONTAINER_ATTRIBUTES and those of 2.19's lazy containers
    origin: Any = None  # 2.19+: the Origin tag type
    tag_helper: Any = None  # 2.19+: AnsibleTagHelper
    not_taggable: Any = None  # 2.19+: NotTaggableError
    value_omitted: Any = None  # 2.19+: AnsibleValueOmittedError
    tagged_scalars: FrozenSet[type] = frozenset()  # 2.19+: the tagged str, int and float types
    tagged_dicts: FrozenSet[type] = frozenset()
    tagged_lists: FrozenSet[type] = frozenset()
    unsafe_text: Any = None  # before 2.19: AnsibleUnsafeText, the type of values from APIs


def core_internals(templar):
    """The ansible-core internals the fast path relies on, for the plugin's ``templar``; the one place that reads them.

    ansible-core 2.19 and later (data tagging), all private: ``ansible._internal._datatag._tags.Origin``,
    ``AnsibleTagHelper``, ``NotTaggableError`` and ``_AnsibleTaggedStr/Int/Float/Dict/List`` of
    ``ansible.module_utils._internal._datatag``, ``_AnsibleLazyTemplateDict/List`` of
    ``ansible._internal._templating._lazy_containers``, the templar's ``_engine``, its ``environment`` and its
    ``_compile_expression(expression, options)``; also ``ansible.errors.AnsibleValueOmittedError``.
    ansible-core 2.16 to 2.18: ``ansible.utils.unsafe_proxy.AnsibleUnsafeText``, the templar's ``environment`` and
    that Jinja environment's ``from_string(source)``.

    Raises ImportError or AttributeError when any of it is missing: ``Constructed.create`` then falls back to
    ansible-core's own Constructable.
    """
    # pylint: disable=import-outside-toplevel
    if DATA_TAGGING:
        from ansible._internal._datatag._tags import Origin
        from ansible._internal._templating._lazy_containers import _AnsibleLazyTemplateDict, _AnsibleLazyTemplateList
        from ansible.errors import AnsibleValueOmittedError
        from ansible.module_utils._internal._datatag import (
            AnsibleTagHelper,
            NotTaggableError,
            _AnsibleTaggedDict,
            _AnsibleTaggedFloat,
            _AnsibleTaggedInt,
            _AnsibleTaggedList,
            _AnsibleTaggedStr,
        )
        engine = templar._engine
        environment = engine.environment
        owner, name = engine, "_compile_expression"
        extra = dict(origin=Origin, tag_helper=AnsibleTagHelper, not_taggable=NotTaggableError, value_omitted=AnsibleValueOmittedError,
                     tagged_scalars=frozenset((_AnsibleTaggedStr, _AnsibleTaggedInt, _AnsibleTaggedFloat)),
                     tagged_dicts=frozenset((_AnsibleTaggedDict,)), tagged_lists=frozenset((_AnsibleTaggedList,)))
        lazy_attributes = frozenset(dir(_AnsibleLazyTemplateDict)) | frozenset(dir(_AnsibleLazyTemplateList))
    else:
        from ansible.utils.unsafe_proxy import AnsibleUnsafeText
        environment = templar.environment
        owner, name = environment, "from_string"
        extra = dict(unsafe_text=AnsibleUnsafeText)
        lazy_attributes = frozenset()
    if not callable(getattr(owner, name)) or name in vars(owner):
        raise AttributeError("%s.%s cannot be wrapped for a templating call" % (type(owner).__name__, name))
    return CoreInternals(data_tagging=DATA_TAGGING, jinja_globals=frozenset(environment.globals), compile_owner=owner, compile_name=name,
                         container_attributes=CONTAINER_ATTRIBUTES | lazy_attributes, **extra)


# -- expressions: what each one is --------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class Step:
    """One step of a path: ``attribute`` for ``.name`` (Jinja tries the attribute, then the key), else an item."""

    key: Any
    attribute: bool


@dataclass(frozen=True)
class Path:
    """A variable name (``root``) and the steps into its value."""

    root: str
    steps: Tuple[Step, ...]


def parse_path(expression, container_attributes=CONTAINER_ATTRIBUTES):
    """The ``Path`` that ``expression`` is, or None when it is anything else than a variable name or a path into one
    (or than one whose ``.name`` steps Jinja reads as keys: none of ``container_attributes``)."""
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
            if name in container_attributes:
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
    """A path compared with a literal by ``==`` or ``!=``."""

    path: Path
    equal: bool  # == (True) or != (False)
    literal: Any  # str or int


def parse_comparison(expression, container_attributes=CONTAINER_ATTRIBUTES):
    """The ``Comparison`` that ``expression`` is (a path, ``==`` or ``!=``, a string or integer literal), or None."""
    if not isinstance(expression, str):
        return None
    match = _COMPARISON.match(expression)
    if match is None:
        return None
    path = parse_path(match.group("path"), container_attributes)
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


def plan_expression(expression, kind, path_allowed=True, compiled_allowed=True, jinja_globals=(), container_attributes=CONTAINER_ATTRIBUTES):
    """Decide once per run how ``expression`` (of ``kind`` EXPRESSION or CONDITIONAL) is evaluated."""
    if not isinstance(expression, str):
        return Plan(CORE, None, "not a string: evaluated by ansible-core as it is")
    path = parse_path(expression, container_attributes) if path_allowed else None
    if path is not None and path.root in jinja_globals:
        path = None
    if path is not None:
        return Plan(PATH, path, "a variable or a path into one: read from the host's variables")
    comparison = parse_comparison(expression, container_attributes) if path_allowed and kind == CONDITIONAL else None
    if comparison is not None and comparison.path.root not in jinja_globals:
        return Plan(COMPARISON, comparison.path, "a path compared with a literal: read from the host's variables", comparison)
    if compiled_allowed:
        return Plan(COMPILED, None, "templated by ansible-core, compiled once per run")
    return Plan(CORE, None, "templated by ansible-core (the compiled expression cannot be kept on this ansible-core)")


class _Odd(Exception):
    """A value whose templated result this module does not reproduce: ansible-core's own templating decides."""


class _Miss(Exception):
    """A variable, key, item or attribute that is not there: templating it fails (checked once per expression)."""


class _SkipEntry(Exception):
    """The keyed_groups entry gives no group for this host (not strict), as ansible-core's ``continue`` does."""


# -- what differs between ansible-core lines ----------------------------------------------------------------------

SCALARS = (int, float, bool, type(None))
TAGGABLE = frozenset((str, int, float))


class LineRules(object):
    """The results of ansible-core's templating and keyed groups on one family of ansible-core lines, from its
    ``CoreInternals``. ``line_rules`` picks the subclass for the running line."""

    # keyed_groups: the key values (and list items and dict values of a key) that take ``default_value``
    empty_values = ("",)

    def __init__(self, internals):
        self.internals = internals

    def origin_only(self, value):
        """True for a value of ansible-core 2.19+ tagged with nothing but its Origin (what inventories store):
        templating passes it on as it is. Any other tag (trusted as template, deprecated...) has effects left to
        ansible-core."""
        return self.internals.tag_helper.tag_types(value) == frozenset([self.internals.origin])

    def resolve(self, path, value):
        """The value at ``path`` from its root variable's ``value`` (MISSING when there is none); raises _Miss when
        something on the way is not there, _Odd when Jinja may give something else than the item."""
        if value is MISSING:
            raise _Miss()
        internals = self.internals
        for step in path.steps:
            value_type = type(value)
            if value_type is dict or (value_type in internals.tagged_dicts and self.origin_only(value)):
                try:
                    value = value[step.key]
                except (KeyError, TypeError):
                    if isinstance(step.key, str) and (step.key in internals.container_attributes or step.key.startswith("_")):
                        raise _Odd()
                    raise _Miss() from None
            elif value_type is list or (value_type in internals.tagged_lists and self.origin_only(value)):
                if step.attribute or type(step.key) is not int:  # pylint: disable=unidiomatic-typecheck
                    raise _Odd()
                try:
                    value = value[step.key]
                except IndexError:
                    raise _Miss() from None
            else:
                raise _Odd()
        return value

    def path_result(self, expression, value, root):
        """What ansible-core's templating gives for ``expression`` (a PATH or COMPARISON plan) when the path met
        ``value`` in the root variable's value ``root``, or _Odd."""
        raise NotImplementedError

    def conditional(self, templar, conditional):
        """ansible-core's own evaluation of a ``groups`` conditional, with the templar's variables set."""
        raise NotImplementedError

    def parent_group(self, engine, raw_parent_name, key, scope):
        """The templated ``parent_group`` of a keyed_groups entry (None or empty for none); raises _SkipEntry when the
        entry gives no group for this host, AnsibleParserError when that is an error (strict)."""
        raise NotImplementedError

    def compile_cache(self):
        """A new CompileCache for the templar of these internals."""
        raise NotImplementedError


class RulesBefore219(LineRules):
    """ansible-core 2.16 to 2.18: values from APIs are AnsibleUnsafeText, expressions are templated as text."""

    def _inert(self, value):
        """True when templating ``value`` returns equal data: unsafe text, numbers, booleans, None, and plain dicts and
        lists of those."""
        value_type = type(value)
        if value_type is self.internals.unsafe_text or value_type in SCALARS:
            return True
        if value_type is dict:
            return all(self._inert(v) for v in value.values())
        if value_type is list:
            return all(self._inert(v) for v in value)
        return False

    @staticmethod
    def _looks_converted(text):
        """A result that looks like a list, dict or boolean is turned into one (literal_eval)."""
        return text.startswith(("{", "[")) or text in ("True", "False")

    def _comparable(self, path, value, root):
        """``value`` as Jinja sees it in a conditional, or _Odd."""
        value_type = type(value)
        if value_type is not self.internals.unsafe_text and value_type not in SCALARS:
            raise _Odd()
        if path.steps and not self._inert(root):
            raise _Odd()
        return value

    def path_result(self, expression, value, root):
        comparison = expression.plan.comparison
        if comparison is not None:  # == and != of scalars are Python's, a boolean
            value = self._comparable(comparison.path, value, root)
            return (value == comparison.literal) is comparison.equal
        path = expression.plan.path
        if expression.kind == CONDITIONAL:  # the truth of the value the conditional tests
            return bool(self._comparable(path, value, root))
        unsafe_text = self.internals.unsafe_text
        if not path.steps:
            value_type = type(value)
            if value_type in (bool, int, float):  # Templar.template's single variable shortcut (NON_TEMPLATED_TYPES)
                return value
            if value is None:
                return C.DEFAULT_NULL_REPRESENTATION
            if value_type is unsafe_text and not self._looks_converted(value):
                return value
            raise _Odd()
        if type(value) is unsafe_text and not self._looks_converted(value) and self._inert(root):  # pylint: disable=unidiomatic-typecheck
            return value
        raise _Odd()

    def conditional(self, templar, conditional):
        return boolean(templar.template("{%% if %s %%} True {%% else %%} False {%% endif %%}" % conditional))

    def parent_group(self, engine, raw_parent_name, key, scope):
        if not raw_parent_name:
            return raw_parent_name
        try:
            return engine.template_parent_group(raw_parent_name, scope)
        except AnsibleError as e:
            if engine.strict:
                raise AnsibleParserError("Could not generate parent group %s for group %s: %s" % (raw_parent_name, key, to_native(e)))
            raise _SkipEntry() from None

    def compile_cache(self):
        return TemplateCompileCache(self.internals.compile_owner, self.internals.compile_name)


class Rules219(LineRules):
    """ansible-core 2.19 and later: data tagging (Origin, trust), expressions evaluated as such."""

    empty_values = (None, "")

    def _comparable(self, value):
        """``value`` as Jinja sees it, or _Odd: untagged scalars or scalars tagged with their Origin only."""
        value_type = type(value)
        if value_type in TAGGABLE or value_type is bool or value is None:
            return value
        if value_type in self.internals.tagged_scalars and self.origin_only(value):
            return value
        raise _Odd()

    def path_result(self, expression, value, root):
        comparison = expression.plan.comparison
        if comparison is not None:  # == and != of scalars are Python's, a boolean
            value = self._comparable(value)
            return (value == comparison.literal) is comparison.equal
        value_type = type(value)
        if expression.kind == CONDITIONAL:
            # evaluate_conditional: only a boolean is a result; any other value is an error or a deprecation warning
            if value_type is bool:
                return value
            raise _Odd()
        # evaluate_expression: untagged scalars only, tagged with the expression's origin as the templar does
        if value_type in TAGGABLE:
            if expression.origin is not None:
                try:
                    return expression.origin.tag(value)
                except self.internals.not_taggable:
                    pass
            return value
        if value_type is bool or value is None:
            return value
        if value_type in self.internals.tagged_scalars and self.origin_only(value):
            return value  # it has an Origin already: the templar keeps it
        raise _Odd()

    def conditional(self, templar, conditional):
        return templar.evaluate_conditional(conditional)

    def parent_group(self, engine, raw_parent_name, key, scope):
        try:
            return engine.template_parent_group(raw_parent_name, scope)
        except self.internals.value_omitted:
            return None
        except Exception as ex:
            if engine.strict:
                raise AnsibleParserError(f"Could not generate parent group {raw_parent_name!r} for group {key!r}: {ex}") from ex
            raise _SkipEntry() from None

    def compile_cache(self):
        return ExpressionCompileCache(self.internals.compile_owner, self.internals.compile_name)


def line_rules(internals):
    """The LineRules of the running ansible-core line, from its ``core_internals``."""
    return Rules219(internals) if internals.data_tagging else RulesBefore219(internals)


# -- keeping compiled templates for the run ---------------------------------------------------------------------

class CompileCache(object):
    """Keeps what ansible-core compiles for the outermost expression of one templating call, for the run.

    The compile method (``core_internals``) is wrapped on its owner only for the duration of one call; templates
    compiled inside that call (variables holding templates, overlays) are compiled as usual.
    """

    def __init__(self, owner, name):
        self.owner = owner
        self.name = name
        self.entries = {}
        self.hits = 0
        self.misses = 0

    def call(self, function, *args, lookups_disabled=False):
        """``function(*args)`` with the outermost compilation kept for the run."""
        owner, name = self.owner, self.name
        setattr(owner, name, self.replacement(getattr(owner, name), lookups_disabled))
        try:
            return function(*args)
        finally:
            delattr(owner, name)

    def kept(self, key, compile_, keep=lambda compiled: True):
        """The compilation kept under ``key``, else ``compile_()`` (kept when ``keep`` says so)."""
        compiled = self.entries.get(key)
        if compiled is None:
            self.misses += 1
            compiled = compile_()
            if keep(compiled):
                self.entries[key] = compiled
        else:
            self.hits += 1
        return compiled

    def replacement(self, original, lookups_disabled):
        """The compile method installed for one call, around ``original``."""
        raise NotImplementedError


class ExpressionCompileCache(CompileCache):
    """ansible-core 2.19 and later: ``TemplateEngine._compile_expression(expression, options)``."""

    def replacement(self, original, lookups_disabled):
        state = {"first": True}
        owner = self.owner

        def compile_expression(expression, options):
            if not state["first"]:
                return original(expression, options)
            state["first"] = False
            key = (expression, options, id(getattr(owner, "environment", None)))
            # compile errors are never kept
            return self.kept(key, lambda: original(expression, options), lambda compiled: type(compiled).__name__ == "AnsibleTemplateExpression")
        return compile_expression


class TemplateCompileCache(CompileCache):
    """ansible-core 2.16 to 2.18: the Jinja environment's ``from_string`` (one entry per ``disable_lookups``, as
    ansible-core sets lookups off on the compiled template)."""

    def replacement(self, original, lookups_disabled):
        state = {"first": True}

        def from_string(source, *more, **kwargs):
            if not state["first"] or more or kwargs:
                return original(source, *more, **kwargs)
            state["first"] = False
            return self.kept((source, lookups_disabled), lambda: original(source))
        return from_string


# -- the engine --------------------------------------------------------------------------------------------------

class _Expression(object):
    """One planned expression: evaluates it for a host, by PATH, COMPARISON, COMPILED or CORE."""

    __slots__ = ("expression", "kind", "plan", "engine", "origin", "miss_fails")

    def __init__(self, engine, expression, kind):
        internals = engine.internals
        self.engine = engine
        self.expression = expression
        self.kind = kind
        self.plan = plan_expression(expression, kind, path_allowed=engine.path_allowed(kind), jinja_globals=internals.jinja_globals,
                                    container_attributes=internals.container_attributes)
        self.origin = internals.origin.get_tag(expression) if (internals.origin is not None and isinstance(expression, str)) else None
        self.miss_fails = None  # whether templating failed for the first missing value (then every missing value fails)

    def evaluate(self, scope):
        """The expression's result for the host of ``scope``, or SKIP; errors are ansible-core's own."""
        if self.plan.strategy in (PATH, COMPARISON):
            rules = self.engine.rules
            try:
                root = scope.lookup(self.plan.path.root)
                value = rules.resolve(self.plan.path, root)
                return rules.path_result(self, value, root)
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
        """ansible-core's own templating of the expression for the host of ``scope`` (compiled once for the run)."""
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
        """The variable ``name`` of the scope, or MISSING."""
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
        """The variables as ansible-core's templating gets them."""
        if self._combined is None:
            self._combined = combine_vars(self.variables, self.host.get_vars()) if self.with_host else self.variables
        return self._combined


class _HostOnlyScope(_Scope):
    """After compose the plugin passes ``host.get_vars()`` on: the host's variables are the whole scope."""

    __slots__ = ()

    def __init__(self, host):
        super().__init__({}, host)

    def combined(self):
        if self._combined is None:
            self._combined = self.host.get_vars()
        return self._combined


class Constructed(object):
    """compose, groups and keyed_groups for one run of an inventory plugin (a ``Constructable``).

    Create it once per run with ``Constructed.create(plugin, compose, groups, keyed_groups, strict)`` (the fast path,
    or a ``CoreConstructed`` when it cannot give ansible-core's results here), then call ``construct(host, variables)``
    for each host, as a plugin would call ``_set_composite_vars``, ``_add_host_to_composed_groups`` and
    ``_add_host_to_keyed_groups`` in that order.
    """

    def __init__(self, plugin, compose, groups, keyed_groups, strict, internals=None):
        self.plugin = plugin
        self.inventory = plugin.inventory
        self.templar = plugin.templar
        self.strict = strict
        self.internals = core_internals(self.templar) if internals is None else internals
        self.rules = line_rules(self.internals)
        self.cache = self.rules.compile_cache()
        try:
            self.use_extra_vars = bool(plugin.get_option("use_extra_vars"))
        except Exception:
            self.use_extra_vars = False
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
        """The run's engine: a Constructed, or a CoreConstructed (ansible-core's own Constructable calls) when the
        fast path is not proven for this line or these options, or lacks the ansible-core internals it relies on."""
        reason = fallback_reason(keyed_groups)
        internals = None
        if reason is None:
            try:
                internals = core_internals(plugin.templar)
            except (ImportError, AttributeError) as e:
                reason = "an ansible-core internal it relies on is missing (%s)" % to_native(e)
        if reason is not None:
            display.vvv("simfleet.twilio: compose, groups and keyed_groups by ansible-core's own Constructable: %s" % reason)
            return CoreConstructed(plugin, compose, groups, keyed_groups, strict, reason)
        return cls(plugin, compose, groups, keyed_groups, strict, internals)

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
        """Whether expressions of ``kind`` may be read as paths (with use_extra_vars, compose is left to ansible-core)."""
        return not (kind == EXPRESSION and self.use_extra_vars)

    def core(self, expression, scope):
        """ansible-core's own evaluation of ``expression`` for the host of ``scope``."""
        if expression.kind == EXPRESSION:
            return self.plugin._compose(expression.expression, scope.combined())
        self.templar.available_variables = scope.combined()
        return self.rules.conditional(self.templar, expression.expression)

    def sanitize(self, name):
        """The plugin's _sanitize_group_name; results without replacement or message are kept for the run."""
        known = self.group_names.get(name)
        if known is not None:
            return known
        result = self.plugin._sanitize_group_name(name)
        if result == name and isinstance(name, str) and not C.INVALID_VARIABLE_NAMES.search(name):
            self.group_names[name] = result
        return result

    def template_parent_group(self, raw_parent_name, scope):
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
        if isinstance(raw_parent_name, str):
            return self.cache.call(templar.template, raw_parent_name)
        return templar.template(raw_parent_name)

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
            try:
                self._keyed_group(host, keyed, key, scope)
            except _SkipEntry:
                continue

    def _keyed_group(self, host, keyed, key, scope):
        """The groups of one keyed_groups entry for ``host``, from its ``key`` value (ansible-core's rules, per line)."""
        default_value_name = keyed.get("default_value", None)
        trailing_separator = keyed.get("trailing_separator")
        if trailing_separator is not None and default_value_name is not None:
            raise AnsibleParserError("parameters are mutually exclusive for keyed groups: default_value|trailing_separator")
        empty_values = self.rules.empty_values
        use_default = key in empty_values and default_value_name is not None
        if not (key or use_default):
            # an empty list or dict is a valid key that gives no group
            if self.strict and key not in ([], {}):
                raise AnsibleParserError("No key or key resulted empty for %s in host %s, invalid entry" % (keyed.get("key"), host))
            return
        prefix = keyed.get("prefix", "")
        sep = keyed.get("separator", "_")
        parent_name = self.rules.parent_group(self, keyed.get("parent_group", None), key, scope)
        names = []
        if use_default:
            names.append(default_value_name)
        elif isinstance(key, str):
            names.append(key)
        elif isinstance(key, list):
            for name in key:
                names.append(default_value_name if name in empty_values and default_value_name is not None else name)
        elif isinstance(key, Mapping):
            for (gname, gval) in key.items():
                bare_name = "%s%s%s" % (gname, sep, gval)
                if gval in empty_values:
                    if default_value_name is not None:
                        bare_name = "%s%s%s" % (gname, sep, default_value_name)
                    elif trailing_separator is False:
                        bare_name = gname
                names.append(bare_name)
        else:
            raise AnsibleParserError("Invalid group name format, expected a string or a list of them or dictionary, got: %s" % type(key))
        self._add(host, prefix, sep, names, parent_name)

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


class CoreConstructed(object):
    """ansible-core's own Constructable for the run, with Constructed's interface: what the plugin would call per host,
    nothing planned. ``reason`` says why the fast path does not run."""

    def __init__(self, plugin, compose, groups, keyed_groups, strict, reason):
        self.plugin = plugin
        self.compose = compose
        self.groups = groups
        self.keyed_groups = keyed_groups
        self.strict = strict
        self.reason = reason

    def plans(self):
        """No expression is planned: ansible-core templates each one for each host."""
        return {}

    def construct(self, host, variables):
        """compose, then groups, then keyed_groups for ``host``, by the plugin's Constructable methods."""
        plugin, strict = self.plugin, self.strict
        if self.compose:
            plugin._set_composite_vars(self.compose, variables, host, strict=strict)
            variables = plugin.inventory.get_host(host).get_vars()
        plugin._add_host_to_composed_groups(self.groups, variables, host, strict=strict)
        plugin._add_host_to_keyed_groups(self.keyed_groups, variables, host, strict=strict)
