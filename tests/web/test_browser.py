"""``onediff serve`` in a real headless browser (Debian's chromium).

The server runs as the user runs it (``onediff serve`` in a subprocess, on a
free loopback port, with a TMPDIR of its own); selenium drives chromium
through ``/usr/bin/chromedriver``. Nothing downloads a browser. Where
chromium or chromedriver is missing the tests skip, except under CI
(``CI=true``), where they fail. The last test stops the server and looks
for what the visit left on disk.
"""
import json
import os
import re
import shutil
import signal
import tempfile
import urllib.request

import pytest

from ..system_tools import skip_or_fail_in_ci
from .serve_process import ServeProcess

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
CHROMIUM_FLAGS = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--window-size=1200,1500'
]
TIMEOUT = 60
NUM_EXAMPLES = 2
# An absolute path in text: '/' after a space or at the start, then at
# least two name parts ('/ length' in a column title is not one).
ABSOLUTE_PATH = re.compile(r'(?:^|[\s\'"(`])/[\w.-]+/[\w./-]+')


def _browser_or_skip():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER)
               if not os.access(p, os.X_OK)]
    if not missing:
        return
    reason = (f'{", ".join(missing)} missing: install the Debian packages '
              'chromium and chromium-driver (.ci/run does)')
    skip_or_fail_in_ci(reason)


@pytest.fixture(scope='module')
def server(tiny, tmp_path_factory):
    """``onediff serve`` on a free 127.0.0.1 port, with a TMPDIR of its own;
    the last test stops it."""
    _browser_or_skip()
    server = ServeProcess(tiny, tmp_path_factory.mktemp('serve'),
                          examples=NUM_EXAMPLES)
    try:
        server.wait_ready()
        yield server
    finally:
        server.kill()


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


def _preview(driver, elem_id):
    """The image an upload field shows: its ``src`` and whether it has
    loaded (None while it shows none)."""
    return driver.execute_script(
        'const img = document.querySelector(arguments[0]);'
        'return img && {src: img.currentSrc || img.src,'
        '               loaded: img.complete && img.naturalWidth > 0};',
        f'#{elem_id} img')


def _upload(driver, elem_id, path):
    """Choose ``path`` in an upload field; wait for its preview."""
    from selenium.webdriver.common.by import By
    selector = f'#{elem_id} input[type=file]'
    # Gradio may mount the upload field after the button on a busy machine.
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, selector),
          f'the {elem_id} upload field')
    driver.find_element(By.CSS_SELECTOR, selector).send_keys(path)
    name = os.path.basename(path)
    _wait(driver, lambda d: name in ((_preview(d, elem_id) or {}).get('src')
                                     or ''), f'the preview of {name}')


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


def _page_text(driver):
    """What the page shows as text, the values of its fields included."""
    return driver.execute_script(
        'return [document.body.innerText].concat(Array.from('
        'document.querySelectorAll("input, textarea"), e => e.value))'
        '.join("\\n");')


def _assert_no_server_paths(driver, server, tiny):
    text = _page_text(driver)
    for folder in (str(server.tmp), os.path.dirname(tiny['checkpoint'])):
        assert folder not in text
    assert not ABSOLUTE_PATH.findall(text), ABSOLUTE_PATH.findall(text)


def test_page_captions_a_pair_like_the_cli(server, browser, tiny, pair,
                                           tmp_path, capsys):
    from selenium.webdriver.common.by import By

    from onediff_kit.cli.main import main
    assert main(['caption', *pair, '--config', tiny['config'],
                 '--checkpoint', tiny['checkpoint'], '--device', 'cpu',
                 '--beam', '3', '--json']) == 0
    expected = json.loads(capsys.readouterr().out)['caption']

    _open(browser, server.url)
    for elem_id, path in zip(('before', 'after'), pair):
        _upload(browser, elem_id, path)
        # A preview of the chosen image, drawn by the browser.
        _wait(browser, lambda d: _preview(d, elem_id)['loaded'],
              f'the {elem_id} preview to load')
    _set_number(browser, 'beam', 3)
    browser.find_element(By.ID, 'run').click()
    _wait(browser, lambda d: _caption_text(d), 'the caption')
    _wait(browser, lambda d: _preview(d, 'figure') and
          _preview(d, 'figure')['loaded'], 'the heat-map figure')
    screenshot = _save_screenshot(browser, tmp_path, 'serve_caption.png')

    assert _caption_text(browser) == expected
    assert 'beam size 3' in _message(browser)
    rows = browser.find_element(By.ID, 'beams').text
    assert expected in rows and rows.count('-') >= 2  # negative scores
    assert screenshot.stat().st_size > 10_000
    _assert_no_server_paths(browser, server, tiny)
    # Everything the page loaded came from the server itself.
    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    outside = [u for u in loaded
               if not u.startswith((server.url, 'data:', 'blob:'))]
    assert loaded and not outside, outside


def test_figure_titles_are_visible(server, browser):
    """Nothing of the page covers the figure's top edge, where its own
    titles ('before', 'after') are drawn; its title is a line above it.
    Runs on the figure of the test before."""
    from selenium.webdriver.common.by import By
    title = browser.find_element(By.ID, 'figure_title')
    assert title.is_displayed() and 'attention' in title.text
    covered = browser.execute_script(
        'const img = document.querySelector("#figure img");'
        'img.scrollIntoView();'
        'const r = img.getBoundingClientRect();'
        'return [0.25, 0.5, 0.75].map(x => document.elementFromPoint('
        '    r.left + x * r.width, r.top + 4)).filter(e => e !== img)'
        '    .map(e => e.outerHTML.slice(0, 80));')
    assert covered == []


def test_page_names_a_bad_upload_and_keeps_serving(server, browser, pair,
                                                   bad_files, tmp_path,
                                                   tiny):
    from selenium.webdriver.common.by import By
    _open(browser, server.url)
    _upload(browser, 'before', bad_files['text'])
    _upload(browser, 'after', pair[1])
    browser.find_element(By.ID, 'run').click()
    _wait(browser, lambda d: 'Error' in _message(d), 'the error message')
    _save_screenshot(browser, tmp_path, 'serve_bad_upload.png')
    assert ('before image notes.png: corrupt or truncated image'
            in _message(browser))
    assert _caption_text(browser) == ''
    _assert_no_server_paths(browser, server, tiny)
    with urllib.request.urlopen(server.url + '/api/info', timeout=5) as r:
        assert r.status == 200


def test_example_thumbnails_fill_both_images(server, browser):
    from selenium.webdriver.common.by import By
    _open(browser, server.url)
    selector = '#examples tbody tr'
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, selector),
          'the example pairs')
    rows = browser.find_elements(By.CSS_SELECTOR, selector)
    assert len(rows) == NUM_EXAMPLES
    # Thumbnails of both images of each pair, not file names.
    _wait(browser, lambda d: d.execute_script(
        'const imgs = document.querySelectorAll("#examples tbody img");'
        'return imgs.length === arguments[0] && Array.from(imgs).every('
        '    i => i.complete && i.naturalWidth > 0);', 2 * NUM_EXAMPLES),
        'the example thumbnails to load')
    assert '.png' not in browser.find_element(By.ID, 'examples').text
    rows[0].click()
    for elem_id in ('before', 'after'):
        _wait(browser, lambda d: (_preview(d, elem_id) or {}).get('loaded')
              and f'_{elem_id}.png' in _preview(d, elem_id)['src'],
              f'the example to fill the {elem_id} image')
    browser.find_element(By.ID, 'run').click()
    _wait(browser, lambda d: _caption_text(d), 'the example pair caption')


def test_nothing_is_left_after_the_server_stops(server):
    """Runs last: stops the server the tests above visited."""
    assert server.files(), 'the visit wrote nothing where the test looks'
    assert server.stop(signal.SIGTERM) == 0
    assert server.files() == []
    refusals = server.refusals()
    assert len(refusals) == 1 and 'notes.png' in refusals[0], refusals
    assert server.warnings() == []
