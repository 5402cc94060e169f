"""First-party onediff_kit components (metrics)."""
