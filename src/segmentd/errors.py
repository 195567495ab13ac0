"""The one exception tree of segmentd.

Raise deep, translate once at each edge: the API renders a ``ServiceError`` as
LaunchDarkly's error body ``{"code", "message", "id"}`` with ``status``; the CLI prints
``message`` to stderr and exits with ``exit_code``.

    ServiceError                      500 internal_error
    ├── InvalidRequest                400 invalid_request
    ├── InvalidPatch                  400 invalid_patch
    ├── Unauthorized                  401 unauthorized
    ├── Forbidden                     403 forbidden
    ├── NotFound                      404 not_found
    ├── MethodNotAllowed              405 method_not_allowed
    ├── Conflict                      409 conflict
    │   ├── KeyExists                 409 key_exists
    │   ├── OptimisticLockError       409 optimistic_locking_error
    │   ├── ResourceInUse             409 resource_in_use
    │   └── ImportInProgress          409 import_in_progress
    ├── PayloadTooLarge               413 payload_too_large
    ├── UnsupportedMediaType          415 unsupported_media_type
    ├── UnprocessablePatch            422 patch_failed
    ├── RateLimited                   429 rate_limited
    ├── Unavailable                   503 service_unavailable
    │   └── DatabaseUnavailable       503 service_unavailable
    └── StartupError                  start-up and CLI set-up; one exit code per kind
        ├── BadDatabaseUrl            exit 10
        ├── DatabaseMissing           exit 11
        ├── DatabaseUnreachable       exit 12
        ├── BadRedisUrl               exit 13
        ├── CannotListen              exit 14
        └── DataDirUnusable           exit 15

A ``StartupError`` message is one line that says what is wrong and what to do.
"""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    """Base of every error segmentd reports to a caller."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1
    default_message: ClassVar[str] = "Internal error"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidRequest(ServiceError):
    code = "invalid_request"
    status = 400
    exit_code = 2
    default_message = "Invalid request body"


class InvalidPatch(ServiceError):
    """A JSON Patch ``remove`` of a path that does not exist: LaunchDarkly's answer, which
    its Terraform provider works around (docs/compatibility.md)."""

    code = "invalid_patch"
    status = 400
    exit_code = 2
    default_message = "Invalid patch"


class Unauthorized(ServiceError):
    code = "unauthorized"
    status = 401
    exit_code = 3
    default_message = "Invalid access token"


class Forbidden(ServiceError):
    code = "forbidden"
    status = 403
    exit_code = 3
    default_message = "Forbidden. Access to the requested resource was denied."


class NotFound(ServiceError):
    code = "not_found"
    status = 404
    exit_code = 4
    default_message = "Invalid resource identifier"


class MethodNotAllowed(ServiceError):
    code = "method_not_allowed"
    status = 405
    exit_code = 2
    default_message = "Method not allowed"


class Conflict(ServiceError):
    code = "conflict"
    status = 409
    exit_code = 5
    default_message = "Conflict"


class KeyExists(Conflict):
    code = "key_exists"
    default_message = "Duplicate key"


class OptimisticLockError(Conflict):
    code = "optimistic_locking_error"
    default_message = "Conflict. Optimistic lock error. Try again later."


class ResourceInUse(Conflict):
    code = "resource_in_use"
    default_message = "The resource is in use"


class ImportInProgress(Conflict):
    code = "import_in_progress"
    default_message = "An import is already in progress"


class PayloadTooLarge(ServiceError):
    code = "payload_too_large"
    status = 413
    exit_code = 2
    default_message = "Request body too large"


class UnsupportedMediaType(ServiceError):
    code = "unsupported_media_type"
    status = 415
    exit_code = 2
    default_message = "Unsupported content type"


class UnprocessablePatch(ServiceError):
    code = "patch_failed"
    status = 422
    exit_code = 2
    default_message = "Unprocessable entity. Could not apply patch."


class RateLimited(ServiceError):
    code = "rate_limited"
    status = 429
    exit_code = 6
    default_message = "You've exceeded the API rate limit. Try again later."


class Unavailable(ServiceError):
    code = "service_unavailable"
    status = 503
    exit_code = 7
    default_message = "Service unavailable"


class DatabaseUnavailable(Unavailable):
    """The database refused or dropped the connection (stopped, restarting, unreachable, or
    out of connections). Nothing was written; the client may retry (``Retry-After``)."""

    default_message = "The database is unavailable; try again shortly."
    headers: ClassVar[dict[str, str]] = {"Retry-After": "1"}


class StartupError(ServiceError):
    """The process cannot start with its configuration (never reaches an HTTP client)."""

    code = "startup_error"
    exit_code = 9
    default_message = "segmentd cannot start with this configuration"


class BadDatabaseUrl(StartupError):
    exit_code = 10


class DatabaseMissing(StartupError):
    exit_code = 11


class DatabaseUnreachable(StartupError):
    exit_code = 12


class BadRedisUrl(StartupError):
    exit_code = 13


class CannotListen(StartupError):
    exit_code = 14


class DataDirUnusable(StartupError):
    exit_code = 15
