"""The hub: directory, documents, lifecycle, signing book, registers, audit."""
