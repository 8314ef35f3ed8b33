#!/bin/bash
# scripts/setup.sh — set up a Debian 12 machine for xmppcut and build it.
# Idempotent: installs only the missing Debian packages, then
# autoreconf (when needed), configure (when needed) and make.
#
#   scripts/setup.sh                 install, configure, build
#   SETUP_NO_BUILD=1 scripts/setup.sh  only the packages
set -eu
cd "$(dirname "$0")/.."

PACKAGES="
  build-essential autoconf automake libtool libtool-bin pkg-config
  libldns-dev libunbound-dev libevent-dev libssl-dev libexpat1-dev
  libinih-dev libjansson-dev libcmocka-dev
  knot knot-dnsutils knot-dnssecutils nsd ldnsutils unbound dns-root-data
  bind9 bind9-utils bind9-dnsutils prosody ejabberd openssl ca-certificates
  jq iproute2 procps time prometheus nagios4-core icinga2-bin systemd
  monitoring-plugins-contrib curl file bc python3-jsonschema socat
  clang libclang-rt-14-dev valgrind
"

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	# No daemon may start from a package's install script: the tests run
	# their own servers on loopback.
	policy=/usr/sbin/policy-rc.d
	made_policy=""
	if [ ! -e "$policy" ]; then
		as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
		made_policy=1
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
	[ -z "$made_policy" ] || as_root rm -f "$policy"
fi

[ -n "${SETUP_NO_BUILD:-}" ] && exit 0

if [ ! -x configure ] || [ configure.ac -nt configure ] ||
    [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
	./configure -q ${CONFIGURE_FLAGS:-}
fi
make -s -j"$(nproc)"
