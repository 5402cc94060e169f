"""ClevrChangeSynthGenerator: synthetic pairs in CLEVR-Change's protocol,
drawn by the fast renderer."""
from functools import lru_cache

import numpy as np
from PIL import Image

from onediff_kit.data.scene_vocabulary import load_scene_vocabulary
from onediff_kit.registry import GENERATORS

from ..clevr_render.release import captions as triplet_captions
from ..clevr_render.scene import SceneRules
from .captions import scene_captions
from .clevr_view import object_box, render_view
from .generator import SynthDiffGenerator, _num_real_before

SCENE_VOCAB = load_scene_vocabulary()

# CLEVR's properties.json, from the scene vocabulary (the same values).
PROPERTIES = dict(shapes={s: s for s in SCENE_VOCAB.shapes}, colors=dict(SCENE_VOCAB.colors),
                  materials={m: m for m in SCENE_VOCAB.materials},
                  sizes=dict(SCENE_VOCAB.size_values))


@GENERATORS.register_module(name='ClevrChangeSynthGenerator')
class ClevrChangeSynthGenerator(SynthDiffGenerator):
    """The synthetic data set in CLEVR-Change's world and protocol.

    Scenes, changes and jitter come from
    :class:`onediff_data.clevr_render.SceneRules`, the description that
    ``onediff data render clevr-change`` renders with Blender; images are
    drawn by :mod:`.clevr_view` (CLEVR's perspective camera, 3:2 frame,
    jittered lights). Synthetic pair ``2k`` is triplet ``k``'s semantic
    pair (one change plus camera and light jitter), pair ``2k + 1`` its
    distractor (jitter only, change type ``none``), so half the pairs are
    distractors, as in the release. Edited real photos, splits, captions,
    ``scenes.jsonl`` and ``vocab.json`` are as in
    :class:`SynthDiffGenerator`, and so is ``meta`` (the changed object,
    ``new``, ``box_before`` / ``box_after``).

    Args:
        size (int): image width; the height is two thirds of it (CLEVR's
            3:2). Defaults to 192.
        rules (dict, optional): keyword arguments of ``SceneRules``.
        **kwargs: the arguments of :class:`SynthDiffGenerator`.
    """

    is_default_generator = False
    look_version = 2  # 2: CLEVR's metal and rubber shading (clevr_view)

    def __init__(self, size=192, rules=None, **kwargs):
        super().__init__(size=size, **kwargs)
        self.frame = (self.size, round(self.size * 2 / 3))
        self.rules_cfg = dict(rules or {})
        self.rules = SceneRules(PROPERTIES, **self.rules_cfg)

    def extra_info(self):
        return dict(rules=self.rules_cfg)

    @lru_cache(maxsize=4)
    def _triplet(self, index, seed):
        """Triplet ``index`` and its before image: its two pairs are
        consecutive, so a worker mostly makes both from one draw."""
        triplet = self.rules.triplet(index, seed)
        return triplet, render_view(triplet['objects']['before'],
                                    triplet['views']['before'], self.frame)

    def make_pair(self, idx, seed, out_dir=None):
        kind, _, split = self.plan(idx, seed)
        if kind == 'real':
            return super().make_pair(idx, seed, out_dir)
        ordinal = idx - _num_real_before(idx, self.real_fraction)
        triplet, before = self._triplet(ordinal // 2, seed)
        image = 'semantic' if ordinal % 2 == 0 else 'nonsemantic'
        objects, views = triplet['objects'], triplet['views']
        after = render_view(objects[image], views[image], self.frame)
        change, no_change = triplet_captions(triplet, self.num_captions)
        truth = triplet['change']
        if image == 'semantic':
            change_type, caps = truth['type'], change
            meta = dict(
                changed_object=truth['object'], old=truth['old'],
                new=truth['new'], direction=truth['direction'],
                box_before=None if truth['index_before'] is None else
                object_box(objects['before'][truth['index_before']],
                           views['before'], self.frame),
                box_after=None if truth['index_after'] is None else
                object_box(objects['semantic'][truth['index_after']],
                           views['semantic'], self.frame))
        else:
            change_type, caps = 'none', no_change
            meta = dict(box_before=None, box_after=None)
        meta.update(views=dict(before=views['before'], after=views[image]))
        pair_id = f'{kind}_{idx:06d}'
        before_rel = f'images/{pair_id}_before.png'
        after_rel = f'images/{pair_id}_after.png'
        scene_rec = None
        if self.write_scenes:
            rng = np.random.default_rng([seed, 1, idx])
            scene_rec = dict(
                image_id=f'{pair_id}_before', image=before_rel,
                captions=scene_captions(objects['before'], rng,
                                        self.num_captions),
                split=split, task=SCENE_VOCAB.tasks['scene'],
                meta=dict(objects=objects['before']))
        record = dict(pair_id=pair_id, before=before_rel, after=after_rel,
                      captions=caps, split=split, task=SCENE_VOCAB.tasks['synth'],
                      change_type=change_type, meta=meta)
        if out_dir is not None:
            for rel, arr in ((before_rel, before), (after_rel, after)):
                Image.fromarray(arr).save(
                    f'{out_dir}/{rel}', compress_level=self.png_compress_level)
        return record, scene_rec, before, after
