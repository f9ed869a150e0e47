"""The reference Stigmer server: a small, faithful gRPC implementation of Stigmer's API.

Kept import-free on purpose: the Temporal workflow sandbox imports this package.
"""
