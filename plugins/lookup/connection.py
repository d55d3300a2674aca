# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: connection
short_description: The connection options a role's variables set, for module_defaults
version_added: 2.1.0
description:
  - >-
    Returns a dictionary of the collection's connection options (C(platform), C(account_sid), C(auth_token),
    C(api_key), C(api_secret), C(client_id), C(client_secret), C(token_url), C(base_url), C(timeout),
    C(validate_certs), C(max_retries), C(max_retry_time)) from the variables named C(<prefix>_<option>), leaving out
    those that are not defined or are null, so that a play's C(module_defaults) and the C(TWILIO_*) and C(KORE_*)
    environment variables apply to them.
  - The roles of the collection use it to hand their connection variables to every module they run.
  - The list of options is the collection's own, so a new connection option reaches every role.
author:
  - simfleet maintainers (@simfleet)
options:
  _terms:
    description: The variable prefix, for example V(sim_audit) for C(sim_audit_account_sid).
    required: true
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Read the fleet with the connection variables of this play
  simfleet.twilio.wireless_sim_info: "{{ lookup('simfleet.twilio.connection', 'fleet') }}"
  vars:
    fleet_account_sid: "{{ vault_account_sid }}"
    fleet_auth_token: "{{ vault_auth_token }}"
"""

RETURN = r"""
_raw:
  description: One dictionary per prefix, of the connection options its variables set.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleError
from ansible.plugins.loader import lookup_loader
from ansible.plugins.lookup import LookupBase

from ansible_collections.simfleet.twilio.plugins.module_utils._client import CONNECTION_OPTIONS


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        variables = variables or {}
        values = lookup_loader.get("ansible.builtin.vars", loader=self._loader, templar=self._templar)
        found = []
        for prefix in terms:
            if not isinstance(prefix, str) or not prefix:
                raise AnsibleError("simfleet.twilio.connection takes variable prefixes (strings), got %r" % (prefix,))
            connection = {}
            for option in CONNECTION_OPTIONS:
                name = "%s_%s" % (prefix, option)
                if name in variables:
                    value = values.run([name], variables)[0]
                    if value is not None:
                        connection[option] = value
            found.append(connection)
        return found
