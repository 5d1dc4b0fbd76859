#!/bin/sh
# make install (as root, without DESTDIR): the dedicated account that the
# network child runs as, and the empty directory it is jailed in.
set -e
if ! getent passwd letterbox >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin letterbox
	echo "install: created system account letterbox"
fi
install -d -m 0755 -o root -g root /var/lib/letterbox /var/lib/letterbox/empty
install -d -m 0755 -o root -g root /etc/letterbox /etc/letterbox/tls
