"""The feature cache in a real mmengine Runner: hook, log, resume, refusal."""
import uuid
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from onediff_kit.cache import feature_cache_of
from onediff_kit.config_check import ConfigError
from tests.apis.tiny_captioner import CONFIG, TASK_PROMPTS, make_data

REPO = Path(__file__).resolve().parents[2]

TRAIN = '''
experiment_name = '{name}'
_base_ = [r"{repo}/configs/_base_/default_runtime.py",
          r"{repo}/configs/_base_/schedules/adamw_iter.py"]
{model}
model['encoder']['frozen_stages'] = 'all'
model['encoder'] = dict(type='CachedEncoder', encoder=model['encoder'],
                        cache=dict(root=r"{cache}"))
train_pipeline = [
    dict(type='LoadImagePair'),
    dict(type='ResizePair', size=64),
    {jitter},
    dict(type='PackDiffInputs'),
]
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='DiffCaptionDataset', data_root=r"{root}",
                 ann_file='manifest.jsonl', split=None, indices=8,
                 task_prompts=task_prompts, pipeline=train_pipeline))
train_cfg = dict(by_epoch=False, max_iters={iters}, val_interval=1000)
val_cfg = val_dataloader = val_evaluator = None
test_cfg = test_dataloader = test_evaluator = None
param_scheduler = []
default_hooks = dict(checkpoint=dict(interval=2, save_best=None),
                     logger=dict(interval=1))
'''
JITTER = dict(type='ColorJitterPair', prob=1.0)
FIXED = dict(type='FixedVariants', num_variants=1, transforms=[JITTER])


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('cache_runner') / 'data'
    manifest = make_data(root, num=12)
    return root, manifest


def config(tmp_path, data, jitter, iters):
    root, manifest = data
    model = CONFIG.split('task_prompts =')[0].format(
        vocab=str(root / 'vocab.json'))
    text = TRAIN.format(name=f'cache_{uuid.uuid4().hex[:12]}',
                        repo=REPO,
                        model=model + f'\ntask_prompts = {TASK_PROMPTS!r}',
                        cache=tmp_path / 'cache', jitter=jitter, root=root,
                        iters=iters)
    path = tmp_path / f'train_{iters}.py'
    path.write_text(text)
    cfg = Config.fromfile(str(path))
    cfg.work_dir = str(tmp_path / 'work')
    return cfg


def scalars(runner):
    return runner.message_hub.log_scalars['train/cache_hit'].data[0]


def test_hook_logs_hits_and_resume_reads_the_cache(tmp_path, data):
    runner = Runner.from_cfg(config(tmp_path, data, FIXED, iters=4))
    runner.train()
    cache = feature_cache_of(runner.model)
    # 8 pairs at batch 4: the second epoch (iterations 3-4) is all hits.
    assert (cache.misses, cache.hits) == (16, 16)
    assert list(scalars(runner)) == [0.0, 0.0, 1.0, 1.0]

    cfg = config(tmp_path, data, FIXED, iters=6)
    cfg.resume = True
    resumed = Runner.from_cfg(cfg)
    resumed.train()
    assert resumed.iter == 6
    cache = feature_cache_of(resumed.model)
    assert (cache.misses, cache.hits) == (0, 16)


def test_a_per_visit_random_transform_is_refused(tmp_path, data):
    runner = Runner.from_cfg(config(tmp_path, data, JITTER, iters=2))
    with pytest.raises(ConfigError, match=r'pipeline\[2\] '
                       r'\(ColorJitterPair\) draws new random numbers'):
        runner.train()
