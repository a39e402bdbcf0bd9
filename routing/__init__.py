"""Routing: recipients, deliveries, receipts; listens to workflow's signals."""

from __future__ import annotations


def connect() -> None:
    """Subscribe routing to workflow's signals (idempotent: blinker keeps one connection per receiver)."""
    from routing.deliveries import pages as delivery_pages
    from routing.deliveries import service as services
    from routing.incoming import answering
    from routing.incoming import pages as incoming_pages
    from routing.recipients import pages as recipient_pages
    from routing.records import service as records
    from workflow.access import document_readers
    from workflow.signals import (
        document_issued,
        document_notes,
        document_panels,
        document_recalled,
        draft_replies,
        live_counts,
    )

    document_issued.connect(services.on_document_issued, weak=False)
    document_issued.connect(answering.on_answer_issued, weak=False)
    document_issued.connect(records.on_issued, weak=False)
    draft_replies.connect(answering.may_answer, weak=False)
    document_recalled.connect(services.on_document_recalled, weak=False)
    document_readers.connect(services.received_by, weak=False)
    document_panels.connect(delivery_pages.recipient_panel, weak=False)
    document_panels.connect(recipient_pages.addressing_panel, weak=False)
    document_panels.connect(incoming_pages.answers_panel, weak=False)
    document_notes.connect(delivery_pages.unresolved_notes, weak=False)
    live_counts.connect(delivery_pages.inbox_count, weak=False)
