# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection's version, for code that runs where galaxy.yml cannot be read.

Generated from galaxy.yml, the one place the version is written by hand; do not edit. After changing galaxy.yml's
version, run ``make version`` (``.venv/bin/python tests/unit/plugins/module_utils/test_version.py --write``);
tests/unit/plugins/module_utils/test_version.py fails while this file differs from what that command writes.
Modules run on the target as AnsiballZ payloads, which carry module_utils but not galaxy.yml, so the version the code
reports (the client's User-Agent) is this constant.

Private to the collection: its interface may change between releases.
"""

COLLECTION_VERSION = "2.1.0"
