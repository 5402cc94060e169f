"""One figure per pair: the two images, attention heat maps, captions."""
import os
import os.path as osp
import textwrap

import numpy as np
from PIL import Image

NO_ATTENTION_NOTE = 'no heat maps: this delta module exposes no attention'


def _fit(img, max_side):
    h, w = img.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return img
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(img).resize(size, Image.BILINEAR))


def _caption_lines(caption, references, width):
    lines = []
    for label, text in [('generated', caption)] + [
            (f'reference {i + 1}', r) for i, r in enumerate(references)]:
        lines += textwrap.wrap(f'{label}: {text}', width) or [f'{label}:']
    return lines


def draw_diff_caption(before, after, caption, references=(),
                      attention_maps=None, out_file=None, title=None,
                      note=None, max_side=320, alpha=0.5, cmap='jet'):
    """Draw a pair side by side with its captions and attention heat maps.

    Top row: before and after. Second row (when ``attention_maps`` is
    given): each image with its heat map overlaid, on one shared colour
    scale. Below: the generated caption and the references. Without
    attention maps the figure says why (``note``, or a default text).

    Args:
        before (np.ndarray): ``(H, W, 3)`` uint8 before image.
        after (np.ndarray): ``(H, W, 3)`` uint8 after image (any size).
        caption (str): the generated caption.
        references (sequence[str]): reference captions.
        attention_maps (np.ndarray, optional): ``(2, h, w)`` in [0, 1]
            (see :func:`delta_attention_maps`); stretched over each image.
        out_file (str, optional): write the figure here as PNG; missing
            folders are created.
        title (str, optional): figure title (e.g. the pair id).
        note (str, optional): shown instead of the default note when there
            are no attention maps.
        max_side (int): images are shrunk to at most this side.
        alpha (float): opacity of the heat maps.
        cmap (str): matplotlib colour map of the heat maps.

    Returns:
        np.ndarray: the figure as an ``(H, W, 3)`` uint8 array.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    images = [_fit(np.asarray(before), max_side),
              _fit(np.asarray(after), max_side)]
    rows = 2 if attention_maps is not None else 1
    lines = _caption_lines(caption, list(references or ()), 70)
    if attention_maps is None:
        lines.append(note or NO_ATTENTION_NOTE)
    text_h = 0.3 + 0.22 * len(lines)
    fig = Figure(figsize=(7, 3.2 * rows + text_h + (0.4 if title else 0)),
                 dpi=100)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(rows + 1, 2,
                            height_ratios=[3.2] * rows + [text_h],
                            left=0.03, right=0.97, bottom=0.02,
                            top=0.9 if title else 0.95,
                            hspace=0.15, wspace=0.05)
    for col, (img, label) in enumerate(zip(images, ('before', 'after'))):
        ax = fig.add_subplot(grid[0, col])
        ax.imshow(img)
        ax.set_title(label, fontsize=10)
        ax.axis('off')
        if attention_maps is not None:
            h, w = img.shape[:2]
            ax = fig.add_subplot(grid[1, col])
            ax.imshow(img)
            ax.imshow(
                np.asarray(attention_maps[col]), cmap=cmap, alpha=alpha,
                vmin=0.0, vmax=1.0, extent=(0, w, h, 0),
                interpolation='bilinear')
            ax.set_title(f'delta-token attention ({label})', fontsize=9)
            ax.axis('off')
    text_ax = fig.add_subplot(grid[rows, :])
    text_ax.axis('off')
    text_ax.text(0, 1, '\n'.join(lines), va='top', ha='left', fontsize=9,
                 family='monospace', transform=text_ax.transAxes)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.canvas.draw()
    array = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    if out_file is not None:
        folder = osp.dirname(osp.abspath(out_file))
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(array).save(out_file, format='PNG')
    return array
