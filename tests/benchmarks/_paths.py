# -*- coding: utf-8 -*-
# Copyright: simfleet.twilio contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The import paths of the benchmark scripts, in one place (see README.md in this folder).

A script run as ``python tests/benchmarks/bench_X.py`` has only its own folder on ``sys.path``, which is how it
finds this module. ``add_import_paths()`` adds the two folders the benchmarks import from: ``tests/`` (the
``simulator`` package) and ``build/collections`` (``ansible_collections.simfleet.twilio``, linked there by
``make collection``).
"""

import os
import sys

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT_DIR = os.path.dirname(TESTS_DIR)
COLLECTIONS_DIR = os.path.join(ROOT_DIR, "build", "collections")


def add_import_paths():
    """Put tests/ and build/collections first on sys.path (once), before a script imports from them."""
    for folder in (COLLECTIONS_DIR, TESTS_DIR):
        if folder not in sys.path:
            sys.path.insert(0, folder)
