"""The synthetic scene vocabulary: every word the synthetic generator can
say, read from one data file.

The scene attributes follow CLEVR (shapes, the 8 colours, two materials, two
sizes); the change types follow CLEVR-Change. A caption parser for semantic
accuracy is built from the vocabulary, so every word a template can produce
is listed (attribute synonyms included).

The vocabulary is a data contract shared by several plugins: the generator
(onediff-data) writes captions and scene truth with it, the semantic metric
(onediff-metrics) parses captions with it and the change-attribute head
(onediff-models) takes its class names from it. Its file ships with the core
(``scene_vocabulary.json`` beside this module) so that none of them imports
another; a config that swaps it names another file.
"""
import dataclasses
import functools
import json
from pathlib import Path

# Package data of onediff_kit (setup.py's package_data).
DEFAULT_FILE = Path(__file__).with_name('scene_vocabulary.json')


@dataclasses.dataclass(frozen=True)
class SceneVocabulary:
    """The words and values of the synthetic scenes and their captions.

    Lists of the file are tuples here; mappings keep the file's order.

    Args:
        shapes (tuple[str]): object shapes.
        colors (dict[str, tuple[int]]): colour name -> RGB 0-255 (CLEVR's
            palette, properties.json of clevr-dataset-gen).
        materials (tuple[str]): object materials.
        sizes (tuple[str]): object sizes.
        size_values (dict[str, float]): size -> half extent of an object in
            scene units (CLEVR: large 0.7, small 0.35).
        change_types (tuple[str]): what a synthetic pair changes.
        distractors (tuple[str]): what a ``'none'`` pair changes instead of
            the scene.
        synonyms (dict[str, tuple[str]]): attribute value -> the words a
            caption may use for it (first = canonical).
        object_phrases (tuple[str]): which attributes a caption names of an
            object, always from its state in the scene the phrase refers to
            (before for drop/color/material/move, after for add).
        directions (tuple[str]): directions of a move, in the image (x grows
            to the right, y away from the camera).
        change_templates (dict[str, tuple[str]]): change type -> caption
            templates (``{obj}``, ``{old}``, ``{new}``, ``{direction}``).
        scene_templates (tuple[str]): single-image scene captions (coupled
            samples, stage 1), noun phrases over ``{objects}`` and
            ``{count}``, so that a coupled target reads 'the first image
            shows {a} and ...'.
        number_words (tuple[str]): number words from zero.
        real_images (tuple[str]): scikit-image sample photos of the
            real-photo subset.
        real_shapes (tuple[str]): shapes pasted on the photos.
        real_colors (dict[str, tuple[int]]): their colours, RGB 0-255.
        regions (tuple[str]): a 3x3 grid of regions, row-major.
        real_change_types (tuple[str]): what a real-photo pair changes.
        real_templates (dict[str, tuple[str]]): change type -> caption
            templates of the real-photo pairs.
        tasks (dict[str, str]): kind of pair (synth, real, scene) -> the
            records' ``task``.
    """

    shapes: tuple
    colors: dict
    materials: tuple
    sizes: tuple
    size_values: dict
    change_types: tuple
    distractors: tuple
    synonyms: dict
    object_phrases: tuple
    directions: tuple
    change_templates: dict
    scene_templates: tuple
    number_words: tuple
    real_images: tuple
    real_shapes: tuple
    real_colors: dict
    regions: tuple
    real_change_types: tuple
    real_templates: dict
    tasks: dict


def _as_tuples(value):
    """Lists (at any depth) as tuples, so the words cannot be changed."""
    if isinstance(value, list):
        return tuple(_as_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _as_tuples(v) for k, v in value.items()}
    return value


def load_scene_vocabulary(path=None):
    """Read a scene vocabulary file (loaded once per path).

    Args:
        path (str | Path, optional): a JSON file with one key per field of
            :class:`SceneVocabulary`; None reads the one that ships with
            onediff_kit (``onediff_kit/data/scene_vocabulary.json``).

    Returns:
        SceneVocabulary

    Raises:
        ValueError: the file is not JSON, or it lacks a field, has one of
            the wrong kind or one that is unknown (named in the message).
        FileNotFoundError: no such file.
    """
    path = DEFAULT_FILE if path is None else Path(path).expanduser()
    return _load(str(path.resolve()))


@functools.lru_cache(maxsize=None)
def _load(path):
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(
            f'scene vocabulary {path} not found (a vocabulary=None in the '
            'config reads the one that ships with onediff_kit)') from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f'scene vocabulary {path}: not JSON ({exc})') from None
    if not isinstance(data, dict):
        raise ValueError(f'scene vocabulary {path}: a JSON object with one '
                         'key per field is needed')
    fields = {f.name: f.type for f in dataclasses.fields(SceneVocabulary)}
    missing = sorted(set(fields) - set(data))
    unknown = sorted(set(data) - set(fields))
    if missing or unknown:
        raise ValueError(f'scene vocabulary {path}: missing keys {missing}, '
                         f'unknown keys {unknown}')
    wrong = sorted(name for name, kind in fields.items()
                   if not isinstance(data[name],
                                     dict if kind is dict else list))
    if wrong:
        raise ValueError(f'scene vocabulary {path}: keys {wrong} hold the '
                         'wrong kind of value (a list or an object; see '
                         'onediff_kit/data/scene_vocabulary.json)')
    return SceneVocabulary(**{k: _as_tuples(v) for k, v in data.items()})
