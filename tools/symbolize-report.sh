#!/bin/sh
# Symbolize a sanitizer report written with symbolize=0 (the confined
# processes of a connection cannot start a symbolizer; see
# tests/integration/lbenv.py).  Reads the report on stdin or from the files
# named, and appends "function file:line" to each "#N 0x... (module+0xoff)"
# frame, using addr2line on the module.  Run it on the same build.
#   sh tools/symbolize-report.sh < report
cat "$@" | while IFS= read -r line; do
	mod=$(printf '%s\n' "$line" | sed -n 's/.*(\([^()+]*\)+\(0x[0-9a-f]*\)).*/\1/p')
	off=$(printf '%s\n' "$line" | sed -n 's/.*(\([^()+]*\)+\(0x[0-9a-f]*\)).*/\2/p')
	if [ -n "$mod" ] && [ -r "$mod" ]; then
		# The report gives the return address: look up the call (-1).
		at=$(printf '0x%x' $((off - 1)))
		sym=$(addr2line -f -C -i -p -e "$mod" "$at" 2>/dev/null | head -n 1)
		printf '%s  %s\n' "$line" "$sym"
	else
		printf '%s\n' "$line"
	fi
done
