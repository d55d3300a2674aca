# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: compliance_junit
short_description: Render a fleet compliance result as JUnit XML
version_added: 1.0.0
author:
  - simfleet maintainers (@simfleet)
description:
  - Renders the result of P(simfleet.twilio.compliance_evaluate#filter) as a JUnit XML document that CI systems
    (GitLab, Jenkins, GitHub Actions reporters, Azure Pipelines) display, with one test suite, one test case per rule, a
    C(failure) listing the violating SIMs (one per line, SID, unique name, ICCID and detail) for each violated rule,
    and C(skipped) for disabled rules.
  - Every value is escaped by an XML serializer, and characters that XML 1.0 cannot carry are dropped, so any
    SIM name gives a well-formed document.
options:
  _input:
    description: The result of P(simfleet.twilio.compliance_evaluate#filter).
    type: dict
    required: true
  suite_name:
    description: The name of the test suite.
    type: str
    default: simfleet.twilio.sim_compliance
"""

EXAMPLES = r"""
- name: Write the JUnit report
  ansible.builtin.copy:
    content: "{{ fleet_compliance | simfleet.twilio.compliance_junit }}"
    dest: /var/tmp/compliance-junit.xml
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The JUnit XML document, UTF-8, with an XML declaration.
  type: str
"""

import re
import xml.etree.ElementTree as ET

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.simfleet.twilio.plugins.plugin_utils._unsafe import unsafe

_INVALID_XML = re.compile(u"[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(value):
    """Text that XML 1.0 can carry."""
    return _INVALID_XML.sub(u"", u"" if value is None else to_text(value))


def violation_line(violation):
    parts = [violation.get("sid") or "(no sid)"]
    if violation.get("unique_name"):
        parts.append("name=%s" % violation["unique_name"])
    if violation.get("iccid"):
        parts.append("iccid=%s" % violation["iccid"])
    parts.append("[%s]" % (violation.get("product") or "?"))
    if violation.get("detail"):
        parts.append("- %s" % violation["detail"])
    return u" ".join(to_text(p) for p in parts)


def render(result, suite_name="simfleet.twilio.sim_compliance"):
    if not isinstance(result, dict) or not isinstance(result.get("rules"), list):
        raise AnsibleFilterError("compliance_junit expects the result of simfleet.twilio.compliance_evaluate")
    rules = result["rules"]
    failures = sum(1 for rule in rules if rule.get("enabled") and not rule.get("passed"))
    skipped = sum(1 for rule in rules if not rule.get("enabled"))
    suites = ET.Element("testsuites", {
        "name": clean(suite_name), "tests": str(len(rules)), "failures": str(failures), "errors": "0",
        "skipped": str(skipped), "time": "0",
    })
    suite = ET.SubElement(suites, "testsuite", {
        "name": clean(suite_name), "tests": str(len(rules)), "failures": str(failures), "errors": "0",
        "skipped": str(skipped), "time": "0", "timestamp": clean(result.get("generated_at", "")),
    })
    for rule in rules:
        case = ET.SubElement(suite, "testcase", {
            "classname": clean(suite_name), "name": clean(rule.get("id")), "time": "0",
        })
        if not rule.get("enabled"):
            ET.SubElement(case, "skipped", {"message": "rule disabled by the policy"})
        elif not rule.get("passed"):
            violations = rule.get("violations") or []
            failure = ET.SubElement(case, "failure", {
                "type": "ComplianceViolation",
                "message": clean("%d SIMs: %s" % (len(violations), rule.get("description") or rule.get("id"))),
            })
            failure.text = clean(u"\n".join(violation_line(v) for v in violations))
        out = ET.SubElement(case, "system-out")
        out.text = clean(rule.get("description") or "")
    if hasattr(ET, "indent"):  # Python 3.9+
        ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return u'<?xml version="1.0" encoding="UTF-8"?>\n' + body + u"\n"


def compliance_junit(result, suite_name="simfleet.twilio.sim_compliance"):
    return unsafe(render(result, suite_name=suite_name))


class FilterModule(object):
    def filters(self):
        return {"compliance_junit": compliance_junit}
