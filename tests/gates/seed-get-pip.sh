#!/usr/bin/env bash
# seed-get-pip.sh VENV : seed ~/.ansible/test/cache/get_pip_<X_Y_Z>.py for the pip version that VENV's
# ansible-test pins, so `ansible-test --venv` works offline (see docs/testing.md).
set -euo pipefail
# shellcheck source=tests/gates/common.sh
. "$(dirname "$0")/common.sh"
venv="$1"
packages="$("$venv/bin/python" - <<'PY'
import ast, pathlib, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
for node in ast.walk(ast.parse(src.read_text())):
    if isinstance(node, ast.FunctionDef) and node.name == "get_venv_packages":
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign) and getattr(sub.targets[0], "id", "") == "default_packages":
                print(" ".join(f"{kw.arg}=={kw.value.value}" for kw in sub.value.keywords))
PY
)"
pip_version="$(tr ' ' '\n' <<<"$packages" | sed -n 's/^pip==//p')"
[ -n "$pip_version" ] || die "cannot find the pip version pinned by ansible-test in $venv"
cache="$HOME/.ansible/test/cache"
wheels="$cache/wheels"
script="$cache/get_pip_${pip_version//./_}.py"
wheel="pip-${pip_version}-py3-none-any.whl"
mkdir -p "$wheels"
for pkg in $packages; do
    name="${pkg%%==*}"
    ver="${pkg#*==}"
    if ! compgen -G "$wheels/${name}-${ver}-*.whl" >/dev/null; then
        log "downloading $pkg (wheel) from the package index for ansible-test's pip bootstrap"
        "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
            -d "$wheels" "$pkg" 2> >(grep -v "is ignored: it is neither" >&2)
    fi
done
[ -f "$wheels/$wheel" ] || die "pip download did not produce $wheels/$wheel"
if [ -f "$script" ] && ! grep -q 'Offline stand-in' "$script"; then
    exit 0   # the real get-pip script is already cached
fi
sed -e "s/@PIP_VERSION@/$pip_version/" -e "s/@WHEEL@/$wheel/" "$(dirname "$0")/get_pip_standin.py.in" > "$script.tmp"
mv "$script.tmp" "$script"
