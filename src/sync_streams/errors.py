"""One error tree for the whole service, organised by recovery intent.

Callers decide what to do from the class alone:

* ``FatalError``     -- stop this flow for this tenant; a human must act (bad config, auth).
* ``RetriableError`` -- try again later with backoff (429, 5xx, timeouts, dropped connections).
* ``SkippableError`` -- this one record cannot be processed; dead-letter it and go on.

Every error carries a ``retriable`` flag (as aiokafka's errors do) so generic retry
loops need no isinstance ladders.  Messages never contain secrets: API errors keep
the remote error body, never request headers.
"""

from __future__ import annotations

from typing import Any


class SyncStreamsError(Exception):
    """Base of every error raised on purpose by sync-streams."""

    retriable: bool = False


class FatalError(SyncStreamsError):
    """Retrying cannot help: configuration, credentials or contract are wrong."""


class RetriableError(SyncStreamsError):
    """A transient failure: the same call may succeed later."""

    retriable = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StateNotStoredError(RetriableError):
    """Kafka did not acknowledge a state write the sync must not go on without (a
    create's announce): nothing was sent to the target, the event can be run again."""

    stage = "state"


class SkippableError(SyncStreamsError):
    """One record is unusable; it goes to the dead-letter topic and the stream goes on."""


class ConfigError(FatalError):
    """A tenant or service configuration is invalid.

    ``problems`` holds one human-readable line per problem, each naming the
    file and the key path.
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ToolMissingError(FatalError):
    """A program the command needs (java, mvn, prometheus) is not installed."""


# --- API errors -------------------------------------------------------------------


class ApiError(SyncStreamsError):
    """An API answered with an error or could not be reached.

    ``system`` is ``"sellsy"`` or ``"altior"``; ``status`` the HTTP status (0 when no
    response arrived); ``body`` the remote error body as decoded JSON, kept for
    diagnosis (it never holds our credentials).
    """

    def __init__(
        self,
        message: str,
        *,
        system: str,
        status: int = 0,
        code: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.system = system
        self.status = status
        self.code = code
        self.body = body

    def __str__(self) -> str:
        where = f"{self.system} HTTP {self.status}" if self.status else self.system
        return f"{where}: {self.args[0]}"


class RetriableApiError(ApiError, RetriableError):
    """5xx answers and transport failures."""

    retriable = True

    def __init__(
        self,
        message: str,
        *,
        system: str,
        status: int = 0,
        code: str | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        ApiError.__init__(self, message, system=system, status=status, code=code, body=body)
        self.retry_after = retry_after


class RateLimitedError(RetriableApiError):
    """HTTP 429: the account's quota is exhausted for now."""


class ApiUnavailableError(RetriableApiError):
    """5xx, timeout or dropped connection."""


class FatalApiError(ApiError, FatalError):
    """4xx answers that retrying cannot fix."""


class AuthenticationError(FatalApiError):
    """Credentials refused (token endpoint or 401 after one re-authentication)."""


class ForbiddenError(FatalApiError):
    """HTTP 403: the API client lacks a right."""


class NotFoundError(FatalApiError):
    """HTTP 404."""


class RejectedError(FatalApiError):
    """HTTP 400/409/422: the API refused the payload; ``body`` says why."""


class AlreadyExistsError(RejectedError):
    """HTTP 409 on a create: a record with the same unique key exists (``existing_id``).

    Altior keeps external references unique, so a create that carries the Sellsy id
    needs no lookup first: if the record is there, this error names it.
    """

    def __init__(
        self, message: str, *, system: str, existing_id: int, code: str | None, body: Any = None
    ) -> None:
        super().__init__(message, system=system, status=409, code=code, body=body)
        self.existing_id = existing_id


class PreconditionFailedError(ApiError):
    """HTTP 412: the record changed since the version a conditional write was based on.

    Nothing was written.  Not retried as is (the same precondition fails again): the
    writer reads the record again and merges (``SyncHandler``).
    """


class MalformedRecordError(SkippableError):
    """A record read from an API does not match the model we expect.

    ``field`` names the offending field (dotted path) so the dead letter says it.
    """

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason
