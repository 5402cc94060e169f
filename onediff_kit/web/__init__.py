"""``onediff serve``: a Gradio page and a JSON route over one model."""
from onediff_kit.web.service import BusyError, CaptionService, InputError

__all__ = ['BusyError', 'CaptionService', 'InputError']
