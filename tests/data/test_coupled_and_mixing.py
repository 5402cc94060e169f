import json
from collections import Counter

import numpy as np
import pytest

from onediff_kit.registry import DATA_SAMPLERS, DATASETS

TEMPLATE = 'first: {a}; second: {b}'


def _coupled(root, **kw):
    cfg = dict(type='CoupledSampleDataset', ann_file='scenes.jsonl',
               data_root=str(root), template=TEMPLATE, num_pairs=40, seed=3,
               prompts=dict(coupled='describe both'), pipeline=[])
    cfg.update(kw)
    return DATASETS.build(cfg)


def test_coupled_pairs_are_seeded_and_well_formed(synth_root):
    scenes = {
        json.loads(line)['image']: json.loads(line)['captions']
        for line in (synth_root / 'scenes.jsonl').read_text().splitlines()
    }
    ds = _coupled(synth_root)
    assert len(ds) == 40
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    rebuilt = _coupled(synth_root)
    again = [rebuilt.get_data_info(i) for i in range(len(ds))]
    assert [(i['before_path'], i['after_path']) for i in infos] == \
        [(i['before_path'], i['after_path']) for i in again]
    reseeded = _coupled(synth_root, seed=4)
    other = [reseeded.get_data_info(i) for i in range(len(ds))]
    assert [i['before_path'] for i in infos] != \
        [i['before_path'] for i in other]
    for info in infos:
        a, b = info['before_path'], info['after_path']
        assert a != b
        assert info['captions'][0] == TEMPLATE.format(a=scenes[a][0],
                                                      b=scenes[b][0])
        assert info['task'] == 'coupled' and info['prompt'] == 'describe both'
    np.random.seed(0)
    item = ds[5]
    a, b = item['before_path'], item['after_path']
    head, tail = item['gt_caption'].split('; second: ')
    assert head[len('first: '):] in scenes[a] and tail in scenes[b]


def test_coupled_through_pipeline(synth_root):
    ds = _coupled(synth_root, pipeline=[
        dict(type='LoadImagePair'), dict(type='ResizePair', size=32),
        dict(type='PackDiffInputs')
    ], test_mode=True, num_pairs=4)
    out = ds[0]
    assert out['inputs'].shape == (2, 3, 32, 32)
    assert out['data_samples'].gt_caption.startswith('first: ')


def test_coupled_needs_template_fields(synth_root):
    with pytest.raises(ValueError, match='{a}'):
        _coupled(synth_root, template='no fields')


def _mixed(synth_root, ratios=(0.75, 0.25)):
    return DATASETS.build(dict(
        type='MultiTaskDataset',
        datasets=[
            dict(type='DiffCaptionDataset', ann_file='manifest.jsonl',
                 data_root=str(synth_root), split='train', pipeline=[]),
            dict(type='CoupledSampleDataset', ann_file='scenes.jsonl',
                 data_root=str(synth_root), split='train', num_pairs=10,
                 pipeline=[]),
        ],
        ratios=list(ratios),
        prompts=dict(synth_diff='P-synth', real_edit='P-real',
                          coupled='P-coupled')))


def test_mixing_ratios_and_prompts(synth_root):
    ds = _mixed(synth_root)
    n0, n1 = ds.sizes
    sampler = DATA_SAMPLERS.build(
        dict(type='MixedTaskSampler', seed=1, num_samples=400,
             block_size=100), default_args=dict(dataset=ds))
    idx = list(sampler)
    assert len(idx) == len(sampler) == 400
    per = Counter(ds.locate(i)[0] for i in idx)
    assert per == {0: 300, 1: 100}  # exact in every block
    for block in range(4):
        part = idx[block * 100:(block + 1) * 100]
        assert sum(ds.locate(i)[0] == 1 for i in part) == 25
    # Every sample of the small dataset seen before any is repeated.
    small = [i for i in idx if ds.locate(i)[0] == 1]
    assert sorted(small[:n1]) == list(range(n0, n0 + n1))
    prompts = {ds[i]['task']: ds[i]['prompt'] for i in idx[:60]}
    assert prompts['coupled'] == 'P-coupled'
    assert prompts['synth_diff'] == 'P-synth'
    # Same seed, same stream; another seed, another one.
    again = DATA_SAMPLERS.build(
        dict(type='MixedTaskSampler', seed=1, num_samples=400,
             block_size=100), default_args=dict(dataset=ds))
    assert list(again) == idx
    other = DATA_SAMPLERS.build(
        dict(type='MixedTaskSampler', seed=2, num_samples=400,
             block_size=100), default_args=dict(dataset=ds))
    assert list(other) != idx


def test_mixing_resumes_exactly(synth_root):
    ds = _mixed(synth_root, ratios=(1, 1))

    def make():
        return DATA_SAMPLERS.build(
            dict(type='MixedTaskSampler', seed=5, num_samples=150,
                 block_size=64), default_args=dict(dataset=ds))

    full = make()
    epochs = []
    for e in range(3):
        full.set_epoch(e)
        epochs.append(list(full))
    assert epochs[0] != epochs[1]
    # Stop after 70 samples of epoch 1, save, "restart the process", load.
    run = make()
    run.set_epoch(1)
    it = iter(run)
    head = [next(it) for _ in range(70)]
    state = run.state_dict()
    assert state == dict(seed=5, epoch=1, position=150 + 70)
    resumed = make()
    resumed.load_state_dict(json.loads(json.dumps(state)))
    assert head + list(resumed) == epochs[1]
    assert len(resumed) == 80
    resumed.set_epoch(2)
    assert list(resumed) == epochs[2]
    # Iteration-based: an infinite sampler from a start position.
    inf = DATA_SAMPLERS.build(
        dict(type='MixedTaskSampler', seed=5, num_samples=150,
             block_size=64, infinite=True, start_position=150 + 70),
        default_args=dict(dataset=ds))
    it = iter(inf)
    assert [next(it) for _ in range(80)] == epochs[1][70:]
    with pytest.raises(ValueError, match='seed'):
        make().load_state_dict(dict(seed=9, epoch=0, position=0))


def test_mixing_distributed_ranks_partition_the_stream(synth_root,
                                                       monkeypatch):
    from onediff_data.samplers import mixed_task_sampler as mod
    ds = _mixed(synth_root)
    streams = []
    for rank in (0, 1):
        monkeypatch.setattr(mod, 'get_dist_info', lambda r=rank: (r, 2))
        s = mod.MixedTaskSampler(ds, seed=0, num_samples=50, block_size=10)
        streams.append(list(s))
    monkeypatch.setattr(mod, 'get_dist_info', lambda: (0, 1))
    single = list(mod.MixedTaskSampler(ds, seed=0, num_samples=50,
                                       block_size=10))
    assert single[0::2] == streams[0] and single[1::2] == streams[1]
