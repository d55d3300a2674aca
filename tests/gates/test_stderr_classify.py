"""The plugin-loading gate's reading of standard error: a dependency's warning is reported, never a failure."""
import os
import subprocess
import sys
from importlib import metadata

import ansible

from gates import stderr_classify

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stderr_classify.py")
SSH_AGENT = os.path.join(os.path.dirname(ansible.__file__), "__init__.py")
CRYPTOGRAPHY = [
    "%s:18: CryptographyDeprecationWarning: DSA is deprecated and support will be removed in a future release."
    % SSH_AGENT,
    "  from cryptography.hazmat.primitives.asymmetric.dsa import (",
]


def run(text):
    return subprocess.run([sys.executable, SCRIPT], input=text, capture_output=True, text=True, check=False)


def test_a_dependency_warning_names_the_package_its_version_and_the_importer():
    dependency, other = stderr_classify.classify(CRYPTOGRAPHY)
    assert other == []
    assert len(dependency) == 1
    sentence = dependency[0]
    assert "from cryptography %s" % metadata.version("cryptography") in sentence
    assert "raised in ansible-core %s (%s:18)" % (metadata.version("ansible-core"), SSH_AGENT) in sentence
    assert sentence.endswith("CryptographyDeprecationWarning: DSA is deprecated and support will be removed in a "
                             "future release.")
    result = run("\n".join(CRYPTOGRAPHY) + "\n")
    assert result.returncode == 0
    assert result.stdout.startswith("dependency warning from cryptography ")
    assert result.stderr == ""


def test_a_warning_without_an_import_is_named_by_its_category():
    lines = ["%s:3: CryptographyDeprecationWarning: old" % SSH_AGENT, "  x = 1"]
    dependency, other = stderr_classify.classify(lines)
    assert other == []
    assert "from cryptography " in dependency[0]


def test_the_collections_own_warnings_and_errors_fail():
    own = "/x/ansible_collections/simfleet/twilio/plugins/modules/wireless_sim.py:10: DeprecationWarning: old call"
    for text in (own + "\n  call()\n",
                 "[WARNING]: module simfleet.twilio.wireless_sim has a documentation error\n",
                 "Traceback (most recent call last):\n  File \"x.py\", line 1\nImportError: no module\n",
                 "\n".join(CRYPTOGRAPHY) + "\nERROR! simfleet.twilio.sims was not found\n"):
        result = run(text)
        assert result.returncode == 1, text
        assert result.stderr.strip(), text
    result = run("\n".join(CRYPTOGRAPHY) + "\nERROR! simfleet.twilio.sims was not found\n")
    assert result.stderr == "ERROR! simfleet.twilio.sims was not found\n"
    assert "dependency warning from cryptography" in result.stdout


def test_empty_standard_error_passes():
    result = run("")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
