#!/bin/sh
# Run libFuzzer targets (built by `make fuzz-bins` into build/fuzz/).
#   run-fuzz.sh replay BIN...   run every file of tests/fuzz/corpus/<name>/
#                               once (the regression tests); seconds
#   run-fuzz.sh fuzz BIN...     replay, then fuzz each target for
#                               $FUZZ_SECONDS (default 60), $FUZZ_JOBS at a
#                               time (default 1)
# <name> is the binary's name without "fuzz_".  New inputs go to
# build/fuzz/work/<name>/ (never into the checked-in seeds), crash inputs to
# build/fuzz/crash/, logs to build/fuzz/log/.  Prints one line per target
# (runs, coverage, features) and exits 1 if any target failed.
set -u
mode=$1; shift
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
top=$(pwd)
fz=$top/build/fuzz
mkdir -p "$fz/work" "$fz/crash" "$fz/log"
# Leaks are bugs too; the sanitizers abort on the first report.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

one() {
	bin=$1
	name=$(basename "$bin"); name=${name#fuzz_}
	seeds=$top/tests/fuzz/corpus/$name
	dict=$top/tests/fuzz/$name.dict
	log=$fz/log/$name.log
	[ -d "$seeds" ] || { echo "fuzz $name: no seed directory $seeds"; return 1; }
	# Replay: each seed once, in one process.
	if ! "$bin" -runs=1 $(find "$seeds" -type f | sort) >"$log.replay" 2>&1; then
		echo "fuzz $name: FAILED replaying seeds (see $log.replay)"
		tail -n 30 "$log.replay"
		return 1
	fi
	nseeds=$(find "$seeds" -type f | wc -l)
	[ "$mode" = fuzz ] || { echo "fuzz $name: $nseeds seeds replayed, ok"; return 0; }
	mkdir -p "$fz/work/$name"
	set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$fz/crash/$name-"
	[ -f "$dict" ] && set -- "$@" -dict="$dict"
	if ! "$bin" "$@" "$fz/work/$name" "$seeds" >"$log" 2>&1; then
		echo "fuzz $name: FAILED (see $log)"
		grep -E 'ERROR|SUMMARY|Test unit written|^[^ ]*\.c:[0-9]+:' "$log" | head -n 20
		return 1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
	cov=$(printf '%s' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	echo "fuzz $name: ${secs}s, $runs runs, cov $cov, ft $ft, $nseeds seeds, ok"
}

if [ "$jobs" -le 1 ]; then
	rc=0
	for b in "$@"; do one "$b" || rc=1; done
	exit $rc
fi
# Parallel: each target in its own background job, at most $jobs at once.
rc=0; running=0; pids=""
for b in "$@"; do
	( one "$b" ) > "$fz/log/$(basename "$b").out" 2>&1 &
	pids="$pids $!"
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		for p in $pids; do wait "$p" || rc=1; done
		pids=""; running=0
	fi
done
for p in $pids; do wait "$p" || rc=1; done
for b in "$@"; do cat "$fz/log/$(basename "$b").out"; done
exit $rc
