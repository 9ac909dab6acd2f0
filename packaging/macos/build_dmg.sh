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

# With a Developer ID (SIGN_ID="Developer ID Application: ..."), sign for notarization:
# the hardened runtime (--options runtime) and a secure timestamp (--timestamp) are both
# required by Apple's notary service. Without one, sign ad hoc so Apple silicon runs it;
# an ad hoc signature cannot carry a timestamp. Gatekeeper then blocks the first start:
# on macOS 15 and later the user allows it in System Settings > Privacy & Security >
# "Open Anyway" (Control-click > Open no longer bypasses it). See packaging/README.md.
if [[ -n "${SIGN_ID:-}" ]]; then
    codesign --force --deep --options runtime --timestamp --sign "$SIGN_ID" \
        "$STAGE/Neuroplay.app"
else
    codesign --force --deep --sign - "$STAGE/Neuroplay.app"
fi
codesign --verify --deep --strict "$STAGE/Neuroplay.app"

mkdir -p dist
rm -f "$OUT"
hdiutil create -volname "Neuroplay ${VERSION}" -srcfolder "$STAGE" -fs HFS+ \
    -format UDZO -imagekey zlib-level=9 -ov "$OUT"

# Notarize and staple when a notarytool keychain profile is given (made once with
# `xcrun notarytool store-credentials NAME --apple-id ... --team-id ...`).
if [[ -n "${SIGN_ID:-}" ]]; then
    codesign --force --timestamp --sign "$SIGN_ID" "$OUT"
    if [[ -n "${NOTARY_PROFILE:-}" ]]; then
        xcrun notarytool submit "$OUT" --keychain-profile "$NOTARY_PROFILE" --wait
        xcrun stapler staple "$OUT"
    fi
fi
echo "$OUT"
