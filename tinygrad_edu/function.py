"""``Function``: one recorded op, a node of the graph.

``Function.apply`` is what every op goes through.  It runs the op's NumPy
``forward`` on the input arrays and, when the op must be recorded (grad mode
on, a float result, some input requiring grad), remembers on a fresh
``Function`` what its derivative rule will need:

- ``inputs``: the input Tensors (their values, and the edges of the graph);
- ``serial``: when it was recorded (``recording.clock``), which orders the graph
  and tells which inputs were changed in place since (``inplace.py``);
- ``scope``: the modules and derived ops it ran inside, for drawings;
- ``freed``: set once a backward without ``retain_graph`` has run through it.

The output Tensor points at the Function (``out._ctx``); nothing points back
from a Function to its output, so a graph has no reference cycles and Python
frees it by reference counting as soon as the last tensor of it is gone.

Subclasses (``ops.py``, and your own ops) give ``forward`` and ``backward``.
"""
from __future__ import annotations

import numpy as np

from . import recording
from .errors import axis_message, tagged_error
from .monomorphic import own_attribute, own_bound_method
from .tensor import Tensor

_make = Tensor._make
_ndarray, _asarray = np.ndarray, np.asarray   # (read once: see tensor.py's _asarray)
_FLOAT32 = np.dtype(np.float32)

__all__ = ["Function", "kernel", "kernel_number"]


class Function:
    """A primitive operation: a NumPy forward and a derivative rule.

    Subclass it to add an op.  ``forward`` receives NumPy arrays (plus any
    keyword arguments given to ``apply``) and returns one NumPy array.
    ``backward(grad, out)`` receives the gradient of the loss with respect to
    the output and the output tensor itself, and returns one gradient per
    input (a Tensor, or None for an input that needs none), each with the
    shape of its input.  Write it with Tensor operations so that it can itself
    be differentiated.  Inside ``backward`` the input tensors are
    ``self.inputs``; values computed in ``forward`` may be kept on ``self``.

    The built-in primitives go one step further (``array_backward = True``):
    their rules also run on NumPy arrays -- ``grad`` and ``out`` are then
    arrays, and ``self.saved(grad)`` gives the input values in the same kind
    -- which the engine uses whenever nobody needs a graph of the backward
    pass.  Your own ops need not: they always get Tensors.

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> class Cube(tg.Function):
    ...     def forward(self, x):
    ...         return x ** 3
    ...     def backward(self, grad, out):
    ...         (x,) = self.inputs
    ...         return grad * 3 * x ** 2
    >>> x = tg.Tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).sum().backward()
    >>> x.grad
    Tensor([12.], shape=(1,), dtype=float32)
    """

    #: Does ``backward`` read the *values* of the inputs?  When False, an
    #: in-place change of an input after the forward cannot corrupt the
    #: gradient (see ``needs_input_value`` for the precise question).
    needs_input_values = True
    #: Does ``backward`` read the value of the output (``out``)?  Exp and Tanh do.
    needs_output_value = False
    #: Can ``backward`` run on NumPy arrays as well as on Tensors?  The built-in
    #: primitives' rules can (see ``ops.py``); the engine then runs them on the
    #: arrays when no graph of the backward pass is needed.  A rule written for
    #: Tensors only (the default for your own ops) always gets Tensors.
    array_backward = False

    # A graph has one Function per recorded op, so they are kept small: slots,
    # no per-instance dict (a subclass that sets other attributes on ``self``
    # without declaring ``__slots__`` simply gets one).  Two slots are rarely
    # set: ``trace``, the user's source line, inside detect_anomaly only; and
    # ``out_version``, by an in-place op whose output is an older tensor.
    __slots__ = ("inputs", "serial", "scope", "freed", "trace", "out_version")

    def __init_subclass__(cls, **kwargs):
        """Each op gets its own copy of the methods every op runs (see ``monomorphic.py``)."""
        super().__init_subclass__(**kwargs)
        own_bound_method(cls, "apply")
        for name in ("saved", "needs_input_grad"):
            own_attribute(cls, name)

    def forward(self, *arrays, **kwargs):  # pragma: no cover - interface
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, grad, out):  # pragma: no cover - interface
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    def needs_input_value(self, i) -> bool:
        """Does the rule read input ``i``'s value for a gradient that is required?

        In-place changes of inputs for which this is False are harmless.  The
        default is ``needs_input_values``; ``Mul`` reads ``b`` only for ``a``'s
        gradient, so it answers with whether the *other* input requires grad.
        """
        return self.needs_input_values

    def saved(self, grad):
        """The input values, in the kind ``backward`` is computing with: the NumPy
        arrays when ``grad`` is an array (a plain backward), else the Tensors."""
        inputs = self.inputs
        if isinstance(grad, Tensor):
            return inputs
        n = len(inputs)
        if n == 2:
            return inputs[0]._data, inputs[1]._data
        if n == 1:
            return (inputs[0]._data,)
        return tuple([t._data for t in inputs])

    @property
    def needs_input_grad(self):
        """For each input: does it require a gradient?  (A rule may skip the others.)"""
        inputs = self.inputs
        if len(inputs) == 2:
            return inputs[0]._requires_grad, inputs[1]._requires_grad
        return tuple([t._requires_grad for t in inputs])

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run the op on Tensors and record it in the graph when needed."""
        fn = cls()
        n = len(inputs)
        try:                            # (the common calls spelled out: no list, no **{})
            if n == 2:
                a, b = inputs
                data = (fn.forward(a._data, b._data, **kwargs) if kwargs
                        else fn.forward(a._data, b._data))
            elif n == 1:
                data = (fn.forward(inputs[0]._data, **kwargs) if kwargs
                        else fn.forward(inputs[0]._data))
            else:
                data = fn.forward(*[t._data for t in inputs], **kwargs)
        except (ValueError, IndexError, TypeError) as e:
            raise _op_error(cls, inputs, kwargs, e) from None
        if type(data) is not _ndarray:
            data = _asarray(data)
            if data.dtype.kind == "O":      # None, a list holding Tensors, ...
                raise _not_an_array(cls, data)
        dtype = data.dtype              # ints and bools have no gradient (float32: the usual float)
        if recording.grad_enabled and (dtype is _FLOAT32 or dtype.kind == "f"):
            for t in inputs:
                if t._requires_grad:
                    fn.inputs = inputs
                    fn.serial = next(recording.clock)
                    fn.scope = recording.scope_names
                    fn.freed = False
                    out = _make(data, True, fn)
                    break
            else:
                out = _make(data, False, None)
        else:
            out = _make(data, False, None)
        if recording.watchers:
            for w in recording.watchers:
                w.op(cls, inputs, kwargs, out)
        return out

    @classmethod
    def describe_error(cls, shapes, kwargs, err) -> str:
        """Message for a failed forward; ops override it to explain better."""
        if isinstance(err, np.exceptions.AxisError) and shapes:
            return axis_message(cls.__name__.lower(), err.axis, shapes[0])
        shown = ", ".join(str(s) for s in shapes)
        return f"{cls.__name__.lower()}: {err} (input shapes: {shown})"

    def __repr__(self):
        return f"<{type(self).__name__}>"


def _op_error(cls, inputs, kwargs, err):
    """Turn a NumPy error inside ``cls.forward`` into one that names the op."""
    if getattr(err, "_tinygrad_edu", False):  # already one of ours
        return err
    shapes = [t.shape for t in inputs]
    return tagged_error(err, cls.describe_error(shapes, kwargs, err), cls.__name__.lower())


def _not_an_array(cls, data):
    """What a ``forward`` that returned no array of numbers hears."""
    what = "a sequence of non-numbers" if data.ndim else type(data.item()).__name__
    what = "None" if what == "NoneType" else what
    return TypeError(f"{cls.__name__}.forward returned {what}; forward receives NumPy arrays "
                     f"and must return one NumPy array (of numbers)")


def kernel(f, *arrays, **kwargs):
    """``f(*arrays, **kwargs)``: a value computed from tensor data outside the ops, like
    ReLU's mask ``x > 0``.

    It carries no gradient.  Derived ops compute such values through
    ``kernel`` so that ``jit`` sees them and recomputes them on every replay
    (it follows arrays made by ops and kernels; any other array makes it
    refuse).  In eager mode it is the NumPy call and nothing more.

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([-1.0, 2.0])
    >>> tg.autograd.kernel(np.greater, x.data, 0)   # ReLU's mask
    array([False,  True])
    """
    out = f(*arrays, **kwargs) if kwargs else f(*arrays)
    if type(out) is not _ndarray:
        out = _asarray(out)
    if recording.watchers:
        for w in recording.watchers:
            w.kernel(f, arrays, kwargs, out)
    return out


def kernel_number(value, like):
    """The number ``value`` as a 0-d array of Tensor ``like``'s dtype, for a kernel.

    NumPy compares and selects with such an array faster than with a Python
    number (sigmoid's sign test, clip's bounds).  It is a plain array, unless
    someone watches: jit must know where each array comes from, so then it is
    made as a constant Tensor, which jit sees.

    Examples
    --------
    >>> import numpy as np
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([-1.0, 2.0])
    >>> tg.autograd.kernel(np.greater, x.data, tg.autograd.kernel_number(0, x))
    array([False,  True])
    """
    if recording.watchers:
        return Tensor._const(value, like)._data
    return _asarray(value, like._data.dtype)
