# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Marking data from Twilio's API as never to be templated (private to this collection, controller side)."""

from ansible.utils.unsafe_proxy import wrap_var

try:
    # ansible-core 2.19 and later tag data: a plain str is never trusted as a template, so it needs no wrapping.
    from ansible.template import trust_as_template
except ImportError:  # ansible-core 2.16 to 2.18: every str is a template unless wrapped as unsafe
    trust_as_template = None

# Types returned as they are: JSON scalars, and on ansible-core 2.19+ also plain (untagged) str. A str tagged as
# trusted has another type and goes to wrap_var, which removes the trust.
PLAIN_TYPES = frozenset((int, float, bool, type(None)))
if trust_as_template is not None:
    PLAIN_TYPES = PLAIN_TYPES | frozenset((str,))


def unsafe(value):
    """``value`` marked unsafe for templating, recursively; JSON types are handled here, the fast path for API data.

    Plain dicts and lists are copied with their keys and items marked; every other value (str before ansible-core
    2.19, tagged str, bytes, tuples, sets, other mappings and sequences) goes to ``wrap_var``.
    """
    value_type = type(value)
    if value_type in PLAIN_TYPES:
        return value
    if value_type is dict:
        return {unsafe(k): unsafe(v) for k, v in value.items()}
    if value_type is list:
        return [unsafe(v) for v in value]
    return wrap_var(value)
