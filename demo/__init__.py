"""Bundled demo material: the competitor shops in :mod:`demo.shops` (see demo/README.md)."""
