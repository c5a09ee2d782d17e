"""Bytes and pictures in and out, for the layers above: downloads verified by sha256
(through the installed transports) and sample grids. Nothing here knows about models or runs."""
