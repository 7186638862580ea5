"""The article's Keras snippet, run by tinygrad_edu.

Only the imports differ from the article: make_circles and train_test_split
come from tinygrad_edu.datasets, Sequential and Dense from tinygrad_edu.nn.
Everything from N_SAMPLES to model.fit is the article's code, unchanged.

    python examples/circles_keras.py --out out --seed 0

Prints the test accuracy and loss and writes the final decision regions to
OUT/circles_keras.png.  (The article's snippet always trains 50 epochs; it
takes a few seconds.)
"""
import os
import sys

import tinygrad_edu as tg
from tinygrad_edu.article import example_parser, plot_decision_regions
from tinygrad_edu.datasets import make_circles, train_test_split
from tinygrad_edu.nn import Dense, Sequential


def main(argv=None):
    args = example_parser(__doc__, fast=False).parse_args(argv)
    tg.manual_seed(args.seed)   # the article seeds nothing; we seed to make the run repeatable

    # ---- the article's code --------------------------------------------------
    N_SAMPLES = 1000
    TEST_SIZE = 0.1

    X, y = make_circles(n_samples=N_SAMPLES, factor=.3, noise=.10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE,
                                                        random_state=42)

    model = Sequential()
    model.add(Dense(4, input_dim=2, activation='relu'))
    model.add(Dense(6, activation='relu'))
    model.add(Dense(6, activation='relu'))
    model.add(Dense(4, activation='relu'))
    model.add(Dense(1, activation='sigmoid'))
    model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
    model.fit(X_train, y_train, epochs=50, verbose=0)
    # ---------------------------------------------------------------------------

    test_loss, test_acc = model.evaluate(X_test, y_test, verbose=0)
    print(f"test accuracy {test_acc:.4f}, test loss {test_loss:.4f}")
    path = plot_decision_regions(model, X_test, y_test, os.path.join(args.out, "circles_keras.png"),
                                 title=f"test set, accuracy {test_acc:.2f}")
    print(f"wrote {path}")
    return dict(test_accuracy=test_acc, test_loss=test_loss, files=[path])


if __name__ == "__main__":
    main()
    sys.exit(0)
