#!/bin/sh
# Check, from the binaries themselves, that the build's hardening is there
# (SECURITY.md "Hardening of the build").  Usage: hardening-check.sh PROG...
# For release builds only: a sanitizer build is not fortified.
#   PIE               ELF type DYN with FLAGS_1 PIE
#   full RELRO        a GNU_RELRO segment and BIND_NOW (-z relro -z now)
#   stack protector   calls __stack_chk_fail (-fstack-protector-strong)
#   fortify           calls glibc's checked __*_chk functions
#                     (-D_FORTIFY_SOURCE=3 with -O2)
#   no exec stack     GNU_STACK is RW, not RWE
#   no TEXTREL, no RPATH/RUNPATH
#   CET-ready code    endbr64 at function entries (-fcf-protection); the
#                     executable is not marked IBT/SHSTK because Debian
#                     12's crt files lack the property note, so not asserted
#                     beyond the instructions being there
set -u
rc=0
ok() { printf '  %-18s ok\n' "$1"; }
bad() { printf '  %-18s MISSING: %s\n' "$1" "$2"; rc=1; }
for p in "$@"; do
	echo "hardening-check: $p"
	[ -f "$p" ] || { bad "file" "no such file"; continue; }
	hdr=$(readelf -hW "$p"); dyn=$(readelf -dW "$p")
	seg=$(readelf -lW "$p"); syms=$(readelf --dyn-syms -W "$p")
	if printf '%s' "$hdr" | grep -q 'Type:.*DYN' &&
	    printf '%s' "$dyn" | grep -q 'FLAGS_1.*PIE'; then ok PIE
	else bad PIE "not a position-independent executable"; fi
	if printf '%s' "$seg" | grep -q 'GNU_RELRO' &&
	    printf '%s' "$dyn" | grep -Eq '\(FLAGS\).*BIND_NOW|FLAGS_1.*NOW'; then
		ok "full RELRO"
	else bad "full RELRO" "no GNU_RELRO segment or no BIND_NOW"; fi
	if printf '%s' "$syms" | grep -q '__stack_chk_fail'; then
		ok "stack protector"
	else bad "stack protector" "__stack_chk_fail not referenced"; fi
	n=$(printf '%s' "$syms" | grep -Eo '__[a-z0-9_]+_chk\b' |
	    grep -v __stack_chk_fail | sort -u | wc -l)
	if [ "$n" -gt 0 ]; then ok "fortify ($n)"
	else bad fortify "no __*_chk functions referenced"; fi
	if printf '%s' "$seg" | grep 'GNU_STACK' | grep -q 'RWE'; then
		bad "no exec stack" "GNU_STACK is executable"
	elif printf '%s' "$seg" | grep -q 'GNU_STACK'; then ok "no exec stack"
	else bad "no exec stack" "no GNU_STACK header"; fi
	if printf '%s' "$dyn" | grep -q 'TEXTREL'; then bad TEXTREL "present"
	else ok "no TEXTREL"; fi
	if printf '%s' "$dyn" | grep -Eq 'RPATH|RUNPATH'; then
		bad "no RPATH" "RPATH/RUNPATH set"
	else ok "no RPATH"; fi
	if objdump -d --no-show-raw-insn "$p" | grep -q 'endbr64'; then
		ok "endbr64 (CET)"
	else bad "endbr64 (CET)" "no endbr64: -fcf-protection missing"; fi
done
[ $rc -eq 0 ] && echo "hardening-check: all present" ||
	echo "hardening-check: FAILED"
exit $rc
