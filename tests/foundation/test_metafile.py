"""configs/onediff/metafile.yml: the OpenMMLab-style model index lists every
config of the folder, names only files that exist, and gives results only
with their protocol."""
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
METAFILE = REPO / 'configs' / 'onediff' / 'metafile.yml'


def load():
    return yaml.safe_load(METAFILE.read_text())


def test_every_config_is_listed_and_every_listed_file_exists():
    models = load()['Models']
    listed = [m['Config'] for m in models]
    assert len(listed) == len(set(listed)), 'a config is listed twice'
    on_disk = {str(p.relative_to(REPO))
               for p in (REPO / 'configs' / 'onediff').glob('*.py')}
    assert on_disk - set(listed) == set(), 'configs missing in metafile.yml'
    for path in listed:
        assert (REPO / path).is_file(), f'{path} listed but not found'
    for model in models:
        assert model['Name'] == Path(model['Config']).stem


def test_results_have_protocol_scale_and_numbers():
    collections = {c['Name'] for c in load()['Collections']}
    measured = 0
    for model in load()['Models']:
        assert model['In Collection'] in collections
        results = model.get('Results') or []
        if not results:
            assert 'no measured results' in model['Notes'] or \
                'not trained' in model['Notes'], model['Name']
        for result in results:
            measured += 1
            assert result['Protocol'] and result['Scale'] == 'x100'
            assert all(isinstance(v, (int, float))
                       for v in result['Metrics'].values())
            assert result['Metrics']['CIDEr'] > 100  # paper scale (x100)
    assert measured >= 1
