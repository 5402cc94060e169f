"""Shared test fixtures."""
from pathlib import Path

import pytest
import torch

import onediff_kit

# The one start-up point, as the tools and the CLI call it: plugins and safe
# checkpoint loading, before any test module builds a component.
onediff_kit.init()

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / 'shared' / 'data'


@pytest.fixture(scope='session')
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope='session')
def shared_data():
    """../shared/data beside the checkout; skips the test where absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f'shared reference data not found at {SHARED_DATA} '
                    '(it lies beside the checkout on project machines)')
    return SHARED_DATA


@pytest.fixture(scope='session', autouse=True)
def one_torch_thread():
    """Tiny test models run faster on one thread, above all on busy cores
    (two OpenMP threads on a shared 2-CPU machine wait for each other)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
