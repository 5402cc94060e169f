# The paper recipe (onediff_clip-l14-336_vicuna-7b_diffcap.py) sharded with
# FSDP: both stages in one run, one FSDP unit per CLIP and Llama layer,
# checkpoints loadable in one process.
#   tools/dist_train.sh configs/onediff/onediff_clip-l14-336_vicuna-7b_fsdp_diffcap.py 8
# docs/distributed.md says what is tested (2 CPU processes) and what not.
_base_ = [
    './onediff_clip-l14-336_vicuna-7b_diffcap.py',
    '../_base_/strategies/fsdp.py',
]

# Each rank holds only its shard of every layer it is not running; another
# LM: its decoder layer's class name (strategy.model_wrapper.
# auto_wrap_policy.layer_names).
fsdp_layers = ['LlamaDecoderLayer', 'CLIPEncoderLayer']
strategy = dict(
    model_wrapper=dict(
        auto_wrap_policy=dict(type='onediff_kit.layer_class_wrap_policy',
                              layer_names=fsdp_layers)))
