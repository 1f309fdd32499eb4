#!/bin/sh
# Prints the package version (deb and rpm alike) for the checked-out commit.
#   tag v1.2.3 on HEAD                 1.2.3
#   tag v1.3.0-rc.1 on HEAD            1.3.0~rc.1           (sorts before 1.3.0)
#   4 commits after v1.2.3             1.2.3+git20261207.4.9daa724
#   no v* tag                          0.0.0~git20261207.9daa724
# <date> is the commit's date (UTC), so a rebuild gives the same version; an
# uncommitted change adds ".dirty" (or "+dirty" to a plain tag version).
# dpkg and rpm (>= 4.10) both sort "~" before anything and "+" after.
set -eu
cd "$(dirname "$0")/.."
if ! sha=$(git rev-parse --short=7 HEAD 2>/dev/null); then
  echo 0.0.0~unknown
  exit 0
fi
date=$(TZ=UTC git show -s --format=%cd --date=format-local:%Y%m%d HEAD)
if tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null); then
  base=$(printf '%s' "${tag#v}" | tr -- - '~')
  n=$(git rev-list --count "$tag..HEAD")
  if [ "$n" -eq 0 ]; then
    version=$base
  else
    version="$base+git$date.$n.$sha"
  fi
else
  version="0.0.0~git$date.$sha"
fi
if ! git diff --quiet HEAD -- 2>/dev/null; then
  case $version in
    *[+~]*) version="$version.dirty" ;;
    *) version="$version+dirty" ;;
  esac
fi
printf '%s\n' "$version"
