"""Fixtures and markers of the tool tests."""


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow: takes tens of seconds (a pip install, a fresh '
        'venv); CI runs it, deselect locally with -m "not slow"')
