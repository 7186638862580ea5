"""inplace.py: version counters, writes through views, stale gradients."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor, inplace


def test_version_counter_catches_a_changed_input():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    y = (w * x).sum()                          # Mul's backward reads x
    fn = y.grad_fn.inputs[0].grad_fn           # the Mul
    inplace.check(fn, y.grad_fn.inputs[0])      # nothing changed yet: no error
    x += 1
    with pytest.raises(RuntimeError, match=r"Mul backward: input 1 of shape \(2,\) was modified"):
        y.backward()


def test_ops_that_do_not_read_inputs_ignore_their_changes():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    y = (w + x).sum()                          # Add's backward needs no values
    x += 1
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, 1.0])


def test_a_write_through_a_view_is_caught():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    y = (w * x).sum()
    alias = x.detach()                         # same memory, its own version counter
    before = inplace.last_write
    alias[0] = 100.0
    assert inplace.last_write > before         # the write is on the clock, and in the log
    with pytest.raises(RuntimeError, match="shares memory with a tensor that was modified"):
        y.backward()


def test_writes_to_unrelated_memory_are_not_false_alarms():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    y = (w * x).sum()
    other = Tensor([0.0, 0.0])
    other += 5                                  # logged, but no overlap with x or w
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 4.0])


def test_stale_gradient_warns_only_after_an_in_place_update():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (w * 2).sum().backward()
        (w * 2).sum().backward()                # accumulating before a step: silent
    assert not inplace.grad_is_stale(w)
    with tg.no_grad():
        w -= 0.1 * w.grad                       # what optimizer.step() does
    assert inplace.grad_is_stale(w)
    with pytest.warns(inplace.GradientAccumulationWarning, match="zero_grad"):
        (w * 2).sum().backward()
    w.grad = None                               # zeroing resets the bookkeeping
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (w * 2).sum().backward()


def test_a_change_is_harmless_when_no_required_gradient_reads_it():
    """As PyTorch: Mul reads a only for c's gradient, and c needs none."""
    a = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    y = (a * c).sum()
    with tg.no_grad():
        a += 1                                 # an optimizer-style update of a parameter
    y.backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])


def test_the_same_change_raises_when_a_required_gradient_reads_it():
    a = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0], requires_grad=True)  # now c's gradient, a, is required
    y = (a * c).sum()
    with tg.no_grad():
        a += 1
    with pytest.raises(RuntimeError, match=r"Mul backward: input 0 of shape \(2,\) was modified"):
        y.backward()
    assert a.grad is None and c.grad is None    # refused before any .grad was touched


def test_the_message_gives_the_version_the_op_saw_and_the_one_now():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    x += 1                                     # version 1 before the forward pass
    y = (w * x).sum()
    x += 1
    x *= 2                                     # two writes after it: version 3
    with pytest.raises(RuntimeError, match=r"modified in place \(version 1 -> 3\)"):
        y.backward()


def test_after_more_writes_than_a_tensor_keeps_stamps_of_the_message_says_only_now():
    w = Tensor([1.0, 2.0], requires_grad=True)
    x = Tensor([3.0, 4.0])
    y = (w * x).sum()
    for _ in range(6):
        x += 1
    with pytest.raises(RuntimeError, match=r"modified in place \(now version 6\)"):
        y.backward()


def test_a_fused_optimizer_step_stamps_every_parameter():
    # Adam updates all parameters of a small model at once (optim._step_fused); a graph
    # recorded before the step reads each of them, and each changed.
    tg.manual_seed(0)
    params = [Tensor(np.ones((2, 2)), requires_grad=True) for _ in range(3)]
    opt = tg.optim.Adam(params, lr=0.1)
    x = Tensor(np.ones((1, 2)))
    (x @ params[0] @ params[1] @ params[2]).sum().backward()
    x.requires_grad_()
    kept = (x @ params[2]).sum()               # MatMul reads params[2] for x's gradient
    opt.step()
    assert opt._flat is not None               # (the fused path ran)
    with pytest.raises(RuntimeError, match=r"MatMul backward: input 1 of shape \(2, 2\) was "
                                           r"modified in place \(version 0 -> 1\)"):
        kept.backward()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["mul", "add", "tanh", "write w", "write x"]), max_size=14))
def test_a_random_program_raises_exactly_when_a_read_value_changed(program):
    # y = x; each "mul"/"add"/"tanh" records y = y * w, y + w, tanh(y); "write w" is w += 0.5
    # (w needs no gradient); "write x" updates the leaf x in place under no_grad, as an
    # optimizer does.  Only Mul reads w, for y's gradient, which is always required; nothing
    # reads x's value for a gradient that is required (Mul reads y for w's, which is not).
    # So backward raises exactly when some mul was recorded before a later write of w,
    # and names the latest such mul's view of w: its version then, and now.
    x = Tensor([0.3, -0.2], requires_grad=True)
    w = Tensor([1.1, 0.9])
    y, writes, muls = x, 0, []          # muls: how many writes of w each mul saw
    for step in program:
        if step == "mul":
            y = y * w
            muls.append(writes)
        elif step == "add":
            y = y + w
        elif step == "tanh":
            y = y.tanh()
        elif step == "write w":
            w += 0.5
            writes += 1
        else:
            with tg.no_grad():
                x += 0.25
    if y is x:
        return
    stale = [seen for seen in muls if seen < writes]
    if not stale:
        y.sum().backward()
        assert x.grad is not None
        return
    seen = stale[-1]                    # backward meets the latest one first
    later = writes - seen
    kept = min(writes, 4)               # a tensor keeps the stamps of its last 4 writes
    if min(later, kept) == kept < writes:
        shown = f"now version {writes}"
    else:
        shown = f"version {seen} -> {writes}"
    with pytest.raises(RuntimeError, match=rf"Mul backward: input 1 of shape \(2,\) was "
                                           rf"modified in place \({shown}\)"):
        y.sum().backward()
