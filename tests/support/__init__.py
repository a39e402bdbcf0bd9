"""Helpers the tests share: the API client and app builder, real processes and servers, hostile files, tokens."""
