#!/usr/bin/env bash
# The deployable package of the Function App (docs/deploy.md): host.json, package.json and its lock,
# the compiled app (dist/src, without the local host and its tools), the built browser console
# (dist/console, which the app serves at /api/console/), and the production dependencies only
# (those of package-lock.json, as installed by npm ci).
# Built in a staging folder, so the working tree and its node_modules stay as they are.
#
#   scripts/package-function-app.sh [ZIP] [--keep-staging DIR] [--no-build]
#     ZIP                  where to write the package (default: airlock.zip)
#     --keep-staging DIR   also leave the unpacked package in DIR (the tests load the app from it); its
#                          node_modules files may be hard links to this checkout's: read them, do not edit them
#     --no-build           package dist/ as it is (the test suite, which has just built it)
set -euo pipefail
cd "$(dirname "$0")/.."

zip_path="airlock.zip"
keep=""
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --keep-staging) keep="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) zip_path="$1"; shift ;;
  esac
done
command -v zip >/dev/null || { echo "zip is not installed (apt-get install zip)" >&2; exit 1; }
case "$zip_path" in /*) ;; *) zip_path="$PWD/$zip_path" ;; esac

if [ "$build" = 1 ]; then npm run -s build; fi
# A package without the console would answer 503 at /api/console/: stop here instead.
[ -f dist/console/index.html ] || { echo "dist/console/index.html is missing: npm run build did not build the console" >&2; exit 1; }

if [ -n "$keep" ]; then
  staging="$keep"
  mkdir -p "$staging"
else
  staging="$(mktemp -d)"
  trap 'rm -rf "$staging"' EXIT
fi
cp host.json package.json package-lock.json "$staging"/
mkdir -p "$staging/dist"
cp -r dist/src dist/console "$staging/dist/"
# The local host (embedded Azurite, local issuer, the console's development sign-in) and the
# command-line tools that work with it are not part of what Azure runs.
rm -rf "$staging/dist/src/local" "$staging/dist/src/tools"

# The lock's production dependencies, copied from this checkout's node_modules (checked against the
# lock, package by package): what `npm ci --omit=dev` would install, without npm unpacking them again.
[ -d node_modules ] || { echo "node_modules is missing: run npm ci first" >&2; exit 1; }
node scripts/copy-production-modules.mjs "$staging"

rm -f "$zip_path"
(cd "$staging" && zip -qr "$zip_path" .)
echo "$zip_path"
