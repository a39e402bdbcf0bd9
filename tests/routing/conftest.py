"""Fixtures of the routing tests: another agency played by the tests."""

from tests.routing.foreign import foreign, foreign_ca, signed_pdf

__all__ = ["foreign", "foreign_ca", "signed_pdf"]
