#!/bin/bash
# The headline workloads of rill_bench, rill next to its hand-written twins in the same
# process, as one table of ratios (wall and CPU time, all threads) — what the README's
# performance section quotes. Usage: bench/compare.sh [build dir] (default: build).
#   RILL_BENCH_MB (default 200), RILL_BENCH_PAIRS (default 50): sizes of the batch workloads.
#   RILL_COMPARE_STREAMING=0 skips the streaming rows (they take ~20 s).
set -euo pipefail
build=${1:-build}
bin=$build/bench/rill_bench
[ -x "$bin" ] || { echo "compare.sh: $bin not built (cmake --build $build --target rill_bench)" >&2; exit 1; }
out=$(mktemp /tmp/rill-compare.XXXXXX)
trap 'rm -f "$out" "$out.s"' EXIT

# Batch: word count (the vector-returning split and the emitter form) and reduce_by_key;
# the binary's own summary table has wall, CPU and peak memory per variant over the TBB twin.
"$bin" --benchmark_filter='WordCount_(Tbb_Flat|Rill)|ReduceByKey_(Tbb_Flat|Rill)' >"$out" 2>&1
echo "batch workloads (ratios to the hand-written TBB twin, same process; load $(cut -d' ' -f1-3 /proc/loadavg))"
sed -n '/^workload /,$p' "$out"

if [ "${RILL_COMPARE_STREAMING:-1}" != 0 ]; then
  # Streaming windowed word count: rill through a receiver at 40 M records/s offered, 10 ms
  # batches, against the TBB twin over the same words in memory (200 K records per batch).
  "$bin" --benchmark_filter='StreamingWordCount_rill/10/40000000|StreamingWordCount_tbb/200000' \
    --benchmark_out="$out.s" --benchmark_out_format=json >/dev/null 2>&1
  python3 - "$out.s" <<'PY'
import json, sys
runs = {b["name"].split("/")[0]: b for b in json.load(open(sys.argv[1]))["benchmarks"]}
r, t = runs.get("BM_StreamingWordCount_rill"), runs.get("BM_StreamingWordCount_tbb")
if r and t:
    print("\nstreaming windowed word count, 10 ms batches, receiver offered 40 M records/s")
    print(f"{'variant':<10}{'M rec/s':>10}{'CPU ns/rec':>12}{'p99 batches':>13}")
    print(f"{'rill':<10}{r['records_per_s']/1e6:>10.1f}{r['cpu_ns_per_record']:>12.0f}{r['p99_in_batches']:>13.2f}")
    print(f"{'tbb':<10}{t['records_per_s']/1e6:>10.1f}{t['cpu_ns_per_record']:>12.0f}{'-':>13}")
    print(f"rill / tbb: throughput {r['records_per_s']/t['records_per_s']:.2f}x, "
          f"CPU per record {r['cpu_ns_per_record']/t['cpu_ns_per_record']:.2f}x")
PY
fi
