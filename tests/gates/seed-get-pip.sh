#!/usr/bin/env bash
# seed-get-pip.sh VENV : seed ~/.ansible/test/cache/get_pip_<X_Y_Z>.py for the pip version that VENV's
# ansible-test pins, so `ansible-test --venv` works offline (see docs/testing.md).
set -euo pipefail
# shellcheck source=tests/gates/common.sh
. "$(dirname "$0")/common.sh"
venv="$1"
pip_version="$("$venv/bin/python" - <<'PY'
import ast, pathlib, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
tree = ast.parse(src.read_text())
for node in ast.walk(tree):
    if isinstance(node, ast.FunctionDef) and node.name == "get_venv_packages":
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign) and getattr(sub.targets[0], "id", "") == "default_packages":
                for kw in sub.value.keywords:
                    if kw.arg == "pip":
                        print(kw.value.value)
PY
)"
[ -n "$pip_version" ] || die "cannot find the pip version pinned by ansible-test in $venv"
cache="$HOME/.ansible/test/cache"
script="$cache/get_pip_${pip_version//./_}.py"
wheel="pip-${pip_version}-py3-none-any.whl"
mkdir -p "$cache"
if [ ! -f "$cache/$wheel" ]; then
    log "downloading $wheel from the package index"
    "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
        -d "$cache" "pip==$pip_version"
fi
[ -f "$cache/$wheel" ] || die "pip download did not produce $cache/$wheel"
if [ -f "$script" ] && ! grep -q 'Offline stand-in' "$script"; then
    exit 0   # the real get-pip script is already cached
fi
sed -e "s/@PIP_VERSION@/$pip_version/" -e "s/@WHEEL@/$wheel/" "$(dirname "$0")/get_pip_standin.py.in" > "$script.tmp"
mv "$script.tmp" "$script"
