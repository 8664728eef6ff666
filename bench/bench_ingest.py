"""Ingest throughput: dcmtk's storescu pushing a corpus to our listener, to dcmtk's storescp and to
Orthanc.

Every receiver gets the same pushes: ``LANES`` storescu processes at once (one association each,
whole studies, as several modalities and a PACS forwarding queue send), the same storescu options,
over loopback, TCP_NODELAY on both sides. The peer is ``storescp --fork`` writing every object to a
file in bit-preserving mode (the received bytes as they are) without fsync. Ours is the real
``worklist listener --processes`` on a fresh database migrated by ``worklist db upgrade``, with a
Redis broker (the production set-up: rows handed to Celery, no worker running); it answers Success
only once the file is fsynced under its final name and the inbox row committed. Every push is
checked: each instance must be a file (storescp), an instance in Orthanc's index, an inbox row and
a spool file (ours), or the run fails. Orthanc (``bench/orthanc.py``) is the second peer: a store
that indexes what it receives in a database (its default SQLite index) and fsyncs its files, with
a configuration generated per run. Each receiver's disk use after the push (files, and its
database's growth) is reported per instance.

Run: ``python -m bench.run --only bench_ingest`` (``--quick``: small corpora, for the harness), or
``python -m bench.bench_ingest --corpus small --processes 2 --lanes 8`` for one push each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis

from bench import orthanc, proctree
from bench.common import Figure, Section, stopwatch
from bench.corpus import Corpus, CorpusSpec, ensure
from bench.databases import (
    REDIS_URL,
    Process,
    bench_database,
    free_port,
    product_env,
    run_worklist,
    wait_until,
    worklist_command,
)

SMALL = CorpusSpec("small", studies=400, rows=256, columns=256)
"""2000 instances: 400 studies of four 256 x 256 views and a report."""
LARGE = CorpusSpec("large", studies=6, rows=3328, columns=2560, dbt_objects=3, dbt_frames=24,
                   dbt_rows=2457, dbt_columns=1890)
"""24 full-field mammograms (17 MB), 3 tomosynthesis objects (24 slices, 223 MB) and 6 reports."""
QUICK_SMALL = CorpusSpec("quick-small", studies=40, rows=256, columns=256)
QUICK_LARGE = CorpusSpec("quick-large", studies=2, rows=3328, columns=2560, dbt_objects=1,
                         dbt_frames=6, dbt_rows=2457, dbt_columns=1890)

LANES = 8
"""storescu processes pushing at once, as several modalities and a PACS forwarding queue do."""
PROCESSES = 2
"""``worklist listener --processes``: one per core of the 2-core machine the figures come from."""
CALLING_AE = "BENCHPACS"
CALLED_AE = "WORKLIST"
PEER_AE = "STORESCP"
BROKER_URL = os.environ.get("WORKLIST_BENCH_INGEST_REDIS_URL",
                            f"{REDIS_URL.rpartition('/')[0]}/12")
"""A Redis database of its own: the rows' messages are dropped after each push, and must not
be another benchmark's."""
PEER_MAX_PDU = 131_072
"""storescp's largest receive PDU (its range is 4096..131072)."""
LISTENER_MAX_PDU = 4 * 1024 * 1024
"""Ours; storescu sends at most 128 KiB PDUs anyway (its own limit)."""
STORESCU = ["-R", "-aet", CALLING_AE]
"""-R: propose only the SOP classes of the files sent. Same options for both receivers."""
NODELAY = {"TCP_NODELAY": "1"}
"""dcmtk reads this: without it every C-STORE response waits ~40 ms for a delayed ACK."""


@dataclass(frozen=True)
class Push:
    """One corpus pushed to one receiver."""

    seconds: float
    instances: int
    total_bytes: int
    cpu: proctree.Cpu
    """The receiver's process tree during the push."""
    peak_memory: int
    """The tree's largest resident memory (PSS), sampled every 50 ms."""
    database_cpu_seconds: float | None = None
    """PostgreSQL backends serving the listener (ours on PostgreSQL only)."""
    disk_bytes: int = 0
    """What the push left on disk: allocated bytes of the receiver's files and the growth of its
    database (ours: spool and SQLite file or PostgreSQL database; Orthanc: storage and index)."""

    @property
    def rate(self) -> float:
        return self.instances / self.seconds

    @property
    def mb_per_s(self) -> float:
        return self.total_bytes / 1e6 / self.seconds

    @property
    def cpu_ms_per_instance(self) -> float:
        return 1000 * self.cpu.total / self.instances

    @property
    def disk_kb_per_instance(self) -> float:
        return self.disk_bytes / 1e3 / self.instances


def allocated_bytes(folder: Path) -> int:
    """Disk blocks held by the files under ``folder`` (not their apparent sizes)."""
    if not folder.exists():
        return 0
    return sum(path.lstat().st_blocks * 512 for path in folder.rglob("*") if path.is_file())


class PushFailed(RuntimeError):
    """A push that did not keep every instance: its figures would be invalid."""


def _push(lanes: Sequence[Sequence[Path]], port: int, called_ae: str) -> float:
    """Run one storescu per lane at once; the wall time until the last one is done."""
    command = ["storescu", *STORESCU, "-aec", called_ae, "127.0.0.1", str(port)]
    start = time.perf_counter()
    senders = [subprocess.Popen([*command, *map(str, lane)], env=os.environ | NODELAY,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
               for lane in lanes]
    errors = [sender.communicate(timeout=900)[1] for sender in senders]
    seconds = time.perf_counter() - start
    failed = [err for sender, err in zip(senders, errors, strict=True) if sender.returncode != 0]
    if failed:
        raise PushFailed("storescu failed: " + failed[0].strip()[-500:])
    return seconds


def _measured_push(corpus: Corpus, lanes: int, port: int, called_ae: str, root_pid: int) -> Push:
    before = proctree.cpu(root_pid)
    with proctree.MemorySampler(root_pid) as memory:
        seconds = _push(corpus.lanes(lanes), port, called_ae)
    spent = proctree.cpu(root_pid) - before
    return Push(seconds, len(corpus.files), corpus.total_bytes, spent, memory.peak)


def _accepting(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def run_storescp(corpus: Corpus, workdir: Path, lanes: int = LANES) -> Push:
    out = workdir / "storescp"
    out.mkdir()
    port = free_port()
    # --fork: a process per association, so concurrent pushes are served concurrently;
    # +B: write the received bytes as they are (like ours, no decode and re-encode).
    server = subprocess.Popen(
        ["storescp", "--fork", "+B", "-pdu", str(PEER_MAX_PDU), "-aet", PEER_AE,
         "-od", str(out), str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env=os.environ | NODELAY,
    )
    try:
        wait_until(lambda: _accepting(port), 30, "storescp")
        push = _measured_push(corpus, lanes, port, PEER_AE, server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    written = sum(1 for path in out.iterdir() if path.is_file())
    if written != push.instances:
        raise PushFailed(f"storescp wrote {written} of {push.instances} files")
    return Push(push.seconds, push.instances, push.total_bytes, push.cpu, push.peak_memory,
                disk_bytes=allocated_bytes(out))


ORTHANC_MAX_PDU = PEER_MAX_PDU
"""The same receive PDU as storescp's (storescu sends 128 KiB at most anyway)."""


def run_orthanc(corpus: Corpus, workdir: Path, lanes: int = LANES) -> Push:
    with orthanc.running_orthanc(workdir, threads=lanes, max_pdu=ORTHANC_MAX_PDU) as (
            port, http_port, pid):
        before = allocated_bytes(workdir / "storage") + allocated_bytes(workdir / "index")
        push = _measured_push(corpus, lanes, port, orthanc.ORTHANC_AE, pid)
        stored = orthanc.count_instances(http_port)
    if stored != push.instances:
        raise PushFailed(f"Orthanc indexed {stored} of {push.instances} instances")
    after = allocated_bytes(workdir / "storage") + allocated_bytes(workdir / "index")
    return Push(push.seconds, push.instances, push.total_bytes, push.cpu, push.peak_memory,
                disk_bytes=after - before)


def _log_says(log: Path, text: str) -> bool:
    return log.exists() and text in log.read_text(errors="replace")


def _database_bytes(database_url: str) -> int:
    with psycopg.connect(database_url, autocommit=True) as connection:
        row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0


def _backend_cpu(database_url: str) -> float:
    """CPU so far of the PostgreSQL backends connected to this database (same machine)."""
    name = database_url.rpartition("/")[2]
    with psycopg.connect(database_url, autocommit=True) as connection:
        pids = [row[0] for row in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,))]
    return sum(proctree.cpu_seconds(pid) for pid in pids)


_COUNT = "SELECT count(DISTINCT sop_instance_uid) FROM inbox_objects"


def _count_rows(database_url: str, workdir: Path) -> int:
    if not database_url:
        with sqlite3.connect(workdir / "data" / "worklist.db") as connection:
            return int(connection.execute(_COUNT).fetchone()[0])
    with psycopg.connect(database_url, autocommit=True) as connection:
        row = connection.execute(_COUNT).fetchone()
        return int(row[0]) if row else 0


def _empty_broker_queue() -> None:
    # No worker consumes during the bench: drop the messages it published (the default queue).
    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.delete("celery")
    finally:
        client.close()


@contextmanager
def running_listener(database_url: str, workdir: Path, processes: int) -> Iterator[tuple[int, int]]:
    """``worklist listener`` as a subprocess; yields its port and process id."""
    port = free_port()
    env = product_env(database_url, workdir / "data", broker_url=BROKER_URL,
                      dicom_host="127.0.0.1", dicom_port=str(port), ae_title=CALLED_AE,
                      allowed_aes="", max_pdu=str(LISTENER_MAX_PDU))
    args = ["listener"] + (["--processes", str(processes)] if processes > 1 else [])
    log = workdir / "listener.log"
    with log.open("wb") as output:
        process = Process(worklist_command(*args), env, output)
        try:
            wait_until(lambda: _log_says(log, "listening on") or not process.alive(), 180,
                       "the listener")
            if not process.alive():
                raise RuntimeError("the listener stopped: " + log.read_text()[-2000:])
            yield port, process.popen.pid
        finally:
            process.stop()


@contextmanager
def _database(backend: str) -> Iterator[str]:
    """A fresh PostgreSQL database, or "" for the product's default SQLite file."""
    if backend == "sqlite":
        yield ""
        return
    with bench_database("bench_ingest") as url:
        yield url


def run_listener(corpus: Corpus, workdir: Path, processes: int = PROCESSES,
                 lanes: int = LANES, backend: str = "postgresql") -> Push:
    with _database(backend) as url:
        run_worklist(product_env(url, workdir / "data"), "db", "upgrade")
        try:
            with running_listener(url, workdir, processes) as (port, pid):
                database_before = _backend_cpu(url) if url else 0.0
                disk_before = allocated_bytes(workdir / "data") + (
                    _database_bytes(url) if url else 0)
                push = _measured_push(corpus, lanes, port, CALLED_AE, pid)
                database = _backend_cpu(url) - database_before if url else None
            rows = _count_rows(url, workdir)
            disk = allocated_bytes(workdir / "data") + (_database_bytes(url) if url else 0)
        finally:
            _empty_broker_queue()
    kept = sum(1 for _ in (workdir / "data" / "spool" / "objects").rglob("*.dcm"))
    if rows != push.instances or kept != push.instances:
        raise PushFailed(f"the listener kept {rows} rows and {kept} files of {push.instances}")
    return Push(push.seconds, push.instances, push.total_bytes, push.cpu, push.peak_memory,
                database, disk - disk_before)


def peer_push(corpus: Corpus, lanes: int = LANES) -> Push:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as workdir:
        return run_storescp(corpus, Path(workdir), lanes)


def orthanc_push(corpus: Corpus, lanes: int = LANES) -> Push:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as workdir:
        return run_orthanc(corpus, Path(workdir), lanes)


def our_push(corpus: Corpus, processes: int = PROCESSES, lanes: int = LANES,
             backend: str = "postgresql") -> Push:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as workdir:
        return run_listener(corpus, Path(workdir), processes, lanes, backend)


STORESCP = "dcmtk storescp --fork +B (bit-preserving files, no fsync), same storescu push"
ORTHANC = ("Orthanc (Debian package; generated configuration: default SQLite index, "
           "SyncStorageArea on, no compression, one DICOM thread per lane), same storescu push")


def _section(label: str, corpus: Corpus, ours: Push, peer: Push, backend: str,
             processes: int = PROCESSES, lanes: int = LANES, peer_name: str = "storescp") -> Section:
    mib = 2**20
    target = ">= 0.5x storescp" if peer_name == "storescp" else ""
    figures = [
        Figure("instances stored", "instances/s", ours.rate, peer.rate, target=target),
        Figure("bytes stored", "MB/s", ours.mb_per_s, peer.mb_per_s, target=target),
        Figure("receiver CPU", "ms/instance", ours.cpu_ms_per_instance,
               peer.cpu_ms_per_instance, higher_is_better=False),
        Figure("receiver peak memory (PSS)", "MiB", ours.peak_memory / mib,
               peer.peak_memory / mib, higher_is_better=False),
        Figure("disk kept", "KB/instance", ours.disk_kb_per_instance, peer.disk_kb_per_instance,
               higher_is_better=False),
    ]
    title = f"Ingest, {label} ({backend})" + ("" if peer_name == "storescp" else f" vs {peer_name}")
    return Section(title, "python -m bench.run --only bench_ingest",
                   STORESCP if peer_name == "storescp" else ORTHANC,
                   figures, _notes(corpus, ours, peer, processes, lanes, backend, peer_name))


def _notes(corpus: Corpus, ours: Push, peer: Push, processes: int, lanes: int,
           backend: str, peer_name: str = "storescp") -> list[str]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    shares = sorted((spent for spent in ours.cpu.by_process.values() if spent > 0.05),
                    reverse=True)
    split = "/".join(f"{100 * spent / ours.cpu.total:.0f}%" for spent in shares)
    database = ("" if ours.database_cpu_seconds is None else
                f" PostgreSQL's backends used another "
                f"{1000 * ours.database_cpu_seconds / ours.instances:.2f} ms/instance.")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return [
        f"Corpus: {len(corpus.files)} instances, {corpus.total_bytes / 1e6:,.0f} MB "
        f"({_describe(corpus.spec)}); {lanes} storescu at once, whole studies per association; "
        f"load average {load:.1f} on {cores} cores after the run.",
        f"Ours: `worklist listener --processes {processes}` on {backend}, {ours.seconds:.1f} s; "
        f"CPU {ours.cpu_ms_per_instance:.1f} ms/instance "
        f"({100 * ours.cpu.system / max(ours.cpu.total, 1e-9):.0f}% in the kernel), split "
        f"{split} across the processes.{database} {peer_name}: {peer.seconds:.1f} s, "
        f"{peer.cpu_ms_per_instance:.2f} ms/instance.",
        f"Disk kept per instance: ours {ours.disk_kb_per_instance:,.1f} KB (the spool keeps an "
        f"image's header only; inbox rows included), {peer_name} "
        f"{peer.disk_kb_per_instance:,.1f} KB, of {corpus.total_bytes / 1e3 / len(corpus.files):,.1f} "
        "KB sent.",
        f"Ours kept {ours.cpu.total / ours.seconds:.2f} of the {cores} cores busy; at "
        f"{ours.cpu_ms_per_instance:.1f} ms per instance its CPU alone caps it at "
        f"{cores * 1000 / ours.cpu_ms_per_instance:,.0f} instances/s on them, before storescu, "
        f"PostgreSQL, the disk and other processes take their share; {peer_name} needs "
        + _cpu_comparison(ours, peer) + (", and does not fsync" if peer_name == "storescp" else "")
        + ". Where the time goes (profile): dicom_io/README.md, Throughput.",
    ]


def _cpu_comparison(ours: Push, peer: Push) -> str:
    theirs, mine = max(peer.cpu_ms_per_instance, 1e-9), max(ours.cpu_ms_per_instance, 1e-9)
    if theirs <= mine:
        return f"{mine / theirs:.1f}x less CPU per instance"
    return f"{theirs / mine:.1f}x more CPU per instance"


def _describe(spec: CorpusSpec) -> str:
    text = f"{spec.studies} studies of 4 MG {spec.rows}x{spec.columns} and a report"
    if spec.dbt_objects:
        text += (f", {spec.dbt_objects} DBT of {spec.dbt_frames} frames "
                 f"{spec.dbt_rows}x{spec.dbt_columns}")
    return text


def measure(quick: bool = False) -> list[Section]:
    missing = [tool for tool in ("storescu", "storescp") if shutil.which(tool) is None]
    if missing or orthanc.binary() is None:
        raise RuntimeError(f"not installed: {', '.join(missing) or 'Orthanc'} "
                           "(scripts/ensure-bench-tools.sh)")
    small = ensure(QUICK_SMALL if quick else SMALL)
    large = ensure(QUICK_LARGE if quick else LARGE)
    sections = []
    with stopwatch() as elapsed:
        peer_small, ours_small = peer_push(small), our_push(small)
        sections.append(_section("small instances", small, ours_small, peer_small, "PostgreSQL"))
        orthanc_small = orthanc_push(small)
    sections[-1].seconds = elapsed()
    with stopwatch() as elapsed:
        ours_large, peer_large = our_push(large), peer_push(large)
        sections.append(_section("large instances", large, ours_large, peer_large, "PostgreSQL"))
        orthanc_large = orthanc_push(large)
    sections[-1].seconds = elapsed()
    sections.append(_section("small instances", small, ours_small, orthanc_small, "PostgreSQL",
                             peer_name="Orthanc"))
    sections.append(_section("large instances", large, ours_large, orthanc_large, "PostgreSQL",
                             peer_name="Orthanc"))
    with stopwatch() as elapsed:
        sections.append(_section("small instances", small, our_push(small, backend="sqlite"),
                                 peer_small, "SQLite"))
    sections[-1].seconds = elapsed()
    return sections


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--corpus", choices=("small", "large"), default="small")
    parser.add_argument("--processes", type=int, default=PROCESSES)
    parser.add_argument("--lanes", type=int, default=LANES)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--only", choices=("ours", "peer", "orthanc", "both"), default="both")
    args = parser.parse_args()
    spec = {("small", False): SMALL, ("large", False): LARGE,
            ("small", True): QUICK_SMALL, ("large", True): QUICK_LARGE}[(args.corpus, args.quick)]
    corpus = ensure(spec)
    for who in ("peer", "orthanc", "ours"):
        if args.only not in (who, "both"):
            continue
        push = (peer_push(corpus, args.lanes) if who == "peer" else
                orthanc_push(corpus, args.lanes) if who == "orthanc" else
                our_push(corpus, args.processes, args.lanes, args.backend))
        database = (f", db {1000 * push.database_cpu_seconds / push.instances:.2f} ms/inst"
                    if push.database_cpu_seconds is not None else "")
        print(f"{who}: {push.instances} inst in {push.seconds:.2f} s = {push.rate:.0f} inst/s, "
              f"{push.mb_per_s:.0f} MB/s, cpu {push.cpu_ms_per_instance:.2f} ms/inst "
              f"(sys {100 * push.cpu.system / max(push.cpu.total, 1e-9):.0f}%){database}, "
              f"peak pss {push.peak_memory / 2**20:.0f} MiB, "
              f"disk {push.disk_kb_per_instance:,.1f} KB/inst", flush=True)


if __name__ == "__main__":
    main()
