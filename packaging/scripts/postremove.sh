#!/bin/sh
# domainsync package, after removing (deb postrm, rpm %postun).
# The configuration stays: dpkg keeps a conffile until "purge"; rpm saves an
# edited %config file as domainsync.yaml.rpmsave on erase (rpm "0"), which is
# moved back here so that a removal leaves /etc/domainsync/domainsync.yaml in
# place on both (a reinstall then keeps it and writes the example as .rpmnew).
set -e
conf=/etc/domainsync/domainsync.yaml
if [ "${1:-}" = 0 ] && [ -f "$conf.rpmsave" ] && [ ! -e "$conf" ]; then
  mv "$conf.rpmsave" "$conf"
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
