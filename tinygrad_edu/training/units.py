"""Dead and saturated units, seen through forward hooks on the layers' outputs.

A ReLU unit is **dead** in an epoch when it outputs 0 for every training
sample of that epoch: its derivative ``relu'(z)`` is then 0 on every sample,
so the gradient reaching its weights and bias is exactly 0 and the optimizer
cannot move it (only an earlier layer changing can revive it).  A sigmoid or
tanh unit is **saturated** when its output is within ``tol`` (1e-3) of the
activation's limits on every sample (0 or 1; -1 or 1): its derivative is
nearly 0 there, and it learns as slowly as a dead unit.

Both are watched with :meth:`Module.register_forward_hook
<tinygrad_edu.nn.Module.register_forward_hook>` on the layers whose
``activation_name`` is ``'relu'``, ``'sigmoid'`` or ``'tanh'`` (``Dense`` and
``Activation`` layers); only calls in training mode count, so validation and
``predict`` do not.  Two watchers:

- :class:`UnitWatch`: per unit, for :class:`~tinygrad_edu.training.Diagnostics`;
- :class:`DeadLayerCheck`: per layer, cheap enough to run in every ``fit``;
  it raises the :class:`DeadUnitWarning` when *every* unit of a ReLU layer is
  dead (a single dead unit is common and often harmless, see
  ``docs/debugging.md``).

Examples
--------
>>> import numpy as np, tinygrad_edu as tg
>>> from tinygrad_edu.nn import Dense, Sequential
>>> model = Sequential([Dense(3, activation="relu", input_dim=1)])
>>> model[0].kernel.data[...] = [[1.0, -1.0, 0.0]]        # unit 2 outputs 0 for every x
>>> watch = UnitWatch(model)
>>> _ = model(tg.Tensor(np.array([[1.0], [-2.0]], np.float32)))
>>> watch.stuck()
{'dense_1': ('relu', [2], 3)}
>>> watch.remove()
"""
from __future__ import annotations

import numpy as np

__all__ = ["DeadUnitWarning", "UnitWatch", "DeadLayerCheck", "watched_layers", "KINDS"]

#: The activations whose units can get stuck, and their limits.
KINDS = {"relu": (0.0, None), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}


class DeadUnitWarning(UserWarning):
    """``fit``'s warning that every unit of a ReLU layer was dead for a whole epoch.

    The message names the layer, its units and the remedies.  Silence it with
    ``warnings.simplefilter("ignore", DeadUnitWarning)``; make it an error
    with ``"error"``.
    """


def watched_layers(model, kinds=tuple(KINDS)):
    """``[(name, layer, activation)]`` for the layers (no sub-modules) with one of ``kinds``."""
    out = []
    for qual, m in model.named_modules():
        kind = getattr(m, "activation_name", None)
        if not m._modules and kind in kinds:
            out.append((qual or m.name, m, kind))
    return out


def _as_rows(a):
    """An output as (samples, units): the last axis holds the units."""
    return a if a.ndim == 2 else a.reshape(-1, a.shape[-1])


def _moving(kind, a, tol):
    """Per unit: does it move on some sample of ``a`` (ReLU active; not saturated)?"""
    if kind == "relu":                  # (not max > 0: ReLU keeps a NaN, and max would be it)
        return (a > 0).any(axis=0)
    if kind == "sigmoid":
        return ((a > tol) & (a < 1 - tol)).any(axis=0)
    return (np.abs(a) < 1 - tol).any(axis=0)


class UnitWatch:
    """Which units of the watched layers moved since :meth:`start_epoch`.

    Parameters
    ----------
    model : Module
    kinds : tuple of str
        The activations to watch (default: relu, sigmoid, tanh).
    tol : float
        A sigmoid or tanh output within ``tol`` of a limit is saturated.
    keep : int
        Keep (about) the last ``keep`` training samples' outputs of each layer
        (:meth:`recent`), for histograms.
    """

    def __init__(self, model, kinds=tuple(KINDS), tol=1e-3, keep=0):
        self.layers = watched_layers(model, kinds)
        self.tol, self.keep = tol, int(keep)
        self.moving = {name: None for name, _, _ in self.layers}   # None: not run yet
        self._recent = {name: [] for name, _, _ in self.layers}
        self._kept = {name: 0 for name, _, _ in self.layers}        # rows in _recent[name]
        self._handles = [m.register_forward_hook(self._hook(name, kind))
                         for name, m, kind in self.layers]

    def _hook(self, name, kind):
        moving, recent, kept, tol = self.moving, self._recent[name], self._kept, self.tol

        def hook(module, inputs, out):
            if not module.training or out.ndim == 0:
                return
            a = _as_rows(out._data)
            now = _moving(kind, a, tol)
            if moving[name] is None:
                moving[name] = now
            else:
                moving[name] |= now
            if self.keep:
                recent.append(a)
                kept[name] += len(a)
                while kept[name] - len(recent[0]) >= self.keep:     # drop the oldest batches
                    kept[name] -= len(recent.pop(0))
        return hook

    def recent(self, name):
        """The outputs of layer ``name`` on the last samples it saw in training (rows), or None."""
        return np.concatenate(self._recent[name]) if self._recent.get(name) else None

    def start_epoch(self):
        """Forget what was seen: the next epoch starts with no unit seen moving."""
        for name in self.moving:
            self.moving[name] = None
            self._recent[name].clear()
            self._kept[name] = 0

    def stuck(self):
        """``{layer: (activation, [stuck units], units)}`` for every layer run since the start.

        Stuck means dead (ReLU) or saturated (sigmoid, tanh) on every sample.
        """
        return {name: (kind, np.flatnonzero(~self.moving[name]).tolist(),
                       self.moving[name].size)
                for name, _, kind in self.layers if self.moving[name] is not None}

    def remove(self):
        """Take the hooks off the layers."""
        for h in self._handles:
            h.remove()
        self._handles = []


class DeadLayerCheck:
    """``fit``'s check: is some ReLU layer dead on every training sample of the epoch?

    Cheap: a layer's hook looks at its output only until a unit is active in
    the epoch (usually on the first batch), then takes itself off the layer
    until the next epoch, so that the rest of the epoch runs without it.

    Examples
    --------
    >>> import numpy as np, tinygrad_edu as tg
    >>> from tinygrad_edu.nn import Dense, Sequential
    >>> model = Sequential([Dense(2, activation="relu", input_dim=1, bias_initializer="ones")])
    >>> model[0].kernel.data[...] = 0.0
    >>> check = DeadLayerCheck(model)
    >>> _ = model(tg.Tensor(np.ones((4, 1), np.float32)))
    >>> check.dead_layers()
    []
    >>> model[0].bias.data[...] = -1.0                     # every unit outputs 0 now
    >>> check.start_epoch(); _ = model(tg.Tensor(np.ones((4, 1), np.float32)))
    >>> check.dead_layers()
    [('dense_1', 2)]
    >>> check.remove()
    """

    def __init__(self, model):
        self.layers = watched_layers(model, ("relu",))
        self.alive = {}                           # layer -> a unit was active this epoch
        self.units = {}                           # layer -> its number of units
        self._handles = {}                        # layer -> its hook's handle, while watched
        self.start_epoch()

    def _hook(self, name):
        alive, units, handles = self.alive, self.units, self._handles

        def hook(module, inputs, out):
            if not module.training or out.ndim == 0:
                return
            alive[name] = bool((out._data > 0).any())     # (a NaN sample is not "dead")
            units[name] = out.shape[-1]
            if alive[name]:                       # alive this epoch: nothing more to see
                handles.pop(name).remove()
        return hook

    def start_epoch(self):
        """Forget the last epoch: no layer has been seen yet, and every layer is watched."""
        self.alive.clear()
        self.units.clear()
        for name, m, _ in self.layers:
            if name not in self._handles:
                self._handles[name] = m.register_forward_hook(self._hook(name))

    def dead_layers(self):
        """``[(layer, units)]`` for the layers that ran and had no active unit."""
        return [(name, self.units[name]) for name, _, _ in self.layers
                if self.alive.get(name) is False]

    def remove(self):
        """Take the hooks off the layers."""
        for h in self._handles.values():
            h.remove()
        self._handles.clear()


def dead_layer_message(epoch, epochs, dead):
    """The :class:`DeadUnitWarning` text for ``dead = [(layer, units), ...]`` found in ``epoch``.

    ``epoch`` counts from 0, as callbacks do; the message counts as the
    progress bar does (``epoch 2/50`` for ``epoch=1, epochs=50``).
    """
    names = ", ".join(f"'{name}' (units 0-{n - 1})" if n > 1 else f"'{name}' (unit 0)"
                      for name, n in dead)
    layer = "layer" if len(dead) == 1 else "layers"
    return (f"fit: every ReLU unit of {layer} {names} output 0 for every training sample of "
            f"epoch {epoch + 1}/{epochs}: the {layer} {'is' if len(dead) == 1 else 'are'} dead. The gradient "
            f"through a dead layer is exactly 0, so it cannot learn, nor can the layers before "
            f"it, and the layers after it see a constant input: the loss stays where it is "
            f"(ln 2 = 0.693 for two balanced classes). Remedies: start the biases slightly "
            f"positive, Dense(..., bias_initializer=tg.nn.init.constant(0.1)); use "
            f"activation='leaky_relu'; lower the learning rate; or train again from another "
            f"seed. tg.training.Diagnostics() shows when each unit died (docs: 'Debugging "
            f"training').")
