#!/usr/bin/env bash
# Wrap build/pyinstaller/dist/Neuroplay.app in a compressed disk image (macOS only).
# Not run or tested on Linux. Usage, from the repository root, after packaging/build.py:
#   packaging/macos/build_dmg.sh        -> dist/neuroplay-<version>-macos-<arch>.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ "$(uname -s)" != "Darwin" ]]; then
    echo "build_dmg.sh needs macOS (hdiutil)" >&2
    exit 1
fi
APP="build/pyinstaller/dist/Neuroplay.app"
if [[ ! -d "$APP" ]]; then
    echo "$APP is missing: run .venv/bin/python packaging/build.py first" >&2
    exit 1
fi
VERSION="$(.venv/bin/python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
ARCH="$(uname -m)"
OUT="dist/neuroplay-${VERSION}-macos-${ARCH}.dmg"

# The image shows the app next to a link to /Applications: drag to install.
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"

# Without a Developer ID the app is unsigned; sign ad hoc so Apple silicon runs it
# (users still right-click > Open the first time). With an identity, pass it in SIGN_ID.
codesign --force --deep --sign "${SIGN_ID:--}" "$STAGE/Neuroplay.app"

mkdir -p dist
rm -f "$OUT"
hdiutil create -volname "Neuroplay ${VERSION}" -srcfolder "$STAGE" -fs HFS+ \
    -format UDZO -imagekey zlib-level=9 -ov "$OUT"
echo "$OUT"
