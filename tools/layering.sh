#!/bin/sh
# Layering rules of DESIGN.md / STYLE.md, checked by grep:
# OpenSSL, PAM and seccomp headers only in their one file each; chroot and
# set*id only in auth/drop.c; maildir/ uses only common/.
rc=0
only() {
	pat=$1; shift
	# Code lines only: comment lines (" * ...", "/* ...") may name things.
	files=$(for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]'); do
		grep -nE "$pat" "$f" 2>/dev/null | grep -qvE '^[0-9]+:[[:space:]]*(/?[*]|//)' && echo "$f"
	done | grep -v '^tests/' | sort)
	for f in $files; do
		ok=0
		for a in "$@"; do [ "$f" = "$a" ] && ok=1; done
		[ $ok = 1 ] || { echo "layering: $f uses '$pat' (allowed only in $*)"; rc=1; }
	done
}
only '#include <openssl/' common/tls.c
only '#include <security/pam' auth/pam.c
only '#include <seccomp.h>' auth/sandbox.c
only '(^|[^_a-z])(chroot|setgroups|setresuid|setresgid|setuid|setgid|initgroups)\(' auth/drop.c
for f in $(ls maildir/*.[ch] 2>/dev/null); do
	if grep -nE '#include "(auth|imap|pop3)/' "$f"; then
		echo "layering: $f includes outside common/"; rc=1
	fi
done
exit $rc
