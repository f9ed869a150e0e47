"""The catalogue format, applying snippets, STALE detection and the project's own catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from mutation.catalogue import (
    CatalogueError,
    Mutant,
    StaleMutant,
    apply_mutant,
    apply_to_text,
    check_fresh,
    feature_order,
    load_catalogue,
    parse_catalogue,
    unknown_features,
)

REPO = Path(__file__).resolve().parents[2]


def entry(**overrides: str) -> dict[str, str]:
    base = {"id": "m1", "file": "reference/server/x.py", "snippet": "a = 1",
            "replacement": "a = 2", "breaks": "a is wrong"}
    return {**base, **overrides}


def test_parse_reads_mutants_quick_and_order() -> None:
    catalogue = parse_catalogue({"mutants": [entry(), entry(id="m2", equivalent="why")],
                                 "quick": ["m2"], "run_first": ["a.feature"],
                                 "run_last": ["z.feature"]})
    assert [m.id for m in catalogue.mutants] == ["m1", "m2"]
    assert catalogue.mutants[1].equivalent == "why"
    assert [m.id for m in catalogue.select(quick=True)] == ["m2"]
    assert [m.id for m in catalogue.select(["m2", "m1"])] == ["m1", "m2"]
    assert len(catalogue.select()) == 2
    assert catalogue.run_first == ("a.feature",) and catalogue.run_last == ("z.feature",)


@pytest.mark.parametrize(("data", "says"), [
    ({"mutants": []}, "non-empty"),
    ({"mutants": [{k: v for k, v in entry().items() if k != "breaks"}]}, "lacks breaks"),
    ({"mutants": [entry(), entry()]}, "duplicate mutant id m1"),
    ({"mutants": [entry(file="harness/x.py")]}, "under reference/"),
    ({"mutants": [entry(replacement="a = 1")]}, "equals the snippet"),
    ({"mutants": [{**entry(), "tags": "@phase1"}]}, "unknown field(s) tags"),
    ({"mutants": [entry()], "quick": ["nope"]}, "quick names unknown"),
    ({"mutants": [{**entry(), "features": "a.feature"}]}, "features must be a list"),
    ({"mutants": [{**entry(), "features": ["a"]}]}, "features must be a list"),
    ({"mutants": [{**entry(), "features": ["features/a.feature"]}]}, "features must be a list"),
])
def test_parse_refuses_a_malformed_catalogue(data: dict, says: str) -> None:
    with pytest.raises(CatalogueError, match=None) as caught:
        parse_catalogue(data)
    assert says in str(caught.value)


def test_parse_reads_feature_hints_once_each() -> None:
    catalogue = parse_catalogue({"mutants": [
        {**entry(), "features": ["b.feature", "a.feature", "b.feature"]}, entry(id="m2")]})
    assert catalogue.mutants[0].features == ("b.feature", "a.feature")
    assert catalogue.mutants[1].features == ()


def test_select_refuses_unknown_ids() -> None:
    catalogue = parse_catalogue({"mutants": [entry()]})
    with pytest.raises(CatalogueError, match="unknown mutant id"):
        catalogue.select(["m1", "m9"])


def test_apply_replaces_the_one_occurrence() -> None:
    mutant = Mutant("m", "reference/f.py", "x = 1", "x = 2", "x")
    assert apply_to_text("a\nx = 1\nb\n", mutant) == "a\nx = 2\nb\n"


@pytest.mark.parametrize(("text", "says"), [("y = 1\n", "not found"),
                                            ("x = 1\nx = 1\n", "found 2 times")])
def test_a_snippet_not_found_exactly_once_is_stale(text: str, says: str) -> None:
    with pytest.raises(StaleMutant, match=says):
        apply_to_text(text, Mutant("m", "reference/f.py", "x = 1", "x = 2", "x"))


def test_apply_mutant_changes_the_copy_and_reports_missing_files(tmp_path: Path) -> None:
    target = tmp_path / "reference" / "f.py"
    target.parent.mkdir()
    target.write_text("x = 1\n")
    apply_mutant(tmp_path, Mutant("m", "reference/f.py", "x = 1", "x = 2", "x"))
    assert target.read_text() == "x = 2\n"
    gone = Mutant("g", "reference/gone.py", "x", "y", "x")
    with pytest.raises(StaleMutant, match="does not exist"):
        apply_mutant(tmp_path, gone)
    assert check_fresh(tmp_path, [gone, Mutant("m", "reference/f.py", "x = 2", "x", "x")]) \
        == {"g": "reference/gone.py does not exist"}


def test_feature_order_puts_first_and_last_around_the_rest() -> None:
    names = ["c.feature", "load.feature", "a.feature", "b.feature"]
    assert feature_order(names, ["b.feature", "missing.feature"], ["load.feature"]) == [
        "b.feature", "a.feature", "c.feature", "load.feature"]


def test_hinted_features_run_first_and_nothing_is_left_out() -> None:
    """A hint reorders (also a feature that would run last); it never drops or adds one."""
    names = ["c.feature", "load.feature", "a.feature", "b.feature", "d.feature"]
    order = feature_order(names, ["b.feature"], ["load.feature"],
                          hinted=["load.feature", "c.feature", "gone.feature"])
    assert order == ["load.feature", "c.feature", "b.feature", "a.feature", "d.feature"]
    assert sorted(order) == sorted(names)
    assert feature_order(names, ["b.feature"], ["load.feature"], hinted=["b.feature"]) == \
        feature_order(names, ["b.feature"], ["load.feature"])


def test_unknown_hints_are_named() -> None:
    mutants = [Mutant("m1", "reference/x.py", "a", "b", "x", features=("a.feature",
                                                                        "zz.feature")),
               Mutant("m2", "reference/x.py", "a", "b", "x", features=("a.feature",))]
    assert unknown_features(["a.feature"], mutants) == {"m1": ["zz.feature"]}


# ---- the project's own catalogue -----------------------------------------------------------

def test_the_catalogue_has_at_least_45_mutants_spread_over_the_stack() -> None:
    catalogue = load_catalogue()
    assert len(catalogue.mutants) >= 45
    parts = {m.file.split("/")[1] for m in catalogue.mutants}
    assert {"server", "runner", "cli", "llm"} <= parts
    assert len({m.file for m in catalogue.mutants}) >= 20
    assert len(catalogue.quick) == 8
    assert all(m.breaks for m in catalogue.mutants)


def test_every_catalogued_snippet_is_fresh() -> None:
    """Fails after the reference code moved on: refresh the snippets it names."""
    catalogue = load_catalogue()
    stale = check_fresh(REPO, catalogue.mutants)
    assert not stale, ("stale mutants (python scripts/mutation.py --list; refresh "
                       f"mutation/catalogue.yaml): {stale}")


def test_every_run_mutant_names_existing_features_to_try_first() -> None:
    """Hints keep a full run affordable: each names the features most likely to kill it."""
    catalogue = load_catalogue()
    features = [path.name for path in (REPO / "features").glob("*.feature")]
    assert not unknown_features(features, catalogue.mutants)
    unhinted = [m.id for m in catalogue.mutants if not m.equivalent and not m.features]
    assert not unhinted, f"mutants without feature hints: {unhinted}"


def test_every_mutant_still_compiles() -> None:
    """A mutant that does not compile would only ever be INVALID."""
    catalogue = load_catalogue()
    stale = check_fresh(REPO, catalogue.mutants)
    for mutant in catalogue.mutants:
        if mutant.id in stale:
            continue
        text = apply_to_text((REPO / mutant.file).read_text(encoding="utf-8"), mutant)
        compile(text, mutant.file, "exec")


def test_the_ci_self_test_mutant_is_catalogued() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    catalogue = load_catalogue()
    named = ci.split("--only", 1)[1].split()[0]
    assert named in catalogue.ids
    assert not next(m for m in catalogue.mutants if m.id == named).equivalent
