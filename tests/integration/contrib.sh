#!/bin/bash
# shellcheck disable=SC2016
# The integrations under contrib/ work with what they integrate with:
# - Prometheus: the alerting rules pass promtool check rules and their
#   unit tests (promtool test rules, sample series shaped as ours), and
#   every metric they use is one that monitor --prom writes;
# - systemd: the service and timer pass systemd-analyze verify, and the
#   service's ExecStart is a valid monitor command (run, it writes its
#   metrics);
# - Nagios: the command and service definitions pass nagios4 -v in a
#   minimal configuration, and the command line, its macros expanded,
#   runs and prints one plugin line;
# - Icinga 2: the CheckCommand and the apply rule pass icinga2 daemon -C.
# No network: the runs use a resolver that does not answer (exit 3,
# UNKNOWN), which is enough to show the command lines are right.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need promtool systemd-analyze nagios4 icinga2
C=$top_srcdir/contrib
X=$(cd "$(dirname "$XMPPCUT")" && pwd)/$(basename "$XMPPCUT")
PLAN=$top_srcdir/zones/example.conf
DEAD="--resolver 127.0.0.1@1 --timeout 1 --max-time 3"	# after "monitor"
chmod a+rx "$T"	# nagios4 and icinga2 read their files as their own users

# Prometheus
expect_status 0 "promtool check rules" promtool check rules "$C/prometheus/xmppcut.rules.yml"
(cd "$C/prometheus" && promtool test rules xmppcut.rules.test.yml) >"$T/out" 2>&1
check "promtool test rules: every alert fires on its series, none on a healthy run" grep -q SUCCESS "$T/out"
# shellcheck disable=SC2086
"$X" -c "$PLAN" monitor $DEAD --state "$T/state.json" --prom "$T/x.prom" >/dev/null 2>&1
check "monitor --prom wrote metrics (even UNKNOWN)" grep -q '^xmppcut_up 0$' "$T/x.prom"
for m in $(grep -o 'xmppcut_[a-z_]*' "$C/prometheus/xmppcut.rules.yml" | sort -u); do
	check "the rules' metric $m is one monitor writes" grep -q "^# TYPE $m " "$T/x.prom"
done

# systemd
sed "s|/usr/bin/xmppcut|$X|" "$C/systemd/xmppcut-monitor.service" >"$T/xmppcut-monitor.service"
cp "$C/systemd/xmppcut-monitor.timer" "$T/"
(cd "$T" && systemd-analyze verify --man=no xmppcut-monitor.service xmppcut-monitor.timer) >"$T/verify" 2>&1
check "systemd-analyze verify: no complaint" test ! -s "$T/verify"
cat "$T/verify" | sed 's/^/#   /'
cmd=$(sed -n 's/^ExecStart=//p' "$T/xmppcut-monitor.service" |
    sed "s|/etc/xmppcut/plan.conf|$PLAN|; s|/var/lib/xmppcut|$T/sd|g")
mkdir -p "$T/sd"
# shellcheck disable=SC2086
expect_status 3 "the service's ExecStart runs (UNKNOWN: no resolver here)" $cmd $DEAD
check "... and writes its metrics" test -s "$T/sd/xmppcut.prom"

# Nagios
mkdir -p "$T/ng"
chmod 1777 "$T/ng"
cat >"$T/ng/main.cfg" <<EOC
log_file=$T/ng/nagios.log
cfg_file=$T/ng/base.cfg
cfg_file=$C/nagios/xmppcut.cfg
status_file=$T/ng/status.dat
temp_file=$T/ng/nagios.tmp
lock_file=$T/ng/nagios.lock
command_file=$T/ng/nagios.cmd
check_result_path=$T/ng
illegal_macro_output_chars=\`~\$&|'"<>
EOC
cat >"$T/ng/base.cfg" <<'EOC'
define timeperiod {
    timeperiod_name 24x7
    alias           always
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
    sunday 00:00-24:00
}
define command {
    command_name    none
    command_line    /bin/true
}
define contact {
    contact_name                    admin
    service_notification_period     24x7
    host_notification_period        24x7
    service_notification_options    w,u,c,r
    host_notification_options       d,u,r
    service_notification_commands   none
    host_notification_commands      none
}
define service {
    name                    generic-service
    register                0
    check_period            24x7
    notification_period     24x7
    contacts                admin
    max_check_attempts      3
    check_interval          10
    retry_interval          2
}
define host {
    host_name               xmpp-gateway
    address                 127.0.0.1
    check_command           none
    max_check_attempts      3
    check_period            24x7
    notification_period     24x7
    contacts                admin
}
EOC
nagios4 -v "$T/ng/main.cfg" >"$T/nagios-v" 2>&1
grep -E 'Error|Warning' "$T/nagios-v" | sed 's/^/#   /'
check "nagios4 -v: no error, no warning" grep -q 'Total Warnings: 0' "$T/nagios-v"
check "... things look okay" grep -q 'Things look okay' "$T/nagios-v"
line=$(sed -n 's/^ *command_line *//p' "$C/nagios/xmppcut.cfg" |
    sed "s|/usr/bin/xmppcut|$X|; s|\\\$ARG1\\\$|$PLAN|; s|\\\$ARG2\\\$|new|; s|\\\$ARG3\\\$|$DEAD|; s|/var/lib/nagios4/xmppcut-\\\$SERVICEDESC\\\$|$T/ng/xmppcut-xmpp-federation|")
# shellcheck disable=SC2086
expect_status 3 "the check command, macros expanded, runs (UNKNOWN here)" $line
check "... and prints one plugin line" sh -c "test \$(wc -l <'$T/out') -eq 1 && grep -q '^XMPPCUT UNKNOWN - ' '$T/out'"

# Icinga 2 (its config check drops privileges to its own user: as
# another user it cannot run, and says so)
if [ "$(id -u)" -ne 0 ]; then
	ok "icinga2 daemon -C # SKIP it needs root or the icinga user"
	done_testing
fi
cat >"$T/icinga.conf" <<EOC
include <itl>
include "$C/icinga2/xmppcut.conf"
object Host "xmpp-gateway" {
  check_command = "dummy"
  vars.xmppcut_gateway = true
}
EOC
icinga2 daemon -C -c "$T/icinga.conf" >"$T/out" 2>&1
st=$?
check "icinga2 daemon -C: valid" test "$st" -eq 0
check "... the service applies to the gateway host" sh -c "! grep -q 'does not match anywhere' '$T/out' && grep -q 'Instantiated 1 Service' '$T/out'"
check "... no warning" sh -c "! grep -q '/warning' '$T/out'"
done_testing
