"""A screenshot of the explorer for docs/graphs.md (``make docs-images`` runs it).

    python scripts/make_explorer_image.py [--out docs/images/explorer.png]

Opens the explorer of one training step of the article's network in headless
Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by selenium),
walks the backward pass to step 20 -- where the ReLU of ``dense_3`` has opened
by itself -- and saves the window.  Without Chromium it says so and writes
nothing.
"""
import argparse
import os
import pathlib
import shutil
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TINYGRAD_EDU_RENDERER", "graphviz-pure")   # the same pictures everywhere
os.environ.setdefault("SE_OFFLINE", "true")

import tinygrad_edu as tg  # noqa: E402
from tinygrad_edu.nn.functional import binary_cross_entropy  # noqa: E402
from tinygrad_edu.viz import figures  # noqa: E402


def page(folder):
    """The explorer of the article's network on 8 points, saved in ``folder``."""
    tg.manual_seed(0)
    model = figures.article_model()
    X, y = figures.circles_batch(8)
    loss = binary_cross_entropy(model(X), y)
    loss.name = "loss"
    loss.backward()
    return tg.viz.explore(loss, params=model).save(pathlib.Path(folder) / "graph.html")


def screenshot(html, out, steps=20):
    """Open ``html`` in headless Chromium, press next ``steps`` times, save the window to ``out``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,860"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(html.as_uri())
        for _ in range(steps):
            driver.find_element("id", "next").click()
        driver.save_screenshot(str(out))
    finally:
        driver.quit()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "docs" / "images" / "explorer.png"))
    args = parser.parse_args(argv)
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        print("skipped the explorer screenshot: Chromium is not installed (make browser)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        screenshot(page(tmp), pathlib.Path(args.out))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
