"""The paper-scale benchmark configs select on the benchmark's val split,
score its test split with its protocol and prompt it as in training.
(The full models need local weights; tests/paper_recipe/ runs the recipe
in miniature.)"""
from pathlib import Path

import pytest
from mmengine.config import Config

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / 'onediff'
# benchmark -> (task, data root, protocol)
BENCHMARKS = {
    'clevr-change': ('clevr_change', 'data/clevr-change',
                     'clevr-change-duda'),
    'spot-the-diff': ('spot_the_diff', 'data/spot-the-diff',
                      'spot-the-diff-merged'),
    'ier': ('image_editing_request', 'data/image-editing-request',
            'ier-nct'),
    'birds-to-words': ('birds_to_words', 'data/birds-to-words',
                       'birds-to-words'),
    'clevr-dc': ('clevr_dc', 'data/clevr-dc', 'clevr-dc-dirl'),
}


@pytest.mark.parametrize('name', list(BENCHMARKS))
def test_paper_scale_config(name):
    task, root, protocol = BENCHMARKS[name]
    cfg = Config.fromfile(CONFIG_DIR /
                          f'onediff_clip-l14-336_vicuna-7b_{name}.py')
    cpu = Config.fromfile(CONFIG_DIR / f'onediff_mobilenetv2-vdm_{name}.py')
    prompts = [cfg.train_dataloader.dataset.prompts[task]]
    for split in ('val', 'test'):
        loader = cfg[f'{split}_dataloader']
        assert (loader.dataset.data_root, loader.dataset.split) == (root,
                                                                   split)
        prompts.append(loader.dataset.prompts[task])
        assert cfg[f'{split}_evaluator'][0].protocol == protocol
    # One prompt for training and evaluation, the CPU config's.
    assert set(prompts) == {cpu.prompt}
    assert cfg.default_hooks.checkpoint.save_best == \
        cpu.default_hooks.checkpoint.save_best
