#!/bin/sh
# scripts/xmppcut-cron.sh — xmppcut monitor from cron: quiet while nothing
# changes, so cron mails only news.
#
#   xmppcut-cron.sh DIR [xmppcut options...]
#
# Runs `xmppcut OPTIONS monitor --state DIR/state.json --prom
# DIR/xmppcut.prom` and appends its line to DIR/monitor.log. It prints the
# line (and cron mails it) only when the status differs from the last run's
# or the run reports a change; it exits with monitor's status. Example
# crontab line:
#
#   */5 * * * * /usr/local/share/xmppcut/xmppcut-cron.sh /var/lib/xmppcut -c /etc/xmppcut.conf
#
# XMPPCUT names the binary (default: xmppcut on PATH, else ./xmppcut
# next to this script's folder).
set -u
[ $# -ge 1 ] || { echo "usage: xmppcut-cron.sh DIR [xmppcut options...]" >&2; exit 3; }
dir=$1
shift
mkdir -p "$dir" || exit 3
x=${XMPPCUT:-$(command -v xmppcut || echo "$(dirname "$0")/../xmppcut")}

line=$("$x" "$@" monitor --state "$dir/state.json" --prom "$dir/xmppcut.prom" 2>&1)
status=$?
last=$(cat "$dir/last-status" 2>/dev/null || echo none)
printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$line" >>"$dir/monitor.log"
printf '%s\n' "$status" >"$dir/last-status.tmp" && mv "$dir/last-status.tmp" "$dir/last-status"
case "$line" in
*"[changed]"*|*"[reachability-lost]"*) news=1 ;;
*) news=0 ;;
esac
if [ "$status" != "$last" ] || [ "$news" = 1 ]; then
	printf '%s\n' "$line"
fi
exit "$status"
