"""Domain errors carrying the gRPC status code they map to."""

from __future__ import annotations

import grpc


class ServiceError(Exception):
    """An expected failure with an actionable message and its gRPC status code."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: str) -> ServiceError:
    """INVALID_ARGUMENT."""
    return ServiceError(grpc.StatusCode.INVALID_ARGUMENT, message)


def not_found(message: str) -> ServiceError:
    """NOT_FOUND."""
    return ServiceError(grpc.StatusCode.NOT_FOUND, message)


def already_exists(message: str) -> ServiceError:
    """ALREADY_EXISTS."""
    return ServiceError(grpc.StatusCode.ALREADY_EXISTS, message)


def failed_precondition(message: str) -> ServiceError:
    """FAILED_PRECONDITION."""
    return ServiceError(grpc.StatusCode.FAILED_PRECONDITION, message)


def unavailable(message: str) -> ServiceError:
    """UNAVAILABLE."""
    return ServiceError(grpc.StatusCode.UNAVAILABLE, message)
