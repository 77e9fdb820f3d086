"""A local replica of WhatsApp Web (DOM eras P4 to P6) to develop and test the scraper against."""

from __future__ import annotations

from .server import ReplicaServer, serve
from .state import LANGUAGES

__all__ = ["LANGUAGES", "ReplicaServer", "serve"]
