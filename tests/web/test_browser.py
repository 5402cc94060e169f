"""``onediff serve`` in a real headless browser (Debian's chromium).

The server runs as the user runs it (``onediff serve`` in a subprocess, on a
free loopback port); selenium drives chromium through
``/usr/bin/chromedriver``. Nothing downloads a browser. Where chromium or
chromedriver is missing the test skips, except under CI (``CI=true``),
where it fails.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
CHROMIUM_FLAGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--window-size=1200,1500'
]
TIMEOUT = 60
# Starting the server imports torch, mmengine and gradio: about 10 s on an
# idle 2-core machine, and over 50 s was seen on a busy one.
START_TIMEOUT = 240


def _browser_or_skip():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER)
               if not os.access(p, os.X_OK)]
    if not missing:
        return
    reason = (f'{", ".join(missing)} missing: install the Debian packages '
              'chromium and chromium-driver (.ci/run does)')
    if os.environ.get('CI', '').lower() == 'true':
        pytest.fail(f'CI=true but {reason}')
    pytest.skip(reason)


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def server(tiny, tmp_path_factory):
    """``onediff serve`` on a free 127.0.0.1 port; yields its base URL."""
    _browser_or_skip()
    port = _free_port()
    log = tmp_path_factory.mktemp('serve') / 'serve.log'
    env = dict(os.environ, OMP_NUM_THREADS='1')
    with open(log, 'w') as out:
        proc = subprocess.Popen(
            [sys.executable, '-m', 'onediff_kit.cli.main', 'serve',
             '--config', tiny['config'], '--checkpoint', tiny['checkpoint'],
             '--device', 'cpu', '--port', str(port), '--examples', '2'],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(url + '/api/info', timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail('onediff serve did not start:\n' +
                                log.read_text()[-3000:])
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope='module')
def browser():
    _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    profile = tempfile.mkdtemp(prefix='onediff_chromium_')
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f'--user-data-dir={profile}']:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(driver, condition, what):
    from selenium.webdriver.support.ui import WebDriverWait
    try:
        return WebDriverWait(driver, TIMEOUT, 0.2).until(condition)
    except Exception:
        raise AssertionError(f'timed out waiting for {what}') from None


def _open(driver, url):
    from selenium.webdriver.common.by import By
    driver.get(url + '/')
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#run'),
          'the page to load')


def _upload(driver, elem_id, path):
    from selenium.webdriver.common.by import By
    selector = f'#{elem_id} input[type=file]'
    # Gradio may mount the upload field after the button on a busy machine.
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, selector),
          f'the {elem_id} upload field')
    driver.find_element(By.CSS_SELECTOR, selector).send_keys(path)
    name = Path(path).stem  # the page breaks the line before the suffix
    _wait(driver, lambda d: name in d.find_element(By.ID, elem_id).text,
          f'{name} to upload')


def _set_number(driver, elem_id, value):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    box = driver.find_element(By.CSS_SELECTOR,
                              f'#{elem_id} input[type=number]')
    box.send_keys(Keys.CONTROL, 'a')
    box.send_keys(str(value), Keys.TAB)


def _caption_text(driver):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.CSS_SELECTOR,
                               '#caption textarea').get_attribute('value')


def _message(driver):
    from selenium.webdriver.common.by import By
    return driver.find_element(By.ID, 'message').text


def _save_screenshot(driver, tmp_path, name):
    path = tmp_path / name
    driver.save_screenshot(str(path))
    folder = os.environ.get('ONEDIFF_TEST_ARTIFACTS')
    if folder:
        os.makedirs(folder, exist_ok=True)
        shutil.copy(path, folder)
    return path


def test_page_captions_a_pair_like_the_cli(server, browser, tiny, pair,
                                           tmp_path, capsys):
    from selenium.webdriver.common.by import By

    from onediff_kit.cli.main import main
    assert main(['caption', *pair, '--config', tiny['config'],
                 '--checkpoint', tiny['checkpoint'], '--device', 'cpu',
                 '--beam', '3', '--json']) == 0
    expected = json.loads(capsys.readouterr().out)['caption']

    _open(browser, server)
    _upload(browser, 'before', pair[0])
    _upload(browser, 'after', pair[1])
    _set_number(browser, 'beam', 3)
    browser.find_element(By.ID, 'run').click()
    _wait(browser, lambda d: _caption_text(d), 'the caption')
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '#figure img'),
          'the heat-map figure')
    screenshot = _save_screenshot(browser, tmp_path, 'serve_caption.png')

    assert _caption_text(browser) == expected
    assert 'beam size 3' in _message(browser)
    rows = browser.find_element(By.ID, 'beams').text
    assert expected in rows and rows.count('-') >= 2  # negative scores
    assert screenshot.stat().st_size > 10_000
    # Everything the page loaded came from the server itself.
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    outside = [u for u in loaded
               if not u.startswith((server, 'data:', 'blob:'))]
    assert loaded and not outside, outside


def test_page_names_a_bad_upload_and_keeps_serving(server, browser, pair,
                                                   bad_files, tmp_path):
    from selenium.webdriver.common.by import By
    _open(browser, server)
    _upload(browser, 'before', bad_files['text'])
    _upload(browser, 'after', pair[1])
    browser.find_element(By.ID, 'run').click()
    _wait(browser, lambda d: 'Error' in _message(d), 'the error message')
    _save_screenshot(browser, tmp_path, 'serve_bad_upload.png')
    assert ('before image notes.png: corrupt or truncated image'
            in _message(browser))
    assert _caption_text(browser) == ''
    with urllib.request.urlopen(server + '/api/info', timeout=5) as r:
        assert r.status == 200


def test_example_pair_fills_both_uploads(server, browser):
    from selenium.webdriver.common.by import By
    _open(browser, server)
    rows = browser.find_elements(By.CSS_SELECTOR, '#examples tbody tr')
    assert rows, 'no example pairs on the page'
    rows[0].click()
    for elem_id in ('before', 'after'):
        _wait(browser,
              lambda d: f'_{elem_id}' in d.find_element(By.ID, elem_id).text,
              f'the example to fill the {elem_id} upload')
    browser.find_element(By.ID, 'run').click()
    _wait(browser, lambda d: _caption_text(d), 'the example pair caption')
