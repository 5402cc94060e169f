"""DiffCaptioner: paths, in-memory images, options and clear errors."""
import numpy as np
import pytest
import torch
from PIL import Image

from onediff_kit.apis import CaptionerError, DiffCaptioner, resolve_device
from onediff_kit.data.image_io import ImageReadError
from onediff_kit.visualization import delta_attention_maps

from .tiny_captioner import TASK_PROMPTS


def words(caption):
    return caption.split()


def test_one_pair_of_files_gives_a_string(captioner, image_files):
    caption = captioner.caption(image_files['jpeg'], image_files['png'])
    assert isinstance(caption, str)
    assert 0 < len(words(caption)) <= 12


def test_checkpoint_alone_supplies_the_tokenizer(tiny, captioner):
    # The config's vocab manifest was deleted after training; the prompts
    # alone give a few dozen words, the checkpoint the trained vocabulary.
    import json
    with open(tiny['manifest']) as f:
        caption_words = {w for line in f for c in json.loads(line)['captions']
                         for w in c.split()}
    vocab = captioner.model.decoder.tokenizer
    known = [w for w in caption_words if vocab.encode(w) != [vocab.unk_id]]
    assert len(known) == len(caption_words)


def test_in_memory_formats_and_sizes(captioner, image_files):
    rng = np.random.default_rng(1)
    grey = rng.integers(0, 256, (40, 64), dtype=np.uint8)
    rgba = Image.fromarray(rng.integers(0, 256, (80, 50, 4), dtype=np.uint8),
                           'RGBA')
    palette = Image.open(image_files['palette'])
    assert palette.mode == 'P'
    grey16 = (rng.random((33, 47)) * 65535).astype(np.uint16)
    floats = rng.random((64, 64, 3)).astype(np.float32)
    before = [grey, rgba, palette, grey16, image_files['grey']]
    after = [rgba, palette, floats, image_files['jpeg'], image_files['rgba']]
    captions = captioner.caption(before, after)
    assert isinstance(captions, list) and len(captions) == 5
    assert all(isinstance(c, str) and c for c in captions)


def test_file_and_memory_inputs_agree(captioner, image_files):
    from_files = captioner.caption(image_files['jpeg'], image_files['png'])
    in_memory = captioner.caption(np.asarray(Image.open(image_files['jpeg'])),
                                  Image.open(image_files['png']))
    assert from_files == in_memory


def test_batch_matches_single_pairs(captioner, tiny):
    data = tiny['data']
    pairs = [(str(data / 'images' / f'synth_{i:06d}_before.png'),
              str(data / 'images' / f'synth_{i:06d}_after.png'))
             for i in range(5)]
    batched = captioner.caption_batch(pairs, batch_size=2)
    single = [captioner.caption(a, b) for a, b in pairs]
    assert batched == single


def test_beam_and_length_overrides_are_temporary(captioner, image_files):
    decoder = captioner.model.decoder
    before = (decoder.num_beams, decoder.max_length)
    short = captioner.caption(image_files['jpeg'], image_files['png'],
                              num_beams=3, max_length=3)
    assert len(words(short)) <= 3
    assert (decoder.num_beams, decoder.max_length) == before
    with pytest.raises(ValueError, match='num_beams'):
        captioner.caption(image_files['jpeg'], image_files['png'],
                          num_beams=0)
    assert (decoder.num_beams, decoder.max_length) == before


def test_constructor_options(tiny, image_files):
    captioner = DiffCaptioner(tiny['config'], tiny['checkpoint'],
                              device='cpu', num_beams=2, max_length=2,
                              task='real_edit')
    sample = captioner.predict([(image_files['jpeg'],
                                 image_files['png'])])[0]
    assert len(words(sample.pred_caption)) <= 2
    assert sample.prompt == TASK_PROMPTS['real_edit']
    assert sample.task == 'real_edit'


def test_a_training_feature_cache_is_not_built(tiny, image_files,
                                               tmp_path):
    # The cache speeds up training; captioning must not write features.
    from mmengine.config import Config

    from onediff_kit.cache import CachedEncoder
    cache_dir = tmp_path / 'feature_cache'
    encoder = Config.fromfile(tiny['config']).model.encoder.to_dict()
    cached = dict(_delete_=True, type='CachedEncoder', encoder=encoder,
                  cache=dict(root=str(cache_dir), in_eval=True))
    captioner = DiffCaptioner(tiny['config'], tiny['checkpoint'],
                              device='cpu',
                              cfg_options={'model.encoder': cached})
    assert captioner.cfg.model.encoder.type == 'CachedEncoder'
    assert not isinstance(captioner.model.encoder, CachedEncoder)
    captioner.predict([(image_files['jpeg'], image_files['png'])])
    assert not cache_dir.exists()


def test_task_and_prompt(captioner, image_files):
    assert captioner.prompt_for() == TASK_PROMPTS['synth_diff']
    assert captioner.prompt_for('real_edit') == TASK_PROMPTS['real_edit']
    assert captioner.prompt_for('real_edit', 'my prompt') == 'my prompt'
    sample = captioner.predict([dict(before=image_files['jpeg'],
                                     after=image_files['png'],
                                     pair_id='p1', prompt='what changed')])[0]
    assert sample.prompt == 'what changed' and sample.pair_id == 'p1'
    with pytest.raises(KeyError, match='synth_diff'):
        captioner.caption(image_files['jpeg'], image_files['png'],
                          task='nope')


def test_visualize_writes_a_png_with_heat_maps(captioner, image_files,
                                               tmp_path):
    out = tmp_path / 'sub' / 'vis.png'
    sample = captioner.visualize(image_files['jpeg'], image_files['grey'],
                                 str(out), references=['a reference'])
    maps = delta_attention_maps(sample.delta_attention)
    assert maps.shape[0] == 2 and 0 <= maps.min() <= maps.max() <= 1
    # Attention is asked of the model for this call only.
    plain = captioner.predict([(image_files['jpeg'], image_files['grey'])])[0]
    assert 'delta_attention' not in plain
    with pytest.warns(DeprecationWarning, match='need_attention'):
        old_name = captioner.predict([(image_files['jpeg'],
                                       image_files['grey'])],
                                     with_attention=True)[0]
    assert 'delta_attention' in old_name
    assert plain.pred_caption == sample.pred_caption
    with Image.open(out) as img:
        assert img.format == 'PNG'
        assert img.width >= 400 and img.height >= 400


def test_errors_name_the_file(tiny, captioner, tmp_path, image_files):
    missing = tmp_path / 'missing.png'
    with pytest.raises(ImageReadError, match='missing.png'):
        captioner.caption(str(missing), image_files['png'])
    with pytest.raises(ValueError, match='before image'):
        captioner.caption(np.zeros((4, 4, 5), np.uint8), image_files['png'])
    with pytest.raises(TypeError, match='both'):
        captioner.caption([image_files['png']], image_files['png'])

    with pytest.raises(FileNotFoundError, match='nope.pth'):
        DiffCaptioner(tiny['config'], str(tmp_path / 'nope.pth'), 'cpu')
    corrupt = tmp_path / 'corrupt.pth'
    corrupt.write_bytes(b'not a checkpoint')
    with pytest.raises(CaptionerError, match='corrupt.pth'):
        DiffCaptioner(tiny['config'], str(corrupt), 'cpu')
    other = tmp_path / 'other.pth'
    torch.save(dict(state_dict=dict(w=torch.zeros(1))), other)
    with pytest.raises(CaptionerError, match='other.pth'):
        DiffCaptioner(tiny['config'], str(other), 'cpu')
    bad_cfg = tmp_path / 'bad_cfg.py'
    bad_cfg.write_text('model = dict(type=\n')
    with pytest.raises(CaptionerError, match='bad_cfg.py'):
        DiffCaptioner(str(bad_cfg), tiny['checkpoint'], 'cpu')


def test_device_selection():
    assert resolve_device('cpu') == torch.device('cpu')
    if not torch.cuda.is_available():
        with pytest.raises(CaptionerError, match='CUDA'):
            resolve_device('cuda')


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_caption_on_gpu(tiny, image_files, tmp_path):
    captioner = DiffCaptioner(tiny['config'], tiny['checkpoint'],
                              device='cuda')
    assert next(captioner.model.parameters()).is_cuda
    pairs = [(image_files['jpeg'], image_files['png']),
             (image_files['grey'], Image.open(image_files['palette']))]
    on_gpu = captioner.caption_batch(pairs, num_beams=2)
    on_cpu = DiffCaptioner(tiny['config'], tiny['checkpoint'],
                           device='cpu').caption_batch(pairs, num_beams=2)
    assert on_gpu == on_cpu
    sample = captioner.visualize(image_files['jpeg'], image_files['png'],
                                 str(tmp_path / 'gpu.png'))
    assert delta_attention_maps(sample.delta_attention).shape[0] == 2
    assert (tmp_path / 'gpu.png').stat().st_size > 10000


def test_birds_to_words_sample(captioner, shared_data):
    folder = shared_data / 'birds-to-words-sample'
    left, right = folder / 'sample-left.jpg', folder / 'sample-right.jpg'
    if not left.is_file():
        pytest.skip(f'{left} not found')
    # Two 312x312 JPEGs: one as a path, one as a Path, through the pipeline.
    assert isinstance(captioner.caption(str(left), right), str)


def test_reuses_the_test_datasets_pipeline_and_prompts(tiny, captioner,
                                                      tmp_path):
    """A thin layer: the prompts and the pipeline are the test dataset's
    (built without reading its manifest), nothing is rebuilt by class
    name, and decoding options never touch the decoder's attributes."""
    from onediff_kit.contracts import PromptedDatasetMixin
    dataset = captioner.dataset
    assert isinstance(dataset, PromptedDatasetMixin)
    assert captioner.task_prompts is dataset.prompts
    assert dict(dataset.prompts) == TASK_PROMPTS
    assert captioner.default_prompt == dataset.default_prompt
    # The manifest was not read: the dataset is still lazy.
    assert not dataset._fully_initialized
    decoder = captioner.model.decoder
    seen = []
    original = type(decoder).__setattr__

    def spy(self, name, value):
        seen.append(name)
        original(self, name, value)

    type(decoder).__setattr__ = spy
    try:
        captioner.caption(np.zeros((32, 32, 3), np.uint8),
                          np.ones((40, 30, 3), np.uint8), num_beams=2,
                          max_length=3)
    finally:
        type(decoder).__setattr__ = original
    assert seen == []
    # A test dataset that declares no prompts is named in the error.
    cfg = tmp_path / 'no_prompts.py'
    cfg.write_text(open(tiny['config']).read() + (
        "\ntest_dataloader['dataset'] = dict(type='ConcatDataset', "
        "datasets=[], pipeline=test_pipeline)\n"))
    with pytest.raises(CaptionerError, match='test_dataloader.dataset'):
        DiffCaptioner(str(cfg), tiny['checkpoint'], 'cpu')
