from onediff_kit.engine.fileio import *  # noqa: F401,F403
from onediff_kit.engine.hooks import *  # noqa: F401,F403
from onediff_kit.engine.loops import *  # noqa: F401,F403
from onediff_kit.engine.model_wrappers import *  # noqa: F401,F403
from onediff_kit.engine.optim_wrappers import *  # noqa: F401,F403
from onediff_kit.engine.strategies import *  # noqa: F401,F403
