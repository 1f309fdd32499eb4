#!/usr/bin/env bash
# Builds the release packages into DIST (run by `make package`):
#   domainsync_<version>_linux_<arch>.deb, domainsync-<version>.<rpmarch>.rpm,
#   domainsync_<version>_linux_<arch>.tar.gz (binary, README.md, LICENSE, contrib/)
#   for each arch of PKG_ARCHS, and SHA256SUMS. DIST/stage is the build output
#   that packaging/nfpm.yaml takes its files from, removed at the end;
#   --stage-only stops after it (packaging_test.go uses that).
# Environment: PKG_VERSION (default packaging/version.sh), PKG_ARCHS (default
# "amd64 arm64"), LDFLAGS (make passes its -X version and commit stamps), GO,
# NFPM (the pinned nfpm command line) and PKG_MAINTAINER (both set by make).
set -euo pipefail
stage_only=false
if [ "${1:-}" = --stage-only ]; then
  stage_only=true
  shift
fi
[ $# -eq 1 ] || { echo "usage: $0 [--stage-only] DIST" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dist=$1
case $dist in /*) ;; *) dist="$root/$dist" ;; esac
stage=$dist/stage
GO=${GO:-go}
PKG_ARCHS=${PKG_ARCHS:-amd64 arm64}
PKG_VERSION=${PKG_VERSION:-$(sh packaging/version.sh)}
LDFLAGS=${LDFLAGS:--s -w}
# File times (man page dates, tar entries) from the commit, not the clock.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

rm -rf "$dist"
mkdir -p "$stage"

# Static binaries, one per architecture, built side by side.
pids=()
for arch in $PKG_ARCHS; do
  CGO_ENABLED=0 GOOS=linux GOARCH=$arch "$GO" build -trimpath -ldflags "$LDFLAGS" \
    -o "$stage/linux_$arch/domainsync" . &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

# Man pages and completions (the hidden gen-docs command), with this build's version.
host=$stage/linux_$("$GO" env GOARCH)/domainsync
if [ "$(uname -s)" = Linux ] && [ -x "$host" ]; then
  "$host" gen-docs "$stage"
else
  "$GO" run -ldflags "$LDFLAGS" . gen-docs "$stage"
fi
gzip -9n "$stage"/man/*.1

# contrib/ names /usr/local/bin (make install); the packages install /usr/bin.
mkdir -p "$stage/systemd" "$stage/doc"
for f in contrib/systemd/domainsync.service contrib/systemd/domainsync.timer contrib/crontab; do
  case $f in contrib/systemd/*) out=$stage/systemd/${f##*/} ;; *) out=$stage/doc/${f##*/} ;; esac
  sed 's#/usr/local/bin/domainsync#/usr/bin/domainsync#g' "$f" >"$out"
done
grep -q '^ExecStart=/usr/bin/domainsync ' "$stage/systemd/domainsync.service" ||
  { echo "package: domainsync.service: no ExecStart=/usr/bin/domainsync after the rewrite" >&2; exit 1; }

$stage_only && exit 0

: "${NFPM:?the nfpm command line (make package sets it)}" "${PKG_MAINTAINER:?Name <address> (make package sets it)}"
export PKG_VERSION PKG_MAINTAINER PKG_STAGE=$stage
for arch in $PKG_ARCHS; do
  case $arch in amd64) rpmarch=x86_64 ;; arm64) rpmarch=aarch64 ;; *) rpmarch=$arch ;; esac
  PKG_ARCH=$arch $NFPM package --config packaging/nfpm.yaml --packager deb \
    --target "$dist/domainsync_${PKG_VERSION}_linux_$arch.deb" >/dev/null
  PKG_ARCH=$arch $NFPM package --config packaging/nfpm.yaml --packager rpm \
    --target "$dist/domainsync-$PKG_VERSION.$rpmarch.rpm" >/dev/null

  name=domainsync_${PKG_VERSION}_linux_$arch
  mkdir -p "$dist/tar/$name"
  cp "$stage/linux_$arch/domainsync" README.md LICENSE "$dist/tar/$name/"
  cp -R contrib "$dist/tar/$name/"
  tar -C "$dist/tar" --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime="@$SOURCE_DATE_EPOCH" -cf - "$name" | gzip -9n >"$dist/$name.tar.gz"
done
rm -rf "$dist/tar" "$stage"
(cd "$dist" && sha256sum -- *.deb *.rpm *.tar.gz >SHA256SUMS)
ls -l "$dist"
