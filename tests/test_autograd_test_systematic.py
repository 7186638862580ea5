"""HIPS autograd's ``tests/test_systematic.py``, ported: ``np.<name>`` is ``tg.<name>``.

Each test names the function, its argument combinations and value ranges
as autograd's does (``stat_check``, ``unary_ufunc_check``,
``binary_ufunc_check`` and ``combo_check`` keep autograd's meaning: every
combination of the listed arguments and keyword values).  For each
combination the value must equal NumPy's (float64), and the gradients with
respect to ``argnums``, first and second order, must match finite
differences (autograd's ``check_grads(order=2)``; here ``gradcheck`` and
``gradgradcheck``).

Left out, each for a reason of ours: the complex-number variants
(``test_complex``, ``real``, ``imag``, ``conj``, ``angle``, ``real_if_close``:
Tensors are real), ``all`` and ``any`` (boolean results carry no gradient;
use ``(x != 0)``-style comparisons), ``msort`` (gone from NumPy 2) and
``partition`` (not in our vocabulary).
"""
import itertools
import operator as op

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.testing import gradcheck, gradgradcheck

npr = np.random.default_rng(0)
R = npr.standard_normal


def combo_check(fun, argnums, reference=None):
    """``check(*arg_lists, **kwarg_lists)``: every combination, value and gradients."""
    numpy_fun = reference or getattr(np, fun) if isinstance(fun, str) else reference or fun
    tg_fun = getattr(tg, fun) if isinstance(fun, str) else fun

    def check(*arg_lists, **kwarg_lists):
        keys = list(kwarg_lists)
        for args in itertools.product(*arg_lists):
            for values in itertools.product(*(kwarg_lists[k] for k in keys)):
                kwargs = dict(zip(keys, values))
                _check_one(tg_fun, numpy_fun, args, argnums, kwargs)
    return check


def _check_one(tg_fun, numpy_fun, args, argnums, kwargs):
    inputs = [Tensor(np.asarray(a, dtype=np.float64), requires_grad=True) if i in argnums else a
              for i, a in enumerate(args)]
    got = tg_fun(*inputs, **kwargs)
    want = numpy_fun(*[np.asarray(a, dtype=np.float64) if i in argnums else a
                       for i, a in enumerate(args)], **kwargs)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12,
                               err_msg=f"{args} {kwargs}")
    assert got.shape == np.shape(want), (got.shape, np.shape(want), args, kwargs)
    fn = lambda *xs: tg_fun(*xs, **kwargs)   # noqa: E731
    assert gradcheck(fn, inputs) and gradgradcheck(fn, inputs)


# ------------------------------------------------------------ autograd's numpy_utils ---
def transform(lims, x):
    return x * (lims[1] - lims[0]) + lims[0]


def stat_check(fun):
    x, A, B, C, D = 3.5, R(), R(3), R((2, 3)), R((1, 3))
    check = combo_check(fun, (0,))
    check([x, A])
    check([B, C, D], axis=[None, 0], keepdims=[True, False])
    check([C, D], axis=[None, 0, 1], keepdims=[True, False])


def unary_ufunc_check(fun, lims=(-2, 2), reference=None):
    values = [transform(lims, v) for v in (0.4, npr.random(2), npr.random((3, 2)),
                                           npr.random((1, 2)))]
    combo_check(fun, (0,), reference)(values)


def binary_ufunc_check(fun, lims_A=(-2, 2), lims_B=(-2, 2), reference=None):
    shapes = (0.6, npr.random(2), npr.random((3, 2)), npr.random((1, 2)))
    combo_check(fun, (0, 1), reference)([transform(lims_A, v) for v in shapes],
                                        [transform(lims_B, v) for v in shapes])


def binary_ufunc_check_no_same_args(fun, lims_A=(-2, 2), lims_B=(-2, 2), reference=None):
    first = (0.6, npr.random(2), npr.random((3, 2)), npr.random((1, 2)))
    second = (0.7, npr.random(2), npr.random((3, 2)), npr.random((1, 2)))
    combo_check(fun, (0, 1), reference)([transform(lims_A, v) for v in first],
                                        [transform(lims_B, v) for v in second])


# ------------------------------------------------------------- array statistics ---
def test_max():  stat_check("max")             # noqa: E704
def test_mean(): stat_check("mean")            # noqa: E704
def test_min():  stat_check("min")             # noqa: E704
def test_sum():  stat_check("sum")             # noqa: E704
def test_prod(): stat_check("prod")            # noqa: E704
def test_var():  stat_check("var")             # noqa: E704
def test_std():  stat_check("std")             # noqa: E704


# ------------------------------------------------------------------- unary ufuncs ---
def test_sin():      unary_ufunc_check("sin")                                  # noqa: E704
def test_abs():      unary_ufunc_check("abs", lims=[0.1, 4.0])                 # noqa: E704
def test_absolute(): unary_ufunc_check("absolute", lims=[0.1, 4.0])            # noqa: E704
def test_arccosh():  unary_ufunc_check("arccosh", lims=[1.1, 4.0])             # noqa: E704
def test_arcsinh():  unary_ufunc_check("arcsinh", lims=[-0.9, 0.9])            # noqa: E704
def test_arctanh():  unary_ufunc_check("arctanh", lims=[-0.9, 0.9])            # noqa: E704
def test_ceil():     unary_ufunc_check("ceil", lims=[-1.5, 1.5])               # noqa: E704
def test_cos():      unary_ufunc_check("cos")                                  # noqa: E704
def test_cosh():     unary_ufunc_check("cosh")                                 # noqa: E704
def test_deg2rad():  unary_ufunc_check("deg2rad")                              # noqa: E704
def test_exp():      unary_ufunc_check("exp")                                  # noqa: E704
def test_exp2():     unary_ufunc_check("exp2")                                 # noqa: E704
def test_expm1():    unary_ufunc_check("expm1")                                # noqa: E704
def test_fabs():     unary_ufunc_check("fabs")                                 # noqa: E704
def test_floor():    unary_ufunc_check("floor", lims=[-1.5, 1.5])              # noqa: E704
def test_log():      unary_ufunc_check("log", lims=[0.2, 2.0])                 # noqa: E704
def test_log10():    unary_ufunc_check("log10", lims=[0.2, 2.0])               # noqa: E704
def test_log1p():    unary_ufunc_check("log1p", lims=[0.2, 2.0])               # noqa: E704
def test_log2():     unary_ufunc_check("log2", lims=[0.2, 2.0])                # noqa: E704
def test_radians():  unary_ufunc_check("radians")                              # noqa: E704
def test_sign():     unary_ufunc_check("sign")                                 # noqa: E704
def test_sinh():     unary_ufunc_check("sinh")                                 # noqa: E704
def test_sqrt():     unary_ufunc_check("sqrt", lims=[1.0, 3.0])                # noqa: E704
def test_square():   unary_ufunc_check("square")                               # noqa: E704
def test_tan():      unary_ufunc_check("tan", lims=[-1.1, 1.1])                # noqa: E704
def test_tanh():     unary_ufunc_check("tanh")                                 # noqa: E704


def test_degrees():
    unary_ufunc_check(lambda x: tg.degrees(x) / 50.0, reference=lambda x: np.degrees(x) / 50.0)


def test_rad2deg():
    unary_ufunc_check(lambda x: tg.rad2deg(x) / 50.0, reference=lambda x: np.rad2deg(x) / 50.0)


# ------------------------------------------------------------------ binary ufuncs ---
def test_add():             binary_ufunc_check("add")                                  # noqa: E704
def test_logaddexp():       binary_ufunc_check("logaddexp")                            # noqa: E704
def test_logaddexp2():      binary_ufunc_check("logaddexp2")                           # noqa: E704
def test_true_divide():     binary_ufunc_check("true_divide", lims_B=[0.3, 2.0])       # noqa: E704
def test_true_divide_neg(): binary_ufunc_check("true_divide", lims_B=[-0.3, -2.0])     # noqa: E704


def test_remainder():
    binary_ufunc_check_no_same_args("remainder", lims_A=[-0.9, 0.9], lims_B=[0.7, 1.9])


def test_mod():
    binary_ufunc_check_no_same_args("mod", lims_B=[0.8, 2.1])


def test_mod_neg():
    binary_ufunc_check_no_same_args("mod", lims_B=[-0.3, -2.0])


def test_op_mul(): binary_ufunc_check(op.mul)                                          # noqa: E704
def test_op_add(): binary_ufunc_check(op.add)                                          # noqa: E704
def test_op_sub(): binary_ufunc_check(op.sub)                                          # noqa: E704
def test_op_div(): binary_ufunc_check(op.truediv, lims_B=[0.5, 2.0])                   # noqa: E704
def test_op_pow(): binary_ufunc_check(op.pow, lims_A=[0.7, 2.0])                       # noqa: E704


def test_op_mod():
    binary_ufunc_check_no_same_args(op.mod, lims_B=[0.3, 2.0])


def test_op_mod_neg():
    binary_ufunc_check_no_same_args(op.mod, lims_B=[-0.3, -2.0])


# --------------------------------------------------------------------------- misc ---
def test_transpose():
    combo_check("transpose", [0])([R((2, 3, 4))], axes=[None, [0, 1, 2], [0, 2, 1], [2, 0, 1],
                                                        [2, 1, 0], [1, 0, 2], [1, 2, 0]])


def test_dot():
    combo_check("dot", [0, 1])([1.5, R(3), R((2, 3))], [0.3, R(3), R((3, 4))])


def test_tensordot_1():
    combo_check("tensordot", [0, 1])([R((1, 3)), R((2, 3, 2))], [R(3), R((3, 1)), R((3, 4, 2))],
                                     axes=[[(1,), (0,)]])


def test_tensordot_2():
    combo_check("tensordot", [0, 1])([R(3), R((3, 1)), R((3, 4, 2))], [R((1, 3)), R((2, 3, 2))],
                                     axes=[[(0,), (1,)]])


def test_tensordot_3():
    combo_check("tensordot", [0, 1])([R((2, 3)), R((2, 3, 4))], [R((1, 2, 3)), R((2, 2, 3, 4))],
                                     axes=[[(0, 1), (1, 2)], [(1, 0), (2, 1)]])


def test_tensordot_4():
    combo_check("tensordot", [0, 1])([R((2, 2)), R((4, 2, 2))], [R((2, 2)), R((2, 2, 4))],
                                     axes=[1, 2])


def test_maximum():
    combo_check("maximum", [0, 1])([R(1), R((1, 4)), R((3, 4))], [R(1), R((1, 4)), R((3, 4))])


def test_minimum():
    combo_check("minimum", [0, 1])([R(1), R((1, 4)), R((3, 4))], [R(1), R((1, 4)), R((3, 4))])


def test_sort():
    combo_check("sort", [0])([R(1), R(7)])


def test_atleast_1d():
    combo_check("atleast_1d", [0])([1.2, R(1), R(7), R((1, 4)), R((2, 4)), R((2, 4, 5))])


def test_atleast_2d():
    combo_check("atleast_2d", [0])([1.2, R(1), R(7), R((1, 4)), R((2, 4)), R((2, 4, 5))])


def test_atleast_3d():
    combo_check("atleast_3d", [0])([1.2, R(1), R(7), R((1, 4)), R((2, 4)), R((2, 4, 5)),
                                    R((2, 4, 3, 5))])


def test_einsum_transpose():
    combo_check("einsum", [1])(["ij->ji"], [R((1, 1)), R((4, 4)), R((3, 4))])


def test_einsum_matmult():
    combo_check("einsum", [1, 2])(["ij,jk->ik"], [R((2, 3))], [R((3, 4))])


def test_einsum_covsum():
    combo_check("einsum", [1, 2])(["ijk,lji->lki"], [R((3, 4, 4))], [R((4, 4, 3))])


def test_einsum_ellipses():
    combo_check("einsum", [1, 2])(["...jk,...lj->...lk", "...,...->..."], [R((3, 4, 4))],
                                  [R((3, 4, 4))])


def test_einsum_three_args():
    combo_check("einsum", [1, 2])(["ijk,lji,lli->lki"], [R((3, 4, 4))], [R((4, 4, 3))],
                                  [R((4, 4, 3))])


def test_trace():
    combo_check("trace", [0])([R((5, 5)), R((4, 5)), R((5, 4))], offset=[-1, 0, 1])
