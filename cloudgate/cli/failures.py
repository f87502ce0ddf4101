"""Why a command failed, and the exit code each reason gives (so scripts can tell them apart)."""

from __future__ import annotations

from typing import Any

# Exit codes. 2 is also what click uses for a bad command line.
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_OPERATION_FAILED = 4
EXIT_WAIT_TIMEOUT = 5
EXIT_INTERRUPTED = 130

# What each exit code means, for `cloudgate --help` and the README.
EXIT_CODES: dict[int, str] = {
    0: "success",
    EXIT_API_ERROR: "the gateway refused the request (not found, invalid, conflict, not logged in, …)",
    EXIT_USAGE: "a bad command line or configuration: an unknown option, an ambiguous name, a port in use",
    EXIT_UNREACHABLE: "the gateway (or the AMQP broker) could not be reached or did not answer in time",
    EXIT_OPERATION_FAILED: "an operation followed with --wait failed",
    EXIT_WAIT_TIMEOUT: "--wait gave up at --timeout; the operation goes on",
    EXIT_INTERRUPTED: "interrupted (Ctrl+C) while following an operation that goes on",
}


class CliFailure(Exception):
    """A failure reported as `error: <code>: <message>` on stderr, exiting with `exit_code`."""

    exit_code = EXIT_API_ERROR

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details or {}


class ApiError(CliFailure):
    """The gateway answered with an error body."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(code, message, details)
        self.status = status


class UsageFailure(CliFailure):
    """The command line or the local configuration does not allow the command to run."""

    exit_code = EXIT_USAGE


class Unreachable(CliFailure):
    exit_code = EXIT_UNREACHABLE


class OperationFailed(CliFailure):
    """An operation followed with --wait settled as failed."""

    exit_code = EXIT_OPERATION_FAILED


class WaitTimeout(CliFailure):
    exit_code = EXIT_WAIT_TIMEOUT


class Interrupted(CliFailure):
    """Ctrl+C while following something that goes on without us."""

    exit_code = EXIT_INTERRUPTED
