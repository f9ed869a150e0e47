"""Checks: prerequisites, the contract probe, and checks over what the product did."""
