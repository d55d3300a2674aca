"""Entry point for `python tests/simulator [options]`."""
import os
import sys

# Running a folder puts the folder itself first on sys.path; import the package from its parent instead.
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from simulator.cli import main  # noqa: E402

sys.exit(main())
