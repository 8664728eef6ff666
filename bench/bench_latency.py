"""End-to-end latency: a pathology report pushed over DICOM -> the patient's item changed.

The real processes: ``worklist listener`` and ``worklist worker --concurrency 1`` (Celery on Redis)
against a fresh PostgreSQL database migrated by ``worklist db upgrade``. For each of N synthetic
patients the prior events of the demo story DEMO-0007 (ultrasound + report, biopsy images +
procedure report) are pushed and processed first; then the pathology report is pushed and timed
from the start of the association to the moment the patient's item history gains a row (the
pipeline commits facts, items and events in one transaction, so the first new event row is the
moment the change is visible to the web and the API). The database is polled every 2 ms.

Run twice: on a quiet system, and while another process streams screening mammograms to the same
listener. Peer, measured on the same pushes: the time to the C-STORE response and the association
release alone, the floor every ingest pays (network, spool fsync, inbox row commit). The ratio is
therefore the share of the end-to-end latency that is transport and durability; the rest is the
queue, the worker reading the report and re-evaluating the case.

Run: ``python -m bench.run --only bench_latency`` (``--quick``: 20 patients).
"""

from __future__ import annotations

import copy
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import psycopg
import redis

from bench.common import Figure, Section, percentile
from bench.databases import (
    REDIS_URL,
    Process,
    all_cores,
    bench_database,
    free_port,
    port_open,
    product_env,
    run_worklist,
    wait_until,
    worklist_command,
)
from dicom_io.push import PushError, send_event
from dicom_io.synth import RenderedEvent, load_case, render_case
from worklist.demo import STORIES_DIR

STORY = STORIES_DIR / "DEMO-0007.yaml"
LOAD_STORY = STORIES_DIR / "DEMO-0004.yaml"
"""A screening mammogram (four views) is the load's unit: one association per study."""
LOAD_IMAGES_PER_SECOND = 8.0
"""The concurrent stream: a busy screening site's whole day compressed (about 2 studies/s)."""
BROKER_URL = os.environ.get("WORKLIST_BENCH_LATENCY_REDIS_URL",
                            f"{REDIS_URL.rpartition('/')[0]}/11")
"""A Redis database of its own: another bench's worker on the same one would take our tasks."""
POLL_SECONDS = 0.002
PRIOR_PUSHERS = 4
PUSH_ATTEMPTS = 3
CALLING_AE = "BENCHPACS"
CALLED_AE = "WORKLIST"


@dataclass(frozen=True)
class Patient:
    """One synthetic patient: the events before the pathology report, and the report."""

    patient_id: str
    priors: list[RenderedEvent]
    pathology: RenderedEvent

    @property
    def prior_uids(self) -> list[str]:
        return [str(ds.SOPInstanceUID) for event in self.priors for ds in event.datasets]


def _patients(tag: str, count: int) -> list[Patient]:
    story = load_case(STORY)
    day0 = date.today()
    patients = []
    for number in range(count):
        case = copy.deepcopy(story)
        # Clearly synthetic identifiers; the UIDs follow the case id, so each patient is new.
        case["id"] = f"BENCH-{tag}-{number:04d}"
        case["patient"] |= {"id": case["id"], "name": f"BENCH^LATENCY{number}"}
        events = render_case(case, day0, run_tag=tag)
        position = next(i for i, e in enumerate(case["events"]) if e.get("title") == "pathology")
        patients.append(Patient(case["id"], events[:position], events[position]))
    return patients


@dataclass
class Stack:
    """The listener and one worker, and the bench's own connection to their database."""

    port: int
    db: psycopg.Connection[Any]

    def push(self, event: RenderedEvent) -> None:
        send_event(event, "127.0.0.1", self.port, CALLING_AE, CALLED_AE)

    def done(self, uids: Sequence[str]) -> bool:
        row = self.db.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'pending') FROM inbox_objects "
            "WHERE sop_instance_uid = ANY(%s)", (list(uids),)).fetchone()
        assert row is not None
        return bool(row[0] == len(set(uids)) and row[1] == 0)

    def item_events(self, patient_id: str) -> int:
        row = self.db.execute(
            "SELECT count(*) FROM item_events e JOIN items i ON i.id = e.item_pk "
            "JOIN patients p ON p.id = i.patient_pk WHERE p.patient_id = %s", (patient_id,),
        ).fetchone()
        return int(row[0]) if row else 0


@contextmanager
def _stack(workdir: Path) -> Iterator[Stack]:
    with ExitStack() as stack:
        url = stack.enter_context(bench_database("bench_latency"))
        broker = redis.Redis.from_url(BROKER_URL)
        broker.flushdb()
        stack.callback(broker.close)
        stack.callback(broker.flushdb)
        port = free_port()
        env = product_env(url, workdir / "data", broker_url=BROKER_URL, dicom_port=str(port),
                          dicom_host="127.0.0.1", ae_title=CALLED_AE)
        run_worklist(env, "db", "upgrade")
        log = stack.enter_context(open(workdir / "processes.log", "wb"))
        for args in (("listener",), ("worker", "--concurrency", "1")):
            process = Process(worklist_command(*args), env, log)
            stack.callback(process.stop)
        db = stack.enter_context(psycopg.connect(url, autocommit=True))
        try:
            wait_until(lambda: port_open(port), 60, "the listener")
            yield Stack(port, db)
        except Exception:
            log.flush()
            tail = (workdir / "processes.log").read_text(errors="replace")[-3000:]
            sys.stderr.write(f"bench_latency: the product's processes said:\n{tail}\n")
            raise


def _prepare(stack: Stack, patients: Sequence[Patient]) -> None:
    """Push every patient's prior events (in order per patient, a few patients at a time, as
    several modalities would) and wait until the worker has processed them all."""

    def push_priors(patient: Patient) -> None:
        for event in patient.priors:
            for attempt in range(PUSH_ATTEMPTS):
                try:
                    stack.push(event)
                    break
                except PushError:  # as a PACS would: a repeated object is stored once
                    if attempt == PUSH_ATTEMPTS - 1:
                        raise

    with ThreadPoolExecutor(max_workers=PRIOR_PUSHERS) as pool:
        list(pool.map(push_priors, patients))
    uids = [uid for patient in patients for uid in patient.prior_uids]
    wait_until(lambda: stack.done(uids), 60 + 2 * len(uids), "the prior events", interval=0.2)


@dataclass(frozen=True)
class Timing:
    floor: float
    """Seconds from association start to the release after the C-STORE response."""
    end_to_end: float
    """Seconds from association start to the item change being committed."""


def _time_pathology(stack: Stack, patient: Patient, timeout: float = 120) -> Timing:
    before = stack.item_events(patient.patient_id)
    start = time.perf_counter()
    stack.push(patient.pathology)
    stored = time.perf_counter()
    deadline = stored + timeout
    while stack.item_events(patient.patient_id) == before:
        if time.perf_counter() > deadline:
            raise TimeoutError("the pathology report changed no item")
        time.sleep(POLL_SECONDS)
    return Timing(stored - start, time.perf_counter() - start)


def _stream(port: int, rate: float, stop: EventType, sent: Synchronized[int],
            failed: Synchronized[int], tag: str) -> None:
    """The concurrent load (its own process): new screening studies at ``rate`` images/s."""
    from pydicom.uid import generate_uid

    template = render_case(load_case(LOAD_STORY), date.today(), run_tag=tag)[0]
    started, count = time.perf_counter(), 0
    while not stop.is_set():
        patient_id = f"BENCH-LOAD-{tag}-{count:06d}"
        study, datasets = generate_uid(), []
        for source in template.datasets:
            dataset = copy.deepcopy(source)
            dataset.PatientID, dataset.PatientName = patient_id, "BENCH^LOAD"
            dataset.StudyInstanceUID, dataset.SeriesInstanceUID = study, generate_uid()
            dataset.SOPInstanceUID = generate_uid()
            dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
            datasets.append(dataset)
        event = RenderedEvent(template.index, template.day, template.kind, template.study, datasets)
        try:
            send_event(event, "127.0.0.1", port, CALLING_AE, CALLED_AE)
        except (PushError, OSError) as error:  # reported by the count, never fatal to the load
            failed.value += 1
            sys.stderr.write(f"bench_latency load: {error}\n")
        count += len(datasets)
        sent.value = count
        # Paced from the start, so a slow association is caught up rather than compounded.
        pause = started + count / rate - time.perf_counter()
        if pause > 0:
            stop.wait(pause)


@dataclass(frozen=True)
class Load:
    sent: Synchronized[int]
    """Images offered so far."""
    failed: Synchronized[int]
    """Studies the listener did not store."""


@contextmanager
def _load(port: int, rate: float, tag: str) -> Iterator[Load]:
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    load = Load(context.Value("q", 0), context.Value("q", 0))
    process = context.Process(target=_stream, args=(port, rate, stop, load.sent, load.failed, tag),
                              daemon=True)
    process.start()
    try:
        wait_until(lambda: load.sent.value >= 2 * rate or not process.is_alive(), 120, "the load")
        if not process.is_alive():
            raise RuntimeError("the load process stopped")
        yield load
    finally:
        stop.set()
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()


def _measure_run(stack: Stack, patients: Sequence[Patient]) -> list[Timing]:
    return [_time_pathology(stack, patient) for patient in patients]


def _figures(label: str, timings: Sequence[Timing]) -> list[Figure]:
    ours = [t.end_to_end * 1000 for t in timings]
    floor = [t.floor * 1000 for t in timings]
    return [
        Figure(f"{label} p{q}", "ms", percentile(ours, q), percentile(floor, q),
               higher_is_better=False)
        for q in (50, 95, 99)
    ]


def measure(quick: bool = False) -> list[Section]:
    count = 20 if quick else 100
    tag = f"{int(time.time())}"
    quiet, loaded = _patients(f"Q{tag}", count), _patients(f"L{tag}", count)
    with all_cores(), tempfile.TemporaryDirectory(prefix="bench-latency-") as workdir, \
            _stack(Path(workdir)) as stack:
        warm = _patients(f"W{tag}", 1)
        _prepare(stack, warm)  # the worker loads the report reader on its first report
        _time_pathology(stack, warm[0])
        clock = time.perf_counter()
        _prepare(stack, [*quiet, *loaded])
        priors_seconds = time.perf_counter() - clock
        prior_objects = sum(len(p.prior_uids) for p in (*quiet, *loaded))
        quiet_timings = _measure_run(stack, quiet)
        with _load(stack.port, LOAD_IMAGES_PER_SECOND, f"S{tag}") as load:
            load_start, sent_start = time.perf_counter(), load.sent.value
            loaded_timings = _measure_run(stack, loaded)
            load_rate = (load.sent.value - sent_start) / (time.perf_counter() - load_start)
            load_failed = load.failed.value
        backlog = stack.db.execute(
            "SELECT count(*) FROM inbox_objects WHERE state = 'pending'").fetchone()
    notes = [
        f"{count} synthetic patients per run (story DEMO-0007: {len(quiet[0].prior_uids)} prior "
        "objects, then the "
        "pathology SR); one `worklist listener`, one `worklist worker --concurrency 1` (prefork), "
        "Redis broker, PostgreSQL; the bench polls the patient's item events every "
        f"{POLL_SECONDS * 1000:.0f} ms.",
        f"Priors: {prior_objects} objects pushed and processed in {priors_seconds:.1f} s "
        f"({prior_objects / priors_seconds:.1f} objects/s through the whole pipeline).",
        f"Under load: another process streamed 4-image screening studies (one association each, "
        f"new patient each) at {load_rate:.1f} images/s (target {LOAD_IMAGES_PER_SECOND:g}, "
        f"{load_failed} studies refused); "
        f"{backlog[0] if backlog else '?'} objects were still pending when the run ended. The "
        "pathology task queues behind the images already published (one worker, FIFO).",
        "Peer = C-STORE response + association release of the same pushes: what the listener "
        "guarantees before the pipeline starts (spool fsync and inbox commit included).",
    ]
    return [Section(
        "End-to-end latency (pathology SR -> item changed)",
        "python -m bench.run --only bench_latency",
        "the same pushes timed to the C-STORE response only (transport + durable inbox)",
        [*_figures("quiet", quiet_timings), *_figures("under image load", loaded_timings)],
        notes,
    )]


def main() -> None:
    for section in measure(quick=True):
        for figure in section.figures:
            print(f"{figure.metric}: {figure.ours:.1f} {figure.unit} (floor {figure.peer:.1f})")
        for note in section.notes:
            print("-", note)


if __name__ == "__main__":
    main()
