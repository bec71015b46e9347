"""facebuild: make for character art."""

from __future__ import annotations

__version__ = "0.1.0"
