"""monomorphic.own_copy: the same function with bytecode of its own, and the ops that use it."""
import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import ops
from tinygrad_edu.function import Function
from tinygrad_edu.monomorphic import own_copy


def _sample(a, b=2, *rest, c=3, **kw):
    """doc"""
    return a, b, rest, c, kw


def test_the_copy_is_the_same_function_with_its_own_code():
    g = own_copy(_sample)
    assert g.__code__ is not _sample.__code__
    assert g.__code__.co_code == _sample.__code__.co_code
    assert (g.__name__, g.__qualname__, g.__doc__, g.__module__) == \
        (_sample.__name__, _sample.__qualname__, _sample.__doc__, _sample.__module__)
    assert g(1) == _sample(1) == (1, 2, (), 3, {})
    assert g(1, 5, 6, c=7, d=8) == _sample(1, 5, 6, c=7, d=8)


def test_the_copy_keeps_closures_and_globals():
    k = 10

    def add_k(x):
        return x + k + len(np.arange(2))
    assert own_copy(add_k)(1) == add_k(1) == 13


def test_every_op_class_has_its_own_apply_saved_and_needs_input_grad():
    # (code objects compare by content: identity is what tells copies apart)
    shared = id(Function.apply.__func__.__code__)
    codes = {id(op.apply.__func__.__code__) for op in (ops.Add, ops.Mul, ops.Tanh)}
    assert len(codes) == 3 and shared not in codes
    assert ops.Mul.saved is not Function.saved
    assert ops.Mul.needs_input_grad.fget is not Function.needs_input_grad.fget


def test_a_users_op_gets_copies_too_and_works():
    class Cube(tg.Function):
        def forward(self, x):
            return x ** 3

        def backward(self, grad, out):
            (x,) = self.saved(grad)
            return grad * 3 * x ** 2
    assert Cube.apply.__func__.__code__ is not Function.apply.__func__.__code__
    x = tg.Tensor([2.0], requires_grad=True)
    Cube.apply(x).sum().backward()
    assert x.grad.numpy().tolist() == [12.0]


def test_a_class_that_defines_its_own_apply_keeps_it():
    class Custom(tg.Function):
        @classmethod
        def apply(cls, x):
            return "mine"
    assert Custom.apply(None) == "mine"


def test_an_override_in_a_base_class_is_what_a_subclass_inherits():
    class Base(tg.Function):
        def saved(self, grad):
            return ("base's own",)

        @classmethod
        def apply(cls, *inputs):
            return ("base's apply", cls.__name__)

    class Child(Base):
        pass
    assert Child.saved(None, None) == ("base's own",)
    assert Child.apply() == ("base's apply", "Child")
    assert Child.saved is not Base.saved            # a copy, of Base's (not Function's) method
    assert Child.needs_input_grad.fget is not Function.needs_input_grad.fget


def test_each_op_class_has_apply_bound_to_itself():
    for op in (ops.Add, ops.Mul, ops.Tanh):
        assert op.apply.__self__ is op
    assert isinstance(Function.__dict__["apply"], classmethod)


def test_super_apply_from_an_override_reaches_the_subclass_forward():
    class Double(tg.Function):
        def forward(self, x):
            return 2 * x

        def backward(self, grad, out):
            return grad * 2

    y0 = Double.apply(tg.Tensor([1.0]))          # Double's apply, bound to Double, runs first

    class Triple(Double):
        def forward(self, x):
            return 3 * x

        def backward(self, grad, out):
            return grad * 3

        @classmethod
        def apply(cls, x):
            return super().apply(x)              # must make a Triple, not a Double

    x = tg.Tensor([1.0], requires_grad=True)
    y = Triple.apply(x)
    assert type(y.grad_fn) is Triple and y.numpy().tolist() == [3.0]
    y.sum().backward()
    assert x.grad.numpy().tolist() == [3.0]
    assert y0.numpy().tolist() == [2.0] and Double.apply(tg.Tensor([1.0])).numpy().tolist() == [2.0]
