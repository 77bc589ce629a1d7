"""One generic mapping between a domain dataclass and its table row.

The mapping is read from the dataclass's fields and type hints: a field is a
column of the same name unless a name table says otherwise; a dataclass-valued
field (a part such as the booking's payment, or a value object such as a Quote)
is embedded, its fields being columns named by the part's prefix or its own
name table. Enums are stored by value, Decimals come back as Decimals, tuples
as tuples, and any other type needs a declared codec. Adding a field to a model
then means adding its column, not copying it by hand in a repository.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

M = TypeVar("M")
V = TypeVar("V")

# Stored as they are: the column types (and their adapters) take care of them.
_PLAIN: tuple[type, ...] = (str, int, bool, float, datetime, date, UUID)


@dataclass(frozen=True)
class Codec(Generic[V]):
    """How a value of one type goes into its single column, and back."""

    dump: Callable[[V], Any]
    load: Callable[[Any], V]


@dataclass(frozen=True)
class Embedded:
    """A dataclass-valued field kept in its owner's row.

    Its field `f` is the column `names[f]` if named there, else `prefix + f`.
    """

    prefix: str = ""
    names: Mapping[str, str] = field(default_factory=dict)


E = TypeVar("E", bound=enum.StrEnum)


def joined_set(member: type[E]) -> Codec[frozenset[E]]:
    """A set of text enum members in one column: values sorted, joined by
    commas; "" is the empty set. Sorted so equal sets give equal text."""
    return Codec(
        lambda members: ",".join(sorted(m.value for m in members)),
        lambda text: frozenset(member(v) for v in text.split(",") if v),
    )


def _identity(value: Any) -> Any:
    return value


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class _Column:
    attribute: str
    column: str
    dump: Callable[[Any], Any]
    load: Callable[[Any], Any]
    optional: bool
    # None in the model leaves the row's value (one the database keeps).
    keep_when_none: bool = False

    def write(self, value: Any) -> Any:
        return None if value is None else self.dump(value)

    def read(self, value: Any) -> Any:
        if value is None:
            if not self.optional:
                raise ValueError(f"column {self.column} is NULL for a field that is not optional")
            return None
        return self.load(value)


@dataclass(frozen=True)
class _Part:
    attribute: str
    cls: type[Any]
    fields: tuple[_Column | _Part, ...]


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0], True
    return hint, False


def _codec(hint: Any, codecs: Mapping[type, Codec[Any]], where: str) -> Codec[Any]:
    if hint in codecs:
        return codecs[hint]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        enum_type = hint
        return Codec(lambda v: v.value, enum_type)
    if hint is Decimal:
        return Codec(_identity, _decimal)
    if typing.get_origin(hint) is tuple:
        return Codec(list, tuple)
    if isinstance(hint, type) and issubclass(hint, _PLAIN):
        return Codec(_identity, _identity)
    raise TypeError(f"{where}: no codec for {hint!r}; declare one")


class RowMapper(Generic[M]):
    """Copies a dataclass aggregate to a row object and builds it back from one.

    `columns` renames top-level fields; `embedded` declares how the dataclass
    fields are laid out (a dataclass field not declared is embedded with its
    own field names); `codecs` handle types not known here; `apart` names the
    fields stored elsewhere (another table), given to `load` by the caller;
    `derived` are columns written from the model but never read back (indexed
    copies of computed values); `keep_when_none` names top-level optional
    fields whose None leaves the row's value as it is instead of clearing it.
    """

    def __init__(
        self,
        model: type[M],
        *,
        columns: Mapping[str, str] | None = None,
        embedded: Mapping[str, Embedded] | None = None,
        codecs: Mapping[type, Codec[Any]] | None = None,
        apart: Iterable[str] = (),
        derived: Mapping[str, Callable[[M], Any]] | None = None,
        keep_when_none: Iterable[str] = (),
    ) -> None:
        self._model = model
        self._apart = frozenset(apart)
        self._derived = dict(derived or {})
        self._codecs = dict(codecs or {})
        self._embedded = dict(embedded or {})
        self._keep = frozenset(keep_when_none)
        self._root = self._plan(model, "", dict(columns or {}), self._apart, model.__name__)
        unused = set(self._embedded) - {f.attribute for f in self._root.fields}
        if unused:
            raise ValueError(f"{model.__name__}: embedded names no field {sorted(unused)}")
        optional = {f.attribute for f in self._root.fields if isinstance(f, _Column) and f.optional}
        if self._keep - optional:
            raise ValueError(
                f"{model.__name__}: keep_when_none names no optional column field "
                f"{sorted(self._keep - optional)}"
            )

    def _plan(
        self,
        cls: type[Any],
        prefix: str,
        names: Mapping[str, str],
        skip: frozenset[str],
        where: str,
        attribute: str = "",
    ) -> _Part:
        hints = typing.get_type_hints(cls)
        planned: list[_Column | _Part] = []
        for f in dataclasses.fields(cls):
            if not f.init or f.name in skip:
                continue
            hint, optional = _unwrap_optional(hints[f.name])
            here = f"{where}.{f.name}"
            if dataclasses.is_dataclass(hint) and hint not in self._codecs:
                if optional:
                    raise TypeError(f"{here}: an embedded part cannot be optional")
                # Only the aggregate's own fields may be declared; deeper parts
                # keep their names under their parent's prefix.
                layout = self._embedded.get(f.name, Embedded()) if not attribute else Embedded()
                planned.append(
                    self._plan(
                        typing.cast(type[Any], hint),
                        prefix + layout.prefix,
                        layout.names,
                        frozenset(),
                        here,
                        f.name,
                    )
                )
                continue
            codec = _codec(hint, self._codecs, here)
            column = names.get(f.name, prefix + f.name)
            keep = not attribute and f.name in self._keep
            planned.append(_Column(f.name, column, codec.dump, codec.load, optional, keep))
        return _Part(attribute, cls, tuple(planned))

    @property
    def column_names(self) -> frozenset[str]:
        """Every column the mapper writes."""

        def walk(part: _Part) -> Iterable[str]:
            for item in part.fields:
                if isinstance(item, _Part):
                    yield from walk(item)
                else:
                    yield item.column

        return frozenset([*walk(self._root), *self._derived])

    def dump(self, obj: M, row: Any) -> Any:
        """Write the object's state onto `row` (a new or a loaded row); returns it."""
        self._write(self._root, obj, row)
        for column, compute in self._derived.items():
            setattr(row, column, compute(obj))
        return row

    def _write(self, part: _Part, obj: Any, row: Any) -> None:
        for item in part.fields:
            value = getattr(obj, item.attribute)
            if isinstance(item, _Part):
                self._write(item, value, row)
            elif value is None and item.keep_when_none:
                continue
            else:
                setattr(row, item.column, item.write(value))

    def load(self, row: Any, **apart: Any) -> M:
        """Build the object from `row`; fields stored apart are passed by keyword."""
        missing = self._apart - set(apart)
        if missing:
            raise TypeError(f"{self._model.__name__}: pass {sorted(missing)} to load")
        return typing.cast(M, self._read(self._root, row, apart))

    def _read(self, part: _Part, row: Any, extra: Mapping[str, Any]) -> Any:
        values: dict[str, Any] = dict(extra)
        for item in part.fields:
            if isinstance(item, _Part):
                values[item.attribute] = self._read(item, row, {})
            else:
                values[item.attribute] = item.read(getattr(row, item.column))
        return part.cls(**values)
