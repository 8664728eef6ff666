"""The HL7 front door: messages acknowledged durably per second on one core, and the latency from
a pathology result sent over MLLP to the patient's item changing, with a real worker.

Throughput: ``worklist hl7`` (PostgreSQL, a Redis broker, no worker: only receipt is measured)
pinned to one core; four senders on the other core each send ORU^R01 pathology results one after
the other on their own connection, waiting for each ACK, as interface engines do. Every AA means a
spool file fsynced and an inbox row committed. Peer, in the same run on the same core: a bare MLLP
acknowledger on python-hl7's asyncio streams that keeps nothing (``hl7_io.acknowledger``).

Latency: ``worklist listener``, ``worklist hl7`` and ``worklist worker --concurrency 1`` (Celery on
Redis) on a fresh PostgreSQL database. For each synthetic patient the earlier events of the demo
story DEMO-0007 go over DICOM first (ultrasound and report, biopsy images and procedure report)
and are processed; then the pathology result is sent as ORU^R01 and timed from the connection to
the first new item event of the patient (the pipeline commits facts, items and events together).
Peer: the same message's round trip to the bare acknowledger.

Run: ``python -m bench.run --only bench_hl7`` (``--quick``: fewer messages and patients).
"""

from __future__ import annotations

import copy
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
import redis

from bench.common import Figure, Section, percentile
from bench.databases import (
    REDIS_URL, Process, all_cores, bench_database, free_port, port_open, product_env,
    run_worklist, wait_until, worklist_command,
)
from dicom_io.push import send_event
from dicom_io.synth import RenderedEvent, load_case
from hl7_io.acknowledger import BareAcknowledger
from hl7_io.synth import Party, SynthPatient, oru
from worklist.demo import STORIES_DIR
from worklist.demo.channels import Hl7Event, render_story

STORY = STORIES_DIR / "DEMO-0007.yaml"
BROKER_URL = os.environ.get("WORKLIST_BENCH_HL7_REDIS_URL", f"{REDIS_URL.rpartition('/')[0]}/12")
"""A Redis database of its own: another bench's worker on the same one would take our tasks."""
SENDERS = 4
POLL_SECONDS = 0.002


def _message(number: int, tag: str) -> bytes:
    patient = SynthPatient(f"BENCH-HL7-{tag}-{number % 500:04d}", "BENCH", "BENCH^THROUGHPUT")
    return oru(sender=Party("LIS", "BENCHLAB"), receiver=Party("WORKLIST"),
               control_id=f"B{tag}-{number:07d}", sent_at=datetime(2026, 11, 12, 14, 0),
               patient=patient, accession=f"BP-{tag}-{number:07d}", service="SURGICAL PATHOLOGY",
               department="SP", observed_at=datetime(2026, 11, 10, 9, 30),
               sections=[("Specimen", "Left breast, 2 o'clock, ultrasound-guided core biopsy."),
                         ("Final Diagnosis", "Fibroadenoma. No atypia or malignancy.")]).encode()


def _exchange(sock: socket.socket, message: bytes) -> bytes:
    sock.sendall(b"\x0b" + message + b"\x1c\r")
    answer = b""
    while not answer.endswith(b"\x1c\r"):
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("closed before the ACK")
        answer += chunk
    return answer


def _blast(port: int, messages: Sequence[bytes]) -> float:
    """Acknowledged messages per second over ``SENDERS`` connections; every answer must be AA."""
    shares = [messages[i::SENDERS] for i in range(SENDERS)]
    failures: list[str] = []

    def send(share: Sequence[bytes]) -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for message in share:
                if b"MSA|AA|" not in _exchange(sock, message):
                    failures.append("not AA")

    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{len(failures)} messages not acknowledged AA")
    return len(messages) / elapsed


@contextmanager
def _pinned(core: int) -> Iterator[None]:
    """Processes started inside inherit one core; the bench's own threads run on another."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _throughput(workdir: Path, count: int) -> tuple[float, float, int]:
    cores = sorted(os.sched_getaffinity(0))
    listener_core, sender_cores = cores[0], set(cores[1:] or cores)
    tag = f"T{int(time.time())}"
    messages = [_message(n, tag) for n in range(count)]
    warm = [_message(n, tag + "W") for n in range(50)]
    with ExitStack() as stack:
        url = stack.enter_context(bench_database("bench_hl7"))
        redis.Redis.from_url(BROKER_URL).flushdb()
        port = free_port()
        env = product_env(url, workdir / "data", broker_url=BROKER_URL, hl7_port=str(port),
                          hl7_host="127.0.0.1")
        run_worklist(env, "db", "upgrade")
        log = stack.enter_context(open(workdir / "throughput.log", "wb"))
        with _pinned(listener_core):
            process = Process(worklist_command("hl7"), env, log)
        stack.callback(process.stop)
        wait_until(lambda: port_open(port), 60, "the HL7 listener")
        os.sched_setaffinity(0, sender_cores)
        _blast(port, warm)
        ours = _blast(port, messages)
        with psycopg.connect(url) as db:
            row = db.execute("SELECT count(*) FROM inbox_objects WHERE channel = 'hl7'").fetchone()
        kept = int(row[0]) if row else 0
        redis.Redis.from_url(BROKER_URL).flushdb()
    with _pinned(listener_core):
        peer = _bare_in_process(messages, warm)
    return ours, peer, kept


def _bare_in_process(messages: Sequence[bytes], warm: Sequence[bytes]) -> float:
    """The peer runs in a child process pinned like ours (a thread here would share our GIL)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    ready, port_value, stop = context.Event(), context.Value("i", 0), context.Event()
    child = context.Process(target=_serve_bare, args=(ready, port_value, stop), daemon=True)
    child.start()
    try:
        ready.wait(30)
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[1:]) or os.sched_getaffinity(0))
        _blast(port_value.value, warm)
        return _blast(port_value.value, messages)
    finally:
        stop.set()
        child.join(10)


def _serve_bare(ready: Any, port_value: Any, stop: Any) -> None:
    with BareAcknowledger() as bare:
        port_value.value = bare.port
        ready.set()
        stop.wait()


# --- latency -----------------------------------------------------------------------------------


def _patients(tag: str, count: int) -> list[tuple[str, list[RenderedEvent], Hl7Event]]:
    story = load_case(STORY)
    for event in story["events"]:
        if event.get("title") == "pathology":
            event["channel"] = "hl7"
    patients = []
    for number in range(count):
        case = copy.deepcopy(story)
        case["id"] = f"BENCH-{tag}-{number:04d}"
        case["patient"] |= {"id": case["id"], "name": f"BENCH^HL7LATENCY{number}"}
        for event in case["events"]:  # a laboratory's accessions are its own, one per result
            if event.get("accession"):
                event["accession"] = f"{event['accession']}-{number:04d}"
        events = render_story(case, date.today(), run_tag=tag)
        [pathology] = [e for e in events if isinstance(e, Hl7Event)]
        priors = [e for e in events if isinstance(e, RenderedEvent) and e.index < pathology.index]
        patients.append((case["id"], priors, pathology))
    return patients


def _item_events(db: psycopg.Connection[Any], patient_id: str) -> int:
    row = db.execute("SELECT count(*) FROM item_events e JOIN items i ON i.id = e.item_pk "
                     "JOIN patients p ON p.id = i.patient_pk WHERE p.patient_id = %s",
                     (patient_id,)).fetchone()
    return int(row[0]) if row else 0


def _round_trip(port: int, message: bytes) -> tuple[float, bytes]:
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        answer = _exchange(sock, message)
    return time.perf_counter() - start, answer


def _latency(workdir: Path, count: int) -> tuple[list[float], list[float], list[float]]:
    tag = f"L{int(time.time())}"
    patients = _patients(tag, count + 1)
    end_to_end, acked, bare = [], [], []
    with ExitStack() as stack:
        url = stack.enter_context(bench_database("bench_hl7_latency"))
        broker = redis.Redis.from_url(BROKER_URL)
        broker.flushdb()
        stack.callback(broker.flushdb)
        dicom_port, hl7_port = free_port(), free_port()
        env = product_env(url, workdir / "data-latency", broker_url=BROKER_URL,
                          dicom_port=str(dicom_port), dicom_host="127.0.0.1", ae_title="WORKLIST",
                          hl7_port=str(hl7_port), hl7_host="127.0.0.1")
        run_worklist(env, "db", "upgrade")
        log = stack.enter_context(open(workdir / "latency.log", "wb"))
        for args in (("listener",), ("hl7",), ("worker", "--concurrency", "1")):
            process = Process(worklist_command(*args), env, log)
            stack.callback(process.stop)
        db = stack.enter_context(psycopg.connect(url, autocommit=True))
        wait_until(lambda: port_open(dicom_port) and port_open(hl7_port), 60, "the listeners")
        acknowledger = stack.enter_context(BareAcknowledger())
        for patient_id, priors, pathology in patients:
            for event in priors:
                send_event(event, "127.0.0.1", dicom_port, "BENCHPACS", "WORKLIST")
        wait_until(lambda: not db.execute("SELECT 1 FROM inbox_objects WHERE state = 'pending' "
                                          "LIMIT 1").fetchone(), 60 + 3 * count, "the priors",
                   interval=0.2)
        for number, (patient_id, _, pathology) in enumerate(patients):
            message = pathology.message.encode()
            before = _item_events(db, patient_id)
            start = time.perf_counter()
            seconds, answer = _round_trip(hl7_port, message)
            if b"MSA|AA|" not in answer:
                raise RuntimeError("the pathology result was not acknowledged AA")
            deadline = start + 120
            while _item_events(db, patient_id) == before:
                if time.perf_counter() > deadline:
                    raise TimeoutError("the pathology result changed no item")
                time.sleep(POLL_SECONDS)
            if number == 0:
                continue  # the worker loads the report reader on its first report
            end_to_end.append(time.perf_counter() - start)
            acked.append(seconds)
            bare.append(_round_trip(acknowledger.port, message)[0])
    return end_to_end, acked, bare


def measure(quick: bool = False) -> list[Section]:
    messages = 400 if quick else 4000
    patients = 10 if quick else 60
    with tempfile.TemporaryDirectory(prefix="bench-hl7-") as workdir:
        ours, peer, kept = _throughput(Path(workdir), messages)
        with all_cores():
            end_to_end, acked, bare = _latency(Path(workdir), patients)
    ms = [t * 1000 for t in end_to_end]
    ack_ms = [t * 1000 for t in acked]
    bare_ms = [t * 1000 for t in bare]
    throughput = Section(
        "HL7 acknowledged durably (one core)",
        "python -m bench.run --only bench_hl7",
        "a bare MLLP acknowledger on python-hl7's asyncio streams that keeps nothing",
        [Figure("ORU^R01 acknowledged", "messages/s", ours, peer)],
        [f"{messages} pathology results over {SENDERS} connections, each waiting for its ACK; "
         f"{kept - 50} new inbox rows besides the 50 warm-up messages (every AA: spool fsync + "
         "committed row + a broker message); `worklist hl7` pinned to one core, PostgreSQL and "
         "the senders on the other."],
    )
    latency = Section(
        "HL7 pathology result -> item changed",
        "python -m bench.run --only bench_hl7",
        "the same message's round trip to the bare acknowledger",
        [Figure(f"end to end p{q}", "ms", percentile(ms, q), percentile(bare_ms, q),
                higher_is_better=False) for q in (50, 95)],
        [f"{len(ms)} synthetic patients (story DEMO-0007, pathology over HL7); `worklist "
         "listener`, `worklist hl7`, `worklist worker --concurrency 1`, Redis, PostgreSQL; the "
         f"bench polls the patient's item events every {POLL_SECONDS * 1000:.0f} ms.",
         f"AA from our listener (durable receipt, the floor of the end to end): p50 "
         f"{percentile(ack_ms, 50):.1f} ms, p95 {percentile(ack_ms, 95):.1f} ms."],
    )
    return [throughput, latency]


if __name__ == "__main__":
    for section in measure(quick="--quick" in sys.argv):
        for figure in section.figures:
            print(f"{section.title}: {figure.metric} {figure.ours:.1f} {figure.unit} "
                  f"(peer {figure.peer:.1f})")
        for note in section.notes:
            print("-", note)
