"""Flags evaluated for client-side (browser) and mobile SDKs, which cannot evaluate themselves.

A browser SDK names its environment by the client-side id (the environment's ``_id``), a
mobile SDK by the mobile key in ``Authorization``. Each gets only the flags made available
to its credential (``clientSideAvailability.usingEnvironmentId`` / ``usingMobileKey``), as
LaunchDarkly serves them, evaluated with the pure flag evaluator over the same prepared
segment snapshot that membership answers use (Big Segments included).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
from dataclasses import dataclass

import orjson

from segmentd.domain.projects.model import Environment
from segmentd.domain.shared.context import Context, parse_context
from segmentd.domain.shared.json_types import JsonValue
from segmentd.errors import Forbidden, InvalidRequest, NotFound, Unauthorized
from segmentd.evaluation.flags import FlagReason, PreparedFlag, evaluate_flag, prepare_flag
from segmentd.services.changes import ChangeHub
from segmentd.services.evaluations.service import EvaluationService
from segmentd.services.feed.service import sdk_key_from_header
from segmentd.services.ports import Clock, ItemChange
from segmentd.services.unit_of_work import UnitOfWorkFactory

#: How long a prepared flag set is trusted without an announced change (writes by processes
#: that announce nothing here).
FLAGS_MAX_AGE_MS = 1_000

#: Longest base64url context a path may carry.
MAX_CONTEXT_CHARS = 32_768


@dataclass(frozen=True, slots=True)
class ClientFlag:
    """One evaluated flag as client SDKs receive it (see :func:`client_flag_json`)."""

    key: str
    value: JsonValue
    variation: int | None
    version: int
    flag_version: int
    reason: FlagReason
    track_events: bool
    track_reason: bool


def client_flag_json(flag: ClientFlag, *, with_reasons: bool) -> dict[str, JsonValue]:
    """The per-flag object of ``evalx`` answers and ``put``/``patch`` events.

    ``reason`` is sent when asked for (``withReasons=true``) or when the flag tracks reasons
    (experiments), as LaunchDarkly does; ``variation`` is left out when no value is served.
    """
    body: dict[str, JsonValue] = {
        "value": flag.value,
        "version": flag.version,
        "flagVersion": flag.flag_version,
        "trackEvents": flag.track_events,
    }
    if flag.variation is not None:
        body["variation"] = flag.variation
    if flag.track_reason:
        body["trackReason"] = True
    if with_reasons or flag.track_reason:
        body["reason"] = flag.reason.to_json()
    return body


def context_from_path(encoded: str) -> Context:
    """A context from its base64url JSON (padding optional), as GET paths carry it."""
    if len(encoded) > MAX_CONTEXT_CHARS:
        raise InvalidRequest("context: too long")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        data = orjson.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidRequest("context: not base64url-encoded JSON") from None
    return parse_context(data)


def context_from_body(body: bytes) -> Context:
    """A context from a ``REPORT`` body (JSON)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidRequest("context: the body is not JSON") from None
    return parse_context(data)


@dataclass
class _Flags:
    prepared: tuple[PreparedFlag, ...]
    loaded_ms: int


class ClientSdkService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        evaluations: EvaluationService,
        changes: ChangeHub,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._evaluations = evaluations
        self._clock = clock
        self._flags: dict[str, _Flags] = {}
        self._lock = threading.Lock()
        changes.subscribe(self._on_change)

    def _on_change(self, change: ItemChange) -> None:
        if change.kind in ("flags", "environments"):
            with self._lock:
                self._flags.pop(change.environment_id, None)

    # ------------------------------------------------------------ credentials

    def by_client_side_id(self, client_side_id: str) -> Environment:
        """The environment of a client-side id; 404 for an unknown one."""
        with self._uow() as uow:
            environment = uow.environments.find_by_credential(client_side_id=client_side_id)
        if environment is None:
            raise NotFound(f"Unknown client-side id {client_side_id!r}")
        return environment

    def by_mobile_key(self, authorization: str | None) -> Environment:
        """The environment of the mobile key in ``Authorization`` (raw or ``api_key <key>``)."""
        key = sdk_key_from_header(authorization)
        environment = None
        if key is not None:
            with self._uow() as uow:
                environment = uow.environments.find_by_credential(mobile_key=key)
        if environment is None:
            raise Unauthorized("Invalid mobile key")
        return environment

    @staticmethod
    def check_secure_mode(environment: Environment, context: Context, hash_: str | None) -> None:
        """In an environment with secure mode on, a browser must send ``h``: the hex
        HMAC-SHA256 of the context's fully qualified key under the SDK key (what server-side
        SDKs' ``secure_mode_hash`` computes). 403 otherwise."""
        if not environment.secure_mode:
            return
        expected = hmac.new(
            environment.sdk_key.encode(), context.fully_qualified_key.encode(), hashlib.sha256
        ).hexdigest()
        if not hash_ or not hmac.compare_digest(expected, hash_):
            raise Forbidden("Secure mode: the h parameter does not match the context")

    # ------------------------------------------------------------ evaluation

    def _prepared_flags(self, environment_id: str) -> tuple[PreparedFlag, ...]:
        now = self._clock.now_ms()
        with self._lock:
            cached = self._flags.get(environment_id)
        if cached is not None and now - cached.loaded_ms < FLAGS_MAX_AGE_MS:
            return cached.prepared
        with self._uow() as uow:
            rows = uow.flags.live_in_environment(environment_id=environment_id)
        prepared = tuple(prepare_flag(flag, config) for flag, config in rows)
        with self._lock:
            self._flags[environment_id] = _Flags(prepared, now)
        return prepared

    def evaluate_all(
        self, environment: Environment, context: Context, *, mobile: bool
    ) -> dict[str, ClientFlag]:
        """Every flag available to the credential, evaluated for ``context``, by key.

        ``version`` grows with every change that can change the answer: the flag's
        configuration version plus the versions of the environment's live segments.
        """
        flags = self._prepared_flags(environment.id)
        segments, big = self._evaluations.environment_segments(environment)
        segment_versions = sum(s.version for s in segments.stored.values())
        out: dict[str, ClientFlag] = {}
        for flag in flags:
            available = flag.flag.client_side
            if not (available.using_mobile_key if mobile else available.using_environment_id):
                continue
            result = evaluate_flag(flag, context, segments, big_segments=big)
            tracked = _tracks_reason(flag, result.reason)
            out[flag.key] = ClientFlag(
                key=flag.key,
                value=result.value,
                variation=result.variation,
                version=flag.config.version + segment_versions,
                flag_version=flag.config.version,
                reason=result.reason,
                track_events=flag.config.track_events or tracked,
                track_reason=tracked,
            )
        return out


def _tracks_reason(flag: PreparedFlag, reason: FlagReason) -> bool:
    """Whether events for this evaluation must carry the reason (LaunchDarkly's experiment
    rule: a rule with ``trackEvents``, or the fallthrough with ``trackEventsFallthrough``)."""
    if reason.kind == "RULE_MATCH" and reason.rule_index is not None:
        return flag.config.rules[reason.rule_index].track_events
    if reason.kind == "FALLTHROUGH":
        return flag.config.track_events_fallthrough
    return False
