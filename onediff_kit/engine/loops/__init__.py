from onediff_kit.engine.loops.multi_stage_train_loop import \
    MultiStageTrainLoop

__all__ = ['MultiStageTrainLoop']
