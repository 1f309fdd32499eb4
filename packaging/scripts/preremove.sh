#!/bin/sh
# domainsync package, before removing (deb prerm, rpm %preun): on a removal
# (deb "remove", rpm "0"; not on an upgrade) stop and disable the timer.
set -e
case "${1:-}" in
  remove | 0)
    if command -v systemctl >/dev/null 2>&1; then
      systemctl --no-reload disable domainsync.timer domainsync.service >/dev/null 2>&1 || true
      if [ -d /run/systemd/system ]; then
        systemctl stop domainsync.timer domainsync.service >/dev/null 2>&1 || true
      fi
    fi
    ;;
esac
exit 0
