import json
import logging

import numpy as np
import pytest
import torch
from PIL import Image

from onediff_kit.data import ImageReadError
from onediff_kit.registry import DATASETS, TRANSFORMS
from onediff_kit.structures import DiffDataSample

PIPELINE = [
    dict(type='LoadImagePair'),
    dict(type='ResizePair', size=(32, 48)),
    dict(type='PackDiffInputs'),
]


def _write_pair_set(root, bad=None):
    """Two good pairs of different sizes, optionally one with a bad after."""
    rng = np.random.default_rng(0)
    recs = []
    for i, (h, w) in enumerate([(40, 60), (50, 30)]):
        for side in ('a', 'b'):
            Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)) \
                .save(root / f'{i}{side}.png')
        recs.append(dict(pair_id=f'p{i}', before=f'{i}a.png',
                         after=f'{i}b.png',
                         captions=['the car on the left is gone',
                                   'a car left'], split='train', task='t'))
    if bad is not None:
        (root / 'bad.png').write_bytes(bad)
        recs.append(dict(pair_id='pbad', before='0a.png', after='bad.png',
                         captions=['x'], split='train', task='t'))
    with open(root / 'm.jsonl', 'w') as f:
        for r in recs:
            f.write(json.dumps(r) + '\n')
    return root / 'm.jsonl'


def test_pack_outputs_uint8_pair_and_metainfo(tmp_path):
    ann = _write_pair_set(tmp_path)
    ds = DATASETS.build(
        dict(type='DiffCaptionDataset', ann_file=str(ann),
             data_root=str(tmp_path), pipeline=PIPELINE,
             prompts=dict(t='what changed?'), caption_pick='first'))
    out = ds[1]
    assert out['inputs'].dtype == torch.uint8
    assert out['inputs'].shape == (2, 3, 32, 48)
    s = out['data_samples']
    assert isinstance(s, DiffDataSample)
    assert s.pair_id == 'p1' and s.prompt == 'what changed?'
    assert s.gt_caption == 'the car on the left is gone'
    assert s.captions == ['the car on the left is gone', 'a car left']
    assert s.ori_shapes == ((50, 30), (50, 30))
    assert s.before_path.endswith('1a.png') and s.task == 't'
    before = np.asarray(Image.open(tmp_path / '1a.png').resize((48, 32),
                                                               Image.BILINEAR))
    assert np.array_equal(out['inputs'][0].permute(1, 2, 0).numpy(), before)


def test_dataset_exposes_prompts_and_pipeline_without_reading(tmp_path):
    """Inference builds the test dataset lazily (no manifest needed) and
    reuses its prompts and pipeline; the former ``task_prompts`` name still
    builds."""
    ds = DATASETS.build(
        dict(type='DiffCaptionDataset', ann_file=str(tmp_path / 'absent'),
             data_root=str(tmp_path), pipeline=PIPELINE, lazy_init=True,
             prompts=dict(t='what changed?')))
    assert ds.prompts == dict(t='what changed?')
    assert ds.prompt_for('t') == 'what changed?'
    assert ds.prompt_for('other') == ds.default_prompt
    old = DATASETS.build(
        dict(type='DiffCaptionDataset', ann_file='x', lazy_init=True,
             task_prompts=dict(t='p')))
    assert old.prompts == old.task_prompts == dict(t='p')
    with pytest.raises(ValueError, match='not both'):
        DATASETS.build(dict(type='DiffCaptionDataset', ann_file='x',
                            lazy_init=True, prompts={}, task_prompts={}))
    # The pipeline takes in-memory images as the files it would read.
    ann = _write_pair_set(tmp_path)
    ds = DATASETS.build(dict(type='DiffCaptionDataset', ann_file=str(ann),
                             data_root=str(tmp_path), pipeline=PIPELINE,
                             caption_pick='first'))
    from_files = ds[0]
    grey = np.asarray(Image.open(tmp_path / '0b.png').convert('L'))
    in_memory = ds.pipeline(dict(
        pair_id='m', prompt='p', captions=[],
        before_img=Image.open(tmp_path / '0a.png'),
        after_img=np.dstack([grey] * 3)))
    assert torch.equal(in_memory['inputs'][0], from_files['inputs'][0])
    assert in_memory['inputs'].shape == from_files['inputs'].shape
    with pytest.raises(KeyError, match='after_img'):
        ds.pipeline(dict(pair_id='m', before_img=grey))
    with pytest.raises(ValueError, match='pair m before image'):
        ds.pipeline(dict(pair_id='m', before_img=np.zeros((4, 4, 5)),
                         after_img=grey))


def test_same_augmentation_for_both_images():
    img = np.random.default_rng(1).integers(0, 255, (40, 40, 3), np.uint8)
    for cfg in (dict(type='RandomResizedCropPair', size=24, scale=(0.3, 0.6)),
                dict(type='ColorJitterPair', brightness=0.5, contrast=0.5,
                     saturation=0.5, prob=1.0),
                dict(type='RandomFlipPair', prob=1.0)):
        t = TRANSFORMS.build(cfg)
        for _ in range(5):
            res = t(dict(imgs=[img.copy(), img.copy()], captions=['a'],
                         gt_caption='a'))
            assert np.array_equal(res['imgs'][0], res['imgs'][1]), cfg
    # Differently sized inputs: the crop covers the same relative region.
    small = np.asarray(Image.fromarray(img).resize((20, 20), Image.NEAREST))
    t = TRANSFORMS.build(dict(type='RandomResizedCropPair', size=20,
                              scale=(0.5, 0.5), ratio=(1, 1)))
    res = t(dict(imgs=[img, small]))
    assert res['imgs'][0].shape == res['imgs'][1].shape == (20, 20, 3)


def test_flip_swaps_caption_words():
    t = TRANSFORMS.build(dict(type='RandomFlipPair', prob=1.0))
    img = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    res = t(dict(imgs=[img, img], captions=['the Left cube moved right'],
                 gt_caption='the leftmost ball'))
    assert res['captions'] == ['the Right cube moved left']
    assert res['gt_caption'] == 'the rightmost ball'
    assert np.array_equal(res['imgs'][0], img[:, ::-1])
    keep = TRANSFORMS.build(
        dict(type='RandomFlipPair', prob=1.0, swap_caption_words=False))
    assert keep(dict(imgs=[img, img], captions=['left']))['captions'] == [
        'left']


def test_bad_image_raises_naming_pair(tmp_path):
    ann = _write_pair_set(tmp_path, bad=b'')
    ds = DATASETS.build(dict(type='DiffCaptionDataset', ann_file=str(ann),
                             data_root=str(tmp_path), pipeline=PIPELINE))
    with pytest.raises(ImageReadError, match="pair 'pbad'.*bad.png"):
        ds[2]


def test_bad_image_skip_counts_and_logs(tmp_path, monkeypatch):
    from onediff_data.datasets import diff_caption_dataset
    logged = []
    monkeypatch.setattr(diff_caption_dataset, 'print_log',
                        lambda msg, **kw: logged.append((msg, kw)))
    ann = _write_pair_set(tmp_path, bad=b'\x89PNG\r\n\x1a\ntruncated')
    ds = DATASETS.build(
        dict(type='DiffCaptionDataset', ann_file=str(ann),
             data_root=str(tmp_path), pipeline=PIPELINE,
             on_bad_image='skip'))
    np.random.seed(0)
    out = ds[2]
    assert out['data_samples'].pair_id in ('p0', 'p1')
    # mmengine's _rand_another may draw the bad pair again: each draw counts.
    assert ds.num_skipped == len(logged) >= 1
    msg, kw = logged[-1]
    assert "skipped unreadable pair 'pbad'" in msg and 'bad.png' in msg
    assert f'{ds.num_skipped} skipped so far' in msg
    assert kw['level'] == logging.WARNING and kw['logger'] == 'current'


def test_path_escaping_root_refused_by_dataset(tmp_path):
    root = tmp_path / 'root'
    root.mkdir()
    (root / 'm.jsonl').write_text(json.dumps(dict(
        pair_id='e', before='../x.png', after='y.png', captions=['c'],
        split='train', task='t')) + '\n')
    with pytest.raises(ValueError, match='m.jsonl:1.*outside the root'):
        DATASETS.build(dict(type='DiffCaptionDataset',
                            ann_file=str(root / 'm.jsonl'),
                            data_root=str(root), pipeline=PIPELINE))


def test_random_target_is_seeded(synth_root):
    cfg = dict(type='DiffCaptionDataset', ann_file='manifest.jsonl',
               data_root=str(synth_root), split='train',
               pipeline=[])
    ds = DATASETS.build(cfg)

    def picks():
        np.random.seed(3)
        return [ds[i]['gt_caption'] for i in range(10)]

    first = picks()
    assert first == picks()
    assert all(p in ds[i]['captions'] for i, p in enumerate(first))
