"""CLEVR-Change rendered with Blender from CLEVR's assets."""
from .renderer import ClevrChangeRenderer
from .scene import SceneRules

__all__ = ['ClevrChangeRenderer', 'SceneRules']
