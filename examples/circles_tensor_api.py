"""The article's network with raw Tensors: what the five Keras lines hide.

Same data, same 2-4-6-6-4-1 network, same Glorot-uniform weights and zero
biases, same binary cross-entropy, same Adam -- but every step written out:

    forward    Z[l] = A[l-1] @ W[l] + b[l],  A[l] = g(Z[l])     (samples as rows)
    loss       J = mean(-(Y log Y_hat + (1 - Y) log(1 - Y_hat)))
    backward   J.backward()                  (derived by the engine, not typed in)
    update     Adam, eight lines of NumPy

Then it checks the article's hand-derived backprop against the engine on one
batch: dZ of the output layer equals (Y_hat - Y) / m (the article's
dZ = Y_hat - Y, averaged over the m samples like the loss), dW = A_prev^T dZ,
db = sum of dZ over samples, and for the layer below
dZ = (dZ_next @ W_next^T) * relu'(Z).

    python examples/circles_tensor_api.py --out out --seed 0 [--fast]

Writes OUT/circles_tensor_api.png (decision regions on the test set).
"""
import os

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.article import RECIPE, example_parser, load_circles, plot_decision_regions

SIZES = [2, 4, 6, 6, 4, 1]


def init_params(rng):
    """Glorot-uniform kernels (n_in, n_out) and zero biases, like Keras' defaults."""
    params = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        limit = np.sqrt(6.0 / (n_in + n_out))
        W = Tensor(rng.uniform(-limit, limit, size=(n_in, n_out)), dtype="float32",
                   requires_grad=True)
        b = Tensor.zeros(n_out, requires_grad=True)
        params.append((W, b))
    return params


def forward(params, X):
    """Return the lists [Z1..ZL] and [A0..AL]; A0 = X, AL = Y_hat."""
    A, Zs, As = X, [], [X]
    for l, (W, b) in enumerate(params):
        Z = A @ W + b                    # the article's Z = W A + b, transposed: samples are rows
        A = Z.sigmoid() if l == len(params) - 1 else Z.relu()
        Zs.append(Z)
        As.append(A)
    return Zs, As


def bce(Y_hat, Y, eps=1e-7):
    """J = mean of -(y log y_hat + (1 - y) log(1 - y_hat)), y_hat clipped as in Keras."""
    Y_hat = Y_hat.clip(eps, 1 - eps)
    return (-(Y * Y_hat.log() + (1 - Y) * (1 - Y_hat).log())).mean()


class Adam:
    """Keras' Adam (lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-7), on the raw arrays."""

    def __init__(self, tensors, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
        self.tensors, self.lr, self.beta1, self.beta2, self.eps = tensors, lr, beta1, beta2, eps
        self.m = [np.zeros_like(t.data) for t in tensors]
        self.v = [np.zeros_like(t.data) for t in tensors]
        self.t = 0

    def step(self):
        self.t += 1
        lr_t = float(self.lr) * np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        with tg.no_grad():
            for p, m, v in zip(self.tensors, self.m, self.v):
                g = p.grad.data
                m += (1 - self.beta1) * (g - m)          # m = beta1 m + (1 - beta1) g
                v += (1 - self.beta2) * (g * g - v)      # v = beta2 v + (1 - beta2) g^2
                p -= lr_t * m / (np.sqrt(v) + self.eps)  # W := W - alpha_t m / (sqrt(v) + eps)
                p.grad = None


def check_backprop(params, X, Y):
    """Compare the engine's gradients with the article's hand-derived formulas on one batch."""
    m = X.shape[0]
    Zs, As = forward(params, Tensor(X, dtype="float32"))
    for Z in Zs:
        Z.retain_grad()
    for p in params:
        p[0].grad = p[1].grad = None
    bce(As[-1], Tensor(Y, dtype="float32")).backward()
    Y_hat = As[-1].numpy()
    dZ = Zs[-1].grad.numpy()
    checks = {
        "dZ[L] = (Y_hat - Y) / m": (dZ, (Y_hat - Y) / m),
        "dW[L] = A[L-1]^T dZ[L]": (params[-1][0].grad.numpy(), As[-2].numpy().T @ dZ),
        "db[L] = sum_samples dZ[L]": (params[-1][1].grad.numpy(), dZ.sum(axis=0)),
        "dZ[L-1] = (dZ[L] W[L]^T) * relu'(Z[L-1])": (
            Zs[-2].grad.numpy(), (dZ @ params[-1][0].numpy().T) * (Zs[-2].numpy() > 0)),
    }
    for p in params:
        p[0].grad = p[1].grad = None
    errors = {}
    for name, (ours, by_hand) in checks.items():
        errors[name] = float(np.max(np.abs(ours - by_hand)))
        print(f"  {name:44s} max |autodiff - by hand| = {errors[name]:.1e}")
        assert np.allclose(ours, by_hand, rtol=1e-4, atol=1e-6), name
    return errors


def main(argv=None):
    args = example_parser(__doc__).parse_args(argv)
    X_train, X_test, y_train, y_test = load_circles(args.seed)
    rng = tg.get_rng()
    params = init_params(rng)
    Y_train = y_train.reshape(-1, 1).astype(np.float32)

    print("backprop, the article's equations vs the engine (first batch, before training):")
    errors = check_backprop(params, X_train[:32], Y_train[:32])

    opt = Adam([t for p in params for t in p])
    epochs = 3 if args.fast else RECIPE["epochs"]
    batch = RECIPE["batch_size"]
    for epoch in range(epochs):
        order = rng.permutation(len(X_train))
        total = 0.0
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            _, As = forward(params, Tensor(X_train[idx], dtype="float32"))
            loss = bce(As[-1], Tensor(Y_train[idx]))
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        if epoch % 10 == 9 or epoch == epochs - 1:
            print(f"epoch {epoch + 1:3d}  training loss {total / len(order):.4f}")

    def predict(X):
        with tg.no_grad():
            return forward(params, Tensor(np.asarray(X, dtype=np.float32)))[1][-1].numpy()

    p_test = predict(X_test).ravel()
    test_acc = float(np.mean((p_test > 0.5) == (y_test > 0.5)))
    with tg.no_grad():
        test_loss = bce(Tensor(p_test.reshape(-1, 1)), Tensor(y_test.reshape(-1, 1))).item()
    print(f"test accuracy {test_acc:.4f}, test loss {test_loss:.4f}")
    path = plot_decision_regions(predict, X_test, y_test,
                                 os.path.join(args.out, "circles_tensor_api.png"),
                                 title=f"raw Tensors: test accuracy {test_acc:.2f}")
    print(f"wrote {path}")
    return dict(test_accuracy=test_acc, test_loss=test_loss, backprop_errors=errors, files=[path])


if __name__ == "__main__":
    main()
