#!/bin/sh
# The one `deps` step of `make check` and `make demo`: install the Debian
# packages that building, testing and the demo need, when missing.  As root
# it runs apt-get; otherwise it prints the exact command and stops.
# The second line is for .ci/run beyond `make check`: libFuzzer and the
# sanitizer runtimes of clang (make fuzz), cppcheck and clang-tidy (make
# analyze), binutils' readelf/objdump (make hardening-check), valgrind.
PKGS="gcc clang make pkg-config libssl-dev libseccomp-dev libpam0g-dev openssl \
mandoc xinetd libpam-pwdfile libpam-modules passwd procps python3 curl \
fetchmail isync ucspi-tcp s6 \
libclang-rt-14-dev cppcheck clang-tidy binutils valgrind"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "letterbox needs these Debian packages; as root, run:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
# xinetd's package starts the system instance; tests run their own.
