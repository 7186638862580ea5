"""Step 2 of drawing a graph: decide what becomes one box, and which frames surround it.

Every recorded Function carries ``fn.scope``, the names of the scopes it was
recorded in, outermost first: layers (``dense_1``, from ``autograd.scope``)
and derived ops (``sigmoid``, from ``@composite``).  ``collapse`` picks, for
each Function, the scope level that becomes its box; the scopes above that
level become the clusters (frames) the box is drawn in:

* ``collapse=None``: no level; every primitive is a box of its own, and all
  its scopes are frames;
* ``collapse='op'``: the first derived op, so ``sigmoid(z)`` is one box;
* ``collapse='module'``: the scope just above the first derived op, usually
  the layer, so ``dense_1`` is one box;
* a list of names: the first scope with one of those names.

One box is one *call*: two ``relu(...)`` calls are two boxes, because the
Functions of one call are connected through each other (:func:`_instances`
finds the calls with a union-find).
"""
from __future__ import annotations

import sys

from .. import autograd

_COMPOSITE_CODE = autograd.composite(lambda: None).__code__


def _composite_names():
    """Names of the ``@composite`` derived ops defined in tinygrad_edu (and in ``__main__``)."""
    names = set()
    for modname, mod in list(sys.modules.items()):
        if mod is None or not (modname == "__main__" or modname.split(".")[0] == "tinygrad_edu"):
            continue
        for obj in list(vars(mod).values()):
            if getattr(obj, "__code__", None) is _COMPOSITE_CODE:
                names.add(obj.__name__)
    return names


def _find(parent, i):
    """The representative of ``i``'s set in the union-find forest ``parent``."""
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:                     # path compression
        parent[i], i = root, parent[i]
    return root


def _instances(trace, scopes):
    """inst[k][i]: which *call* of scope level k Function i belongs to.

    Functions with the same ``scope[:k+1]`` that are connected through such
    functions are one call (two separate ``relu(...)`` calls stay apart).
    """
    n = len(trace.fns)
    depth = max((len(s) for s in scopes), default=0)
    inst = []
    for k in range(depth):
        parent = list(range(n))
        for i in range(n):
            s = scopes[i]
            if len(s) <= k:
                continue
            for x in trace.inputs_of(i):
                j = trace.producer(x)
                if j is not None and len(scopes[j]) > k and scopes[j][:k + 1] == s[:k + 1]:
                    a, b = _find(parent, i), _find(parent, j)
                    if a != b:
                        parent[a] = b
        inst.append([_find(parent, i) if len(scopes[i]) > k else None for i in range(n)])
    return inst


def _level_rule(collapse, composites):
    """The function ``scope -> level of the box`` (None: the primitive) for ``collapse``."""
    if collapse in (None, "none"):
        def level_of(s):
            return None
    elif collapse == "op":
        def level_of(s):
            return next((k for k, name in enumerate(s) if name in composites), None)
    elif collapse == "module":
        def level_of(s):
            m = 0
            while m < len(s) and s[m] not in composites:
                m += 1
            if m:
                return m - 1
            return 0 if s else None                 # a derived op outside any layer
    elif isinstance(collapse, (list, tuple, set, frozenset)):
        names = set(collapse)

        def level_of(s):
            return next((k for k, name in enumerate(s) if name in names), None)
    else:
        raise ValueError(f"draw_graph: collapse must be None, 'none', 'op', 'module' or a list of "
                         f"scope names (e.g. ['sigmoid', 'dense_1']), got {collapse!r}")
    return level_of


class _Group:
    """One box of the drawing: a primitive Function or a collapsed call of a composite/module.

    ``level`` is None for a primitive, else the scope level collapsed (and
    ``name`` that scope's name).  ``clusters`` are the frames around the box,
    outermost first, each ``(level, call, name, is_composite)``.
    """

    def __init__(self, key, name, level):
        self.key, self.name, self.level = key, name, level
        self.members = []          # fn indices
        self.ins = []              # input tensors from outside the group (ordered, unique)
        self.outs = []             # output tensors seen outside the group (or roots)
        self.clusters = ()         # cluster keys, outermost first


def _make_groups(trace, scopes, inst, level_of, composites, expand=()):
    """Put every Function into its box; return ``(groups, fn_group)``.

    The boxes whose key is in ``expand`` are opened: their Functions are drawn
    as primitives, inside the frames of their scopes.
    """
    groups, by_key, fn_group = [], {}, []
    for i, (fn, _) in enumerate(trace.fns):
        s = scopes[i]
        level = level_of(s)
        if level is not None and (level, inst[level][i]) in expand:
            level = None
        if level is None:
            key, name = ("fn", i), type(fn).__name__
        else:
            key, name = (level, inst[level][i]), s[level]
        g = by_key.get(key)
        if g is None:
            g = by_key[key] = _Group(key, name, level)
            top = len(s) if level is None else level
            g.clusters = tuple((k, inst[k][i], s[k], s[k] in composites) for k in range(top))
            groups.append(g)
        g.members.append(i)
        fn_group.append(g)
    return groups, fn_group


def _connect(groups, trace, roots):
    """Fill each box's ``ins`` (tensors read from outside) and ``outs`` (tensors seen outside)."""
    root_ids = {id(r) for r in roots}
    for g in groups:
        members = set(g.members)
        seen_in = set()
        for i in g.members:
            out = trace.fns[i][1]
            for x in trace.inputs_of(i):
                j = trace.producer(x)
                if (j is None or j not in members) and id(x) not in seen_in:
                    seen_in.add(id(x))
                    g.ins.append(x)
            used_outside = any(c not in members for c in trace.consumers.get(id(out), ()))
            if id(out) in root_ids or used_outside:
                g.outs.append(out)


class _Grouping:
    """The boxes of one drawing of ``trace``, for ``collapse`` (see the module docstring).

    Attributes
    ----------
    groups : list of _Group
        The boxes, in the order of their first Function (inputs before outputs).
    fn_group : list of _Group
        ``fn_group[i]`` is the box holding Function ``i`` of the trace.
    scopes : list of tuple of str
        ``scopes[i]`` is Function ``i``'s scope path, outermost first.
    composites : set of str
        Names of the ``@composite`` derived ops (scopes that are ops, not layers).

    ``expand`` lists the keys (``_Group.key``) of boxes to open into their
    primitives (the explorer's click on a box).
    """

    def __init__(self, trace, collapse, roots, expand=()):
        self.trace = trace
        self.composites = _composite_names()
        self.scopes = [tuple(getattr(fn, "scope", ()) or ()) for fn, _ in trace.fns]
        inst = _instances(trace, self.scopes)
        level_of = _level_rule(collapse, self.composites)
        self.groups, self.fn_group = _make_groups(trace, self.scopes, inst, level_of,
                                                  self.composites, set(expand))
        _connect(self.groups, trace, roots)

    def box_of(self, t):
        """The box holding the Function that made the non-leaf tensor ``t``."""
        return self.fn_group[self.trace.producer(t)]

    def parts(self, g):
        """'MatMul · Add · relu': what the collapsed box ``g`` contains, one level down."""
        parts = []
        for i in g.members:
            s = self.scopes[i]
            name = s[g.level + 1] if len(s) > g.level + 1 else type(self.trace.fns[i][0]).__name__
            if name not in parts:
                parts.append(name)
        text = " · ".join(parts[:6])
        return text + (" · ..." if len(parts) > 6 else "")

    def leaf_clusters(self, t):
        """A parameter/constant sits in the innermost cluster holding all its consumers."""
        paths = [self.fn_group[c].clusters for c in self.trace.consumers.get(id(t), ())]
        if not paths:
            return ()
        common = paths[0]
        for p in paths[1:]:
            n = 0
            while n < min(len(common), len(p)) and common[n][:2] == p[n][:2]:
                n += 1
            common = common[:n]
        return common
