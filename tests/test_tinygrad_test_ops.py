"""Early tinygrad's ``test/test_ops.py`` (December 2020), ported: its expressions, our Tensors.

Each test keeps tinygrad's shapes, value ranges (``(uniform[0, 1) + a) * b``)
and tolerances.  tinygrad compared against PyTorch; PyTorch is not a
dependency here, so the two oracles change:

- **forward**: the same expression written in NumPy, on the same float32 data;
- **backward**: central finite differences in float64.  tinygrad compared the
  gradients of ``out.mean()``; here d mean(f(x + t v)) / dt at t = 0, along two
  random directions ``v`` (one per input, all at once), must equal
  ``sum_i <grad_i, v_i>`` from our backward pass.  A wrong gradient entry is
  caught by a random direction with probability 1, and the check costs four
  forward passes whatever the size (tinygrad's inputs have up to 200,000
  elements).

Where tinygrad's names differ from PyTorch's, ours are PyTorch's (``leaky_relu``,
``log_softmax``, ``permute``, ``x.reshape(-1, 3, 6, 6)``, ``matmul`` for a batch:
our ``dot`` is NumPy's), and ``pad2d(padding=p)`` is ``pad(p)``.  tinygrad's
"broken test" for ``sign`` is run: our ``sign`` works.
"""
import numpy as np
import pytest

from tinygrad_edu import Tensor


def helper_test_op(shps, numpy_fxn, tinygrad_fxn, atol=1e-6, rtol=1e-3, grad_rtol=1e-5,
                   forward_only=False, a=-0.5, b=20):
    data = [((np.random.default_rng(i).random(size=s) + a) * b).astype(np.float32)
            for i, s in enumerate(shps)]
    out = tinygrad_fxn(*[Tensor(x) for x in data])
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), numpy_fxn(*data), atol=atol, rtol=rtol)
    if forward_only:
        return
    x64 = [x.astype(np.float64) for x in data]
    leaves = [Tensor(x, requires_grad=True) for x in x64]
    tinygrad_fxn(*leaves).mean().backward()
    for seed in (100, 101):
        rng = np.random.default_rng(seed)
        vs = [rng.standard_normal(x.shape) for x in x64]
        along = lambda t: tinygrad_fxn(*[Tensor(x + t * v) for x, v in zip(x64, vs)]).mean().item()
        eps = 1e-6
        numeric = (along(eps) - along(-eps)) / (2 * eps)
        analytic = sum(float(np.sum(t.grad.numpy() * v)) for t, v in zip(leaves, vs))
        assert abs(analytic - numeric) <= 1e-7 + grad_rtol * abs(numeric), (analytic, numeric)


# ------------------------------------------------- NumPy spellings of the oracles ---
def _log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def _softplus(x):
    return np.logaddexp(0, x)


def _relu6(x):
    return np.clip(x, 0, 6)


def _conv2d(x, w, stride=1, groups=1):
    """torch.nn.functional.conv2d (NCHW, no padding) in NumPy."""
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    n, c = x.shape[:2]
    f, cg, kh, kw = w.shape
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    win = win.reshape(n, groups, c // groups, *win.shape[2:])
    out = np.einsum("ngchwij,gfcij->ngfhw", win, w.reshape(groups, f // groups, cg, kh, kw))
    return out.reshape(n, f, *out.shape[3:])


def _pool(x, k, reduce):
    """torch's max_pool2d / avg_pool2d with stride = kernel (floor mode) in NumPy."""
    (kh, kw), (h, w) = k, x.shape[2:]
    ho, wo = h // kh, w // kw
    windows = x[:, :, :ho * kh, :wo * kw].reshape(*x.shape[:2], ho, kh, wo, kw)
    return reduce(windows, axis=(3, 5))


def _pad2d(x, p):
    left, right, top, bottom = p
    return np.pad(x, [(0, 0), (0, 0), (top, bottom), (left, right)])


BINARY = [(np.add, Tensor.add), (np.subtract, Tensor.sub), (np.multiply, Tensor.mul),
          (np.divide, Tensor.div), (np.power, Tensor.pow)]


# ------------------------------------------------------------------------ TestOps ---
def test_add():
    helper_test_op([(45, 65), (45, 65)], lambda x, y: x + y, Tensor.add)


def test_sub():
    helper_test_op([(45, 65), (45, 65)], lambda x, y: x - y, Tensor.sub)


def test_mul():
    helper_test_op([(45, 65), (45, 65)], lambda x, y: x * y, Tensor.mul)


def test_div():
    helper_test_op([(45, 65), (45, 65)], lambda x, y: x / y, Tensor.div)


def test_pow():
    helper_test_op([(45, 65), (45, 65)], lambda x, y: x ** y, Tensor.pow, a=0)


def test_sqrt():
    helper_test_op([(45, 65)], np.sqrt, Tensor.sqrt, a=0)


def test_relu():
    helper_test_op([(45, 65)], lambda x: np.maximum(x, 0), Tensor.relu)


def test_leakyrelu():
    helper_test_op([(45, 65)], lambda x: np.where(x > 0, x, 0.01 * x),
                   lambda x: x.leaky_relu(0.01))


def test_abs():
    helper_test_op([(45, 65)], np.abs, Tensor.abs)


def test_log():
    helper_test_op([(45, 65)], np.log, Tensor.log, a=0)   # (tinygrad: a=-0.5, NaN on both sides)


def test_exp():
    helper_test_op([(45, 65)], np.exp, Tensor.exp)


def test_sign():
    helper_test_op([(45, 65)], np.sign, Tensor.sign)


def test_sigmoid():
    helper_test_op([(45, 65)], lambda x: 1 / (1 + np.exp(-x)), Tensor.sigmoid)


def test_softplus():
    helper_test_op([(45, 65)], _softplus, Tensor.softplus, atol=1e-6)


def test_relu6():
    helper_test_op([(45, 65)], _relu6, Tensor.relu6)


def test_hardswish():
    helper_test_op([(45, 65)], lambda x: x * _relu6(x + 3) / 6, Tensor.hardswish, atol=1e-6)


def test_mish():
    helper_test_op([(45, 65)], lambda x: x * np.tanh(_softplus(x)), Tensor.mish, atol=1e-4)


def test_dot():
    helper_test_op([(45, 65), (65, 100)], lambda x, y: x @ y, Tensor.dot, atol=1e-4)


def test_multidot():
    helper_test_op([(10, 45, 65), (10, 65, 45)], lambda x, y: x @ y, Tensor.matmul, atol=1e-4)
    helper_test_op([(3, 3, 45, 65), (3, 3, 65, 45)], lambda x, y: x @ y, Tensor.matmul, atol=1e-4)


@pytest.mark.parametrize("shape,axis", [((45, 3), None), ((3, 4, 5, 6), 3), ((3, 4, 5, 6), (1, 3)),
                                        ((3, 4, 5, 6), (0, 2)), ((3, 4, 5, 6), (1, 2)),
                                        ((3, 4, 5, 6), 1)])
def test_sum(shape, axis):
    helper_test_op([shape], lambda x: x.sum(axis=axis), lambda x: Tensor.sum(x, axis=axis))


def test_max():
    helper_test_op([(45, 3)], np.max, Tensor.max)
    helper_test_op([(45, 3)], lambda x: x.max() * 0.5, lambda x: Tensor.max(x).mul(0.5))
    helper_test_op([(3, 4, 5, 6)], lambda x: x.max(axis=1), lambda x: Tensor.max(x, axis=1))


def test_mean_axis():
    helper_test_op([(3, 4, 5, 6)], lambda x: x.mean(axis=(1, 2)),
                   lambda x: Tensor.mean(x, axis=(1, 2)))


def test_logsoftmax():
    helper_test_op([(45, 65)], _log_softmax, lambda x: x.log_softmax(axis=1), atol=1e-7,
                   rtol=1e-6)


def test_tanh():
    helper_test_op([(45, 65)], np.tanh, Tensor.tanh, atol=1e-6)


def test_topo_sort():
    helper_test_op([(45, 65)], lambda x: (x + x) * x, lambda x: x.add(x).mul(x), atol=1e-6)


def test_scalar_mul():
    helper_test_op([(45, 65)], lambda x: x * 2, lambda x: x * 2)


def test_scalar_rmul():
    helper_test_op([(45, 65)], lambda x: 2 * x, lambda x: 2 * x)


def test_scalar_sub():
    helper_test_op([(45, 65)], lambda x: x - 2, lambda x: x - 2)


def test_scalar_rsub():
    helper_test_op([(45, 65)], lambda x: 2 - x, lambda x: 2 - x)


@pytest.mark.parametrize("numpy_op,tinygrad_op", BINARY)
@pytest.mark.parametrize("shapes", [((5, 13, 24, 16), (5, 1, 24, 1)),
                                    ((1, 3, 1, 7, 1), (2, 1, 5, 1, 8))])
def test_broadcast_full(numpy_op, tinygrad_op, shapes):
    helper_test_op(shapes, numpy_op, tinygrad_op, a=-0.5 if tinygrad_op is not Tensor.pow else 0.0)


@pytest.mark.parametrize("numpy_op,tinygrad_op", BINARY)
@pytest.mark.parametrize("shapes", [((1, 32, 32, 32), (1, 32, 1, 1)),
                                    ((5, 13, 24, 16, 2), (1, 13, 24, 1, 1)),
                                    ((4, 1), (4, 5)), ((1, 4), (5, 4))])
def test_broadcast_partial(numpy_op, tinygrad_op, shapes):
    helper_test_op(shapes, numpy_op, tinygrad_op, a=-0.5 if tinygrad_op is not Tensor.pow else 0.0)


def test_slice():
    helper_test_op([(3, 3, 3, 3)], lambda x: x[1:2], lambda x: x[1:2])
    helper_test_op([(3, 3, 3, 3)], lambda x: x[1:2, 1:2], lambda x: x[1:2, 1:2])
    helper_test_op([(3, 3, 3, 3)], lambda x: x[1:2, 1:2, 0:-1], lambda x: x[1:2, 1:2, 0:-1])


def test_pad2d():
    helper_test_op([(3, 3, 3, 3)], lambda x: _pad2d(x, (1, 2, 3, 4)), lambda x: x.pad((1, 2, 3, 4)))


def test_transpose():
    helper_test_op([(3, 3, 3)], lambda x: x.transpose(0, 2, 1), lambda x: x.permute(0, 2, 1))
    helper_test_op([(21, 22, 23, 24)], lambda x: x.transpose(3, 0, 2, 1),
                   lambda x: x.permute(3, 0, 2, 1))     # (tinygrad's "failing on GPU" case)


def test_reshape():
    for shape in [(-1, 3, 6, 6), (-1, 1, 6, 6)]:
        helper_test_op([(4, 3, 6, 6)], lambda x: x.reshape(shape), lambda x: x.reshape(*shape))


def test_detach():
    helper_test_op([(4, 3, 6, 6)], lambda x: x, lambda x: x.detach(), forward_only=True)


@pytest.mark.parametrize("bs", [1, 8])
@pytest.mark.parametrize("cin,groups", [(1, 1), (3, 1), (3, 3)])
@pytest.mark.parametrize("H", [1, 2, 5])
@pytest.mark.parametrize("W", [1, 2, 3, 5])
def test_conv2d(bs, cin, groups, H, W):
    helper_test_op([(bs, cin, 11, 28), (6, cin // groups, H, W)],
                   lambda x, w: np.maximum(_conv2d(x, w, groups=groups), 0),
                   lambda x, w: Tensor.conv2d(x, w, groups=groups).relu(), atol=1e-4)


def test_grouped_conv2d():
    helper_test_op([(1, 2, 5, 5), (2, 1, 3, 3)],
                   lambda x, w: np.maximum(_conv2d(x, w, groups=2), 0),
                   lambda x, w: Tensor.conv2d(x, w, groups=2).relu(), atol=1e-4)


def test_fancy_conv2d():
    helper_test_op([(2, 3, 11, 28), (3, 1, 3, 3)],
                   lambda x, w: np.maximum(_conv2d(x, w, groups=3), 0),
                   lambda x, w: Tensor.conv2d(x, w, groups=3).relu(), atol=1e-4)


@pytest.mark.parametrize("stride", [2, (2, 1)])
def test_strided_conv2d(stride):
    helper_test_op([(4, 3, 11, 28), (4, 3, 3, 3)],
                   lambda x, w: np.maximum(_conv2d(x, w, stride=stride), 0),
                   lambda x, w: Tensor.conv2d(x, w, stride=stride).relu(), atol=1e-4)


@pytest.mark.parametrize("ksz", [(2, 2), (3, 3), (3, 2), (5, 5), (5, 1)])
def test_maxpool2d(ksz):
    helper_test_op([(32, 2, 110, 28)], lambda x: _pool(x, ksz, np.max),
                   lambda x: Tensor.max_pool2d(x, kernel_size=ksz))


@pytest.mark.parametrize("ksz", [(2, 2), (3, 3), (3, 2), (5, 5), (5, 1), (111, 28)])
def test_avgpool2d(ksz):
    helper_test_op([(32, 2, 111, 28)], lambda x: _pool(x, ksz, np.mean),
                   lambda x: Tensor.avg_pool2d(x, kernel_size=ksz), rtol=1e-5)
