"""Regenerate the figures in docs/images/ from tinygrad_edu (``make docs-images``).

Runs the main job (``tinygrad_edu.article.run_demo``) into a temporary folder
with the demo's seed and copies the figures the docs show into docs/images/,
thinning the decision-regions GIF to every fifth epoch and storing the two
diagnostics figures with a 64-colour palette to keep the docs small.  It also
draws the learning-rate range test of the article's network (for
docs/debugging.md).

    python scripts/make_doc_images.py [--out docs/images] [--seed N]
"""
import argparse
import os
import pathlib
import shutil
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# graphviz-pure brings its own fonts: the pictures come out the same on every machine
os.environ.setdefault("TINYGRAD_EDU_RENDERER", "graphviz-pure")

from tinygrad_edu.article import DEMO_SEED, build_model, load_circles, run_demo  # noqa: E402
from tinygrad_edu.random import manual_seed  # noqa: E402
from tinygrad_edu.training import find_lr  # noqa: E402

#: Demo figures stored as palette PNGs (demo name -> docs name).
PALETTE = {"diagnostics.png": "debugging_diagnostics.png",
           "diagnostics_dying_seed.png": "debugging_dying_seed.png"}
COPIED = ["fig1_dataset.png", "fig2_architecture.png", "fig4_neuron_graph.svg",
          "fig5_layer_graph.svg", "fig6_activations.png", "fig7_training.png",
          "fig8_loss_surface.png", "fig9_forward_graph.svg", "fig9_backward_graph.svg"]


def thin_gif(src, dst, every=5):
    """Keep frames every-1, 2*every-1, ... (epochs every, 2*every, ...) of a GIF."""
    from PIL import Image, ImageSequence
    with Image.open(src) as im:
        duration = im.info.get("duration", 125)
        frames = [f.copy() for f in ImageSequence.Iterator(im)]
    kept = frames[every - 1::every] or frames[-1:]
    kept[0].save(dst, save_all=True, append_images=kept[1:], duration=duration * 3, loop=0,
                 optimize=True)
    return len(kept)


def small_png(src, dst, colors=64):
    """Save ``src`` as a palette PNG of ``colors`` colours (a third of the size, same look)."""
    from PIL import Image
    with Image.open(src) as im:
        im.convert("RGB").quantize(colors=colors, method=2, dither=0).save(dst, optimize=True)


def lr_finder_figure(path, seed):
    """The learning-rate range test of the article's network (Adam), the demo's seed."""
    X_train, _, y_train, _ = load_circles(seed)
    manual_seed(seed)
    result = find_lr(build_model(), X_train, y_train)
    small_png(result.plot(path), path)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "docs" / "images"), help="target folder")
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help="seed (default: the demo's)")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = run_demo(out=tmp, seed=args.seed, verbose=0, log=lambda *a: None)
        for name in COPIED:
            shutil.copyfile(os.path.join(tmp, name), os.path.join(args.out, name))
            print(f"wrote {os.path.join(args.out, name)}")
        for name, target in PALETTE.items():
            small_png(os.path.join(tmp, name), os.path.join(args.out, target))
            print(f"wrote {os.path.join(args.out, target)}")
        gif = os.path.join(args.out, "fig3_decision_regions.gif")
        n = thin_gif(os.path.join(tmp, "fig3_decision_regions.gif"), gif)
        print(f"wrote {gif} ({n} frames)")
    print(f"test accuracy {result['test_accuracy']:.4f}, test loss {result['test_loss']:.4f}")
    lr_png = os.path.join(args.out, "debugging_lr_finder.png")
    found = lr_finder_figure(lr_png, args.seed)
    print(f"wrote {lr_png} (suggestion {found.suggestion:.1e})")


if __name__ == "__main__":
    main()
