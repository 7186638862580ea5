"""Fuzzing the public Tensor API (issue 7).

Hypothesis builds a pool of tensors with random shapes (including empty and
0-d), dtypes (float32, float64, int64, int32, bool) and values (NaN, inf, 0,
huge, tiny, ordinary), then applies a random sequence of public operations --
arithmetic, reductions, shape ops, indexing, in-place updates, comparisons,
backward and grad -- to random members of the pool with random (often wrong)
arguments.  Each step must either return a Tensor (or a Python value) or raise
one of the documented exception types with a message that names the operation:

* ``ValueError``, ``TypeError``, ``IndexError`` (``numpy.exceptions.AxisError``
  is both) for bad shapes, types, axes and indices;
* ``RuntimeError`` for autograd misuse and in-place conflicts;
* ``FloatingPointError`` from backward inside ``detect_anomaly()`` when a
  gradient is NaN or inf (naming the op, its input shapes and where it was made);
* ``OverflowError`` only from ``int()`` of an infinite value and from storing a
  too-large number into an integer tensor (``x[i] = 1e30``), as in Python and NumPy.

NaN and inf are legal values: NumPy's RuntimeWarnings about them are ignored
here (see test_numerics.py for where they must not occur).  Nothing may hang:
sizes stay small and the suite's timeout backs that up.
"""
import re
import warnings

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.nn import functional as F

DTYPES = [np.float32, np.float64, np.int64, np.int32, np.bool_]
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30, 3e38, 1e-40, 1.0, -2.5, 7.0]
ALLOWED = (ValueError, TypeError, IndexError, RuntimeError)
# A message starts with the name of the op (e.g. "add:", "in-place add (x += y):",
# "setitem (x[index] = value):", "Mul backward:", "comparison less:", "bitwise_and (&):").
PREFIX = re.compile(r"^[A-Za-z_][\w .,()\[\]=+\-*/<>'&|^~%-]{0,60}: ")


def values(dtype):
    if dtype == np.bool_:
        return st.booleans()
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return st.one_of(st.integers(-5, 5), st.sampled_from([0, info.max, info.min + 1]))
    width = 32 if dtype == np.float32 else 64
    return st.one_of(st.sampled_from(SPECIAL).map(lambda v: dtype(v) if np.isfinite(dtype(v)) or
                                                  not np.isfinite(v) else dtype(0)),
                     st.floats(-1e3, 1e3, width=width))


@st.composite
def tensors(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    with np.errstate(over="ignore"):
        arr = draw(hnp.arrays(dtype, shape, elements=values(dtype)))
    rg = dtype in (np.float32, np.float64) and draw(st.booleans())
    return Tensor(arr, requires_grad=rg)


AXES = st.one_of(st.none(), st.integers(-4, 3), st.tuples(st.integers(-3, 2), st.integers(-3, 2)))
SHAPES = st.lists(st.integers(-1, 4), min_size=0, max_size=3).map(tuple)
SCALARS = st.one_of(st.integers(-3, 3), st.floats(-3, 3), st.sampled_from(
    [0, 0.0, np.inf, np.nan, True, 1e30, -1e-30]))
BAD = st.sampled_from(["x", None, object(), {"a": 1}, [1, [2, 3]], b"\x00", 1j])
INDEX = st.one_of(
    st.integers(-5, 5),
    st.slices(5),
    st.tuples(st.integers(-3, 3), st.slices(4)),
    st.just(Ellipsis),
    st.just(None),
    st.lists(st.integers(-5, 5), min_size=0, max_size=3).map(np.array),
    st.floats(-2, 2),
    st.just("a"),
)

# name -> function(draw, pool) performing one call; it returns whatever the API returns.
UNARY = {
    "neg": lambda d, a: -a, "abs": lambda d, a: abs(a), "exp": lambda d, a: a.exp(),
    "log": lambda d, a: a.log(), "sqrt": lambda d, a: a.sqrt(), "tanh": lambda d, a: a.tanh(),
    "sigmoid": lambda d, a: a.sigmoid(), "relu": lambda d, a: a.relu(),
    "leaky_relu": lambda d, a: a.leaky_relu(), "pow": lambda d, a: a ** d(SCALARS),
    "rpow": lambda d, a: d(SCALARS) ** a,
    "softmax": lambda d, a: a.softmax(axis=d(st.integers(-4, 3))),
    "log_softmax": lambda d, a: a.log_softmax(axis=d(st.integers(-4, 3))),
    "logsumexp": lambda d, a: a.logsumexp(axis=d(AXES)),
    "sum": lambda d, a: a.sum(axis=d(AXES), keepdims=d(st.booleans())),
    "mean": lambda d, a: a.mean(axis=d(AXES)), "max": lambda d, a: a.max(axis=d(AXES)),
    "min": lambda d, a: a.min(axis=d(AXES)), "var": lambda d, a: a.var(axis=d(AXES)),
    "std": lambda d, a: a.std(axis=d(AXES)), "argmax": lambda d, a: a.argmax(),
    "reshape": lambda d, a: a.reshape(d(SHAPES)), "transpose": lambda d, a: a.transpose(),
    "permute": lambda d, a: a.permute(*d(st.permutations(range(a.ndim)))),
    "bad transpose": lambda d, a: a.transpose(*d(st.lists(st.integers(-3, 3), max_size=3))),
    "T": lambda d, a: a.T, "mT": lambda d, a: a.mT, "flatten": lambda d, a: a.flatten(),
    "squeeze": lambda d, a: a.squeeze(d(st.one_of(st.none(), st.integers(-4, 3)))),
    "unsqueeze": lambda d, a: a.unsqueeze(d(st.integers(-5, 4))),
    "swapaxes": lambda d, a: a.swapaxes(d(st.integers(-3, 3)), d(st.integers(-3, 3))),
    "expand": lambda d, a: a.expand(*d(st.lists(st.integers(1, 3), max_size=3))),
    "astype": lambda d, a: a.astype(d(st.sampled_from(
        ["float32", "float64", "int32", "bool", "complex64", "nope", np.float16]))),
    "clip": lambda d, a: a.clip(d(st.one_of(st.none(), SCALARS)), d(st.one_of(st.none(), SCALARS))),
    "getitem": lambda d, a: a[d(INDEX)], "item": lambda d, a: a.item(),
    "float": lambda d, a: float(a), "int": lambda d, a: int(a), "bool": lambda d, a: bool(a),
    "len": lambda d, a: len(a), "list": lambda d, a: list(a), "repr": lambda d, a: repr(a),
    "tolist": lambda d, a: a.tolist(), "detach": lambda d, a: a.detach(),
    "isnan": lambda d, a: a.isnan(), "all": lambda d, a: a.all(),
    "invert": lambda d, a: ~a, "floordiv scalar": lambda d, a: a // d(SCALARS),
    "prod": lambda d, a: a.prod(axis=d(AXES)), "cumsum": lambda d, a: a.cumsum(d(AXES)),
    "add scalar": lambda d, a: a + d(SCALARS), "rsub scalar": lambda d, a: d(SCALARS) - a,
    "div scalar": lambda d, a: a / d(SCALARS), "rdiv scalar": lambda d, a: d(SCALARS) / a,
    "add bad": lambda d, a: a + d(BAD), "rmul bad": lambda d, a: d(BAD) * a,
    "iadd scalar": lambda d, a: a.__iadd__(d(SCALARS)),
    "imul scalar": lambda d, a: a.__imul__(d(SCALARS)),
    "setitem": lambda d, a: a.__setitem__(d(INDEX), d(SCALARS)),
    "data=": lambda d, a: setattr(a, "data", np.zeros(a.shape, a.dtype)),
    "requires_grad_": lambda d, a: a.requires_grad_(d(st.booleans())),
    "backward": lambda d, a: a.backward(),
    "backward sum": lambda d, a: a.sum().backward(retain_graph=d(st.booleans())),
    "backward gradient": lambda d, a: a.backward(
        gradient=np.ones([abs(n) for n in d(SHAPES)][:a.ndim] or a.shape)),
    "zero_grad": lambda d, a: a.zero_grad(),
    "backward anomaly": lambda d, a: _anomaly_backward(a),
    "bce": lambda d, a: F.binary_cross_entropy(a.sigmoid(), np.ones(a.shape[:1], np.float32)),
    "mse": lambda d, a: F.mse_loss(a, np.zeros([abs(n) for n in d(SHAPES)])),
}
BINARY = {
    "add": lambda d, a, b: a + b, "sub": lambda d, a, b: a - b, "mul": lambda d, a, b: a * b,
    "div": lambda d, a, b: a / b, "pow": lambda d, a, b: a ** b, "matmul": lambda d, a, b: a @ b,
    "radd array": lambda d, a, b: b.numpy() + a,
    "maximum": lambda d, a, b: tg.maximum(a, b), "minimum": lambda d, a, b: tg.minimum(a, b),
    "where": lambda d, a, b: tg.where(a > 0, a, b),
    "cat": lambda d, a, b: tg.cat([a, b], axis=d(st.integers(-3, 3))),
    "stack": lambda d, a, b: tg.stack([a, b], axis=d(st.integers(-3, 3))),
    "lt": lambda d, a, b: a < b, "eq": lambda d, a, b: a == b,
    "and": lambda d, a, b: a & b, "or": lambda d, a, b: a | b, "xor": lambda d, a, b: a ^ b,
    "floordiv": lambda d, a, b: a // b, "mod": lambda d, a, b: a % b,
    "fmax": lambda d, a, b: tg.fmax(a, b), "logical_and": lambda d, a, b: tg.logical_and(a, b),
    "iadd": lambda d, a, b: a.__iadd__(b), "isub": lambda d, a, b: a.__isub__(b),
    "setitem tensor": lambda d, a, b: a.__setitem__(d(INDEX), b),
    "grad": lambda d, a, b: tg.grad(a.sum(), b, allow_unused=d(st.booleans())),
    "mse": lambda d, a, b: F.mse_loss(a, b),
    "bce logits": lambda d, a, b: F.binary_cross_entropy_with_logits(a, b),
    "cross_entropy": lambda d, a, b: F.cross_entropy(a, b),
}


def _anomaly_backward(a):
    with tg.detect_anomaly():
        a.sum().backward()


def check_error(err, name):
    if name == "backward anomaly" and isinstance(err, FloatingPointError) and re.match(
            r"^\w+ produced (nan|inf) in its output of shape \(.*\) from finite inputs\n", str(err)):
        return                                   # the forward check, e.g. a sum that overflows
    if name == "backward anomaly" and isinstance(err, FloatingPointError):
        assert re.match(r"^\w+ backward produced a non-finite gradient \((nan|inf)\) for input "
                        r"\d+ of shape \(.*\)\n  op inputs: .*\n  op created at: ", str(err)), err
        return
    assert isinstance(err, ALLOWED) or (name in ("int", "setitem") and
                                        isinstance(err, OverflowError)), \
        f"{name}: {type(err).__name__}: {err}"
    assert not isinstance(err, (AttributeError, KeyError, AssertionError, NotImplementedError)), \
        f"{name}: {type(err).__name__}: {err}"
    msg = str(err)
    assert msg, f"{name}: {type(err).__name__} without a message"
    assert PREFIX.match(msg), f"{name}: message does not start with the op's name: {msg!r}"
    assert err.__cause__ is None, f"{name}: chained cause {err.__cause__!r}"
    assert err.__context__ is None or err.__suppress_context__, \
        f"{name}: NumPy error chained onto: {err!r} <- {err.__context__!r}"


@settings(max_examples=300)
@given(data=st.data(), pool=st.lists(tensors(), min_size=2, max_size=4),
       steps=st.integers(5, 25))
def test_random_op_sequences_raise_only_documented_errors(data, pool, steps):
    d = data.draw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)     # IEEE results of nan/inf inputs
        warnings.simplefilter("ignore", tg.autograd.GradientAccumulationWarning)
        for _ in range(steps):
            if d(st.booleans()):
                name = d(st.sampled_from(sorted(UNARY)))
                args = (d(st.sampled_from(pool)),)
                fn = UNARY[name]
            else:
                name = d(st.sampled_from(sorted(BINARY)))
                args = (d(st.sampled_from(pool)), d(st.sampled_from(pool)))
                fn = BINARY[name]
            try:
                out = fn(d, *args)
            except Exception as err:  # noqa: BLE001 - the point of the test
                check_error(err, name)
                continue
            if isinstance(out, Tensor):
                assert isinstance(out.numpy(), np.ndarray)
                assert out.dtype.kind in "fiub", (name, out.dtype)
                assert not out.requires_grad or out.dtype.kind == "f", name
                if len(pool) < 12:
                    pool.append(out)
        # every leaf gradient that was produced has its leaf's shape
        for t in pool:
            if t.grad is not None:
                assert t.grad.shape == t.shape


@settings(max_examples=60)
@given(a=tensors(), b=tensors())
def test_every_binary_op_on_any_pair(a, b):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name, fn in BINARY.items():
            if name in ("iadd", "isub", "setitem tensor", "cat", "stack", "grad"):
                continue   # these change or need extra draws; the sequence test covers them
            try:
                out = fn(None, a, b)
            except Exception as err:  # noqa: BLE001
                check_error(err, name)
            else:
                if isinstance(out, Tensor) and name in ("add", "sub", "mul", "maximum"):
                    assert out.shape == np.broadcast_shapes(a.shape, b.shape)


def test_fuzz_prefix_pattern_accepts_our_messages():
    """The op-name check above is not vacuous: NumPy's own messages fail it."""
    assert PREFIX.match("add: shapes (2, 3) and (4, 3) cannot be broadcast together")
    assert PREFIX.match("in-place add (x += y): cannot store a float64 result")
    assert PREFIX.match("Mul backward: input 1 of shape (2,) was modified in place")
    assert not PREFIX.match("operands could not be broadcast together with shapes (2,3) (4,3) ")
    assert not PREFIX.match("axis 3 is out of bounds for array of dimension 2")
    assert not PREFIX.match("'NoneType' object has no attribute 'shape'")
