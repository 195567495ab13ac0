"""What the HTTP layer needs from the composition root, as a Protocol (the API never imports
:mod:`segmentd.bootstrap`; ``bootstrap.Services`` satisfies this structurally)."""

from __future__ import annotations

from typing import Protocol

from segmentd.config import Settings
from segmentd.services.audit.service import AuditService
from segmentd.services.big_segments.service import BigSegmentService
from segmentd.services.changes import ChangeHub
from segmentd.services.client_sdk.service import ClientSdkService
from segmentd.services.evaluations.service import EvaluationService
from segmentd.services.expiring.service import ExpiringTargetService
from segmentd.services.feed.service import FeedService
from segmentd.services.flags.service import FlagService
from segmentd.services.ports import Clock
from segmentd.services.projects.access import AccessService
from segmentd.services.projects.service import ProjectService
from segmentd.services.segments.service import SegmentService


class AppServices(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def access(self) -> AccessService: ...

    @property
    def projects(self) -> ProjectService: ...

    @property
    def segments(self) -> SegmentService: ...

    @property
    def evaluations(self) -> EvaluationService: ...

    @property
    def client_sdk(self) -> ClientSdkService: ...

    @property
    def expiring(self) -> ExpiringTargetService: ...

    @property
    def audit(self) -> AuditService: ...

    @property
    def flags(self) -> FlagService: ...

    @property
    def feed(self) -> FeedService: ...

    @property
    def changes(self) -> ChangeHub: ...

    @property
    def big_segments(self) -> BigSegmentService: ...

    def database_ready(self) -> bool: ...

    def start_background(self) -> None: ...

    def stop_background(self) -> None: ...
