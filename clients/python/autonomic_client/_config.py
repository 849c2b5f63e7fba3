"""Where the control plane is and how to prove who we are: arguments first, then the environment."""

from __future__ import annotations

import os
from typing import List, Optional, Sequence, Union

#: Used when neither an argument nor ``AUTONOMIC_URL`` names a server.
DEFAULT_URL = "http://127.0.0.1:7070"

UrlSpec = Union[str, Sequence[str], None]


def resolve_urls(url: UrlSpec = None) -> List[str]:
    """The server URLs to use, in order of preference.

    ``url`` may be one URL, several separated by commas, or a list; when None,
    ``AUTONOMIC_URL`` is read the same way, and then :data:`DEFAULT_URL`.

    Example::

        resolve_urls("http://10.0.0.1:7070, http://10.0.0.2:7070")
        # ['http://10.0.0.1:7070', 'http://10.0.0.2:7070']
    """
    if url is None:
        url = os.environ.get("AUTONOMIC_URL") or DEFAULT_URL
    parts = url.split(",") if isinstance(url, str) else list(url)
    urls = [p.strip().rstrip("/") for p in parts if p and p.strip()]
    for u in urls:
        if not (u.startswith("http://") or u.startswith("https://")):
            raise ValueError(f"url: {u!r} must start with http:// or https://")
    if not urls:
        raise ValueError("url: no server URL given")
    return urls


def resolve_token(token: Optional[str] = None) -> Optional[str]:
    """The bearer token: the argument, else ``AUTONOMIC_TOKEN``, else None (no token sent)."""
    if token is not None:
        return token or None
    return os.environ.get("AUTONOMIC_TOKEN") or None
