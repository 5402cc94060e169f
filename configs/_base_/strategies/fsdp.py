# Sharded data parallel training with PyTorch FSDP through mmengine's
# FlexibleRunner (docs/distributed.md). Add this file last in a config's
# _base_ list and start the run with tools/dist_train.sh.
runner_type = 'FlexibleRunner'
strategy = dict(
    # mmengine's FSDPStrategy with gradient clipping and checkpoint checks
    # over the whole model instead of this rank's shard.
    type='onediff_kit.WholeModelFSDPStrategy',  # scoped: built before
    # the Runner sets its default scope
    model_wrapper=dict(
        # Frozen and trainable parameters share FSDP units (a frozen LM
        # with a LoRA adapter, stages that train different parts).
        use_orig_params=True),
    # Checkpoints hold the full, unsharded weights (saved by rank 0): they
    # load in one process like any other checkpoint.
    state_dict_cfg='full')
