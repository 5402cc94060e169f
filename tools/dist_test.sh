#!/usr/bin/env bash
# Usage: tools/dist_test.sh NPROC CONFIG CHECKPOINT [test.py args...]
# Evaluates CHECKPOINT with NPROC processes on this machine through torchrun
# (gloo on CPU, NCCL on GPU); metrics are gathered across the processes.
# Several machines: set NNODES, NODE_RANK, MASTER_ADDR and PORT on each, as
# for tools/dist_train.sh (see docs/distributed.md).
set -euo pipefail
NPROC=$1
CONFIG=$2
CHECKPOINT=$3
shift 3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
DIR="$(cd "$(dirname "$0")" && pwd)"
PYTHON=${PYTHON:-python}
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" --master_port="$PORT" \
    "$DIR/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "$@"
