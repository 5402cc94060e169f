# The paper recipe (onediff_clip-l14-336_vicuna-7b_diffcap.py) sharded with
# FSDP: both stages in one run, checkpoints loadable in one process.
#   tools/dist_train.sh 8 configs/onediff/onediff_clip-l14-336_vicuna-7b_fsdp_diffcap.py
# docs/distributed.md says what is tested (2 CPU processes) and what not.
_base_ = [
    './onediff_clip-l14-336_vicuna-7b_diffcap.py',
    '../_base_/strategies/fsdp.py',
]
