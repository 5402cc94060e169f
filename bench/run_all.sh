#!/usr/bin/env bash
# Rerun every benchmark and rewrite the tables in bench/records/*.md.
#
#   bench/run_all.sh [--quick] [--ablation] [--only NAME[,NAME...]]
#
# Each benchmark writes bench/results/<name>.md (table + command + machine +
# load average); bench/update_benchmarks.py splices those files into
# bench/records/*.md (which BENCHMARKS.md summarises) between
# <!-- BEGIN name --> / <!-- END name --> markers.
# Names: synth, caption_metric, train_throughput, flops_efficiency,
# inference, attention_cpu, probe_attributes (needs make demo's checkpoint)
# (and ablation with --ablation: it RUNS the seventeen training rows of
# bench/ablation.py, hours on a CPU, then tabulates them; SEEDS="0 1 2"
# trains each row once per seed and reports the medians, default SEEDS=0;
# each run's scores are kept in bench/records/ablation/, which is committed).
# --quick passes the smoke settings (train grid cut, fewer pairs).
# The GPU attention benchmark (bench/bench_attention_gpu.py) needs CUDA and
# is not run here.
set -u -o pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
# torch threads for the CPU benchmarks; 1 on the shared 2-CPU machine (see
# BENCHMARKS.md), THREADS= (empty) for torch's default.
THREADS=${THREADS-1}
TH=(); [ -n "$THREADS" ] && TH=(--threads "$THREADS")
QUICK=0; ABLATION=0; ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --ablation) ABLATION=1 ;;
    --only) ONLY="$2"; shift ;;
    -h|--help) echo "usage: bench/run_all.sh [--quick] [--ablation] [--only NAME[,NAME...]]"
               sed -n 5,17p "$0" | cut -c3-; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p bench/results
FAILED=()

want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

# Scripts that only print (bench_synth, bench_caption_metric): keep their
# output as the result, with the command, machine and load average.
wrap() {
  local name=$1; shift
  local out rc
  out=$("$@" 2>&1); rc=$?
  echo "$out"
  {
    echo "Command: \`$*\`  "
    echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs (nproc), $(free -g | awk '/^Mem:/{print $2}') GiB RAM  "
    echo "Run: $(date -u '+%Y-%m-%d %H:%M UTC'), load average at the end $(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) (1/5/15 min), exit $rc"
    echo
    echo '```'
    echo "$out" | tr '\r' '\n' | grep -v -e 'UserWarning' -e 'warnings.warn' -e '%|'
    echo '```'
  } > "bench/results/$name.md"
  return $rc
}

step() {  # name, command...
  local name=$1; shift
  want "$name" || return 0
  echo "=== $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg))"
  if ! "$@"; then FAILED+=("$name"); echo "=== $name FAILED"; fi
}

if [ $QUICK = 1 ]; then
  step synth wrap synth $PY -m bench.bench_synth --num 1000
  step caption_metric wrap caption_metric $PY -m bench.bench_caption_metric --n 1000 --runs 3
  step train_throughput $PY -m bench.bench_train_throughput "${TH[@]}" --quick
  step flops_efficiency $PY -m bench.bench_flops_efficiency "${TH[@]}" --batch 8
  step inference $PY -m bench.bench_inference "${TH[@]}" --batch 8
  step attention_cpu $PY -m bench.bench_attention_cpu "${TH[@]}" --batch 8
else
  step synth wrap synth $PY -m bench.bench_synth
  step caption_metric wrap caption_metric $PY -m bench.bench_caption_metric
  step train_throughput $PY -m bench.bench_train_throughput "${TH[@]}"
  step flops_efficiency $PY -m bench.bench_flops_efficiency "${TH[@]}"
  step inference $PY -m bench.bench_inference "${TH[@]}"
  step attention_cpu $PY -m bench.bench_attention_cpu "${TH[@]}"
fi
# Attribute probes of the demo's checkpoint (make demo writes it).
if [ -f work_dirs/demo/checkpoint.pth ]; then
  step probe_attributes $PY -m bench.probe_attributes "${TH[@]}" --checkpoint work_dirs/demo/checkpoint.pth
else
  echo "=== probe_attributes skipped: run make demo first (needs work_dirs/demo/checkpoint.pth)"
fi
if [ $ABLATION = 1 ]; then
  SEEDS=${SEEDS:-0}
  # shellcheck disable=SC2086  # SEEDS is a list of numbers
  step ablation_run $PY -m bench.ablation --run all --seeds $SEEDS
  # shellcheck disable=SC2086
  step ablation $PY -m bench.ablation --table --seeds $SEEDS
fi

$PY -m bench.update_benchmarks || FAILED+=(update_benchmarks)
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "failed: ${FAILED[*]}"; exit 1
fi
echo "all benchmarks done; bench/records/*.md updated (summary: BENCHMARKS.md)"
