"""Big-segment use cases: targets, membership, imports and exports.

What each promises: docs/big-segments.md §endpoints.

Every membership change runs in one transaction with the segment's version bump (and,
for a ``replace`` import, its generation bump), then is announced to SDK feeds
(:class:`ItemChange`) and published to Redis (:class:`MembershipSync`) after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from segmentd.domain.audit.history import SYSTEM, Action, Actor
from segmentd.domain.big_segments.model import (
    ExportRecord,
    ImportMode,
    ImportRecord,
    ImportStatus,
    Membership,
    MembershipCounts,
    TargetChanges,
    check_context_key,
    check_target_changes,
    segment_ref,
)
from segmentd.domain.projects.model import AccessToken, Environment
from segmentd.domain.segments.instructions import BigSegmentInstruction, ProcessBigSegmentImport
from segmentd.domain.segments.model import Segment
from segmentd.domain.shared.ids import new_uuid
from segmentd.domain.shared.json_types import JsonObject
from segmentd.errors import ImportInProgress, InvalidRequest, NotFound
from segmentd.services.big_segments.jobs import BigSegmentJobs
from segmentd.services.big_segments.sync import MembershipSync
from segmentd.services.ports import ChangeNotifier, Clock
from segmentd.services.projects.service import find_environment
from segmentd.services.segments.writes import SegmentWrites
from segmentd.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class BigSegmentInfo:
    """What a segment representation shows about a big segment's membership."""

    counts: MembershipCounts
    import_in_progress: bool


@dataclass(frozen=True, slots=True)
class BigSegmentPatch:
    """The outcome of :meth:`BigSegmentService.apply_instructions`.

    ``changed``: membership changed, so the caller must store the segment one version up
    even when the rest of the patch left it unchanged. Call ``after_commit()`` once the
    transaction has committed (it publishes to Redis and starts approved imports).
    """

    changed: bool
    after_commit: Callable[[], None]
    #: What the audit entry of the patch says about membership (see ``audit_changes``).
    audit: tuple[JsonObject, ...] = ()


def big_segment(uow: UnitOfWork, environment: Environment, key: str) -> Segment:
    """The live big segment ``key``: ``NotFound`` if missing, 400 for a standard segment."""
    segment = uow.segments.get(environment_id=environment.id, key=key)
    if segment is None:
        raise NotFound(f"Unknown segment {key!r}")
    if not segment.unbounded:
        raise InvalidRequest(
            f"segment {key!r} is a standard segment; this endpoint is for big segments "
            "(unbounded: true) only"
        )
    return segment


class BigSegmentService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        changes: ChangeNotifier,
        sync: MembershipSync,
        jobs: BigSegmentJobs,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._changes = changes
        self.sync = sync
        self.jobs = jobs

    # ------------------------------------------------------------ targets

    def update_targets(
        self,
        project_key: str,
        environment_key: str,
        key: str,
        changes: TargetChanges,
        *,
        actor: Actor = SYSTEM,
    ) -> None:
        """Apply a ``SegmentUserState`` body: adds, then removes, on each list.

        Refuses (400) a standard segment, a bad key, a key added to both lists, or a key
        added to one list while it is in the other (and not removed from it in the same
        request). While an import runs on the segment the answer is 409.
        """
        changes = check_target_changes(changes)
        with self._uow(write=True) as uow:
            environment = find_environment(uow, project_key, environment_key)
            segment = big_segment(uow, environment, key)
            if uow.big_segment_records.import_in_progress(environment_id=environment.id, key=key):
                raise ImportInProgress("An import is in progress on this segment; try again later")
            changed, stale = self._apply(uow, environment, segment, changes)
            if not changed:
                return
            writes = SegmentWrites(uow, self._clock, self._changes)
            stored = writes.update(
                environment.id,
                segment,
                segment,
                action=Action.UPDATE_BIG_SEGMENT_TARGETS,
                actor=actor,
                changes=changes.audit_changes(),
            )
            writes.commit()
        self._publish(environment, stored, changes, stale)

    def _publish(
        self, environment: Environment, stored: Segment, changes: TargetChanges, stale: bool
    ) -> None:
        """Send a committed membership change to Redis."""
        if stale:
            self.sync.mark_dirty(environment.id, rebuild=True)
        ref = segment_ref(stored.key, stored.generation or 1)
        self.sync.publish_changes(environment, ref, changes)

    def _apply(
        self, uow: UnitOfWork, environment: Environment, segment: Segment, changes: TargetChanges
    ) -> tuple[bool, bool]:
        """Write one change set; returns (membership changed, stale leftovers dropped)."""
        repo = uow.big_segments
        stale = repo.prepare(environment_id=environment.id, segment=segment)
        env_id, key, generation = environment.id, segment.key, segment.generation or 1
        for adds, other_removes, other, name in (
            (changes.included_add, changes.excluded_remove, True, "included"),
            (changes.excluded_add, changes.included_remove, False, "excluded"),
        ):
            clash = repo.present(
                environment_id=env_id, key=key, generation=generation, keys=adds, excluded=other
            ) - set(other_removes)
            if clash:
                other_name = "excluded" if other else "included"
                raise InvalidRequest(
                    f"{name}.add: keys already {other_name} (remove them there first): "
                    f"{sorted(clash)[:10]}"
                )
        counts = repo.counts(environment_id=environment.id, segment=segment)
        # Removes of the other list first, so that moving a key between lists works.
        remove = partial(repo.remove, environment_id=env_id, key=key, generation=generation)
        add = partial(repo.add, environment_id=env_id, key=key, generation=generation)
        excluded_removed = remove(keys=changes.excluded_remove, excluded=True)
        included_removed = remove(keys=changes.included_remove, excluded=False)
        included_added = add(keys=changes.included_add, excluded=False)
        excluded_added = add(keys=changes.excluded_add, excluded=True)
        delta = included_added + excluded_added + included_removed + excluded_removed
        if delta:
            repo.set_counts(
                environment_id=environment.id,
                key=segment.key,
                counts=MembershipCounts(
                    counts.included + included_added - included_removed,
                    counts.excluded + excluded_added - excluded_removed,
                ),
            )
        return bool(delta) or stale, stale

    def apply_instructions(
        self,
        uow: UnitOfWork,
        environment: Environment,
        segment: Segment,
        instructions: Sequence[BigSegmentInstruction],
        actor: AccessToken | None = None,
    ) -> BigSegmentPatch:
        """Run the big-segment instructions of a semantic patch inside the caller's unit of
        work (``PatchResult.big_segment_instructions``, already checked by ``apply_all``).

        Target instructions run in order; ``processBigSegmentImport`` starts an import that
        was created with ``waitOnApprovals`` (400 if unknown or not waiting). The caller
        bumps the version when ``changed`` and calls ``after_commit()`` after committing.
        """
        del actor  # recorded by the caller's audit trail, if any
        targets = any(not isinstance(i, ProcessBigSegmentImport) for i in instructions)
        if targets and uow.big_segment_records.import_in_progress(
            environment_id=environment.id, key=segment.key
        ):
            raise ImportInProgress("An import is in progress on this segment; try again later")
        changed = False
        stale = False
        applied: list[TargetChanges] = []
        approved: list[str] = []
        for i, instruction in enumerate(instructions):
            if isinstance(instruction, ProcessBigSegmentImport):
                self.jobs.approve(uow, environment, segment, instruction.import_id, index=i)
                approved.append(instruction.import_id)
                continue
            values = tuple(
                check_context_key(v, field=f"instructions[{i}].values[{j}]")
                for j, v in enumerate(instruction.values)
            )
            field = ("included_" if instruction.included else "excluded_") + (
                "add" if instruction.adds else "remove"
            )
            changes = TargetChanges(**{field: values})
            did, was_stale = self._apply(uow, environment, segment, changes)
            changed, stale = changed or did, stale or was_stale
            applied.append(changes)

        def after_commit() -> None:
            ref = segment_ref(segment.key, segment.generation or 1)
            if stale:
                self.sync.mark_dirty(environment.id, rebuild=True)
            for changes in applied:
                self.sync.publish_changes(environment, ref, changes)
            for import_id in approved:
                self.jobs.enqueue_import(import_id)

        audit = tuple(entry for changes in applied for entry in changes.audit_changes())
        return BigSegmentPatch(changed=changed, after_commit=after_commit, audit=audit)

    # ------------------------------------------------------------ reads

    def membership(
        self, project_key: str, environment_key: str, key: str, context_key: str
    ) -> Membership:
        """Whether ``context_key`` is in the big segment's included and excluded lists
        (both ``False`` for a key in neither). 400 for a standard segment."""
        with self._uow() as uow:
            found = uow.big_segments.lookup(
                project_key=project_key,
                environment_key=environment_key,
                key=key,
                context_key=context_key,
            )
            if found is not None and found[0]:
                return found[1]
            # Missing or standard: the slow path raises the precise error.
            environment = find_environment(uow, project_key, environment_key)
            segment = big_segment(uow, environment, key)
            return uow.big_segments.membership(
                environment_id=environment.id, segment=segment, context_key=context_key
            )

    def info(self, project_key: str, environment_key: str, segment: Segment) -> BigSegmentInfo:
        """Stored counts and whether an import is running (for ``_unboundedMetadata``)."""
        with self._uow() as uow:
            environment = find_environment(uow, project_key, environment_key)
            repo = uow.big_segments
            return BigSegmentInfo(
                counts=repo.counts(environment_id=environment.id, segment=segment),
                import_in_progress=uow.big_segment_records.import_in_progress(
                    environment_id=environment.id, key=segment.key
                ),
            )

    def resync(
        self,
        *,
        project_key: str | None = None,
        environment_key: str | None = None,
        rebuild: bool = False,
    ) -> list[tuple[Environment, bool]]:
        """Rewrite Redis from the database for one environment, a project's, or all that
        hold big segments; returns each environment with whether it is now in sync."""
        if not self.sync.enabled:
            raise InvalidRequest("SEGMENTD_REDIS_URL is not set: there is nothing to resync")
        if environment_key is not None and project_key is None:
            raise InvalidRequest("--environment needs --project")
        with self._uow() as uow:
            if project_key is not None and environment_key is not None:
                environments = [find_environment(uow, project_key, environment_key)]
            else:
                if project_key is not None and uow.projects.get(project_key) is None:
                    raise NotFound(f"Unknown project {project_key!r}")
                ids = uow.big_segments.environments_with_big_segments()
                found = [uow.big_segments.environment(i) for i in ids]
                environments = [
                    e for e in found if e is not None and project_key in (None, e.project_key)
                ]
        return [(e, self.sync.resync(e, rebuild=rebuild)) for e in environments]

    # ------------------------------------------------------------ imports

    def start_import(
        self,
        project_key: str,
        environment_key: str,
        key: str,
        *,
        mode: str,
        wait_on_approvals: bool,
        upload: Path,
        file_name: str,
    ) -> ImportRecord:
        """Accept an uploaded CSV (already on disk at ``upload``) and queue its import.

        409 when the environment already has an import that is not finished. With
        ``wait_on_approvals`` the import waits as ``ready`` for a ``processBigSegmentImport``
        instruction. The upload file is moved into the imports directory, or deleted.
        """
        try:
            import_mode = ImportMode(mode.strip().lower())
        except ValueError:
            upload.unlink(missing_ok=True)
            raise InvalidRequest("mode: must be 'merge' or 'replace'") from None
        record = ImportRecord(
            id=new_uuid(),
            environment_id="",
            segment_key=key,
            mode=import_mode,
            status=ImportStatus.READY if wait_on_approvals else ImportStatus.PREPARING,
            creation_time=self._clock.now_ms(),
            file_name=(file_name or "file")[:256],
            size_bytes=upload.stat().st_size,
        )
        try:
            with self._uow(write=True) as uow:
                environment = find_environment(uow, project_key, environment_key)
                big_segment(uow, environment, key)
                record = replace(record, environment_id=environment.id)
                uow.big_segment_records.add_import(record)
                self.jobs.store_upload(record.id, upload)
                uow.commit()
        except BaseException:
            upload.unlink(missing_ok=True)
            self.jobs.discard_upload(record.id)
            raise
        if not wait_on_approvals:
            self.jobs.enqueue_import(record.id)
        return record

    def get_import(
        self, project_key: str, environment_key: str, key: str, import_id: str
    ) -> ImportRecord:
        with self._uow() as uow:
            environment = find_environment(uow, project_key, environment_key)
            big_segment(uow, environment, key)
            record = uow.big_segment_records.get_import(import_id)
        if record is None or record.environment_id != environment.id or record.segment_key != key:
            raise NotFound(f"Unknown import {import_id!r}")
        return record

    # ------------------------------------------------------------ exports

    def start_export(
        self, project_key: str, environment_key: str, key: str, initiator: AccessToken
    ) -> ExportRecord:
        """Queue a CSV export of the included keys; its status turns ``complete`` when the
        file is ready to download."""
        record = ExportRecord(
            id=new_uuid(),
            environment_id="",
            segment_key=key,
            status="pending",
            creation_time=self._clock.now_ms(),
            size_bytes=0,
            initiator_name=initiator.name,
        )
        with self._uow(write=True) as uow:
            environment = find_environment(uow, project_key, environment_key)
            big_segment(uow, environment, key)
            record = replace(record, environment_id=environment.id)
            uow.big_segment_records.add_export(record)
            uow.commit()
        self.jobs.enqueue_export(record.id)
        return record

    def get_export(
        self, project_key: str, environment_key: str, key: str, export_id: str
    ) -> ExportRecord:
        with self._uow() as uow:
            environment = find_environment(uow, project_key, environment_key)
            big_segment(uow, environment, key)
            record = uow.big_segment_records.get_export(export_id)
        if record is None or record.environment_id != environment.id or record.segment_key != key:
            raise NotFound(f"Unknown export {export_id!r}")
        return record

    def export_file(self, project_key: str, environment_key: str, key: str, export_id: str) -> Path:
        """The finished export's CSV file (404 until the export is complete)."""
        record = self.get_export(project_key, environment_key, key, export_id)
        path = self.jobs.export_path(record.id)
        if record.status != "complete" or not path.exists():
            raise NotFound(f"Export {export_id!r} is not ready ({record.status})")
        return path
