"""Every ablation row is a config file.

bench/ablation.py finds the rows in configs/onediff/ablation/ (row = file
stem, description = the file's top comment) and trains each with its own
config: the row ``default`` is the default config, ``recipe_900it`` the
900-iteration recipe that the other rows change. Records whose train
command ran ``--cfg-options`` on a base config name their row's config, and
those options give exactly that config.
"""
import argparse
import json
import shlex
from pathlib import Path

import pytest
from mmengine.config import Config, DictAction

REPO = Path(__file__).resolve().parents[2]
ROW_DIR = REPO / 'configs' / 'onediff' / 'ablation'
DEFAULT = (REPO / 'configs' / 'onediff' /
           'onediff_mobilenetv2-vdm_900it_synthdiff.py')
RECORDS = REPO / 'bench' / 'records' / 'ablation'
# Names a row config inherits beside the default's: the delta variants.
VARIANTS = set(Config.fromfile(
    REPO / 'configs' / '_base_' / 'models' / 'delta_variants.py').keys())


@pytest.fixture(scope='module')
def ablation():
    """bench/ablation.py, imported from the repo root."""
    from bench import ablation
    return ablation


def test_rows_are_the_config_files(ablation):
    files = sorted(p.stem for p in ROW_DIR.glob('*.py'))
    assert list(ablation.ROWS) == files and len(files) >= 17
    assert ablation.ROWS['vdm'] == ('the 900-iteration recipe without the '
                                    'head: VisualDeltaModule alone')
    cmd = ablation.train_cmd('vdm', seed=1)
    assert cmd[1:5] == ['tools/train.py', 'configs/onediff/ablation/vdm.py',
                        '--work-dir', 'work_dirs/ablation/vdm-seed1']
    assert '--cfg-options' not in cmd
    assert ablation.test_cmd('vdm', 'x.pth')[2:4] == [
        'configs/onediff/ablation/vdm.py', 'x.pth']
    assert ablation.delta_type('concat') == 'ConcatDelta'


def test_the_default_row_is_the_default_config():
    row = Config.fromfile(ROW_DIR / 'default.py')
    default = Config.fromfile(
        REPO / 'configs' / 'onediff' / 'onediff_mobilenetv2-vdm_synthdiff.py')
    assert row.model.to_dict() == default.model.to_dict()
    assert row.train_cfg.to_dict() == default.train_cfg.to_dict()
    assert row.optim_wrapper.type == 'CPUAutocastOptimWrapper'  # as --amp
    recipe = Config.fromfile(ROW_DIR / 'recipe_900it.py').to_dict()
    assert recipe == Config.fromfile(DEFAULT).to_dict()


def test_a_row_without_a_description_is_refused(tmp_path, ablation):
    row = tmp_path / 'bare.py'
    row.write_text("_base_ = ['../onediff_mobilenetv2-vdm_synthdiff.py']\n")
    with pytest.raises(SystemExit, match='bare.py: a row config starts '
                       'with a comment'):
        ablation.row_description(row)


def old_options(record):
    """The --cfg-options of a record's train command ([] for none)."""
    argv = shlex.split(record['commands'][0])
    if '--cfg-options' not in argv:
        return {}
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    opts = argv[argv.index('--cfg-options'):]
    # Delta modules take no keep_attention option: they always return their
    # attention.
    opts = [o for o in opts if 'keep_attention' not in o]
    return parser.parse_args(opts).cfg_options or {}


def test_old_records_name_the_config_their_options_give():
    checked = set()
    for path in sorted(RECORDS.glob('*.json')):
        record = json.loads(path.read_text())
        config = REPO / record['config']
        assert config == ROW_DIR / f'{record["row"]}.py', path.name
        if 'commands' not in record or record['row'] in checked:
            continue
        trained = shlex.split(record['commands'][0])[2]
        if trained == record['config']:
            continue  # trained its row config itself: nothing to translate
        # These runs trained onediff_mobilenetv2-vdm_synthdiff.py while it
        # held the 900-iteration recipe (DEFAULT here), with --cfg-options.
        assert trained.endswith('onediff_mobilenetv2-vdm_synthdiff.py'), \
            path.name
        checked.add(record['row'])
        ref = Config.fromfile(DEFAULT)
        ref.merge_from_dict(old_options(record))
        new = Config.fromfile(config).to_dict()
        new = {k: v for k, v in new.items()
               if k not in VARIANTS and k != 'cached_pipeline'}
        assert new == ref.to_dict(), record['row']
    assert len(checked) >= 12
