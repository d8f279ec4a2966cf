import json
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import httpx


def load_env(path: Optional[str] = None) -> Dict[str, str]:
    """KEY=VALUE lines of the .env file next to this module (or `path`); the environment wins."""
    values: Dict[str, str] = {}
    env_path = Path(path) if path else Path(__file__).with_name(".env")
    if env_path.is_file():
        for line in env_path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            value = value.strip()
            if value.startswith('"'):
                value = json.loads(value)
            values[key.strip()] = value
    for key, value in os.environ.items():
        if key.startswith("RAE_"):
            values[key] = value
    return values


class ApiError(Exception):
    """A response with status 400 or above."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.status_code = response.status_code
        request = response.request
        super().__init__(f"{request.method} {request.url} -> {response.status_code}: {response.text[:200]}")


class AuthError(ApiError):
    """401 or 403: not signed in, or not allowed."""


class NotFoundError(ApiError):
    """404."""


class ClientError(ApiError):
    """Another 4xx: the request was refused as it was."""


class ServerError(ApiError):
    """5xx."""


class GraphQLError(ApiError):
    """A GraphQL response with errors (sent with status 200): `errors` holds them."""

    def __init__(self, response: httpx.Response, errors: Any) -> None:
        super().__init__(response)
        self.errors = errors


def graphql_data(result: Any, response: httpx.Response) -> Any:
    """The `data` of a GraphQL result; raises GraphQLError when it carries errors."""
    if isinstance(result, dict) and result.get("errors"):
        raise GraphQLError(response, result["errors"])
    return result.get("data") if isinstance(result, dict) else result


def error_for(response: httpx.Response) -> ApiError:
    status = response.status_code
    if status in (401, 403):
        return AuthError(response)
    if status == 404:
        return NotFoundError(response)
    if status >= 500:
        return ServerError(response)
    return ClientError(response)


def json_get(data: Any, path: str) -> Any:
    """The value at a path such as \"items[0].id\" in parsed JSON, or None."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            data = data[index] if isinstance(data, list) and index < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
        if data is None:
            return None
    return data


def html_value(html: str, kind: str, name: str) -> Optional[str]:
    """A value from an HTML page: <meta name=NAME content=...>, <input name=NAME value=...>,
    or NAME: \"...\" / NAME = \"...\" in an inline script."""
    import html as html_lib

    if kind in ("meta", "input"):
        name_attr = "(?:name|property)" if kind == "meta" else "name"
        value_attr = "content" if kind == "meta" else "value"
        for tag in re.findall(r"<" + kind + r"\b[^>]*>", html, re.I):
            if re.search(r"\s" + name_attr + r"\s*=\s*[\"']?" + re.escape(name) + r"[\"'\s/>]", tag, re.I):
                found = re.search(r"\s" + value_attr + r"\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))", tag, re.I)
                if found:
                    return html_lib.unescape(next(g for g in found.groups() if g is not None))
        return None
    found = re.search(r"[\"']?" + re.escape(name) + r"[\"']?\s*[:=]\s*[\"']([^\"']+)[\"']", html)
    return found.group(1) if found else None


def drop_none(values: Dict[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def last_page(page: Any, number: Optional[int], count: int, limit: Any) -> bool:
    """Whether a page of results says it is the last: its page count, a has-more flag that is
    false, or fewer items than asked for."""
    if isinstance(page, dict):
        for where in (page, page.get("meta"), page.get("pagination"), page.get("page_info")):
            if not isinstance(where, dict):
                continue
            for key in ("total_pages", "totalPages", "page_count", "pageCount", "last_page",
                        "lastPage", "pages"):
                if number is not None and isinstance(where.get(key), int) and number >= where[key]:
                    return True
            for key in ("has_more", "hasMore", "has_next", "hasNext", "has_next_page",
                        "hasNextPage"):
                if where.get(key) is False:
                    return True
    return isinstance(limit, int) and 0 < count < limit


def link_param(response: Optional[httpx.Response], rel: str, name: str) -> Optional[str]:
    """The query parameter `name` of the URL that a response's Link header gives for `rel`
    (RFC 8288: Link: <URL>; rel=\"next\"), or None."""
    from urllib.parse import parse_qs, urlsplit

    link = response.links.get(rel) if response is not None else None
    if not link or not link.get("url"):
        return None
    values = parse_qs(urlsplit(link["url"]).query, keep_blank_values=True).get(name)
    return values[0] if values else None


def location_param(response: Optional[httpx.Response], name: str) -> Optional[str]:
    """The query parameter `name` of a redirect's Location (the code and state of a sign-in), or None."""
    from urllib.parse import parse_qs, urlsplit

    location = response.headers.get("location", "") if response is not None else ""
    values = parse_qs(urlsplit(location).query, keep_blank_values=True).get(name)
    return values[0] if values else None


def token_expiry(token: str, answer: Any, path: str) -> Optional[float]:
    """When a token expires, in seconds since the epoch: from an expires_in (or expires_at) beside
    it in the answer that gave it, else from its `exp` claim when it is a JWT; None when neither
    says."""
    import base64

    parent = json_get(answer, path.rsplit(".", 1)[0]) if "." in path else answer
    if isinstance(parent, dict):
        for key in ("expires_in", "expiresIn", "expires"):
            seconds = parent.get(key)
            if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds < 1e8:
                return time.time() + seconds
        for key in ("expires_at", "expiresAt", "exp"):
            when = parent.get(key)
            if isinstance(when, (int, float)) and not isinstance(when, bool) and when > 1e9:
                return when / 1000 if when > 1e12 else float(when)
    parts = token.split(".")
    if len(parts) == 3:
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            return None
        if isinstance(claims, dict) and isinstance(claims.get("exp"), (int, float)):
            return float(claims["exp"])
    return None


class Download(bytes):
    """A binary answer (a PDF, an image, a zip): its bytes, with the file name its
    Content-Disposition gives (`filename`, or None) and its `content_type`."""

    filename: Optional[str] = None
    content_type: str = ""


def answer_of(response: httpx.Response) -> Any:
    """A response's body: JSON parsed, text as str, anything else as a Download (bytes)."""
    if not response.content:
        return None
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if "json" in kind:
        try:
            return response.json()
        except ValueError:
            return response.text
    if not kind or kind.startswith("text/") or kind.endswith(("xml", "javascript", "html")):
        return response.text
    from email.message import Message

    result = Download(response.content)
    result.content_type = kind
    disposition = Message()
    disposition["content-disposition"] = response.headers.get("content-disposition", "")
    result.filename = disposition.get_filename()
    return result


def fresh_value(how: Dict[str, Any]) -> str:
    """A new value of a kind the site wants new on every request (FRESH): a UUID, the time now
    in the captured form, or a nonce of the captured length and alphabet."""
    import datetime
    import secrets
    import uuid

    kind, sample = how["kind"], how.get("sample", "")
    if kind == "uuid":
        return str(uuid.uuid4())
    if kind in ("unix", "unix_ms"):
        return str(int(time.time() * (1000 if kind == "unix_ms" else 1)))
    if kind == "iso":
        now = datetime.datetime.now(datetime.timezone.utc)
        text = now.isoformat(timespec="milliseconds" if "." in sample else "seconds")
        return text.replace("+00:00", "Z") if sample.endswith("Z") else text
    if set(sample) <= set("0123456789abcdef"):
        alphabet = "0123456789abcdef"
    elif set(sample) <= set("0123456789ABCDEF"):
        alphabet = "0123456789ABCDEF"
    else:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        alphabet += "".join(c for c in "-_+/" if c in sample)
    body = "".join(secrets.choice(alphabet) for _ in range(len(sample.rstrip("="))))
    return body + "=" * (len(sample) - len(sample.rstrip("=")))


def path_part(value: Any) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")

