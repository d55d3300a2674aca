#!/usr/bin/env bash
# pytest.sh PYTHON PATH... : run pytest; "no tests collected" (exit 5) is a failure with a clear message,
# so a suite that silently vanished can never pass.
set -uo pipefail
python="$1"
shift
"$python" -m pytest -q -p no:cacheprovider "$@"
rc=$?
if [ "$rc" = 5 ]; then
    echo "FAILED: pytest collected no tests in: $* (the suite is missing)" >&2
    exit 1
fi
exit "$rc"
