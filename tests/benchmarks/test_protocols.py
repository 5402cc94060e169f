"""The benchmark protocols of CaptionMetric score as the peers' code does."""
import json

import pytest

from onediff_kit.evaluation import score_samples

FAST = dict(metrics=('BLEU', 'ROUGE-L', 'CIDEr'))
TYPES = ['color', 'material', 'add', 'drop', 'move', 'none']
REFS = {
    'color': 'the small cube changed to red',
    'material': 'the big sphere became metallic',
    'add': 'a green cylinder has been added',
    'drop': 'the blue cube has disappeared',
    'move': 'the red sphere moved to the left',
    'none': 'there is no change',
}


def clevr_samples():
    """Three pairs of each CLEVR-Change type; one semantic pair untyped."""
    samples = []
    for t in TYPES:
        for k in range(3):
            ref = REFS[t]
            pred = ref if k == 0 else REFS[TYPES[(TYPES.index(t) + k) % 6]]
            samples.append(dict(pair_id=f'{t}{k}', pred_caption=pred,
                                captions=[ref, ref.replace('the ', 'a ')],
                                change_type=t))
    samples[2]['change_type'] = None  # missing from type_mapping.json
    return samples


def test_clevr_change_duda_groups_are_scored_as_own_corpora():
    samples = clevr_samples()
    duda = score_samples(samples, protocol='clevr-change-duda', **FAST)
    assert duda['protocol'].startswith('clevr-change-duda protocol')
    n = {g: v['n'] for g, v in duda['per_type'].items()}
    assert n == dict(semantic_change=15, non_semantic_change=3, color=2,
                     material=3, add=3, drop=3, move=3, distractor=3)
    # Each group is what a separate coco-caption run over it gives.
    semantic = [s for s in samples if s['change_type'] != 'none']
    for group, members in (('semantic_change', semantic),
                           ('material', samples[3:6]),
                           ('distractor', samples[15:])):
        alone = score_samples(members, protocol='coco', per_type=False,
                              **FAST)
        for key, value in alone['scores'].items():
            assert duda['per_type'][group][key] == pytest.approx(value)
    # The project default instead keeps the whole set's document
    # frequencies for a group's CIDEr: the numbers differ.
    coco = score_samples(samples, protocol='coco', **FAST)
    assert coco['scores'] == pytest.approx(duda['scores'])
    assert coco['per_type']['material']['CIDEr'] != pytest.approx(
        duda['per_type']['material']['CIDEr'])


def test_ier_nct_strips_punctuation_from_references_only():
    samples = [
        dict(pair_id='a', pred_caption='remove the mans hat',
             captions=["Remove the man's hat."]),
        dict(pair_id='b', pred_caption='make it brighter',
             captions=['make it brighter!', 'brighten (a lot)']),
    ]
    nct = score_samples(samples, protocol='ier-nct', **FAST)
    coco = score_samples(samples, protocol='coco', **FAST)
    assert nct['scores']['BLEU-1'] == pytest.approx(1.0)
    assert coco['scores']['BLEU-1'] < 0.9  # PTB splits "man 's" instead
    assert 'stripped of punctuation' in nct['protocol']


def test_spot_the_diff_merges_entries_of_one_image_pair():
    entries = [
        dict(pair_id='103_0', before_path='resized_images/103.png',
             after_path='resized_images/103_2.png',
             pred_caption='the car is gone', captions=['the car is gone']),
        dict(pair_id='103_1', before_path='resized_images/103.png',
             after_path='resized_images/103_2.png',
             pred_caption='the car is gone',
             captions=['a person walked in']),
        dict(pair_id='256', before_path='resized_images/256.png',
             after_path='resized_images/256_2.png',
             pred_caption='a person appeared',
             captions=['person with umbrella is gone']),
    ]
    merged = score_samples(entries, protocol='spot-the-diff-merged', **FAST)
    assert merged['counts']['pairs'] == 2
    assert merged['counts']['merged_entries'] == 1
    by_pair = [dict(entries[0], captions=['the car is gone',
                                          'a person walked in']), entries[2]]
    coco = score_samples(by_pair, protocol='coco', **FAST)
    assert merged['scores'] == pytest.approx(coco['scores'])


def test_birds_to_words_reports_cider_d_and_cider():
    samples = clevr_samples()[:6]
    birds = score_samples(samples, protocol='birds-to-words', **FAST)
    cider_d = score_samples(samples, protocol='coco', **FAST)
    cider = score_samples(samples, protocol='coco', cider_variant='CIDEr',
                          **FAST)
    assert birds['scores']['CIDEr-D'] == pytest.approx(
        cider_d['scores']['CIDEr'])
    assert birds['scores']['CIDEr'] == pytest.approx(cider['scores']['CIDEr'])
    assert birds['per_type'] == {}


def test_unknown_protocol_names_the_known_ones():
    with pytest.raises(ValueError, match='clevr-change-duda'):
        score_samples(clevr_samples(), protocol='clevr', **FAST)


def test_onediff_eval_takes_the_protocol(tmp_path):
    from onediff_kit.cli.main import main
    samples = clevr_samples()
    refs = tmp_path / 'refs.jsonl'
    refs.write_text(''.join(
        json.dumps(dict(pair_id=s['pair_id'], before='a.png',
                        after='b.png', captions=s['captions'], split='test',
                        task='clevr_change',
                        change_type=s['change_type'])) + '\n'
        for s in samples))
    preds = tmp_path / 'preds.json'
    preds.write_text(json.dumps([
        dict(image_id=s['pair_id'], caption=s['pred_caption'])
        for s in samples]))
    out = tmp_path / 'scores.json'
    argv = ['eval', '--preds', str(preds), '--refs', str(refs), '--out',
            str(out), '--metrics', 'BLEU', 'CIDEr']
    assert main(argv + ['--protocol', 'clevr-change-duda']) == 0
    report = json.loads(out.read_text())
    assert report['protocol'].startswith('clevr-change-duda protocol')
    assert list(report['per_type'])[:2] == ['semantic_change',
                                            'non_semantic_change']
    assert main(argv + ['--protocol', 'clevr']) == 2
