"""Background work on big segments: CSV imports, CSV exports, old-generation cleanup.

An import is one database transaction: ``merge`` adds the file's keys to the included
list; ``replace`` writes them (plus the current excluded list) under ``generation + 1``,
publishes that generation to Redis, then switches the segment to it together with its
version bump. Readers see the old or the new list, never a mix. A bad file raises before
the commit and changes nothing. Old-generation rows and Redis refs are removed afterwards.
If the process dies mid-import, the transaction never commits; :meth:`recover` (run at
start-up) marks such imports ``stopped``.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from segmentd.domain.audit.history import SYSTEM, Action, diff
from segmentd.domain.big_segments.model import (
    ImportMode,
    ImportRecord,
    ImportStatus,
    MembershipCounts,
    read_key_chunks,
    segment_ref,
)
from segmentd.domain.projects.model import Environment
from segmentd.domain.segments.model import Segment
from segmentd.errors import InvalidRequest, NotFound, ServiceError
from segmentd.services.big_segments.sync import MembershipSync
from segmentd.services.jobs import JobRunner
from segmentd.services.ports import ChangeNotifier, Clock
from segmentd.services.segments.writes import SegmentWrites
from segmentd.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("segmentd.bigsegments.jobs")

INTERRUPTED = "interrupted: segmentd stopped before the import finished; membership is unchanged"


class BigSegmentJobs:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        changes: ChangeNotifier,
        sync: MembershipSync,
        runner: JobRunner,
        *,
        data_dir: Path,
        max_rows: int,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._changes = changes
        self._sync = sync
        self.runner = runner
        self.imports_dir = data_dir / "imports"
        self.exports_dir = data_dir / "exports"
        self.max_rows = max_rows

    # ------------------------------------------------------------ files

    def import_path(self, import_id: str) -> Path:
        return self.imports_dir / f"{import_id}.csv"

    def export_path(self, export_id: str) -> Path:
        return self.exports_dir / f"{export_id}.csv"

    def store_upload(self, import_id: str, upload: Path) -> None:
        self.imports_dir.mkdir(parents=True, exist_ok=True)
        shutil.move(upload, self.import_path(import_id))

    def discard_upload(self, import_id: str) -> None:
        self.import_path(import_id).unlink(missing_ok=True)

    def _chunks(self, import_id: str) -> Iterator[list[str]]:
        with self.import_path(import_id).open("rb") as raw:
            yield from read_key_chunks(raw, max_rows=self.max_rows)

    # ------------------------------------------------------------ queueing

    def enqueue_import(self, import_id: str) -> None:
        def job() -> None:
            self.run_import(import_id)

        self.runner.submit(job)

    def enqueue_export(self, export_id: str) -> None:
        self.runner.submit(lambda: self.run_export(export_id))

    def approve(
        self,
        uow: UnitOfWork,
        environment: Environment,
        segment: Segment,
        import_id: str,
        *,
        index: int,
    ) -> None:
        """``processBigSegmentImport``: a ``ready`` import of this segment moves to
        ``preparing``; the caller enqueues it after its commit."""
        record = uow.big_segment_records.get_import(import_id)
        where = f"instructions[{index}] (processBigSegmentImport)"
        if (
            record is None
            or record.environment_id != environment.id
            or record.segment_key != segment.key
        ):
            raise InvalidRequest(f"{where}: unknown import {import_id!r} for this segment")
        if record.status != ImportStatus.READY:
            raise InvalidRequest(f"{where}: import {import_id!r} is {record.status}, not ready")
        uow.big_segment_records.update_import(replace(record, status=ImportStatus.PREPARING))

    # ------------------------------------------------------------ imports

    def run_import(self, import_id: str) -> ImportRecord | None:
        """Process one queued import to ``complete`` or ``stopped`` (with ``error``)."""
        with self._uow(write=True) as uow:
            record = uow.big_segment_records.get_import(import_id)
            if record is None or record.status != ImportStatus.PREPARING:
                return record
            record = replace(record, status=ImportStatus.IN_PROGRESS)
            uow.big_segment_records.update_import(record)
            uow.commit()
        try:
            done = self._import(record)
        except ServiceError as error:
            done = self._finish(record, ImportStatus.STOPPED, error=error.message)
        except Exception as error:
            log.exception("import %s failed", import_id)
            done = self._finish(record, ImportStatus.STOPPED, error=f"internal error: {error}")
        self.discard_upload(import_id)
        return done

    def _finish(
        self, record: ImportRecord, status: ImportStatus, *, error: str | None = None
    ) -> ImportRecord:
        done = replace(record, status=status, error=error, finished_time=self._clock.now_ms())
        with self._uow(write=True) as uow:
            uow.big_segment_records.update_import(done)
            uow.commit()
        return done

    def _import(self, record: ImportRecord) -> ImportRecord:
        published: list[bool] = []
        try:
            return self._import_once(record, published)
        except BaseException:
            # A replace that failed after publishing its new generation to Redis: those
            # refs must not linger for a later replace to inherit.
            if published:
                self._sync.mark_dirty(record.environment_id, rebuild=True)
            raise

    def _import_once(self, record: ImportRecord, published: list[bool]) -> ImportRecord:
        with self._uow(write=True) as uow:
            repo = uow.big_segments
            environment = repo.environment(record.environment_id)
            segment = (
                None
                if environment is None
                else uow.segments.get(environment_id=environment.id, key=record.segment_key)
            )
            if environment is None or segment is None:
                raise NotFound(f"segment {record.segment_key!r} no longer exists")
            stale = repo.prepare(environment_id=environment.id, segment=segment)
            old = segment.generation or 1
            target = old + 1 if record.mode == ImportMode.REPLACE else old
            where = {"environment_id": environment.id, "key": segment.key}
            counts = repo.counts(environment_id=environment.id, segment=segment)
            counter = _Counter()
            # One bulk call for the whole file: the store streams it (COPY on PostgreSQL).
            added = repo.add(
                generation=target,
                keys=counter.each(self._chunks(record.id)),
                excluded=False,
                **where,
            )
            rows = counter.count
            if not rows:
                # Refused rather than read as "replace with nothing": an empty upload is
                # far more likely a mistake than a wish to empty the segment.
                raise InvalidRequest("file: contains no context keys")
            if target != old:
                published.append(True)  # Redis may hold the new generation from here on
                excluded = repo.copy_list(
                    generation=old, to_generation=target, excluded=True, **where
                )
                counts = MembershipCounts(added, excluded)
                # The new generation reaches Redis before SDKs can learn about it.
                self._sync.publish(
                    environment,
                    lambda: self._publish_generation(environment, segment.key, target, uow),
                )
            else:
                counts = MembershipCounts(counts.included + added, counts.excluded)
            repo.set_counts(counts=counts, **where)
            # Re-read: a concurrent rename must not fail a long import (PostgreSQL).
            current = uow.segments.get(environment_id=environment.id, key=segment.key) or segment
            if current.generation != segment.generation:
                raise InvalidRequest("the segment was replaced while the import ran")
            writes = SegmentWrites(uow, self._clock, self._changes)
            writes.update(
                environment.id,
                current,
                replace(current, generation=target),
                action=Action.IMPORT_BIG_SEGMENT,
                actor=SYSTEM,
                comment=f"{record.mode.value} import of {record.file_name} ({rows} rows)",
                changes=(
                    *diff(current, replace(current, generation=target)),
                    # "replace" swaps the whole list; "merge" adds to it
                    {
                        "op": "replace" if target != old else "add",
                        "path": "/included",
                        "count": added,
                    },
                ),
            )
            done = replace(
                record,
                status=ImportStatus.COMPLETE,
                rows=rows,
                keys_added=added,
                finished_time=self._clock.now_ms(),
            )
            uow.big_segment_records.update_import(done)
            writes.commit()
        if stale:
            self._sync.mark_dirty(environment.id, rebuild=True)
        if target == old:
            ref = segment_ref(segment.key, target)
            self._sync.publish(
                environment,
                lambda: self._sync.publisher.add_all(
                    environment, ref, self._chunks(record.id), excluded=False
                ),
            )
        else:
            self.runner.submit(lambda: self.drop_old_generations(environment, segment.key, old))
        return done

    def _publish_generation(
        self, environment: Environment, key: str, generation: int, uow: UnitOfWork
    ) -> bool:
        ref = segment_ref(key, generation)
        publisher = self._sync.publisher
        return all(
            publisher.add_all(
                environment,
                ref,
                uow.big_segments.iter_keys(
                    environment_id=environment.id, key=key, generation=generation, excluded=x
                ),
                excluded=x,
            )
            for x in (False, True)
        )

    def drop_old_generations(self, environment: Environment, key: str, old: int) -> None:
        """After a replace: remove the old generation's refs from Redis, then its rows."""
        ref = segment_ref(key, old)
        with self._uow() as uow:
            repo = uow.big_segments
            for excluded in (False, True):
                chunks = repo.iter_keys(
                    environment_id=environment.id, key=key, generation=old, excluded=excluded
                )
                self._sync.publish(
                    environment,
                    lambda c=chunks, x=excluded: self._sync.publisher.remove_all(  # type: ignore[misc]
                        environment, ref, c, excluded=x
                    ),
                )
        with self._uow(write=True) as uow:
            segment = uow.segments.get(environment_id=environment.id, key=key)
            if segment is not None and segment.generation is not None:
                uow.big_segments.drop_generations(
                    environment_id=environment.id, key=key, except_generation=segment.generation
                )
            uow.commit()

    def recover(self) -> list[ImportRecord]:
        """At start-up: imports that were running when the process died become ``stopped``
        (their transaction never committed), and leftovers of old generations are queued
        for removal. Imports waiting for approval stay ``ready``."""
        stopped: list[ImportRecord] = []
        with self._uow(write=True) as uow:
            repo = uow.big_segments
            for record in uow.big_segment_records.active_imports():
                if record.status == ImportStatus.READY:
                    continue
                done = replace(
                    record,
                    status=ImportStatus.STOPPED,
                    error=INTERRUPTED,
                    finished_time=self._clock.now_ms(),
                )
                uow.big_segment_records.update_import(done)
                stopped.append(done)
            # Old generations whose cleanup never ran (the process stopped first).
            leftovers = set()
            for environment_id in repo.environments_with_big_segments():
                for key, generation in repo.big_segments(environment_id=environment_id):
                    if repo.drop_generations(
                        environment_id=environment_id, key=key, except_generation=generation
                    ):
                        leftovers.add(environment_id)
            uow.commit()
        for environment_id in leftovers:
            self._sync.mark_dirty(environment_id)
        for record in stopped:
            self.discard_upload(record.id)
            # A replace may have written its new generation to Redis before dying.
            self._sync.mark_dirty(record.environment_id, rebuild=record.mode == ImportMode.REPLACE)
        return stopped

    # ------------------------------------------------------------ exports

    def run_export(self, export_id: str) -> None:
        """Write the included keys to ``exports/<id>.csv`` (one key per line)."""
        with self._uow() as uow:
            repo = uow.big_segments
            record = uow.big_segment_records.get_export(export_id)
            if record is None or record.status != "pending":
                return
            environment = repo.environment(record.environment_id)
            segment = (
                None
                if environment is None
                else uow.segments.get(environment_id=environment.id, key=record.segment_key)
            )
            self.exports_dir.mkdir(parents=True, exist_ok=True)
            path = self.export_path(export_id)
            if environment is None or segment is None:
                record = replace(record, status="failed", error="segment no longer exists")
            else:
                with path.open("wb") as out:
                    _write_csv(
                        out,
                        repo.iter_keys(
                            environment_id=environment.id,
                            key=segment.key,
                            generation=segment.generation or 1,
                            excluded=False,
                        ),
                    )
                record = replace(record, status="complete", size_bytes=path.stat().st_size)
        with self._uow(write=True) as uow:
            uow.big_segment_records.update_export(record)
            uow.commit()


class _Counter:
    """Flattens chunks of keys into one stream, counting the rows that went by."""

    def __init__(self) -> None:
        self.count = 0

    def each(self, chunks: Iterator[list[str]]) -> Iterator[str]:
        for chunk in chunks:
            self.count += len(chunk)
            yield from chunk


def _write_csv(out: BinaryIO, pages: Iterator[list[str]]) -> None:
    for page in pages:
        lines = []
        for key in page:
            if any(c in key for c in ',"\r\n') or key != key.strip():
                key = '"' + key.replace('"', '""') + '"'
            lines.append(key)
        out.write(("\n".join(lines) + "\n").encode())
