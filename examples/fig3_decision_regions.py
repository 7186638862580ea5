"""Figure 3: the decision regions after every epoch, as an animated GIF.

Trains the article's model with a DecisionRegions callback: after each epoch
it predicts the probability of class 1 on a 100 x 100 grid over
[-1.5, 1.5]^2, draws it as filled contours under the training points, titles
the frame "tinygrad_edu epoch: NNN" and grabs it.  50 epochs, 50 frames.

    python examples/fig3_decision_regions.py --out out --seed 0 [--fast]

Writes OUT/fig3_decision_regions.gif and OUT/fig3_decision_regions.png (the
last frame).  --fast: 3 epochs on a 25 x 25 grid.
"""
import os

from tinygrad_edu.article import DecisionRegions, build_model, example_parser, load_circles


def main(argv=None):
    args = example_parser(__doc__).parse_args(argv)
    epochs, grid = (3, 25) if args.fast else (50, 100)
    X_train, X_test, y_train, y_test = load_circles(args.seed)
    model = build_model()
    gif = os.path.join(args.out, "fig3_decision_regions.gif")
    png = os.path.join(args.out, "fig3_decision_regions.png")
    regions = DecisionRegions(X_train, y_train, gif, grid=grid, png_path=png)
    history = model.fit(X_train, y_train, epochs=epochs, batch_size=32, verbose=0,
                        callbacks=[regions])
    print(f"{regions.frames} frames; training accuracy after the last epoch "
          f"{history.history['accuracy'][-1]:.3f}")
    print(f"wrote {regions.path}\nwrote {regions.png_path}")
    return dict(files=[regions.path, regions.png_path], frames=regions.frames)


if __name__ == "__main__":
    main()
