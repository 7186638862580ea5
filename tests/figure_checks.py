"""Checks that a written figure is a real image of a sensible size (shared by the article tests)."""
import os
import xml.etree.ElementTree as ET

from PIL import Image


def check_png(path, min_size=(150, 100), min_bytes=5_000):
    assert os.path.getsize(path) >= min_bytes, f"{path} is suspiciously small"
    with Image.open(path) as im:
        assert im.format == "PNG", f"{path}: not a PNG"
        assert im.size[0] >= min_size[0] and im.size[1] >= min_size[1], f"{path}: {im.size}"
        im.verify()


def check_gif(path, frames, min_size=(150, 100)):
    with Image.open(path) as im:
        assert im.format == "GIF", f"{path}: not a GIF"
        assert im.is_animated == (frames > 1)
        assert im.n_frames == frames, f"{path}: {im.n_frames} frames, expected {frames}"
        assert im.size[0] >= min_size[0] and im.size[1] >= min_size[1], f"{path}: {im.size}"
        im.seek(frames - 1)        # every frame decodes
        im.load()


def check_svg(path, must_contain=(), min_bytes=2_000):
    assert os.path.getsize(path) >= min_bytes, f"{path} is suspiciously small"
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg"), f"{path}: root element is {root.tag}"
    text = open(path, encoding="utf-8").read()
    for s in must_contain:
        assert s in text, f"{path}: {s!r} not in the drawing"


def check_file(path, frames=None):
    ext = os.path.splitext(path)[1]
    if ext == ".png":
        check_png(path)
    elif ext == ".gif":
        check_gif(path, frames)
    elif ext == ".svg":
        check_svg(path)
    else:
        raise AssertionError(f"unexpected output {path}")
