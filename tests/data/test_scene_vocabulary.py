"""The scene vocabulary: one JSON file, read by one loader."""
import json

import pytest

from onediff_kit.data.scene_vocabulary import (DEFAULT_FILE, SceneVocabulary,
                                               load_scene_vocabulary)


def test_the_shipped_file_gives_clevr_words_as_tuples():
    words = load_scene_vocabulary()
    assert isinstance(words, SceneVocabulary)
    assert words.shapes == ('cube', 'sphere', 'cylinder')
    assert len(words.colors) == 8 and words.colors['gray'] == (87, 87, 87)
    assert words.change_types == ('color', 'material', 'add', 'drop',
                                  'move', 'none')
    assert words.synonyms['cube'] == ('cube', 'block')
    # Every attribute value with synonyms is one the scenes use.
    values = {*words.shapes, *words.colors, *words.materials, *words.sizes}
    assert set(words.synonyms) <= values


def test_loaded_once_per_file(tmp_path):
    assert load_scene_vocabulary() is load_scene_vocabulary(DEFAULT_FILE)
    copy = tmp_path / 'copy.json'
    copy.write_text(DEFAULT_FILE.read_text(encoding='utf-8'))
    assert load_scene_vocabulary(copy) == load_scene_vocabulary()
    assert load_scene_vocabulary(copy) is not load_scene_vocabulary()


@pytest.mark.parametrize('edit, message', [
    (lambda d: d.pop('regions'), r"missing keys \['regions'\]"),
    (lambda d: d.update(shades=[]), r"unknown keys \['shades'\]"),
    (lambda d: d.update(colors=['red']), r"keys \['colors'\] hold the "
     'wrong kind'),
])
def test_a_wrong_file_is_named_with_its_key(tmp_path, edit, message):
    words = json.loads(DEFAULT_FILE.read_text(encoding='utf-8'))
    edit(words)
    path = tmp_path / 'words.json'
    path.write_text(json.dumps(words))
    with pytest.raises(ValueError, match=f'words.json: .*{message}'):
        load_scene_vocabulary(path)


def test_not_json_and_missing_files_are_named(tmp_path):
    path = tmp_path / 'words.json'
    path.write_text('shapes: [cube]')
    with pytest.raises(ValueError, match='words.json: not JSON'):
        load_scene_vocabulary(path)
    with pytest.raises(FileNotFoundError, match='absent.json not found'):
        load_scene_vocabulary(tmp_path / 'absent.json')
