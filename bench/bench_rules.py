"""Rules throughput: whole-case evaluations per second on one core.

The case is a realistic work-up of 12 reports and 14 images (screening recall, diagnostic work-up,
an ultrasound biopsy of a non-corresponding mass, pathology, addendum, stereotactic biopsy of the
asymmetry, pathology, rad-path note, excision, follow-up). Two builds are measured in one run: the
source as this process imports it, and the compiled build the container image ships (setup.py), in
a child process. Peers, measured in the same run: a trivial baseline in each process that only
builds one dict per report (the floor of any evaluation), and the source for the compiled build.
Assembly alone and correlation alone are timed too, to show where an evaluation spends its time.

Rates are per CPU-second of each process (process_time), pinned to one core, so other load on
the machine disturbs them less than wall-clock rates.

Run: ``python -m bench.bench_rules [--seconds 3]`` (or through ``python -m bench.run``).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script (python bench/bench_rules.py): find bench/
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import rules
from bench.common import Figure, Section, pin_to_one_core, rate
from build_support.compiled_rules import BuildFailed, compiled_build, environment
from rules.anatomy import Depth, Laterality, Location
from rules.case import Case, assemble
from rules.correlation import correlate
from rules.documents import ImageRecord, Modality, ViewModifier
from rules.evaluation import evaluate
from rules.facts import (
    Assessment,
    Birads,
    Composition,
    ConcordanceStatement,
    ConcordanceVerdict,
    Correspondence,
    Evidence,
    FindingMention,
    FindingType,
    Guidance,
    Lesion,
    PathologyCategory,
    PathologySpecimen,
    ProcedureFacts,
    Recommendation,
    RecommendationKind,
    Relation,
    ReportFacts,
    ReportKind,
    SpecimenRadiograph,
)
from rules.site import default_site_config

NOW = datetime(2026, 11, 21, tzinfo=UTC)
TARGET = 5000  # cases/s on one core (issue #5)
L = Laterality.LEFT


def _day(n: int) -> datetime:
    return NOW + timedelta(days=n)


def _ev(uid: str, text: str) -> Evidence:
    return Evidence(uid, text)


def realistic_case() -> Case:
    asym = FindingType.DEVELOPING_ASYMMETRY
    reports = [
        ReportFacts(
            "b.1",
            ReportKind.RADIOLOGY,
            _day(-120),
            composition=Composition.C,
            findings=(
                FindingMention(
                    asym,
                    L,
                    _ev("b.1", "New asymmetry, left 2 o'clock."),
                    Location(2),
                    new_or_increasing=True,
                ),
            ),
            assessments=(Assessment(Birads.B0, L, _ev("b.1", "BI-RADS 0.")),),
            recommendations=(
                Recommendation(
                    RecommendationKind.OUTSIDE_PRIORS, None, _ev("b.1", "Outside priors requested.")
                ),
            ),
        ),
        ReportFacts(
            "b.2",
            ReportKind.RADIOLOGY,
            _day(-110),
            findings=(
                FindingMention(
                    asym,
                    L,
                    _ev("b.2", "Developing asymmetry persists at 2 o'clock."),
                    Location(2, depth=Depth.MIDDLE),
                    persists_on_spot_compression=True,
                ),
                FindingMention(
                    FindingType.MASS,
                    L,
                    _ev("b.2", "6 mm mass at 10 o'clock."),
                    Location(10, nipple_distance_mm=20),
                ),
                FindingMention(
                    FindingType.CALCIFICATIONS,
                    Laterality.RIGHT,
                    _ev("b.2", "Right benign-appearing calcifications."),
                    Location(7),
                ),
            ),
            assessments=(
                Assessment(Birads.B4B, L, _ev("b.2", "BI-RADS 4B left.")),
                Assessment(Birads.B2, Laterality.RIGHT, _ev("b.2", "BI-RADS 2 right.")),
            ),
            recommendations=(
                Recommendation(
                    RecommendationKind.BIOPSY,
                    L,
                    _ev("b.2", "US biopsy of the mass."),
                    Guidance.ULTRASOUND,
                    target_type=FindingType.MASS,
                    target_location=Location(10),
                ),
                Recommendation(
                    RecommendationKind.SUPPLEMENTAL_ULTRASOUND,
                    None,
                    _ev("b.2", "Supplemental ultrasound for dense tissue."),
                ),
            ),
        ),
        ReportFacts(
            "b.3",
            ReportKind.PROCEDURE,
            _day(-100),
            procedures=(
                ProcedureFacts(
                    L,
                    _ev("b.3", "US core biopsy of the 10 o'clock mass."),
                    Guidance.ULTRASOUND,
                    FindingType.MASS,
                    Location(10),
                ),
            ),
            correspondences=(
                Correspondence(
                    Relation.DOES_NOT_CORRESPOND,
                    L,
                    _ev("b.3", "The mass is not the asymmetry."),
                    FindingType.ASYMMETRY,
                ),
            ),
        ),
        ReportFacts(
            "b.4",
            ReportKind.PATHOLOGY,
            _day(-97),
            pathology=(
                PathologySpecimen(
                    PathologyCategory.BENIGN,
                    L,
                    _ev("b.4", "Fibroadenoma."),
                    Location(10),
                    lesions=(Lesion.FIBROADENOMA,),
                ),
            ),
        ),
        ReportFacts(
            "b.5",
            ReportKind.PROCEDURE,
            _day(-95),
            predecessor_uids=("b.3",),
            concordance=(
                ConcordanceStatement(
                    ConcordanceVerdict.CONCORDANT_BENIGN, L, _ev("b.5", "Concordant benign.")
                ),
            ),
            recommendations=(
                Recommendation(
                    RecommendationKind.BIOPSY,
                    L,
                    _ev("b.5", "Stereotactic biopsy of the asymmetry."),
                    Guidance.STEREOTACTIC,
                    target_type=FindingType.ASYMMETRY,
                ),
            ),
        ),
        ReportFacts(
            "b.6",
            ReportKind.RADIOLOGY,
            _day(-90),
            composition=Composition.C,
            assessments=(
                Assessment(Birads.B2, Laterality.BOTH, _ev("b.6", "Whole-breast US benign.")),
            ),
        ),
        ReportFacts(
            "b.7",
            ReportKind.PROCEDURE,
            _day(-80),
            procedures=(
                ProcedureFacts(
                    L,
                    _ev("b.7", "Stereotactic biopsy of the 2 o'clock asymmetry."),
                    Guidance.STEREOTACTIC,
                    FindingType.ASYMMETRY,
                    Location(2),
                    specimen_radiograph=SpecimenRadiograph.OBTAINED,
                ),
            ),
        ),
        ReportFacts(
            "b.8",
            ReportKind.PATHOLOGY,
            _day(-77),
            pathology=(
                PathologySpecimen(
                    PathologyCategory.HIGH_RISK,
                    L,
                    _ev("b.8", "ADH."),
                    Location(2),
                    lesions=(Lesion.ADH,),
                ),
            ),
        ),
        ReportFacts(
            "b.9",
            ReportKind.RADPATH,
            _day(-75),
            concordance=(
                ConcordanceStatement(
                    ConcordanceVerdict.HIGH_RISK, L, _ev("b.9", "High-risk concordant.")
                ),
            ),
            recommendations=(
                Recommendation(
                    RecommendationKind.SURGICAL_CONSULTATION,
                    L,
                    _ev("b.9", "Surgical consultation."),
                ),
            ),
        ),
        ReportFacts(
            "b.10",
            ReportKind.PROCEDURE,
            _day(-50),
            procedures=(
                ProcedureFacts(
                    L,
                    _ev("b.10", "Wire-localised excision, left 2 o'clock."),
                    Guidance.SURGICAL,
                    FindingType.ASYMMETRY,
                    Location(2),
                ),
            ),
        ),
        ReportFacts(
            "b.11",
            ReportKind.PATHOLOGY,
            _day(-45),
            pathology=(
                PathologySpecimen(
                    PathologyCategory.MALIGNANT,
                    L,
                    _ev("b.11", "DCIS, grade 2."),
                    Location(2),
                    lesions=(Lesion.DCIS,),
                    guidance=Guidance.SURGICAL,
                ),
            ),
        ),
        ReportFacts(
            "b.12",
            ReportKind.RADIOLOGY,
            _day(-10),
            assessments=(Assessment(Birads.B3, Laterality.RIGHT, _ev("b.12", "BI-RADS 3 right.")),),
            recommendations=(
                Recommendation(
                    RecommendationKind.SHORT_INTERVAL_FOLLOW_UP,
                    Laterality.RIGHT,
                    _ev("b.12", "Right mammogram in 6 months."),
                    interval_months=6,
                ),
            ),
        ),
    ]
    images = [
        ImageRecord(
            f"i.{n}",
            f"s.{n // 3}",
            _day(-120 + n * 8),
            modality,
            side,
            modifiers=frozenset(mods),
            specimen=specimen,
            outside_prior=prior,
        )
        for n, (modality, side, mods, specimen, prior) in enumerate(
            [
                (Modality.MG, Laterality.BOTH, (), False, False),
                (Modality.MG, L, (ViewModifier.SPOT_COMPRESSION,), False, False),
                (Modality.US, L, (), False, False),
                (Modality.US, L, (), False, False),
                (Modality.MG, Laterality.BOTH, (), False, True),
                (Modality.US, Laterality.BOTH, (), False, False),
                (Modality.MG, L, (), False, False),
                (Modality.MG, L, (), True, False),
                (Modality.MG, L, (ViewModifier.MAGNIFICATION,), False, False),
                (Modality.MG, L, (), False, False),
                (Modality.MG, L, (), True, False),
                (Modality.MG, Laterality.RIGHT, (), False, False),
                (Modality.DBT, Laterality.BOTH, (), False, False),
                (Modality.US, Laterality.RIGHT, (), False, False),
            ]
        )
    ]
    return Case(tuple(reports), tuple(images))


def _per_report_dicts(case: Case) -> list[dict[str, object]]:
    """The floor of any evaluation: look at every report once."""
    return [{"uid": r.source_uid, "kind": r.kind, "n": len(r.findings)} for r in case.reports]


@dataclass(frozen=True)
class Rates:
    """One build's figures, each per CPU-second of the process that measured them."""

    build: str
    evaluations: float
    assembly: float
    correlation: float
    baseline: float
    open_items: int
    satisfied_items: int


def measure_this_build(seconds: float) -> Rates:
    """The rates of the rules engine this process imports (``rules.build()``)."""
    pin_to_one_core()
    case = realistic_case()
    thresholds = default_site_config().correlation.thresholds()
    result = evaluate(case, NOW)
    assembled = assemble(case, NOW, thresholds)
    return Rates(
        build=rules.build(),
        evaluations=rate(lambda: evaluate(case, NOW), seconds),
        assembly=rate(lambda: assemble(case, NOW, thresholds), seconds / 2),
        correlation=rate(lambda: correlate(assembled, thresholds), seconds / 4),
        baseline=rate(lambda: _per_report_dicts(case), seconds / 2),
        open_items=len(result.open),
        satisfied_items=len(result.satisfied),
    )


def measure_compiled_build(seconds: float) -> Rates:
    """The same measurement in a child process that runs the compiled build (build_support)."""
    folder = compiled_build()
    done = subprocess.run(
        [sys.executable, "-m", "bench.bench_rules", "--rates-json", "--seconds", str(seconds)],
        cwd=folder, env=environment(folder), capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise BuildFailed(f"the compiled build did not run: {done.stderr[-2000:]}")
    rates = Rates(**json.loads(done.stdout))
    if rates.build != "compiled":
        raise BuildFailed(f"the child process ran the {rates.build} engine")
    return rates


def _shares(r: Rates) -> str:
    assembly, correlation = r.evaluations / r.assembly, r.evaluations / r.correlation
    return (f"assembly about {assembly:.0%}, correlation {correlation:.0%}, the 15 pathway rules "
            f"with the bookkeeping the rest ({max(0.0, 1 - assembly - correlation):.0%})")


def measure(quick: bool = False, seconds: float | None = None) -> list[Section]:
    seconds = seconds or (0.3 if quick else 3.0)
    case = realistic_case()
    source = measure_this_build(seconds)
    target = f">= {TARGET:,} cases/s"
    figures: list[Figure] = []
    notes: list[str] = []
    try:
        compiled: Rates | None = measure_compiled_build(seconds)
    except BuildFailed as failure:
        compiled = None
        notes.append(f"No compiled build here, so the target is judged on the source: {failure}")
    if compiled is not None:
        figures += [
            Figure("patient-case evaluations, compiled build (the container image)",
                   "cases/CPU-s", compiled.evaluations, compiled.baseline, target=target),
            Figure("case assembly alone, compiled build", "cases/CPU-s", compiled.assembly,
                   compiled.baseline),
            Figure("compiled build against the source, evaluations", "cases/CPU-s",
                   compiled.evaluations, source.evaluations),
        ]
        notes.append(f"Compiled build, of one evaluation: {_shares(compiled)}.")
    figures += [
        Figure(f"patient-case evaluations, {source.build} source (a development install)",
               "cases/CPU-s", source.evaluations, source.baseline,
               target="" if compiled is not None else target),
        Figure(f"case assembly alone, {source.build} source", "cases/CPU-s", source.assembly,
               source.baseline),
    ]
    notes += [
        f"Source, of one evaluation: {_shares(source)}.",
        (f"Case: {len(case.reports)} reports and {len(case.images)} images of one patient (a "
         f"work-up through two biopsies, an excision and a follow-up) -> {source.open_items} open "
         f"and {source.satisfied_items} satisfied items."),
        ("Peers: the same trivial baseline measured in each process (one dict per report, the "
         "floor of any evaluation); for the compiled build, also the source measured in this run."),
        (f"Python {platform.python_version()}; rates are per CPU-second of each process, pinned "
         "to one core; other jobs on the machine still lower them."),
    ]
    return [Section("Rules throughput (1 core)", "python -m bench.run --only bench_rules",
                    "a trivial baseline in the same process; the source for the compiled build",
                    figures, notes)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--quick", action="store_true", help="short measurements")
    parser.add_argument("--rates-json", action="store_true",
                        help="measure only this process's build and print its rates as JSON")
    args = parser.parse_args()
    if args.rates_json:
        print(json.dumps(asdict(measure_this_build(args.seconds))))
        return
    for section in measure(quick=args.quick, seconds=None if args.quick else args.seconds):
        print(section.title)
        for figure in section.figures:
            ratio = figure.ratio
            print(
                f"  {figure.metric}: {figure.ours:,.0f} {figure.unit} "
                f"(peer {figure.peer:,.0f}, ratio {ratio:.4f})"
                + (f"; target {figure.target}: {'met' if figure.ours >= TARGET else 'NOT met'}"
                   if figure.target else "")
            )
        for note in section.notes:
            print(f"  - {note}")


if __name__ == "__main__":
    main()
