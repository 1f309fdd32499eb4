#!/bin/sh
# domainsync package, before installing (deb preinst, rpm %pre): create the
# system user "domainsync" that the systemd service runs as (User=domainsync),
# unless it exists. The README says how to run it as another user instead.
set -e
if ! getent passwd domainsync >/dev/null 2>&1; then
  shell=/usr/sbin/nologin
  [ -x "$shell" ] || shell=/sbin/nologin
  group=--user-group
  if getent group domainsync >/dev/null 2>&1; then group="--gid domainsync"; fi
  # shellcheck disable=SC2086 # $group is two words on purpose
  useradd --system $group --no-create-home --home-dir /nonexistent --shell "$shell" \
    --comment "domainsync (WHMCS domain sync)" domainsync ||
    echo "domainsync: could not create the system user domainsync; create it, or run the service as another user (README, Install)" >&2
fi
exit 0
