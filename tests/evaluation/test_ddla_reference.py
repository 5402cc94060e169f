"""`onediff eval` reproduces the published-protocol DDLA scores on
Spot-the-Diff (see ../shared/data/README.md)."""
import json

import pytest

from onediff_kit.cli.main import main

EXPECTED = {
    'BLEU-4': 0.0757,
    'METEOR': 0.1091,
    'ROUGE-L': 0.2797,
    'CIDEr': 0.3506
}


@pytest.fixture(scope='module')
def ddla(shared_data, tmp_path_factory):
    root = shared_data / 'spot-the-diff' / 'ddla_predictions'
    out = tmp_path_factory.mktemp('ddla') / 'scores.json'
    rc = main([
        'eval', '--preds',
        str(root / 'ddla_rerun_predfile.json'), '--refs',
        str(root / 'ddla_rerun_gtfile.json'), '--out',
        str(out)
    ])
    return rc, json.loads(out.read_text())


def test_reproduces_reference_scores(ddla):
    rc, saved = ddla
    assert rc == 0
    for name, value in EXPECTED.items():
        assert round(saved['scores'][name], 4) == value, name
    assert saved['counts']['pairs'] == 1270
    # the ground truth holds 7 pairs whose only reference is empty
    assert saved['counts']['pairs_with_only_empty_references'] == 7
    assert 'PTB tokenizer' in saved['protocol']
    assert saved['per_type'] == {}
