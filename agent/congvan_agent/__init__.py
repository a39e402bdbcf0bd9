"""congvan-agent: signs, on the USB token of the leader's own PC, the digests a congvan page hands it."""

__version__ = "0.1.0"
