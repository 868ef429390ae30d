#!/bin/sh
# Re-fetch the vendored jsQR from the npm registry and check it against the pinned digest.
set -eu
version=1.4.0
digest=bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "jsqr@$version" >/dev/null && tar xzf "jsqr-$version.tgz")
echo "$digest  $tmp/package/dist/jsQR.js" | sha256sum -c -
cp "$tmp/package/dist/jsQR.js" "$here/jsQR.js"
cp "$tmp/package/LICENSE" "$here/LICENSE"
echo "jsQR $version copied into $here"
