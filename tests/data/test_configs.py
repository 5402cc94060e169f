"""The dataset base configs build working dataloaders (mmengine Runner)."""
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

CONFIGS = ['synthdiff.py', 'synthdiff_coupled.py', 'synthdiff_multitask.py']
BENCHMARKS = ['spot_the_diff.py', 'image_editing_request.py',
              'clevr_change.py', 'birds_to_words.py', 'clevr_dc.py']


def _set_root(node, root):
    if isinstance(node, dict):
        if 'data_root' in node:
            node['data_root'] = str(root)
        if node.get('type') == 'CoupledSampleDataset':
            node['num_pairs'] = 12
        for v in node.values():
            _set_root(v, root)
    elif isinstance(node, list):
        for v in node:
            _set_root(v, root)


@pytest.mark.parametrize('name', CONFIGS)
def test_synth_configs_load_a_batch(repo_root, synth_root, name):
    init_default_scope('onediff_kit')
    cfg = Config.fromfile(repo_root / 'configs/_base_/datasets' / name)
    assert cfg.val_evaluator == dict(type='CaptionMetric')
    for key in ('train_dataloader', 'test_dataloader'):
        dl = cfg[key]
        assert dl.collate_fn == dict(type='pseudo_collate')
        dl.update(num_workers=0, persistent_workers=False, batch_size=3)
        _set_root(dl, synth_root)
        batch = next(iter(Runner.build_dataloader(dl, seed=0)))
        assert len(batch['inputs']) == 3
        assert batch['inputs'][0].shape == (2, 3, 128, 128)
        sample = batch['data_samples'][0]
        assert sample.prompt and sample.gt_caption in sample.captions or \
            sample.task == 'coupled'


@pytest.mark.parametrize('name', BENCHMARKS)
def test_benchmark_configs_parse(repo_root, name):
    cfg = Config.fromfile(repo_root / 'configs/_base_/datasets' / name)
    assert cfg.train_dataloader.dataset.type == 'DiffCaptionDataset'
    assert cfg.test_dataloader.dataset.split == 'test'
    assert cfg.val_dataloader.dataset.split == 'val'
    # Each benchmark is scored with its peers' protocol (docs/benchmarks.md).
    assert [m.type for m in cfg.test_evaluator] == ['CaptionMetric']
    assert cfg.test_evaluator[0].protocol != 'coco'
