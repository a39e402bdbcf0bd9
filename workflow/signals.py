"""What workflow tells the other packages (routing listens): blinker signals sent inside the transaction."""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()
# Sent inside the issuing transaction; receivers (routing) add their rows to the same session.
document_issued = signals.signal("document-issued")
document_recalled = signals.signal("document-recalled")
