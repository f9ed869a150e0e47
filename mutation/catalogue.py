"""The mutant catalogue (``mutation/catalogue.yaml``) and how one mutant is applied.

A mutant is one realistic bug: in ``file`` (under ``reference/``) the exact ``snippet`` is
replaced by ``replacement``. The snippet must occur exactly once in the file, otherwise the
mutant is STALE (the code moved on and the catalogue needs a refresh).

A mutant may name ``features``: the feature files most likely to kill it. They run first, then
every other feature of the default selection: a hint changes the order, never the selection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CATALOGUE = Path(__file__).resolve().parent / "catalogue.yaml"
_REQUIRED = ("id", "file", "snippet", "replacement", "breaks")


class CatalogueError(ValueError):
    """The catalogue file is malformed (a missing field, a duplicate id, ...)."""


class StaleMutant(Exception):
    """The mutant's snippet is not in its file exactly once."""


@dataclass(frozen=True)
class Mutant:
    """One injected bug."""

    id: str
    file: str
    snippet: str
    replacement: str
    breaks: str
    equivalent: str = ""
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalogue:
    """The mutants, the quick sample and the order the features run in."""

    mutants: tuple[Mutant, ...]
    quick: tuple[str, ...] = ()
    run_first: tuple[str, ...] = ()
    run_last: tuple[str, ...] = ()
    ids: frozenset[str] = field(default=frozenset())

    def select(self, only: Sequence[str] = (), quick: bool = False) -> list[Mutant]:
        """The mutants named in ``only`` (in catalogue order), the quick sample, or all."""
        wanted = list(only) or (list(self.quick) if quick else [])
        unknown = [name for name in wanted if name not in self.ids]
        if unknown:
            raise CatalogueError(f"unknown mutant id(s): {', '.join(unknown)}")
        if not wanted:
            return list(self.mutants)
        return [m for m in self.mutants if m.id in wanted]


def parse_catalogue(data: Mapping[str, Any]) -> Catalogue:
    """A :class:`Catalogue` from the YAML document's data; raises :class:`CatalogueError`."""
    entries = data.get("mutants")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError("the catalogue needs a non-empty 'mutants' list")
    mutants, seen = [], set()
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, Mapping):
            raise CatalogueError(f"mutant #{number} is not a mapping")
        missing = [key for key in _REQUIRED if not isinstance(entry.get(key), str)]
        if missing:
            raise CatalogueError(f"mutant #{number} ({entry.get('id', '?')}) lacks "
                                 f"{', '.join(missing)}")
        unknown = set(entry) - {*_REQUIRED, "equivalent", "features"}
        if unknown:
            raise CatalogueError(f"mutant {entry['id']}: unknown field(s) "
                                 f"{', '.join(sorted(unknown))}")
        if entry["id"] in seen:
            raise CatalogueError(f"duplicate mutant id {entry['id']}")
        if not entry["file"].startswith("reference/"):
            raise CatalogueError(f"mutant {entry['id']}: file must be under reference/")
        if entry["snippet"] == entry["replacement"]:
            raise CatalogueError(f"mutant {entry['id']}: replacement equals the snippet")
        seen.add(entry["id"])
        mutants.append(Mutant(entry["id"], entry["file"], entry["snippet"],
                              entry["replacement"], entry["breaks"].strip(),
                              str(entry.get("equivalent") or "").strip(), _features(entry)))
    quick = tuple(data.get("quick") or ())
    bad_quick = [name for name in quick if name not in seen]
    if bad_quick:
        raise CatalogueError(f"quick names unknown mutant(s): {', '.join(bad_quick)}")
    return Catalogue(tuple(mutants), quick, tuple(data.get("run_first") or ()),
                     tuple(data.get("run_last") or ()), frozenset(seen))


def _features(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """The mutant's feature hints; :class:`CatalogueError` unless a list of ``*.feature``."""
    hints = entry.get("features") or []
    if not isinstance(hints, list) or not all(
            isinstance(name, str) and name.endswith(".feature") and "/" not in name
            for name in hints):
        raise CatalogueError(f"mutant {entry['id']}: features must be a list of feature file "
                             "names (x.feature)")
    return tuple(dict.fromkeys(hints))


def load_catalogue(path: Path = CATALOGUE) -> Catalogue:
    """Read and check the catalogue file."""
    return parse_catalogue(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def apply_to_text(text: str, mutant: Mutant) -> str:
    """``text`` with the mutant's snippet replaced; :class:`StaleMutant` unless it occurs
    exactly once."""
    count = text.count(mutant.snippet)
    if count != 1:
        where = "not found" if count == 0 else f"found {count} times"
        raise StaleMutant(f"snippet {where} in {mutant.file}")
    return text.replace(mutant.snippet, mutant.replacement, 1)


def apply_mutant(root: Path, mutant: Mutant) -> Path:
    """Apply the mutant to the copy at ``root`` in place; returns the changed file."""
    path = root / mutant.file
    if not path.is_file():
        raise StaleMutant(f"{mutant.file} does not exist")
    path.write_text(apply_to_text(path.read_text(encoding="utf-8"), mutant), encoding="utf-8")
    return path


def check_fresh(root: Path, mutants: Iterable[Mutant]) -> dict[str, str]:
    """Mutant id -> why it is stale, for the mutants whose snippet is not in ``root``."""
    stale = {}
    for mutant in mutants:
        path = root / mutant.file
        try:
            if not path.is_file():
                raise StaleMutant(f"{mutant.file} does not exist")
            apply_to_text(path.read_text(encoding="utf-8"), mutant)
        except StaleMutant as exc:
            stale[mutant.id] = str(exc)
    return stale


def unknown_features(features: Iterable[str], mutants: Iterable[Mutant]) -> dict[str, list[str]]:
    """Mutant id -> its feature hints that name no feature file of ``features``."""
    names = set(features)
    unknown = {m.id: [n for n in m.features if n not in names] for m in mutants}
    return {key: value for key, value in unknown.items() if value}


def feature_order(features: Iterable[str], first: Sequence[str], last: Sequence[str],
                  hinted: Sequence[str] = ()) -> list[str]:
    """Feature file names in run order: a mutant's ``hinted`` ones, then the ``first`` ones,
    the rest alphabetically, ``last``. Every name of ``features`` appears exactly once."""
    names = sorted(set(features))
    head = list(dict.fromkeys(n for n in (*hinted, *first) if n in names))
    tail = [n for n in last if n in names and n not in head]
    middle = [n for n in names if n not in head and n not in tail]
    return head + middle + tail
