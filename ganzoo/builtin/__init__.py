"""The core's own features, registered as ordinary plugins (no torch imported here)."""
