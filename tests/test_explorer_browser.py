"""The explorer in a real browser: headless Chromium (Debian's), driven by selenium, offline.

``make test`` installs Chromium and its driver (scripts/install_browser.sh) and selenium (the
dev extra).  Without them these tests are skipped on a developer's machine and fail in CI.
"""
import os
import shutil

import numpy as np
import pytest

import tinygrad_edu as tg

from test_explorer import article_loss

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def _need_browser():
    missing = [name for name, found in (("chromium", CHROMIUM), ("chromedriver", DRIVER)) if not found]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium")
    if missing:
        message = (f"the browser tests need {', '.join(missing)}: make browser (Chromium and its "
                   f"driver, Debian's chromium and chromium-driver) and pip install selenium")
        if os.environ.get("CI"):
            pytest.fail(message)                # CI runs these tests; it must not skip them
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    os.environ.setdefault("SE_OFFLINE", "true")          # never look for drivers on the web
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--disable-extensions", "--no-first-run"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {      # no network at all
        "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def article(tmp_path_factory):
    loss, model = article_loss()
    page = tg.viz.explore(loss, params=model)
    path = page.save(tmp_path_factory.mktemp("explorer") / "graph.html")
    return path, page, model


@pytest.fixture
def loaded(browser, article):
    path, page, model = article
    browser.get(path.as_uri())
    return browser, page, model


def js(driver, code, *args):
    return driver.execute_script(code, *args)


def node(driver, name):
    """The <g> of the node whose first label line is ``name`` (found in one round trip)."""
    g = js(driver, "return [...document.querySelectorAll('g.tg-node')].find("
                   "g => g.querySelector('text').textContent === arguments[0]) || null", name)
    assert g is not None, f"no node {name!r}"
    return g


def count(driver):
    return int(driver.find_element("id", "node-count").get_attribute("data-count"))


def test_the_page_loads_offline_from_file_and_shows_the_nodes(loaded):
    driver, page, _ = loaded
    assert driver.current_url.startswith("file://")
    closed = page.data["layouts"]["forward"][""]
    assert count(driver) == len(closed["nodes"]) == len(
        driver.find_elements("css selector", "g.tg-node"))
    assert js(driver, "return performance.getEntriesByType('resource').length") == 0
    assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert driver.find_element("id", "title").text == "The graph of loss"
    assert "The backward pass: 28 derivative rules" in driver.find_element("id", "step-text").text


def test_hovering_a_parameter_shows_its_whole_gradient(loaded):
    from selenium.webdriver.common.action_chains import ActionChains
    driver, _, model = loaded
    ActionChains(driver).move_to_element(node(driver, "dense_1.kernel")).perform()
    info = driver.find_element("id", "info")
    assert info.find_element("css selector", "h2").text == "dense_1.kernel"
    shown = info.find_element("css selector", ".grad pre").text
    grad = model.parameters()[0].grad.numpy()
    np.testing.assert_allclose(np.array(eval(shown)), grad, rtol=1e-3, atol=1e-7)  # noqa: S307
    assert shown.count(",") == grad.size - 1                               # every number
    assert "float32" in info.text and "parameter" in info.text.lower()
    ActionChains(driver).move_to_element(node(driver, "dense_1")).perform()
    assert "MatMul · Add · relu" in info.text and "click to open" in info.text


def test_opening_a_box_changes_the_node_count_and_closing_restores_it(loaded):
    driver, page, _ = loaded
    before = count(driver)
    node(driver, "dense_2").click()
    opened = count(driver)
    box = js(driver, "return document.querySelector('#close-box').textContent")
    assert opened > before and box == "close dense_2"
    assert opened == len(page.data["layouts"]["forward"][next(
        k for k, v in page.data["items"].items() if v.get("name") == "dense_2")]["nodes"])
    assert node(driver, "MatMul")
    driver.find_element("id", "close-box").click()
    assert count(driver) == before
    node(driver, "dense_5").click()
    js(driver, "document.querySelector('g.cluster.tg-open').dispatchEvent(new MouseEvent('click'))")
    assert count(driver) == before                               # a click on its frame closes it


STEP_ALL = """
const out = [];
for (let i = 0; i < arguments[0]; i++) {
  document.getElementById('next').click();             // the button's own click handler
  out.push({fn: document.getElementById('stepper').dataset.fn,
            current: document.querySelectorAll('g.tg-current').length,
            text: document.getElementById('step-text').textContent});
}
return out;
"""


def test_stepping_visits_every_rule_once_in_the_engines_order(loaded, tmp_path):
    driver, page, _ = loaded
    steps = page.data["steps"]
    driver.find_element("id", "next").click()                     # a real click, then the rest
    assert driver.find_element("id", "stepper").get_attribute("data-fn") == steps[0]["fn"]
    assert driver.find_element("id", "step-text").text == steps[0]["text"]
    seen = [{"fn": steps[0]["fn"], "current": 1, "text": steps[0]["text"]}]
    seen += js(driver, STEP_ALL, len(steps) - 1)
    assert [v["fn"] for v in seen] == [s["fn"] for s in steps]    # the engine's order
    assert len({v["fn"] for v in seen}) == len(steps)             # each rule once
    assert all(v["current"] == 1 for v in seen)                    # one rule lit at a time
    assert [v["text"] for v in seen] == [s["text"] for s in steps]  # explain's text
    driver.find_element("id", "next").click()                     # past the end: stays there
    assert driver.find_element("id", "stepper").get_attribute("data-step") == str(len(steps))
    driver.save_screenshot(str(tmp_path / "last_step.png"))
    assert (tmp_path / "last_step.png").stat().st_size > 10_000
    driver.find_element("css selector", '#views button[data-view="backward"]').click()
    driver.find_element("id", "first").click()
    seen = js(driver, STEP_ALL, 3)
    assert [v["fn"] for v in seen] == [s["fn"] for s in steps[:3]]
    assert all(v["current"] == 1 for v in seen)


def test_find_a_node_by_name_even_inside_a_closed_box(loaded):
    driver, _, _ = loaded
    search = driver.find_element("id", "search")
    search.send_keys("dense_3.bias")
    assert driver.find_element("id", "found").text == "1 found"
    assert driver.find_element("css selector", "#info h2").text == "dense_3.bias"
    search.clear()
    search.send_keys("Log#1")                        # made inside binary_cross_entropy's box
    assert driver.find_element("id", "found").text == "1 found"
    assert "close binary_cross_entropy" == driver.find_element("id", "close-box").text
