#!/bin/sh
# make demo / make demo-stop: a working POP3 (and, once built, IMAP) server
# on loopback ports under xinetd, with a self-signed certificate, a sample
# Maildir (one message in KOI8-R Russian) and a demo login through real PAM
# (a private PAM directory with pam_pwdfile).  Everything it creates is
# recorded and removed again by `make demo-stop`.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
D=/var/tmp/letterbox-demo
USER_NAME=lbdemo
PASSWORD=demo-pass
NET_USER=letterbox
POP3_PORT=${POP3_PORT:-11110}
POP3S_PORT=${POP3S_PORT:-11995}
IMAP_PORT=${IMAP_PORT:-11143}
IMAPS_PORT=${IMAPS_PORT:-11993}

[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates a user and starts xinetd)" >&2; exit 1; }

stop() {
	[ -d "$D" ] || { echo "demo: not running"; return 0; }
	if [ -f "$D/xinetd.pid" ]; then
		kill "$(cat "$D/xinetd.pid")" 2>/dev/null || true
		sleep 0.3
	fi
	if [ -f "$D/created-users" ]; then
		while read -r u; do userdel -r "$u" >/dev/null 2>&1 || true; done < "$D/created-users"
	fi
	rm -rf "$D"
	echo "demo: stopped; users, files and processes removed"
}

service() { # template name prog args port
	sed -e "s|^service .*|service $2|" \
	    -e "s|^\([[:space:]]*server[[:space:]]*=\).*|\1 $TOP/$3|" \
	    -e "s|^\([[:space:]]*server_args[[:space:]]*=\).*|\1 $4|" \
	    -e "s|^}|\ttype\t\t= UNLISTED\n\tport\t\t= $5\n\tbind\t\t= 127.0.0.1\n}|" \
	    "$TOP/xinetd.d/$1"
}

start() {
	[ ! -d "$D" ] || stop
	mkdir -p "$D" && chmod 755 "$D"
	: > "$D/created-users"
	if ! getent passwd "$NET_USER" >/dev/null; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$NET_USER"
		echo "$NET_USER" >> "$D/created-users"
	fi
	if getent passwd "$USER_NAME" >/dev/null; then
		echo "demo: user $USER_NAME already exists; not touching it" >&2
		exit 1
	fi
	useradd -m -d "$D/home/$USER_NAME" -s /usr/sbin/nologin "$USER_NAME"
	echo "$USER_NAME" >> "$D/created-users"
	mkdir -p "$D/empty" "$D/pam.d" && chmod 755 "$D/empty"
	printf '%s:%s\n' "$USER_NAME" "$(openssl passwd -6 "$PASSWORD")" > "$D/passwd"
	chmod 600 "$D/passwd"
	cat > "$D/pam.d/letterbox-demo" <<PAM
auth required pam_pwdfile.so pwdfile=$D/passwd
account required pam_unix.so
session required pam_permit.so
PAM
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$D/key.pem" -out "$D/cert.pem" -subj /CN=localhost \
	    -days 30 2>/dev/null
	chmod 600 "$D/key.pem"
	cat > "$D/letterbox.conf" <<CONF
# letterbox demo configuration (see letterbox.conf(5))
pam_service = letterbox-demo
pam_confdir = $D/pam.d
tls_cert = $D/cert.pem
tls_key = $D/key.pem
unpriv_user = $NET_USER
empty_dir = $D/empty
CONF
	# The sample Maildir, delivered the way the MTA would.
	for f in "$TOP"/tests/data/demo/*.eml; do
		"$TOP/maildir-deliver" -d "$USER_NAME" -f demo@example.org < "$f"
	done
	{
		echo "defaults"; echo "{"; echo "	log_type = FILE $D/xinetd.log"; echo "}"
		service letterbox-pop3 pop3 pop3d "-f $D/letterbox.conf" "$POP3_PORT"
		service letterbox-pop3s pop3s pop3d "-f $D/letterbox.conf -T" "$POP3S_PORT"
		if [ -x "$TOP/imapd" ] && [ -f "$TOP/xinetd.d/letterbox-imap" ]; then
			service letterbox-imap imap imapd "-f $D/letterbox.conf" "$IMAP_PORT"
			service letterbox-imaps imaps imapd "-f $D/letterbox.conf -T" "$IMAPS_PORT"
		fi
	} > "$D/xinetd.conf"
	xinetd -f "$D/xinetd.conf" -pidfile "$D/xinetd.pid"
	sleep 0.5
	cat <<MSG

letterbox demo is running (xinetd, loopback only).
  login:     $USER_NAME / $PASSWORD   (real PAM: $D/pam.d/letterbox-demo)
  IMAP:      127.0.0.1:$IMAP_PORT (plain text from loopback, STARTTLS)
  IMAPS:     127.0.0.1:$IMAPS_PORT (implicit TLS, self-signed certificate)
  POP3:      127.0.0.1:$POP3_PORT (plain text from loopback, STLS)
  POP3S:     127.0.0.1:$POP3S_PORT (implicit TLS, self-signed certificate)

Try:
  curl -k --user $USER_NAME:$PASSWORD 'imaps://127.0.0.1:$IMAPS_PORT/INBOX;UID=1'
  curl -k --ssl-reqd --user $USER_NAME:$PASSWORD imap://127.0.0.1:$IMAP_PORT/
  openssl s_client -quiet -connect 127.0.0.1:$IMAPS_PORT
  curl -k --ssl-reqd --user $USER_NAME:$PASSWORD pop3://127.0.0.1:$POP3_PORT/
  curl -k --user $USER_NAME:$PASSWORD pop3s://127.0.0.1:$POP3S_PORT/1
  openssl s_client -quiet -connect 127.0.0.1:$POP3S_PORT
  openssl s_client -quiet -starttls pop3 -connect 127.0.0.1:$POP3_PORT

Stop it (removes the demo user, files and processes):  make demo-stop
MSG
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 64 ;;
esac
