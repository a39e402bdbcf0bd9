"""The signing adapter: pyHanko behind bytes-in, bytes-out functions; no Flask, no models."""
