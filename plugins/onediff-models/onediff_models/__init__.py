"""First-party onediff_kit components (models)."""
