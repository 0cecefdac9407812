"""Accuracy of the checks on real pages, and of published dates against htmldate.

Usage: python benchmarks/accuracy.py [--corpus DIR] [--json]
       python benchmarks/accuracy.py --dates HTMLDATE_TESTS [--json]

The first form checks every page of the real-page corpus (tests/realworld/truth/*.json,
format in tests/realworld/README.md) the way `archiver check-page FILE --url URL --at AT
--rules PACK` does, in-process, and scores the findings against the labels: photo-credits
per (page, image URL), every other rule per (page, rule). It prints TP/FP/FN with
precision and recall per rule, per site family and overall.

The second form reads htmldate's own evaluation set (the `tests` folder of the
adbar/htmldate repository: eval/*.html and eval_default.json) and prints the archiver's
published-date precision and recall (default pack) beside htmldate's fast and extensive
modes, scored as htmldate scores itself: a wrong date is a false positive, no date a false
negative.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from archiver.check.packs import RuleSet
from archiver.check.page import check_page
from archiver.extract import extract

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "realworld"
RULES = (
    "photo-credits",
    "age-notice",
    "age-notice-unexpected",
    "undated",
    "consistent-titles",
    "missing-h1",
    "missing-title",
)


@dataclass(frozen=True)
class Case:
    """One labelled page of the corpus."""

    stem: str
    path: Path
    truth: dict[str, Any]

    @property
    def family(self) -> str:
        return str(self.truth.get("family") or "unknown")

    @property
    def at(self) -> datetime:
        moment = datetime.fromisoformat(str(self.truth["at"]).replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def resolve(corpus: Path, file: str) -> Path:
    """A truth file's ``file``: ``pages/…`` under the corpus, ``shared:…`` beside the repository."""
    if file.startswith("shared:"):
        return ROOT.parent / "shared" / file.removeprefix("shared:")
    return corpus / file


def load_corpus(corpus: Path = CORPUS) -> tuple[list[Case], list[str]]:
    """The corpus's cases, and the stems whose page is not on this machine (shared/ missing)."""
    cases: list[Case] = []
    missing: list[str] = []
    for truth_file in sorted((corpus / "truth").glob("*.json")):
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        path = resolve(corpus, truth["file"])
        if not path.is_file():
            missing.append(truth_file.stem)
            continue
        cases.append(Case(truth_file.stem, path, truth))
    return cases, missing


@cache
def _rules() -> RuleSet:
    return RuleSet.load()


def model_of(case: Case, pack: str | None = None) -> dict[str, Any]:
    """The page model of one case, extracted as check-page extracts it."""
    url = case.truth["url"]
    profile = _rules().resolve([pack or case.truth.get("pack", "default")], url).profile
    return extract(case.path.read_bytes(), url=url, captured_at=case.at, profile=profile)


def findings(rule: str, subject: str, url: str) -> tuple[str, str]:
    """The scoring key of a finding: the image's absolute URL for photo-credits, else the rule."""
    return (rule, urljoin(url, subject)) if rule == "photo-credits" else (rule, "")


def run_case(case: Case) -> set[tuple[str, str]]:
    """The findings the checker reports for one page, as scoring keys."""
    url = case.truth["url"]
    report = check_page(case.path, url=url, at=case.at, packs=[case.truth.get("pack", "default")])
    return {findings(v.rule, v.subject, url) for v in report.violations}


def expected_of(case: Case) -> set[tuple[str, str]]:
    """The labelled findings of one page, as scoring keys."""
    url = case.truth["url"]
    return {findings(e["rule"], e.get("subject") or "", url) for e in case.truth["expected"]}


@dataclass
class Tally:
    """True and false positives, false negatives, and the (page, finding) of each error."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    false: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "false": self.false,
            "missed": self.missed,
        }


@dataclass
class Score:
    """Tallies per rule, per family, per (family, rule) and overall."""

    pages: int = 0
    rules: dict[str, Tally] = field(default_factory=dict)
    families: dict[str, Tally] = field(default_factory=dict)
    by_family_rule: dict[str, dict[str, Tally]] = field(default_factory=dict)
    overall: Tally = field(default_factory=Tally)

    def add(self, case: Case, got: set[tuple[str, str]], want: set[tuple[str, str]]) -> None:
        self.pages += 1
        for key in got | want:
            rule = key[0]
            label = f"{case.stem}: {rule}" + (f" {key[1]}" if key[1] else "")
            tallies = (
                self.rules.setdefault(rule, Tally()),
                self.families.setdefault(case.family, Tally()),
                self.by_family_rule.setdefault(case.family, {}).setdefault(rule, Tally()),
                self.overall,
            )
            for tally in tallies:
                if key in got and key in want:
                    tally.tp += 1
                elif key in got:
                    tally.fp += 1
                    tally.false.append(label)
                else:
                    tally.fn += 1
                    tally.missed.append(label)
        self.families.setdefault(case.family, Tally())

    def to_json(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "rules": {k: v.to_json() for k, v in sorted(self.rules.items())},
            "families": {k: v.to_json() for k, v in sorted(self.families.items())},
            "by_family_rule": {
                f: {r: t.to_json() for r, t in sorted(rules.items())}
                for f, rules in sorted(self.by_family_rule.items())
            },
            "overall": self.overall.to_json(),
        }


def score(cases: Iterable[Case], *, pack: str | None = None) -> Score:
    """Check every case (with ``pack`` instead of its own when given) and score the findings."""
    result = Score()
    for case in cases:
        if pack is not None and case.truth.get("pack", "default") != pack:
            case = Case(case.stem, case.path, {**case.truth, "pack": pack})
        result.add(case, run_case(case), expected_of(case))
    return result


def _table(title: str, rows: dict[str, Tally], overall: Tally | None) -> list[str]:
    lines = [f"{title:<28} {'TP':>4} {'FP':>4} {'FN':>4} {'prec.':>6} {'recall':>6}"]
    items = list(rows.items()) + ([("overall", overall)] if overall is not None else [])
    for name, t in items:
        lines.append(
            f"{name:<28} {t.tp:>4} {t.fp:>4} {t.fn:>4} {t.precision:>6.2f} {t.recall:>6.2f}"
        )
    return lines


def print_score(result: Score, missing: list[str], verbose: bool) -> None:
    """The per-rule and per-family tables (and each false and missed finding when verbose)."""
    print(f"{result.pages} pages checked" + (f", {len(missing)} not found" if missing else ""))
    rules = {r: result.rules.get(r, Tally()) for r in RULES if r in result.rules}
    print("\n".join(_table("rule", rules, result.overall)))
    print()
    print("\n".join(_table("family", dict(sorted(result.families.items())), None)))
    if verbose:
        for _rule, tally in sorted(result.rules.items()):
            for line in tally.false:
                print(f"  false  {line}")
            for line in tally.missed:
                print(f"  missed {line}")


# --- published dates against htmldate's evaluation set ------------------------------------


def archiver_date(html: bytes, url: str) -> str | None:
    """The published date the default pack reads from a page, as ``YYYY-MM-DD``."""
    profile = _rules().resolve(["default"], url).profile
    model = extract(html, url=url, captured_at=datetime.now(UTC), profile=profile)
    published = model["dates"]["published"]
    return published["value"] if published else None


def date_methods() -> dict[str, Callable[[bytes, str], str | None]]:
    """The date extractors compared: the archiver's default pack, htmldate's two modes, and
    the archiver falling back on htmldate."""
    from htmldate import find_date

    def fast(html: bytes, _url: str) -> str | None:
        return find_date(html, original_date=True, extensive_search=False)

    def extensive(html: bytes, _url: str) -> str | None:
        return find_date(html, original_date=True, extensive_search=True)

    def with_fallback(html: bytes, url: str) -> str | None:
        return archiver_date(html, url) or fast(html, url)

    # The last row answers whether htmldate should be the default pack's last resort.
    return {"archiver (default pack)": archiver_date, "htmldate fast": fast,
            "htmldate extensive": extensive,
            "archiver, else htmldate fast": with_fallback}  # fmt: skip


def score_dates(tests: Path) -> dict[str, dict[str, Any]]:
    """Precision/recall of each date extractor over htmldate's eval set, scored as htmldate does."""
    labels = json.loads((tests / "eval_default.json").read_text(encoding="utf-8"))
    methods = date_methods()
    results = {name: {"tp": 0, "fp": 0, "fn": 0, "seconds": 0.0} for name in methods}
    pages = 0
    for url, label in labels.items():
        path = tests / "eval" / label["file"]
        if not path.is_file():
            continue
        pages += 1
        html = path.read_bytes()
        for name, method in methods.items():
            start = time.process_time()
            try:
                found = method(html, url)
            except Exception:  # a crash on a page is a page without a date, for every method
                found = None
            results[name]["seconds"] += time.process_time() - start
            if found is None:
                results[name]["fn"] += 1
            elif found == label["date"]:
                results[name]["tp"] += 1
            else:
                results[name]["fp"] += 1
    for r in results.values():
        r["pages"] = pages
        r["precision"] = round(r["tp"] / (r["tp"] + r["fp"]), 4) if r["tp"] + r["fp"] else 1.0
        r["recall"] = round(r["tp"] / (r["tp"] + r["fn"]), 4) if r["tp"] + r["fn"] else 1.0
        r["seconds"] = round(r["seconds"], 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="The real-page corpus.")
    parser.add_argument("--pack", help="Check every page with this pack instead of its own.")
    parser.add_argument("--family", help="Only pages of this site family.")
    parser.add_argument(
        "--dates", type=Path, metavar="DIR", help="htmldate's tests/ folder: score dates instead."
    )
    parser.add_argument("--json", action="store_true", help="Print JSON instead of tables.")
    parser.add_argument("-v", "--verbose", action="store_true", help="List each error.")
    args = parser.parse_args()

    if args.dates is not None:
        dates = score_dates(args.dates)
        if args.json:
            print(json.dumps(dates, indent=1))
            return
        pages = next(iter(dates.values()))["pages"]
        print(f"{pages} pages of htmldate's evaluation set ({args.dates})")
        head = ("extractor", "TP", "FP", "FN", "prec.", "recall", "CPU s")
        print("{:<30} {:>4} {:>4} {:>4} {:>6} {:>6} {:>6}".format(*head))
        for name, r in dates.items():
            print(
                f"{name:<30} {r['tp']:>4} {r['fp']:>4} {r['fn']:>4} "
                f"{r['precision']:>6.3f} {r['recall']:>6.3f} {r['seconds']:>6.1f}"
            )
        return

    cases, missing = load_corpus(args.corpus)
    if missing and os.environ.get("CI") == "true":
        sys.exit(f"pages not found: {', '.join(missing)}")
    if args.family:
        cases = [c for c in cases if c.family == args.family]
    result = score(cases, pack=args.pack)
    if args.json:
        print(json.dumps({**result.to_json(), "missing": missing}, indent=1))
    else:
        print_score(result, missing, args.verbose)


if __name__ == "__main__":
    main()
