#!/usr/bin/env bash
# Usage: tools/dist_train.sh CONFIG GPUS [onediff train args...]
# Starts GPUS processes on this machine with torchrun (gloo on CPU, NCCL on
# GPU, chosen by the config's env_cfg.dist_cfg.backend; see
# docs/distributed.md). The argument order and the environment variables are
# OpenMMLab's (mmpretrain, mmdet): several machines set NNODES, NODE_RANK,
# MASTER_ADDR and PORT on each.
set -euo pipefail
USAGE="usage: tools/dist_train.sh CONFIG GPUS [onediff train args...]"
is_count() { [[ "$1" =~ ^[0-9]+$ ]]; }
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
    sed -n 2,7p "$0" | cut -c3-
    exit 0
fi
if [ $# -lt 2 ]; then
    echo "$USAGE" >&2
    exit 2
fi
if is_count "$1" && ! is_count "$2"; then
    echo "tools/dist_train.sh takes CONFIG first, then GPUS (OpenMMLab order): tools/dist_train.sh $2 $1 ${*:3}" >&2
    exit 2
fi
CONFIG=$1
GPUS=$2
if ! is_count "$GPUS" || [ "$GPUS" -lt 1 ]; then
    echo "tools/dist_train.sh: GPUS must be a number of processes >= 1, got \"$GPUS\"; $USAGE" >&2
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
    -m onediff_kit.cli.train "$CONFIG" --launcher pytorch "${@:3}"
