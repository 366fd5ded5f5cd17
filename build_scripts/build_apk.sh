#!/bin/sh
# Build the apk package of the field app into dist/ (needs flet-cli and internet; see README.md here).
set -e
cd "$(dirname "$0")/.."
exec python build_scripts/flet_build.py apk "$@"
