#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: supersim_ip_command
short_description: Send an IP command to a Twilio Super SIM
version_added: 2.0.0
description:
  - >-
    Sends one IP command, a UDP message, to a port of the device that holds a Super SIM
    (C(POST /v1/IpCommands) of the Super SIM API).
  - >-
    With O(wait), polls the command until it is final. Twilio marks an IP command to a SIM V(sent) when the UDP
    message has left for the device (UDP has no delivery receipt), and V(failed) when it could not be sent, so the
    module waits for V(sent), V(received) or V(failed). A command that ends V(failed) makes the module fail, naming
    the status, with C(changed=true) and the command in RV(command).
author:
  - simfleet maintainers (@simfleet)
options:
  sim:
    description:
      - The Super SIM to send the command to, by SID (C(HS...)) or unique name. A unique name is resolved to its SID
        before sending.
      - Twilio sends IP commands only to SIMs that are C(ready) or C(active), in a fleet with data enabled. The module
        reads the SIM first and fails, naming its status, before sending anything (in check mode too) when it is in
        another status.
    type: str
    required: true
  payload:
    description:
      - >-
        The data to send, at most 1300 bytes: text, sent as UTF-8 and counted in its UTF-8 bytes, with
        O(payload_type=text); Base64-encoded bytes, counted decoded, with O(payload_type=binary). A longer (or, in
        binary mode, not Base64) value is refused before any request.
    type: str
    required: true
  device_port:
    description:
      - The UDP port of the device the command is sent to, between 0 and 65535.
    type: int
    required: true
  payload_type:
    description:
      - How O(payload) is encoded. Twilio's default is V(text).
    type: str
    choices: [text, binary]
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.command
  - simfleet.twilio.common.wait
seealso:
  - module: simfleet.twilio.supersim_ip_command_info
  - module: simfleet.twilio.supersim_sms_command
  - module: simfleet.twilio.supersim_sim
"""

EXAMPLES = r"""
- name: Tell a tracker to reboot
  simfleet.twilio.supersim_ip_command:
    sim: tracker-042
    payload: reboot
    device_port: 6000
  register: ip_command

- name: Send two raw bytes, and have Twilio call back with the outcome
  simfleet.twilio.supersim_ip_command:
    sim: HS0123456789abcdef0123456789abcdef
    payload: AQI=
    payload_type: binary
    device_port: 6001
    callback_url: https://iot.example.com/twilio/ip-commands
"""

RETURN = r"""
command:
  description:
    - >-
      The IP command as Twilio returns it when it is sent, or, with O(wait), once it has reached a final status;
      Twilio's fields unchanged, see M(simfleet.twilio.supersim_ip_command_info) for the fields.
    - >-
      In check mode, which sends nothing, the command that would be sent, as Twilio would show it (C(sim_sid),
      C(payload), C(payload_type), C(device_port), C(status) V(queued), C(direction)), with no C(sid).
  returned: success
  type: dict
  sample:
    sid: HG0123456789abcdef0123456789abcdef
    sim_sid: HS0123456789abcdef0123456789abcdef
    payload: reboot
    payload_type: text
    device_port: 6000
    status: queued
    direction: to_sim
diff:
  description:
    - The command that is (or would be) sent, with C(--diff); the SIM given by its SID.
  returned: in diff mode
  type: dict
  sample:
    before: {}
    after: {"sim": "HS0123456789abcdef0123456789abcdef", "payload": "reboot", "device_port": 6000}
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._state import StateSpec, run_command_module


def main():
    run_command_module(StateSpec(endpoint="supersim_ip_command", info_module="supersim_ip_command_info"))


if __name__ == "__main__":
    main()
