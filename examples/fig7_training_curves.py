"""Figure 7: training accuracy and loss per epoch, drawn as the training runs.

A TrainingCurves callback redraws both curves after every epoch from the
logs fit passes it and grabs a frame; at the end it writes the GIF and the
final chart.

    python examples/fig7_training_curves.py --out out --seed 0 [--fast]

Writes OUT/fig7_training.png and OUT/fig7_training.gif (one frame per epoch).
"""
import os

from tinygrad_edu.article import TrainingCurves, build_model, example_parser, load_circles


def main(argv=None):
    args = example_parser(__doc__).parse_args(argv)
    epochs = 3 if args.fast else 50
    X_train, X_test, y_train, y_test = load_circles(args.seed)
    model = build_model()
    curves = TrainingCurves(os.path.join(args.out, "fig7_training.png"),
                            os.path.join(args.out, "fig7_training.gif"))
    model.fit(X_train, y_train, epochs=epochs, batch_size=32, verbose=0, callbacks=[curves])
    for epoch in sorted({0, 9, 19, 39, epochs - 1} & set(range(epochs))):
        print(f"epoch {epoch + 1:3d}: accuracy {curves.accuracy[epoch]:.3f}, "
              f"loss {curves.loss[epoch]:.4f}")
    print(f"wrote {curves.png_path}\nwrote {curves.gif_path}")
    return dict(files=[curves.png_path, curves.gif_path], frames=curves.frames)


if __name__ == "__main__":
    main()
