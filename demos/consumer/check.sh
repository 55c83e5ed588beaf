#!/usr/bin/env bash
# Builds and tests this example project against weft, installed or as a subproject.
#
#   check.sh installed  WEFT_BUILD_DIR  [MESON_SETUP_OPTION...]
#       installs that weft build into a temporary DESTDIR and finds it with pkg-config
#   check.sh subproject WEFT_SOURCE_DIR [MESON_SETUP_OPTION...]
#       builds a copy of this project whose subprojects/weft is that source tree
#
# Everything happens in a temporary directory, removed at the end. Exits non-zero when
# any step fails, the project's tests included.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 installed|subproject WEFT_DIR [MESON_SETUP_OPTION...]" >&2; exit 2; }
mode=$1
weft=$(cd "$2" && pwd)
shift 2
here=$(cd "$(dirname "$0")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/weft-consumer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 143' TERM INT

step() { printf '\n== %s\n' "$*"; }

case $mode in
  installed)
    step "meson install of $weft into a temporary DESTDIR"
    meson install -C "$weft" --no-rebuild --quiet --destdir "$tmp/root" </dev/null
    pc=$(find "$tmp/root" -name weft.pc -print -quit)
    [ -n "$pc" ] || { echo "no weft.pc was installed" >&2; exit 1; }
    # The .pc files name the configured prefix: point them at its copy under DESTDIR.
    sed -i "s|^prefix=|prefix=$tmp/root|" "${pc%/*}"/weft*.pc
    export PKG_CONFIG_PATH=${pc%/*}
    pkg-config --cflags --libs weft-check-main
    tool=$(find "$tmp/root" -path '*/bin/weft-check' -print -quit)
    if [ -n "$tool" ]; then
      step "installed weft-check"
      "$tool" list
    fi
    step "configuring the consumer (weft from pkg-config only)"
    meson setup "$tmp/build" "$here" --wrap-mode=nofallback "$@" </dev/null
    ;;
  subproject)
    step "a copy of the consumer with subprojects/weft -> $weft"
    mkdir -p "$tmp/consumer/subprojects"
    (cd "$here" && tar --exclude='./build*' --exclude=./subprojects -cf - .) | tar -xf - -C "$tmp/consumer"
    ln -s "$weft" "$tmp/consumer/subprojects/weft"
    # A wrap file like the one a user writes (README); the directory exists, so nothing
    # is fetched. [provide] maps every weft dependency name to the subproject.
    cat >"$tmp/consumer/subprojects/weft.wrap" <<WRAP
[wrap-git]
url = $weft
revision = HEAD

[provide]
dependency_names = weft, weft-check, weft-check-main
WRAP
    step "configuring the consumer (weft as a subproject, even if one is installed)"
    meson setup "$tmp/build" "$tmp/consumer" --force-fallback-for=weft "$@" </dev/null
    # As a subproject weft builds its libraries and nothing else (no tests, demos, tools).
    python3 - "$tmp/build/meson-info/intro-targets.json" <<'PY'
import json, sys
targets = json.load(open(sys.argv[1]))
weft = sorted(t["name"] for t in targets if t.get("subproject") == "weft")
expected = ["weft_check", "weft_check_main", "weft_fibers", "weft_sched"]
if weft != expected:
    sys.exit(f"weft as a subproject defines {weft}, expected only {expected}")
print("weft subproject targets:", " ".join(weft))
PY
    ;;
  *)
    echo "unknown mode: $mode" >&2
    exit 2
    ;;
esac

step "building the consumer"
ninja -C "$tmp/build" </dev/null
step "testing the consumer"
meson test -C "$tmp/build" --print-errorlogs --no-rebuild </dev/null
