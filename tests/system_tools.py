"""Tests that need a system program (Debian's blender, chromium): skipped
where it is missing, failed under CI, which installs it (.ci/run)."""
import os

import pytest


def skip_or_fail_in_ci(reason):
    """Skip with ``reason``; under ``CI=true`` fail instead, since CI
    installs every system program the suite uses."""
    if os.environ.get('CI', '').lower() == 'true':
        pytest.fail(f'CI=true but {reason}')
    pytest.skip(reason)
