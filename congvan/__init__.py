"""The command line and what runs above every feature: the demo, the demo day, backups."""
