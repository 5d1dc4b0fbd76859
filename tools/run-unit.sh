#!/bin/sh
# Run every unit test binary; print one summary line that counts tests.
p=0; f=0; bad=""
for t in "$@"; do
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -v ' passed, ' || true
	line=$(printf '%s\n' "$out" | grep ' passed, ' | tail -n 1)
	tp=$(printf '%s' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	tf=$(printf '%s' "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	[ -n "$tp" ] || { tp=0; tf=1; }
	[ $rc -eq 0 ] || [ "$tf" -gt 0 ] || tf=1
	p=$((p + tp)); f=$((f + tf))
	[ "$tf" -eq 0 ] || bad="$bad $t"
done
echo "unit: $p passed, $f failed"
[ "$f" -eq 0 ] || { echo "failing:$bad"; exit 1; }
