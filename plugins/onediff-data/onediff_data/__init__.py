"""First-party onediff_kit components (data)."""
