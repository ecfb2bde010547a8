"""The one error hierarchy.

Each class declares an HTTP status, a stable machine code, an exit code for
the CLI and a user message. The user message is what people see; the log
message (the exception's ``args``) may carry details such as database text,
which never reaches a response body or the CLI's one line.
"""

from __future__ import annotations

from typing import Any, ClassVar


class GisError(Exception):
    """Base of every error the project raises on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    exit_code: ClassVar[int] = 2
    default_message: ClassVar[str] = "Lỗi nội bộ / Internal error."

    def __init__(
        self, user_message: str | None = None, *, log_message: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        self.user_message = user_message or self.default_message
        # Machine-readable specifics for the people who must fix things (e.g. a load report); never database text.
        self.details = details or {}
        super().__init__(log_message or self.user_message)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.user_message}


class BadRequest(GisError):
    status = 400
    code = "bad_request"
    default_message = "Yêu cầu không hợp lệ / Invalid request."


class NotFound(GisError):
    status = 404
    code = "not_found"
    default_message = "Không tìm thấy / Not found."


class DatabaseUnavailable(GisError):
    status = 503
    code = "database_unavailable"
    default_message = "Cơ sở dữ liệu không truy cập được / The database is not reachable."


class UsageError(GisError):
    """Wrong command-line use or environment: the CLI exits 2."""

    status = 400
    code = "usage"
    exit_code = 2


class DataRejected(GisError):
    """The input data cannot be loaded as it is; nothing was written. The CLI exits 1."""

    status = 422
    code = "data_rejected"
    exit_code = 1
