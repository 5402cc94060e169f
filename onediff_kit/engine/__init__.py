from onediff_kit.engine.hooks import *  # noqa: F401,F403
