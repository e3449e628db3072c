"""`Record`: plain value classes for the modules every CLI command imports.

`@dataclass` generates each class's methods as source text and compiles it when the class is
defined, about 1.5 ms a class on a small machine, and importing `dataclasses` pulls in `inspect`,
`ast` and `dis`.  A command such as `kubeferry get deployments` imports a couple of dozen value
classes, so the client and the CLI printers declare theirs on this base instead: the field names
and defaults are data, and one shared `__init__`/`__eq__`/`__repr__` reads them.

    class Point(Record):
        _fields = ("x", "y", "tags")
        _defaults = {"y": 0}
        _factories = {"tags": list}

    Point(1) == Point(x=1, y=0, tags=[])   # True
    Point(1).replace(y=2)                  # Point(x=1, y=2, tags=[])

`_frozen = True` makes instances immutable and hashable (as `@dataclass(frozen=True)`);
`_no_compare` names fields left out of equality and hashing, `_hidden` fields left out of repr.
"""

from __future__ import annotations


class Record:
    _fields: tuple[str, ...] = ()
    _defaults: dict = {}
    _factories: dict = {}
    _no_compare: frozenset = frozenset()
    _hidden: frozenset = frozenset()
    _frozen = False

    def __init__(self, *args, **kwargs):
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, {len(args)} given")
        values = dict(zip(fields, args, strict=False))
        for name, value in kwargs.items():
            if name not in fields:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {name!r}")
            values[name] = value
        own = self.__dict__
        for name in fields:
            if name in values:
                own[name] = values[name]
            elif name in self._defaults:
                own[name] = self._defaults[name]
            elif name in self._factories:
                own[name] = self._factories[name]()
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument: {name!r}")

    def __setattr__(self, name: str, value) -> None:
        if self._frozen:
            raise AttributeError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)

    def _key(self) -> tuple:
        return tuple(self.__dict__[name] for name in self._fields if name not in self._no_compare)

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        if not self._frozen:
            raise TypeError(f"unhashable type: {type(self).__name__!r}")
        return hash(self._key())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={self.__dict__[name]!r}" for name in self._fields if name not in self._hidden)
        return f"{type(self).__name__}({shown})"

    def replace(self, **changes) -> Record:
        """A copy with `changes` applied, as `dataclasses.replace` makes one."""
        values = {name: self.__dict__[name] for name in self._fields}
        values.update(changes)
        return type(self)(**values)
