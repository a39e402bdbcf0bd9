"""What workflow tells the other packages (routing listens): blinker signals sent inside the transaction."""

from __future__ import annotations

from dataclasses import dataclass

from blinker import Namespace

signals = Namespace()
# Sent inside the issuing transaction; receivers (routing) add their rows to the same session.
document_issued = signals.signal("document-issued")
document_recalled = signals.signal("document-recalled")
# Sent while a document's page is drawn (keywords person, document); a receiver returns a panel of the page
# (rendered HTML) or None: routing shows a receiving unit its status buttons.
document_panels = signals.signal("document-panels")
# Sent when the pages ask for their live counts (keyword person); a receiver returns more counts by name.
live_counts = signals.signal("live-counts")
# Sent while the clerk's list of documents to issue is drawn (keywords person, documents); a receiver returns
# {document id: [Note]}: routing names the recipients nobody was found for (held back until the clerk ticks the
# document) and those that cannot be reached electronically.
document_notes = signals.signal("document-notes")
# Sent when a draft is made to answer an incoming document (keywords person, incoming_id), inside the transaction;
# a receiver (routing, whose the incoming documents are) returns True when the person may answer it, or raises a
# DomainError saying why not.
draft_replies = signals.signal("draft-replies")


@dataclass(frozen=True)
class Note:
    """A short note on a document in the clerk's list; `hold`: left unticked unless the clerk ticks it."""

    text: str
    hold: bool = False
