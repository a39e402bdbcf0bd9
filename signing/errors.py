"""Errors raised by the signing adapter, each with a stable code and a Vietnamese message."""


class SigningError(Exception):
    """A signing or PDF-processing step failed for a reason the caller can report."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class PdfError(SigningError):
    """The bytes given are not a PDF this system can process."""
