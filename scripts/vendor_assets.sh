#!/usr/bin/env bash
# Re-fetch the admin console's vendored assets from the npm registry at their
# pinned versions and check them against the recorded sha256 sums.
#   scripts/vendor_assets.sh          fetch, verify, write into the static dir
#   scripts/vendor_assets.sh --check  verify the files already vendored
# To upgrade: change the version, run with UPDATE_SUMS=1, review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."

STATIC=src/tailtribe/entrypoints/http/console/static/vendor
# package  version  file-in-tarball  destination  sha256
ASSETS=(
  "htmx.org 2.0.11 package/dist/htmx.min.js htmx/htmx.min.js d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"
  "htmx.org 2.0.11 package/LICENSE htmx/LICENSE d3d2456f76414f2456104660ebd65aff1c04cd7966b942bdabd63f3cdb316a38"
)

check() {
  local dest=$1 want=$2 got
  got=$(sha256sum "$STATIC/$dest" | cut -d' ' -f1)
  if [ "$got" != "$want" ]; then
    echo "sha256 mismatch for $dest: got $got, want $want" >&2
    return 1
  fi
}

if [ "${1:-}" = "--check" ]; then
  for asset in "${ASSETS[@]}"; do
    read -r _ _ _ dest sum <<<"$asset"
    check "$dest" "$sum"
  done
  echo "vendored assets match their sums"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for asset in "${ASSETS[@]}"; do
  read -r package version inner dest sum <<<"$asset"
  tarball="$work/$package-$version.tgz"
  if [ ! -f "$tarball" ]; then
    curl -fsSL "https://registry.npmjs.org/$package/-/$package-$version.tgz" -o "$tarball"
  fi
  mkdir -p "$STATIC/$(dirname "$dest")"
  tar -xzOf "$tarball" "$inner" >"$STATIC/$dest"
  if [ -n "${UPDATE_SUMS:-}" ]; then
    echo "$dest $(sha256sum "$STATIC/$dest" | cut -d' ' -f1)"
  else
    check "$dest" "$sum"
  fi
  printf '%s\n' "$version" >"$STATIC/$(dirname "$dest")/VERSION"
done
echo "vendored assets fetched and verified"
