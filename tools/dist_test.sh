#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT GPUS [onediff test args...]
# Evaluates CHECKPOINT with GPUS processes on this machine through torchrun
# (gloo on CPU, NCCL on GPU); metrics are gathered across the processes.
# OpenMMLab's argument order and environment variables: several machines set
# NNODES, NODE_RANK, MASTER_ADDR and PORT on each (see docs/distributed.md).
set -euo pipefail
USAGE="usage: tools/dist_test.sh CONFIG CHECKPOINT GPUS [onediff test args...]"
is_count() { [[ "$1" =~ ^[0-9]+$ ]]; }
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
    sed -n 2,6p "$0" | cut -c3-
    exit 0
fi
if [ $# -ge 1 ] && is_count "$1"; then
    echo "tools/dist_test.sh takes CONFIG CHECKPOINT first, then GPUS (OpenMMLab order): tools/dist_test.sh ${2:-CONFIG} ${3:-CHECKPOINT} $1 ${*:4}" >&2
    exit 2
fi
if [ $# -lt 3 ]; then
    echo "$USAGE" >&2
    exit 2
fi
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
if ! is_count "$GPUS" || [ "$GPUS" -lt 1 ]; then
    echo "tools/dist_test.sh: GPUS must be a number of processes >= 1, got \"$GPUS\"; $USAGE" >&2
    exit 2
fi
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
PYTHON=${PYTHON:-python}
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" --master_port="$PORT" \
    -m onediff_kit.cli.test "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
