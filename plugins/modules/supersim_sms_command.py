#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_sms_command
short_description: Send an SMS command to a Twilio Super SIM
version_added: 2.0.0
description:
  - Sends one machine-to-machine SMS command to a Super SIM (C(POST /v1/SmsCommands) of the Super SIM API).
  - >-
    With O(wait), polls the command until Twilio reports a final status, V(delivered), V(received) or V(failed).
    A command that ends V(failed) (or V(undelivered)) makes the module fail, naming the status, with C(changed=true)
    and the command in RV(command). A command that stays V(sent) (no delivery receipt came back) makes the module
    fail once O(wait_timeout) has passed.
author:
  - simfleet maintainers (@simfleet)
options:
  sim:
    description:
      - The Super SIM to send the command to, by SID (C(HS...)) or unique name. A unique name is resolved to its SID
        before sending.
      - >-
        Twilio sends commands only to a Super SIM that is V(ready) or V(active). The module reads the SIM first and
        fails, naming its status, before sending anything (in check mode too) when it is in another status.
    type: str
    required: true
  payload:
    description:
      - >-
        The message body of the SMS command, up to 160 characters, counted as Twilio counts them: one per Unicode
        character whatever its size in bytes. A longer one is refused before any request.
    type: str
    required: true
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.command
  - simfleet.twilio.common.wait
seealso:
  - module: simfleet.twilio.supersim_sms_command_info
  - module: simfleet.twilio.supersim_ip_command
  - module: simfleet.twilio.supersim_sim
"""

EXAMPLES = r"""
- name: Ask a tracker to report its position, and wait for the delivery receipt
  simfleet.twilio.supersim_sms_command:
    sim: tracker-042
    payload: REPORT POSITION
    wait: true
    wait_timeout: 300
  register: sms

- name: Send a command without waiting, then look at its status later
  simfleet.twilio.supersim_sms_command:
    sim: tracker-042
    payload: REBOOT
  register: sent
"""

RETURN = r"""
command:
  description:
    - >-
      The SMS command as Twilio returns it when it is sent, or, with O(wait), once it has reached a final status;
      Twilio's fields unchanged, see M(simfleet.twilio.supersim_sms_command_info) for the fields.
    - >-
      In check mode, which sends nothing, the command that would be sent, as Twilio would show it (C(sim_sid),
      C(payload), C(status) V(queued), C(direction)), with no C(sid).
  returned: success
  type: dict
  sample:
    sid: HC0123456789abcdef0123456789abcdef
    sim_sid: HS0123456789abcdef0123456789abcdef
    payload: REPORT POSITION
    status: delivered
    direction: to_sim
diff:
  description:
    - The command that is (or would be) sent, with C(--diff); the SIM given by its SID.
  returned: in diff mode
  type: dict
  sample: {"before": {}, "after": {"sim": "HS0123456789abcdef0123456789abcdef", "payload": "REPORT POSITION"}}
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._state import StateSpec, run_command_module


def main():
    run_command_module(StateSpec(endpoint="supersim_sms_command", info_module="supersim_sms_command_info"))


if __name__ == "__main__":
    main()
