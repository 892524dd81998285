"""The admin key check, one rule for the route dependency and for the body limit that runs before it:
the key comes in `X-API-Key`, else in `Authorization: Bearer`; compared in constant time; no key
configured means no request is an admin's."""

from __future__ import annotations

import hmac


def admin_key_matches(api_key: str | None, bearer: str | None, expected: str | None) -> bool:
    """Whether the key presented (`X-API-Key`, else the bearer token) is the configured one."""
    given = api_key or bearer
    return bool(expected) and bool(given) and hmac.compare_digest(str(given).encode(), str(expected).encode())
