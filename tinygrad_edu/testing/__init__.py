"""Check gradients against finite differences: for our ops, your ops and your models.

``numerical_grad`` estimates a gradient by central differences, ``gradcheck``
compares the gradients of our reverse mode with those estimates, and
``gradgradcheck`` does the same for second derivatives; ``gradcheck_params``
checks tensors that a function reads itself, such as a model's parameters.  Everything is
computed in float64, whatever the dtype of the inputs (float32 finite
differences are too noisy to check anything).

``tinygrad_edu.testing.strategies`` (needs ``hypothesis``) generates shapes,
broadcastable shapes, arrays and tensors for property tests.

Examples
--------
>>> import tinygrad_edu as tg
>>> from tinygrad_edu.testing import gradcheck
>>> x = tg.Tensor([[0.5, -1.0], [2.0, 0.3]], requires_grad=True)
>>> gradcheck(lambda x: (x.sigmoid() * x).sum(axis=0), x)
True

See ``docs/testing.md`` for the full story (kinks, custom ops, strategies).
"""
from .checks import (GradcheckError, KinkWarning, gradcheck, gradcheck_params,  # noqa: F401
                     gradgradcheck, numerical_grad)

__all__ = ["numerical_grad", "gradcheck", "gradgradcheck", "gradcheck_params", "GradcheckError",
           "KinkWarning"]
