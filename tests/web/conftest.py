"""Fixtures of the web tests: another agency played by the tests (shared with the routing tests)."""

from tests.routing.foreign import foreign, foreign_ca, signed_pdf

__all__ = ["foreign", "foreign_ca", "signed_pdf"]
