"""Primitive operations: the only places in tinygrad_edu that know a derivative.

Each primitive is a :class:`~tinygrad_edu.function.Function` with a NumPy
``forward`` and a ``backward`` rule that also runs on Tensors (so a backward
pass can itself be a graph, and higher derivatives come for free).
Everything else -- neg, mean, var, sqrt, relu, sigmoid, softmax, the losses,
Dense -- is a composition of these and has no derivative rule of its own
(see ``derived.py``).

One rule, two ways to run it.  A rule is written once, with Python's
operators (``*``, ``/``, ``-``, ``@``), ``.reshape``/``.mT``/indexing and the
helpers ``run``, ``sum_to``, ``expand``, ``constant`` and ``zero`` below -- all of which
work on NumPy arrays and on Tensors alike.  For a plain ``loss.backward()`` nobody will differentiate
the backward pass, so the engine hands the rule NumPy arrays (``grad``,
``out`` and ``self.saved(grad)``): it runs as the hand-written backprop would,
with no Tensor made and nothing recorded.  With ``create_graph=True`` (and
when graphs are drawn) it hands over Tensors instead, and the same lines are
recorded like any forward computation: second derivatives and drawings of
the backward pass come from that.

Broadcasting: binary ops broadcast like NumPy in ``forward``; in ``backward``
each gradient is summed back to its input's shape with ``sum_to``, because an
input that was broadcast was *used* several times, and the chain rule adds up
the contributions of every use.

Why ``Tanh`` is primitive: built from ``exp`` it would lose precision near 0
(``1 - e^{-2x}`` cancels), and the article uses it as a basic activation.
Why ``Erf`` is: no composition of the others can express it (see its docstring).
Why ``Power`` is: ``exp(b log a)`` is NaN for a <= 0, where ``a ** b`` is not.

The forwards call NumPy, and ``kernels.py`` where a faster way exists (a bias
gradient's row sum, ReLU's where); the rules here stay the math.
"""
from __future__ import annotations

import numpy as np

from . import kernels, special
from .errors import broadcast_error, index_message
from .function import Function, kernel
from .tensor import Tensor

__all__ = ["run", "sum_to", "expand", "constant", "zero", "Primitive",
           "Add", "Sub", "Mul", "Div", "Pow", "Power", "Exp", "Log", "Tanh", "Sin", "Cos", "Erf",
           "Where", "MatMul", "Sum", "Max", "Reshape", "Transpose", "Expand", "GetItem",
           "ScatterAdd", "Cat", "Cast", "PRIMITIVES"]


# ------------------------------------------------------ helpers for the rules --
def run(op, *args, **kwargs):
    """Apply primitive ``op`` inside a rule: recorded on Tensors, directly on arrays.

    On Tensors it is ``op.apply`` (recorded when a graph is being built); on
    NumPy arrays it is ``op``'s own NumPy ``forward``, nothing else.
    """
    if isinstance(args[0], Tensor):
        return op.apply(*args, **kwargs)
    return _worker(op).forward(*args, **kwargs)


_WORKERS = {}


def _worker(op):
    """One instance of ``op`` that runs its forward on arrays for every rule: nothing is
    recorded there, so a fresh Function per call would only cost time.  (Shared, as
    grad mode and scopes are: tinygrad_edu records and differentiates in one thread.)"""
    fn = _WORKERS.get(op)
    if fn is None:
        fn = _WORKERS[op] = op()
    return fn


def constant(value, like):
    """``value`` as a constant of ``like``'s dtype, and of its kind (Tensor or array)."""
    if isinstance(like, Tensor):
        return Tensor._const(value, like)
    return np.asarray(value, dtype=like.dtype)


def zero(like):
    """0 as a constant of ``like``'s dtype and kind; on arrays a shared read-only 0-d array."""
    if isinstance(like, Tensor):
        return Tensor._const(0, like)
    z = _ZEROS.get(like.dtype)
    if z is None:
        z = _ZEROS[like.dtype] = np.zeros((), dtype=like.dtype)
        z.flags.writeable = False
    return z


_ZEROS = {}


def expand(x, shape):
    """``x`` broadcast to ``shape``: an ``Expand`` op on a Tensor, ``np.broadcast_to`` on an array."""
    if isinstance(x, Tensor):
        return Expand.apply(x, shape=shape)
    return kernels.broadcast_to(x, shape)


def sum_to(x, shape):
    """Sum ``x`` down to ``shape``: the reverse of broadcasting ``shape`` up to ``x.shape``.

    This is how gradients of broadcast operands are reduced.  Works on
    Tensors (as ``Sum`` and ``Reshape`` ops) and on arrays.

    Examples
    --------
    >>> from tinygrad_edu import Tensor
    >>> Tensor.ones(2, 3).sum_to((1, 3))
    Tensor([[2., 2., 2.]], shape=(1, 3), dtype=float32)
    """
    xshape = x.shape
    if xshape == shape:  # nothing was broadcast (shape is a tuple: the usual case)
        return x
    shape = tuple(shape)
    if xshape == shape:
        return x
    lead = len(xshape) - len(shape)
    if lead > 0 and xshape[lead:] == shape:
        # Only leading axes were added (a bias broadcast over the batch): sum them away.
        axis = 0 if lead == 1 else tuple(range(lead))
        return Sum.apply(x, axis=axis) if isinstance(x, Tensor) else kernels.sum(x, axis)
    # Some axes of size 1 were stretched too: sum them keeping them (as size 1),
    # sum the added leading axes away, and reshape to ``shape``.
    kept = tuple(i + lead for i, n in enumerate(shape) if n == 1 and xshape[i + lead] != 1)
    axes = tuple(range(lead)) + kept
    out = run(Sum, x, axis=axes, keepdims=True) if axes else x
    return out.reshape(shape) if out.shape != shape else out


class Primitive(Function):
    """A built-in op: its rule runs on arrays or Tensors (see the module docstring)."""
    __slots__ = ()
    array_backward = True


# --------------------------------------------------------------- elementwise --
class _Broadcasting(Primitive):
    """Shared error message for ops whose inputs broadcast together."""
    __slots__ = ()

    @classmethod
    def describe_error(cls, shapes, kwargs, err):
        if "broadcast" in str(err):
            return broadcast_error(cls.__name__.lower(), *shapes)
        return super().describe_error(shapes, kwargs, err)


class Add(_Broadcasting):
    """a + b.   d/da = 1, d/db = 1."""
    __slots__ = ()
    needs_input_values = False

    def forward(self, a, b):
        return a + b

    def backward(self, grad, out):
        a, b = self.inputs
        return (sum_to(grad, a.shape) if a._requires_grad else None,
                sum_to(grad, b.shape) if b._requires_grad else None)


class Sub(_Broadcasting):
    """a - b.   d/da = 1, d/db = -1.

    (It could be derived as a + (-1) b, but subtraction is common enough -- 1 - y in losses,
    1 - tanh^2 in Tanh's own rule -- that one op instead of two is worth its three lines.)
    """
    __slots__ = ()
    needs_input_values = False

    def forward(self, a, b):
        return a - b

    def backward(self, grad, out):
        a, b = self.inputs
        return (sum_to(grad, a.shape) if a._requires_grad else None,
                sum_to(-grad, b.shape) if b._requires_grad else None)


class Mul(_Broadcasting):
    """a * b.   d/da = b, d/db = a."""
    __slots__ = ()

    def needs_input_value(self, i):
        return self.inputs[1 - i]._requires_grad   # a's value is read for b's gradient only

    def forward(self, a, b):
        return a * b

    def backward(self, grad, out):
        x, y = self.inputs
        a, b = self.saved(grad)
        return (sum_to(grad * b, a.shape) if x._requires_grad else None,
                sum_to(grad * a, b.shape) if y._requires_grad else None)


class Div(_Broadcasting):
    """a / b.   d/da = 1/b, d/db = -a/b^2 = -(a/b)/b = -out/b.

    (Derivable as a * b^(-1); primitive for the same reason as Sub.)
    """
    __slots__ = ()
    needs_output_value = True

    def needs_input_value(self, i):
        return i == 1                              # the rule reads b (and out), never a

    def forward(self, a, b):
        return a / b

    def backward(self, grad, out):
        x, y = self.inputs
        a, b = self.saved(grad)
        grad_a = grad / b                                      # grad * d(a/b)/da
        return (sum_to(grad_a, a.shape) if x._requires_grad else None,
                sum_to(-(grad_a * out), b.shape) if y._requires_grad else None)


class Pow(Primitive):
    """x ** c for a constant number c.   d/dx = c x^(c-1)."""
    __slots__ = ("exponent",)

    def forward(self, x, exponent):
        self.exponent = exponent
        return x ** exponent

    def backward(self, grad, out):
        (x,) = self.saved(grad)
        c = self.exponent
        return grad * (x ** (c - 1) * c)


class Power(_Broadcasting):
    """a ** b for a tensor b, as ``np.power`` (``Pow`` is x ** c for a number c).
    d/da = b a^(b-1), 0 at a = b = 0 (a^0 = 1 is flat even there).  d/db = a^b log a, 0 where
    a = 0 (its limit as a -> 0+), NaN where a < 0 (a^b is not real for b near an integer).
    """
    __slots__ = ()
    needs_output_value = True

    def forward(self, a, b):
        return np.power(a, b)

    def backward(self, grad, out):
        x, y = self.inputs
        a, b = self.saved(grad)         # (the masks come from the values: x._data, y._data)
        if x._requires_grad:            # exponent 0 at a = b = 0: there b a^0 = 0, not 0 * inf
            at_0 = kernel(np.logical_and, kernel(np.equal, x._data, 0),
                          kernel(np.equal, y._data, 0))
            flat = _where(at_0, constant(1, b), b)
            grad_a = sum_to(grad * b * run(Power, a, flat - 1), a.shape)
        if y._requires_grad:            # log a for a > 0, 0 for a = 0, NaN for a < 0
            log_a = run(Log, _where(kernel(np.greater, x._data, 0), a, constant(1, a)))
            log_a = _where(kernel(np.less, x._data, 0), constant(np.nan, out), log_a)
            grad_b = sum_to(grad * out * log_a, b.shape)
        return (grad_a if x._requires_grad else None, grad_b if y._requires_grad else None)


class Exp(Primitive):
    """e^x.   d/dx = e^x, which is the output itself."""
    __slots__ = ()
    needs_input_values = False
    needs_output_value = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, grad, out):
        return grad * out


class Log(Primitive):
    """Natural log.   d/dx = 1/x."""
    __slots__ = ()

    def forward(self, x):
        return np.log(x)

    def backward(self, grad, out):
        (x,) = self.saved(grad)
        return grad / x


class Tanh(Primitive):
    """tanh(x).   d/dx = 1 - tanh(x)^2."""
    __slots__ = ()
    needs_input_values = False
    needs_output_value = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, grad, out):
        return grad * (1 - out * out)


class Sin(Primitive):
    """sin(x).   d/dx = cos(x).   (The article's figure 8 fits y = sin(b cos(a x)).)"""
    __slots__ = ()

    def forward(self, x):
        return np.sin(x)

    def backward(self, grad, out):
        (x,) = self.saved(grad)
        return grad * run(Cos, x)


class Cos(Primitive):
    """cos(x).   d/dx = -sin(x)."""
    __slots__ = ()

    def forward(self, x):
        return np.cos(x)

    def backward(self, grad, out):
        (x,) = self.saved(grad)
        return grad * run(Sin, x) * -1


class Erf(Primitive):
    """erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt.   d/dx = 2/sqrt(pi) exp(-x^2).

    Why a primitive: erf is not an elementary function -- no finite
    composition of exp, log, powers and the other primitives equals it -- so
    it cannot be derived; gelu's exact form (``x Phi(x)``, Phi the normal CDF
    ``(1 + erf(x / sqrt 2)) / 2``) needs it.  Its derivative is the integrand,
    by the fundamental theorem of calculus, and that *is* elementary: the rule
    is written with ``Exp``, so second derivatives are derived as usual.
    NumPy has no erf; the forward is ``special.erf`` (Cody's rational
    approximations, accurate to float64 roundoff).
    """
    __slots__ = ()

    def forward(self, x):
        return special.erf(x)

    def backward(self, grad, out):
        (x,) = self.saved(grad)
        return grad * run(Exp, x * x * -1) * constant(1.1283791670955126, grad)  # 2/sqrt(pi)


class Where(_Broadcasting):
    """where(cond, a, b) for a constant boolean ``cond``.

    The gradient goes to ``a`` where ``cond`` holds and to ``b`` elsewhere.
    """
    __slots__ = ("cond",)
    needs_input_values = False

    def forward(self, a, b, cond):
        self.cond = cond
        return kernels.where(cond, a, b)

    def backward(self, grad, out):
        a, b = self.inputs
        nothing, cond = zero(grad), self.cond
        return (sum_to(_where(cond, grad, nothing), a.shape) if a._requires_grad else None,
                sum_to(_where(cond, nothing, grad), b.shape) if b._requires_grad else None)


def _where(cond, a, b):
    """where(cond, a, b) inside a rule: a ``Where`` op on Tensors, the kernel on arrays."""
    return Where.apply(a, b, cond=cond) if isinstance(a, Tensor) else kernels.where(cond, a, b)


# ------------------------------------------------------------------- matmul ----
class MatMul(Primitive):
    """a @ b for a.ndim, b.ndim >= 2 with the same batch dimensions.

    d/da = grad @ b^T, d/db = a^T @ grad (transposing the last two axes).
    ``Tensor.matmul`` brings other operands to this form first: 1-D ones are
    reshaped to 2-D, and batch dimensions that broadcast are expanded.
    """
    __slots__ = ()

    def needs_input_value(self, i):
        return self.inputs[1 - i]._requires_grad   # as for Mul

    def forward(self, a, b):
        if (a.ndim > 2 or b.ndim > 2) and a.shape[:-2] != b.shape[:-2]:
            raise ValueError("MatMul wants equal batch dimensions; use a @ b (Tensor.matmul), "
                             "which broadcasts them")
        return a @ b

    def backward(self, grad, out):
        x, y = self.inputs
        a, b = self.saved(grad)
        return (grad @ b.mT if x._requires_grad else None,
                a.mT @ grad if y._requires_grad else None)

    @classmethod
    def describe_error(cls, shapes, kwargs, err):
        sa, sb = shapes
        if sa[-1] != sb[-2]:
            return (f"matmul: shapes {sa} and {sb} are not aligned: {sa[-1]} (dim {len(sa) - 1} of "
                    f"the first) != {sb[-2]} (dim {len(sb) - 2} of the second). The inner sizes must "
                    f"match; transpose an operand (x.T) or check the layer sizes.")
        for axis in range(-3, -max(len(sa), len(sb)) - 1, -1):
            na = sa[axis] if len(sa) >= -axis else 1
            nb = sb[axis] if len(sb) >= -axis else 1
            if 1 != na != nb != 1:
                return (f"matmul: the batch dimensions of shapes {sa} and {sb} cannot be broadcast "
                        f"together: axis {axis} has sizes {na} and {nb} (sizes must be equal or 1)")
        return f"matmul: shapes {sa} and {sb}: {err}"


# --------------------------------------------------------------- reductions ----
def _keepdims_shape(shape, axis):
    """Shape of a reduction over ``axis`` with keepdims=True."""
    if axis is None or not shape:  # NumPy lets a 0-d array be reduced over axis 0 / -1
        return (1,) * len(shape)
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,))}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Primitive):
    """Sum over ``axis``.   Every input element gets the gradient of its sum."""
    __slots__ = ("axis",)
    needs_input_values = False

    def forward(self, x, axis=None, keepdims=False):
        self.axis = axis
        return kernels.sum(x, axis=axis, keepdims=keepdims)

    def backward(self, grad, out):
        (x,) = self.inputs
        if grad.ndim and grad.ndim != x.ndim:  # put the summed axes back (as size 1)
            grad = grad.reshape(_keepdims_shape(x.shape, self.axis))
        return expand(grad, x.shape)             # (a 0-d total broadcasts as it is)


class Max(Primitive):
    """Max over ``axis``, returning values.

    The gradient goes to the elements equal to the max; ties share it evenly
    (so the gradient of ``max`` sums to the upstream gradient).
    """
    __slots__ = ("axis",)

    def forward(self, x, axis=None, keepdims=False):
        self.axis = axis
        return np.max(x, axis=axis, keepdims=keepdims)

    def backward(self, grad, out):
        (x,) = self.inputs
        kshape = _keepdims_shape(x.shape, self.axis)
        values = out._data if isinstance(out, Tensor) else out
        # Where the max is (a constant), computed through ``kernel`` so that jit sees it.
        mask = kernel(np.equal, x._data, kernel(np.reshape, values, kshape))
        share = kernel(np.divide, mask, kernel(np.sum, mask, axis=self.axis, keepdims=True,
                                               dtype=x.dtype))
        return grad.reshape(kshape) * constant(share, grad)


# -------------------------------------------------------------- shape/index ----
class Reshape(Primitive):
    """Same elements, new shape.   The gradient is reshaped back."""
    __slots__ = ()
    needs_input_values = False

    def forward(self, x, shape):
        return x.reshape(shape)

    def backward(self, grad, out):
        return grad.reshape(self.inputs[0].shape)


class Transpose(Primitive):
    """Permute axes.   The gradient is permuted back by the inverse permutation."""
    __slots__ = ("axes",)
    needs_input_values = False

    def forward(self, x, axes=None):
        self.axes = tuple(range(x.ndim))[::-1] if axes is None else axes
        return x.transpose(self.axes)

    def backward(self, grad, out):
        # The inverse permutation: axis k goes back to where it came from.
        inverse = tuple(sorted(range(len(self.axes)), key=self.axes.__getitem__))
        return run(Transpose, grad, axes=inverse)


class Expand(Primitive):
    """Broadcast to ``shape``.   The gradient is summed back (``sum_to``)."""
    __slots__ = ()
    needs_input_values = False

    @classmethod
    def describe_error(cls, shapes, kwargs, err):
        src, shape = shapes[0], tuple(kwargs.get("shape", ()))
        msg = f"expand: cannot broadcast a tensor of shape {src} to shape {shape}"
        if len(src) > len(shape):
            return f"{msg}: the target has fewer axes"
        for axis in range(-1, -len(src) - 1, -1):
            if src[axis] not in (1, shape[axis]):
                return (f"{msg}: axis {axis} has size {src[axis]} (it must be 1 or "
                        f"{shape[axis]})")
        return f"{msg} ({err})"

    def forward(self, x, shape):
        return np.broadcast_to(x, shape)

    def backward(self, grad, out):
        return sum_to(grad, self.inputs[0].shape)


class GetItem(Primitive):
    """x[index] with NumPy indexing.   The gradient is scattered back (ScatterAdd)."""
    __slots__ = ("index",)
    needs_input_values = False

    def forward(self, x, index):
        self.index = index
        return x[index]

    def backward(self, grad, out):
        return run(ScatterAdd, grad, index=self.index, shape=self.inputs[0].shape)

    @classmethod
    def describe_error(cls, shapes, kwargs, err):
        return index_message(err, shapes[0], kwargs.get("index"))


def _is_advanced(index):
    """Does ``index`` use integer arrays (which may repeat an element)?"""
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, (list, np.ndarray)) and np.asarray(i).dtype != bool for i in items)


class ScatterAdd(Primitive):
    """zeros(shape) with ``grad`` added at ``index``: the adjoint of GetItem.

    Repeated integer indices accumulate (``np.add.at``).
    """
    __slots__ = ("index",)
    needs_input_values = False

    def forward(self, g, index, shape):
        self.index = index
        out = np.zeros(shape, dtype=g.dtype)
        if _is_advanced(index):
            np.add.at(out, index, g)
        else:
            out[index] = g
        return out

    def backward(self, grad, out):
        return run(GetItem, grad, index=self.index)


class Cat(Primitive):
    """Concatenate along ``axis``.   Each input gets its slice of the gradient."""
    __slots__ = ("axis",)
    needs_input_values = False

    def forward(self, *xs, axis=0):
        self.axis = axis
        return np.concatenate(xs, axis=axis)

    def backward(self, grad, out):
        grads, start = [], 0
        axis = self.axis % grad.ndim
        for x in self.inputs:
            stop = start + x.shape[axis]
            index = (slice(None),) * axis + (slice(start, stop),)
            grads.append(grad[index] if x._requires_grad else None)
            start = stop
        return tuple(grads)

    @classmethod
    def describe_error(cls, shapes, kwargs, err):
        axis, shown = kwargs.get("axis", 0), ", ".join(map(str, shapes))
        if isinstance(err, np.exceptions.AxisError):
            return f"cat: axis {axis} is out of range for tensors of shapes {shown}"
        if len({len(s) for s in shapes}) > 1:
            return (f"cat: cannot concatenate shapes {shown}: all tensors must have the same "
                    f"number of axes")
        return (f"cat: cannot concatenate shapes {shown} along axis {axis}: all other axes must "
                f"have the same size")


class Cast(Primitive):
    """Convert to another float dtype.   The gradient is converted back."""
    __slots__ = ()
    needs_input_values = False

    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, grad, out):
        return run(Cast, grad, dtype=self.inputs[0].dtype)


#: Every primitive op; the property tests check that each one is covered.
PRIMITIVES = (Add, Sub, Mul, Div, Pow, Power, Exp, Log, Tanh, Sin, Cos, Erf, Where, MatMul, Sum,
              Max, Reshape, Transpose, Expand, GetItem, ScatterAdd, Cat, Cast)
