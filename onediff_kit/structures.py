"""The data sample that travels with one image pair through the pipeline."""
from mmengine.structures import BaseDataElement


class DiffDataSample(BaseDataElement):
    """One image pair's annotations and, after ``predict``, its caption.

    Metainfo fields (set by the dataset and ``PackDiffInputs``):
        pair_id (str): unique id of the pair within its manifest.
        before_path, after_path (str): image files of the pair.
        task (str): data source, used to pick the task prompt.
        prompt (str): the task prompt given to the decoder.
        captions (list[str]): every reference caption of the pair.
        gt_caption (str): the training target (one reference, or the
            coupled caption in stage 1).
        change_type (str, optional): e.g. color, material, add, drop, move,
            none.
        meta (dict, optional): free-form record metadata (scene truth).
        ori_shapes (tuple): (h, w) of the before and after image as read.

    Data fields (set by ``OneDiff.predict``):
        pred_caption (str): the generated caption.
        delta_attention (dict, optional): where the delta tokens looked:
            ``weights`` as the delta module returned them (``(T, M)`` or
            ``(2, h, w)``; see ``BaseDelta``) with their layout,
            ``memory_shapes`` and ``memory_groups``. Heat maps come from
            ``onediff_kit.visualization.delta_attention_maps``.
        pred_beams (list[tuple[str, float]], optional): every finished
            beam as ``(caption, score)``, best first, where the decoder
            lists them (beam search).
    """
