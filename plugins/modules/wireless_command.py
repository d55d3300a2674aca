#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: wireless_command
short_description: Send a command to a Twilio Programmable Wireless SIM
version_added: 2.0.0
description:
  - Sends one command, a machine-to-machine SMS, to a Programmable Wireless SIM (C(POST /v1/Commands)).
  - >-
    With O(wait), polls the command until Twilio reports a final status, V(delivered), V(received) or V(failed);
    with O(delivery_receipt_requested=false) no receipt comes back, so V(sent) is final too. A command that ends
    V(failed) (or V(undelivered)) makes the module fail, naming the status, with C(changed=true) and the command in
    RV(command). A command whose receipt never comes back stays V(sent), and makes the module fail once
    O(wait_timeout) has passed.
  - >-
    O(state=absent) deletes the command O(sid) from the account's command log (C(DELETE /v1/Commands/{Sid})), which
    cannot be undone, and only with O(confirm_delete=true). A command that is not there is not an error: nothing
    changes. Deleting a command does not call it back from the device.
author:
  - simfleet maintainers (@simfleet)
options:
  sim:
    description:
      - The SIM to send the command to, by SID (C(DE...)) or unique name. A unique name is resolved to its SID before
        sending.
      - >-
        Twilio sends commands only to a SIM that is V(ready) or V(active). The module reads the SIM first and fails,
        naming its status, before sending anything (in check mode too) when it is in another status.
    type: str
  command:
    description:
      - >-
        The message body: up to 160 characters of text with O(command_mode=text) (128 with O(include_sid=start) or
        O(include_sid=end)), or up to 140 bytes encoded in Base64 with O(command_mode=binary).
      - >-
        Characters are counted as Twilio counts them, one per Unicode character whatever its size in bytes, and
        binary commands by their bytes once decoded. A longer (or, in binary mode, not Base64) value is refused before
        any request.
      - O(sim) and O(command) are required with O(state=present).
    type: str
  command_mode:
    description:
      - How O(command) is encoded. Twilio's default is V(text).
    type: str
    choices: [text, binary]
  include_sid:
    description:
      - >-
        Whether Twilio puts the command's SID in a text message body, at its V(start) or V(end) separated by a space,
        so that the device can tell a command it has already processed. The SID counts in the 160 characters, so the
        body can then have at most 128. Twilio's default is V(none).
    type: str
    choices: [none, start, end]
  delivery_receipt_requested:
    description:
      - >-
        Whether to ask the device for a delivery receipt; the command's status becomes V(delivered) when the receipt
        arrives. Twilio's default is V(true).
    type: bool
  state:
    description:
      - >-
        V(present) sends a new command (every run). V(absent) deletes the command O(sid) for good, needs
        O(confirm_delete=true) and ignores every option but O(sid).
    type: str
    choices: [present, absent]
    default: present
    version_added: 2.1.0
  sid:
    description:
      - The SID (C(DC...)) of the command to delete, required with O(state=absent).
    type: str
    version_added: 2.1.0
  confirm_delete:
    description:
      - >-
        Must be V(true) for O(state=absent): deleting a command cannot be undone. Without it, O(state=absent) is
        refused before any request, naming this option.
    type: bool
    default: false
    version_added: 2.1.0
extends_documentation_fragment:
  - simfleet.twilio.common.modules
  - simfleet.twilio.common.command
  - simfleet.twilio.common.wait
seealso:
  - module: simfleet.twilio.wireless_sim
  - module: simfleet.twilio.wireless_sim_info
"""

EXAMPLES = r"""
- name: Ask a pump station for its meter reading, and wait until it is delivered
  simfleet.twilio.wireless_command:
    sim: pump-station-17
    command: READ METER
    include_sid: end
    wait: true
  register: wireless_command

- name: Send a binary command without a delivery receipt
  simfleet.twilio.wireless_command:
    sim: DE0123456789abcdef0123456789abcdef
    command: AAEC
    command_mode: binary
    delivery_receipt_requested: false

- name: Delete a command from the account's command log
  simfleet.twilio.wireless_command:
    sid: DC0123456789abcdef0123456789abcdef
    state: absent
    confirm_delete: true
"""

RETURN = r"""
command:
  description:
    - >-
      The command as Twilio returns it when it is sent, or, with O(wait), once it has reached a final status;
      Twilio's fields unchanged.
    - >-
      In check mode, which sends nothing, the command that would be sent, as Twilio would show it (C(sim_sid),
      C(command), C(command_mode), C(transport), C(delivery_receipt_requested), C(status) V(queued), C(direction))
      with Twilio's defaults for the options not set, and no C(sid).
    - C(null) with O(state=absent).
  returned: success
  type: dict
  sample:
    sid: DC0123456789abcdef0123456789abcdef
    sim_sid: DE0123456789abcdef0123456789abcdef
    command: READ METER
    command_mode: text
    status: delivered
    direction: to_sim
  contains:
    sid:
      description: The command's SID, C(DC) followed by 32 hex digits.
      returned: always
      type: str
      sample: DC0123456789abcdef0123456789abcdef
    sim_sid:
      description: The SID of the SIM the command was sent to.
      returned: always
      type: str
      sample: DE0123456789abcdef0123456789abcdef
    command:
      description: The message body.
      returned: always
      type: str
      sample: READ METER
    command_mode:
      description: V(text) or V(binary).
      returned: always
      type: str
      sample: text
    transport:
      description: How the command travels, C(sms) or C(ip).
      returned: always
      type: str
      sample: sms
    delivery_receipt_requested:
      description: Whether a delivery receipt was asked for.
      returned: always
      type: bool
      sample: true
    status:
      description: The command's status, C(queued), C(sent), C(delivered), C(received) or C(failed).
      returned: always
      type: str
      sample: delivered
    direction:
      description: C(to_sim) for a command sent by this module.
      returned: always
      type: str
      sample: to_sim
    account_sid:
      description: The SID of the account that sent the command.
      returned: always
      type: str
    date_created:
      description: When the command was created, ISO 8601.
      returned: always
      type: str
    date_updated:
      description: When the command was last updated, ISO 8601.
      returned: always
      type: str
    url:
      description: The command's absolute API URL.
      returned: always
      type: str
diff:
  description:
    - >-
      The command that is (or would be) sent, with C(--diff); the SIM given by its SID. With O(state=absent), the
      command deleted in C(before) and an empty C(after).
  returned: in diff mode
  type: dict
  sample:
    before: {}
    after: {"sim": "DE0123456789abcdef0123456789abcdef", "command": "READ METER", "include_sid": "end"}
"""

from ansible_collections.simfleet.twilio.plugins.module_utils._endpoints import matches
from ansible_collections.simfleet.twilio.plugins.module_utils._state import CommandModule, StateSpec

DELETE_REFUSED = ("state=absent deletes the command for good and cannot be undone: set confirm_delete=true to delete "
                  "it; nothing was changed")


class WirelessCommandModule(CommandModule):
    """Sends a command, or deletes one (state=absent, by sid, only with the confirmation option). Without a delivery
    receipt, Twilio never learns that a command reached the device: V(sent) is then final."""

    def arguments(self):
        argument_spec, options = super().arguments()
        for name in ("sim", "command"):
            argument_spec[name] = dict(argument_spec[name], required=False)
        argument_spec.update(state=dict(type="str", default="present", choices=["present", "absent"]),
                             sid=dict(type="str"), confirm_delete=dict(type="bool", default=False))
        options["required_if"] = [("state", "present", ("sim", "command")), ("state", "absent", ("sid",))]
        return argument_spec, options

    def problems(self):
        if self.params["state"] == "present":
            return super().problems()
        problems = []
        if not self.params["confirm_delete"]:
            problems.append(DELETE_REFUSED)
        if not matches(self.endpoint.sid_pattern, self.params["sid"]):
            problems.append("sid must be a command SID matching %s, got %r" % (self.endpoint.sid_pattern, self.params["sid"]))
        return problems

    def act(self):
        if self.params["state"] == "present":
            return super().act()
        return self.remove(self.client.fetch(self.endpoint, self.params["sid"]))

    def final_statuses(self):
        finals = super().final_statuses()
        return finals + ("sent",) if self.params.get("delivery_receipt_requested") is False else finals


def main():
    WirelessCommandModule(StateSpec(endpoint="wireless_command", info_module="wireless_command_info")).run()


if __name__ == "__main__":
    main()
