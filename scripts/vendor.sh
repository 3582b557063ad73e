#!/usr/bin/env bash
# Refreshes the third-party front-end code the service embeds and serves
# itself (no page loads anything from another host). Each package is taken
# from the npm registry at the pinned version below, its files copied into
# src/html/assets/vendor/<package>@<version>/ with its licence, and the
# tarball's integrity written to src/html/assets/vendor/README.md.
# To upgrade: change a version here, run this script, commit the result.
set -euo pipefail
cd "$(dirname "$0")/.."

# package@version, then the files to take (paths inside the package).
PACKAGES=(
  "maplibre-gl@6.20.0 dist/maplibre-gl.mjs dist/maplibre-gl-worker.mjs dist/maplibre-gl.css LICENSE.txt"
  "swagger-ui-dist@5.35.0 swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE"
)

out=src/html/assets/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out"
mkdir -p "$out"
{
  echo "# Vendored front-end packages"
  echo
  echo "Written by \`scripts/vendor.sh\` (do not edit by hand): each package at a pinned"
  echo "version from the npm registry, with its licence beside it."
  echo
  echo "| package | licence | npm integrity |"
  echo "|---|---|---|"
} > "$work/README.md"
for entry in "${PACKAGES[@]}"; do
  read -r spec files <<<"$entry"
  echo "==> $spec" >&2
  (cd "$work" && npm pack "$spec" --json --silent > pack.json)
  tarball=$(node -e 'console.log(require(process.argv[1])[0].filename)' "$work/pack.json")
  integrity=$(node -e 'console.log(require(process.argv[1])[0].integrity)' "$work/pack.json")
  rm -rf "$work/package" && tar xzf "$work/$tarball" -C "$work"
  licence=$(node -e 'console.log(require(process.argv[1]).license)' "$work/package/package.json")
  dest="$out/$spec"
  mkdir -p "$dest"
  for f in $files; do
    # Source maps are not shipped: drop the comment that points at them.
    sed -e '/^\/\/# sourceMappingURL=/d' -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
      "$work/package/$f" > "$dest/$(basename "$f")"
  done
  echo "| \`$spec\` | $licence | \`$integrity\` |" >> "$work/README.md"
done
mv "$work/README.md" "$out/README.md"
