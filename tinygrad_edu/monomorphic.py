"""One copy of a hot method's bytecode per class: a speed trick of CPython's, kept apart.

CPython (3.11+) speeds up ``obj.attr`` by remembering, at that spot of the
bytecode, the type it saw last and where the attribute sits in it.  The
remembering is per code object, and it holds one type.  ``Function.apply``
sets five attributes on a fresh ``fn`` whose type is a different primitive
from one op to the next (Mul, then Add, then Tanh, ...), so in one shared
copy of its bytecode every one of those spots keeps missing and falls back to
the slow, generic lookup.  Giving each subclass its own copy of the bytecode
makes every spot see a single type.  The copy is the same function: same
code, same names and line numbers, same behaviour; only its caches are its own.

A second trick of the same kind, :func:`own_bound_method`: CPython 3.11 does
not cache a *classmethod* looked up on its class either (every ``Mul.apply(x)``
looks ``apply`` up again and makes a new bound method), but it does cache a
plain value found in the class's dict.  So each op class keeps its ``apply``
already bound to itself, as a method object.

The measurements are in ``benchmarks/README.md`` ("The hot path, third pass"
and "fourth pass").
"""
from __future__ import annotations

import types

__all__ = ["own_copy", "own_attribute", "own_bound_method"]


def own_copy(f):
    """A copy of function ``f`` with bytecode of its own (and so its own attribute caches).

    Examples
    --------
    >>> def area(r):
    ...     return 3 * r * r
    >>> g = own_copy(area)
    >>> g(2), g.__name__, g.__code__ is area.__code__
    (12, 'area', False)
    """
    g = types.FunctionType(f.__code__.replace(), f.__globals__, f.__name__, f.__defaults__,
                           f.__closure__)
    g.__kwdefaults__ = f.__kwdefaults__
    g.__qualname__, g.__doc__, g.__module__ = f.__qualname__, f.__doc__, f.__module__
    g.__dict__.update(f.__dict__)
    return g


def own_attribute(cls, name):
    """Give ``cls`` its own copy of the method ``name`` it inherits (a function, a
    classmethod or a property), unless ``cls`` defines it itself."""
    if name in cls.__dict__:
        return
    found = next(k.__dict__[name] for k in cls.__mro__ if name in k.__dict__)
    if isinstance(found, classmethod):
        found = classmethod(own_copy(found.__func__))
    elif isinstance(found, property):
        found = property(own_copy(found.fget), found.fset, found.fdel, found.__doc__)
    elif isinstance(found, types.FunctionType):
        found = own_copy(found)
    setattr(cls, name, found)


def own_bound_method(cls, name):
    """Give ``cls`` its own copy of the classmethod ``name`` it inherits, bound to ``cls``.

    ``cls.name(...)`` then behaves as the classmethod does.  A class that
    defines ``name`` itself keeps its own; and since its ``super().name(...)``
    must not reach a method bound to a base, each base's bound copy turns back
    into a classmethod then.

    Examples
    --------
    >>> class Base:
    ...     @classmethod
    ...     def make(cls):
    ...         return cls.__name__
    >>> class Child(Base):
    ...     pass
    >>> own_bound_method(Child, "make")
    >>> Child.make(), Child.make.__self__ is Child, Base.make()
    ('Child', True, 'Base')
    """
    if name in cls.__dict__:
        for base in cls.__mro__[1:]:
            bound = base.__dict__.get(name)
            if isinstance(bound, types.MethodType) and bound.__self__ is base:
                setattr(base, name, classmethod(bound.__func__))
        return
    found = next(k.__dict__[name] for k in cls.__mro__ if name in k.__dict__)
    if isinstance(found, (classmethod, types.MethodType)):
        setattr(cls, name, types.MethodType(own_copy(found.__func__), cls))
