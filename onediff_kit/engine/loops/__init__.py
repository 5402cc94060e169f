from onediff_kit.engine.loops.multi_stage_train_loop import \
    MultiStageTrainLoop
from onediff_kit.engine.loops.stage_data_iterator import (
    InfiniteLoaderIterator, StageDataIterator)

__all__ = ['InfiniteLoaderIterator', 'MultiStageTrainLoop',
           'StageDataIterator']
