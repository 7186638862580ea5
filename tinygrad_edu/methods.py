"""Tensor's operators and math methods, from the primitives and the derived ops.

``tensor.py`` defines what a Tensor *is* (data, gradient, graph node);
``ops.py`` and ``derived.py`` define the math on Tensors.  This module joins
them: it gives the Tensor class its operators (``+ - * / ** @``, comparisons,
``x[i]``), its in-place operators (``+=``, ``x[i] = v``) and every derived op
as a method (``x.relu()`` is ``derived.relu(x)``).  Keeping the join here is
what lets the imports flow one way: tensor <- ops <- derived <- methods.
"""
from __future__ import annotations

import numpy as np

from . import activations, conv, derived, inplace, numpy_api, ops, recording
from .errors import broadcast_error, index_hint, tagged_error
from .function import kernel
from .tensor import Tensor, _index_arg, _raw

__all__ = ["install"]


class _Methods:
    """The methods that ``install`` copies onto Tensor (a namespace, never instantiated)."""

    @property
    def mT(self) -> "Tensor":
        """The last two axes swapped (a batch of matrices transposed)."""
        # A valid permutation by construction, so transpose()'s argument checks
        # are skipped (MatMul's rule uses mT on every recorded backward).
        if self._data.ndim == 2:
            return ops.Transpose.apply(self, axes=(1, 0))
        axes = list(range(self.ndim))
        try:
            axes[-2], axes[-1] = axes[-1], axes[-2]
        except IndexError:
            raise ValueError(f"mT: needs at least 2 axes (a matrix or a batch of them), got "
                             f"shape {self.shape}") from None
        return ops.Transpose.apply(self, axes=tuple(axes))


    # ------------------------------------------------------------- operators --
    # (``type(other) is Tensor`` first: the commonest case, one call less.)
    def __add__(self, other):
        return ops.Add.apply(self, other if type(other) is Tensor else self._lift(other))

    def __radd__(self, other):
        return ops.Add.apply(self._lift(other), self)

    def __sub__(self, other):
        return ops.Sub.apply(self, other if type(other) is Tensor else self._lift(other))

    def __rsub__(self, other):
        return ops.Sub.apply(self._lift(other), self)

    def __mul__(self, other):
        return ops.Mul.apply(self, other if type(other) is Tensor else self._lift(other))

    def __rmul__(self, other):
        return ops.Mul.apply(self._lift(other), self)

    # PyTorch's names for the two operators: x.add(y) is x + y, x.mul(y) is x * y
    # (``sub`` and ``div`` are in derived.py).
    add, mul = __add__, __mul__

    def __truediv__(self, other):
        return ops.Div.apply(self, other if type(other) is Tensor else self._lift(other))

    def __rtruediv__(self, other):
        return ops.Div.apply(self._lift(other), self)

    def __pow__(self, exponent):
        return derived.pow(self, exponent)

    def __rpow__(self, base):
        return derived.pow(self._lift(base), self)

    def __matmul__(self, other):
        return derived.matmul(self, other if type(other) is Tensor else self._lift(other))

    def __rmatmul__(self, other):
        return derived.matmul(self._lift(other), self)

    def __neg__(self):
        return derived.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return derived.abs(self)

    # comparisons give bool tensors outside the graph
    def _compare(self, other, op):
        try:
            return Tensor._make(kernel(op, self._data, _raw(other)), False, None)
        except ValueError:
            raise ValueError(broadcast_error(
                f"comparison {op.__name__}", self.shape, np.shape(other))) from None

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    # ``==`` is elementwise, yet a Tensor stays usable as a dict key or in a set:
    # it hashes by identity, as in PyTorch (the engine keys its tables by tensor).
    __hash__ = object.__hash__

    def __getitem__(self, index):
        return ops.GetItem.apply(self, index=_index_arg(index))

    # ------------------------------------------------------ in-place updates --
    # ``x += y`` changes x's array in place (as in NumPy).  While recording,
    # x becomes the output of a new op; ops recorded before still see the old
    # x, through a snapshot (see inplace.py).  Otherwise x's version counter
    # is bumped, and a pending backward that needs the old value refuses.
    def _inplace(self, other, op):
        other = self._lift(other)
        if recording.grad_enabled and (self._requires_grad or other._requires_grad):
            if self._requires_grad and self._ctx is None:
                raise RuntimeError(
                    f"{_INPLACE[op.__name__]}: a leaf tensor that requires grad (shape {self.shape}) "
                    f"cannot be modified in place while recording, because its gradient is computed "
                    f"from it. Use 'with no_grad():' for parameter updates (as optimizers do), or an "
                    f"out-of-place op 'x = x + y'.")
            old = _snapshot(self)
            new = op(old, other)
            self._store(new, op)
            _become(self, new, old)
        else:
            self._store(op(self.detach(), other), op)
        self._version += 1
        inplace.note_write(self, self._data)  # views of this memory are changed too
        return self

    def _store(self, new, op):
        """Write ``new`` into this tensor's array, with NumPy's in-place casting rules."""
        if new.shape != self.shape:
            raise ValueError(f"{_INPLACE[op.__name__]}: the result has shape {new.shape} but the "
                             f"tensor has shape {self.shape}; in-place ops cannot change the shape.")
        try:
            np.copyto(self._data, new._data, casting="same_kind")
        except TypeError:
            raise TypeError(f"{_INPLACE[op.__name__]}: cannot store a {new.dtype} result in a "
                            f"{self.dtype} tensor; use an out-of-place op (x = x + y) or convert "
                            f"first (x.float()).") from None
        except ValueError:  # not writeable
            raise ValueError(f"{_INPLACE[op.__name__]}: {_READ_ONLY}") from None

    def __iadd__(self, other):
        return self._inplace(other, Tensor.__add__)

    def __isub__(self, other):
        return self._inplace(other, Tensor.__sub__)

    def __imul__(self, other):
        return self._inplace(other, Tensor.__mul__)

    def __itruediv__(self, other):
        return self._inplace(other, Tensor.__truediv__)

    def __setitem__(self, index, value):
        """``x[index] = value`` in place; counts as an in-place change of x.

        While recording, when ``x`` or ``value`` requires grad, the assignment
        is recorded as ``where(mask, value placed at index, old x)``: the
        gradient reaches ``value`` from the assigned elements and the old ``x``
        from the others (see ``_setitem_recorded``).
        """
        if recording.grad_enabled and self._data.dtype.kind == "f" and (
                self._requires_grad or (isinstance(value, Tensor) and value._requires_grad)):
            return self._setitem_recorded(_index_arg(index), value)
        index = _index_arg(index)
        try:
            self._data[index] = _raw(value)
        except (ValueError, IndexError, TypeError, OverflowError) as e:
            why = _READ_ONLY if not self._data.flags.writeable else e
            if isinstance(e, OverflowError):
                raise OverflowError(f"setitem (x[index] = value): {e} (tensor dtype "
                                    f"{self.dtype})") from None
            raise tagged_error(e, f"setitem (x[index] = value): {why} (tensor shape "
                                  f"{self.shape}, value shape {np.shape(_raw(value))})"
                                  f"{index_hint(index)}", "setitem") from None
        self._version += 1
        try:  # a view for basic indices: only those bytes changed
            region = self._data[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
        except IndexError:
            region = self._data
        inplace.note_write(self, self._data if region.base is None else region)


    def _setitem_recorded(self, index, value):
        """``x[index] = value`` as a recorded op, rewiring ``x`` like ``x += y`` does."""
        where = "setitem (x[index] = value)"
        if self._requires_grad and self._ctx is None:
            raise RuntimeError(
                f"{where}: a leaf tensor that requires grad (shape {self.shape}) cannot be "
                f"modified in place while recording, because its gradient is computed from it. "
                f"Assign inside 'with no_grad():', or build a new tensor, e.g. "
                f"x2 = tinygrad_edu.where(mask, value, x).")
        value = self._lift(value)
        mask = np.zeros(self.shape, dtype=bool)
        try:
            mask[index] = True
            selected = np.shape(self._data[index])
        except (IndexError, ValueError, TypeError) as e:
            raise tagged_error(e, f"{where}: {e} (tensor shape {self.shape}){index_hint(index)}",
                               "setitem") from None
        if np.count_nonzero(mask) != int(np.prod(selected)):
            raise ValueError(f"{where}: the index selects some elements more than once; which "
                             f"assigned value wins is not differentiable. Use unique indices.")
        v = value if value.dtype == self.dtype else value.astype(self.dtype)
        if v.shape != selected:
            extra = v.ndim - len(selected)  # NumPy drops leading axes of size 1 here
            try:
                if extra > 0 and all(n == 1 for n in v.shape[:extra]):
                    v = v.reshape(v.shape[extra:])
                v = v.expand(selected)
            except ValueError:
                raise ValueError(f"{where}: cannot broadcast a value of shape {value.shape} to "
                                 f"the selected shape {selected} (tensor shape "
                                 f"{self.shape})") from None
        if not self._data.flags.writeable:
            raise ValueError(f"{where}: {_READ_ONLY}")
        placed = ops.ScatterAdd.apply(v, index=index, shape=self.shape)
        old = _snapshot(self)
        new = ops.Where.apply(placed, old, cond=mask)
        np.copyto(self._data, new._data)
        _become(self, new, old)
        self._version += 1
        inplace.note_write(self, self._data)



_READ_ONLY = ("this tensor's data is read-only (a broadcast made by expand/broadcast_to shares "
              "one value among many elements); copy it first with Tensor(x)")
_INPLACE = {"__add__": "in-place add (x += y)", "__sub__": "in-place sub (x -= y)",
            "__mul__": "in-place mul (x *= y)", "__truediv__": "in-place div (x /= y)"}


def _snapshot(t):
    """``t`` as it is now, before a recorded in-place op changes it: a copy of its value,
    its version and its producer.  Ops recorded earlier are pointed back at it
    (``inplace.rebase``), so their gradients reach the value they saw."""
    old = Tensor._make(t._data.copy(), t._requires_grad, t._ctx)
    old._version = t._version
    old._past = getattr(t, "_past", None)
    if hasattr(t, "_written"):
        old._written = t._written       # when the value it keeps was written
    return old


def _become(t, new, old):
    """After a recorded in-place op: ``t`` (already holding ``new``'s value) is that op's
    output, and ``old`` is what ``t`` was before."""
    t._past = old
    t._ctx, t._requires_grad = new._ctx, True
    new._ctx.out_version = t._version + 1


def install(cls=Tensor):
    """Give ``cls`` (Tensor) its operators and its derived-op methods."""
    for name, value in vars(_Methods).items():
        if name not in ("__module__", "__qualname__", "__doc__", "__dict__", "__weakref__"):
            setattr(cls, name, value)
    derived.install_methods(cls)
    for more in (numpy_api, activations):    # NumPy's vocabulary; the usual activations
        more.install_methods(cls)
    conv.install_methods(cls)     # conv2d, max_pool2d, avg_pool2d, pad


install()
