"""The miniature twin's data and tiny models, made once per session."""
import pytest

from .miniature import (as_cli, build_tiny_weights, make_synth_data,
                        miniature_cfg_options)


@pytest.fixture(scope='session')
def mini(tmp_path_factory):
    """Synthetic data, tiny CLIP/BERT/Llama directories and the
    ``--cfg-options`` (2 + 2 iterations) that point the paper config at
    them."""
    root = tmp_path_factory.mktemp('paper_recipe')
    data = make_synth_data(root / 'synth')
    paths = build_tiny_weights(root / 'weights', data)
    opts = miniature_cfg_options(paths, data, stage1_iters=2,
                                 stage2_iters=2)
    return dict(root=root, data=data, paths=paths, opts=opts,
                cli=as_cli(opts))
