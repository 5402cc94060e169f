#!/usr/bin/env bash
# Usage: tools/dist_train.sh NPROC CONFIG [train.py args...]
# Starts NPROC processes on this machine with torchrun (gloo on CPU, NCCL on
# GPU, chosen by the config's env_cfg.dist_cfg.backend; see docs/distributed.md).
set -euo pipefail
NPROC=$1
CONFIG=$2
shift 2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
DIR="$(cd "$(dirname "$0")" && pwd)"
PYTHON=${PYTHON:-python}
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" --master_port="$PORT" \
    "$DIR/train.py" "$CONFIG" --launcher pytorch "$@"
