/* api_client.py: one client class on httpx, one documented method per operation, a session that
 * fills tokens, CSRF values and keys by itself, typed errors and pagination iterators. */
#include "engineer/internal.h"

#include <string.h>

/* The part of every client that does not depend on the API. */
static const char prelude[] =
    "import json\n"
    "import os\n"
    "import re\n"
    "import time\n"
    "from pathlib import Path\n"
    "from typing import Any, Dict, Iterator, List, Optional, Tuple\n"
    "\n"
    "import httpx\n"
    "\n"
    "\n"
    "def load_env(path: Optional[str] = None) -> Dict[str, str]:\n"
    "    \"\"\"KEY=VALUE lines of the .env file next to this module (or `path`); the environment "
    "wins.\"\"\"\n"
    "    values: Dict[str, str] = {}\n"
    "    env_path = Path(path) if path else Path(__file__).with_name(\".env\")\n"
    "    if env_path.is_file():\n"
    "        for line in env_path.read_text(encoding=\"utf-8\").splitlines():\n"
    "            line = line.strip()\n"
    "            if not line or line.startswith(\"#\") or \"=\" not in line:\n"
    "                continue\n"
    "            key, value = line.split(\"=\", 1)\n"
    "            value = value.strip()\n"
    "            if value.startswith('\"'):\n"
    "                value = json.loads(value)\n"
    "            values[key.strip()] = value\n"
    "    for key, value in os.environ.items():\n"
    "        if key.startswith(\"RAE_\"):\n"
    "            values[key] = value\n"
    "    return values\n"
    "\n"
    "\n"
    "class ApiError(Exception):\n"
    "    \"\"\"A response with status 400 or above.\"\"\"\n"
    "\n"
    "    def __init__(self, response: httpx.Response) -> None:\n"
    "        self.response = response\n"
    "        self.status_code = response.status_code\n"
    "        request = response.request\n"
    "        super().__init__(f\"{request.method} {request.url} -> {response.status_code}: "
    "{response.text[:200]}\")\n"
    "\n"
    "\n"
    "class AuthError(ApiError):\n"
    "    \"\"\"401 or 403: not signed in, or not allowed.\"\"\"\n"
    "\n"
    "\n"
    "class NotFoundError(ApiError):\n"
    "    \"\"\"404.\"\"\"\n"
    "\n"
    "\n"
    "class ClientError(ApiError):\n"
    "    \"\"\"Another 4xx: the request was refused as it was.\"\"\"\n"
    "\n"
    "\n"
    "class ServerError(ApiError):\n"
    "    \"\"\"5xx.\"\"\"\n"
    "\n"
    "\n"
    "class GraphQLError(ApiError):\n"
    "    \"\"\"A GraphQL response with errors (sent with status 200): `errors` holds them.\"\"\"\n"
    "\n"
    "    def __init__(self, response: httpx.Response, errors: Any) -> None:\n"
    "        super().__init__(response)\n"
    "        self.errors = errors\n"
    "\n"
    "\n"
    "def graphql_data(result: Any, response: httpx.Response) -> Any:\n"
    "    \"\"\"The `data` of a GraphQL result; raises GraphQLError when it carries errors.\"\"\"\n"
    "    if isinstance(result, dict) and result.get(\"errors\"):\n"
    "        raise GraphQLError(response, result[\"errors\"])\n"
    "    return result.get(\"data\") if isinstance(result, dict) else result\n"
    "\n"
    "\n"
    "def error_for(response: httpx.Response) -> ApiError:\n"
    "    status = response.status_code\n"
    "    if status in (401, 403):\n"
    "        return AuthError(response)\n"
    "    if status == 404:\n"
    "        return NotFoundError(response)\n"
    "    if status >= 500:\n"
    "        return ServerError(response)\n"
    "    return ClientError(response)\n"
    "\n"
    "\n"
    "def json_get(data: Any, path: str) -> Any:\n"
    "    \"\"\"The value at a path such as \\\"items[0].id\\\" in parsed JSON, or None.\"\"\"\n"
    "    for part in re.findall(r\"[^.\\[\\]]+|\\[\\d+\\]\", path):\n"
    "        if part.startswith(\"[\"):\n"
    "            index = int(part[1:-1])\n"
    "            data = data[index] if isinstance(data, list) and index < len(data) else None\n"
    "        else:\n"
    "            data = data.get(part) if isinstance(data, dict) else None\n"
    "        if data is None:\n"
    "            return None\n"
    "    return data\n"
    "\n"
    "\n"
    "def html_value(html: str, kind: str, name: str) -> Optional[str]:\n"
    "    \"\"\"A value from an HTML page: <meta name=NAME content=...>, <input name=NAME "
    "value=...>,\n"
    "    or NAME: \\\"...\\\" / NAME = \\\"...\\\" in an inline script.\"\"\"\n"
    "    import html as html_lib\n"
    "\n"
    "    if kind in (\"meta\", \"input\"):\n"
    "        name_attr = \"(?:name|property)\" if kind == \"meta\" else \"name\"\n"
    "        value_attr = \"content\" if kind == \"meta\" else \"value\"\n"
    "        for tag in re.findall(r\"<\" + kind + r\"\\b[^>]*>\", html, re.I):\n"
    "            if re.search(r\"\\s\" + name_attr + r\"\\s*=\\s*[\\\"']?\" + re.escape(name) + "
    "r\"[\\\"'\\s/>]\", tag, re.I):\n"
    "                found = re.search(r\"\\s\" + value_attr + "
    "r\"\\s*=\\s*(?:\\\"([^\\\"]*)\\\"|'([^']*)'|([^\\s>]+))\", tag, re.I)\n"
    "                if found:\n"
    "                    return html_lib.unescape(next(g for g in found.groups() if g is not "
    "None))\n"
    "        return None\n"
    "    found = re.search(r\"[\\\"']?\" + re.escape(name) + "
    "r\"[\\\"']?\\s*[:=]\\s*[\\\"']([^\\\"']+)[\\\"']\", html)\n"
    "    return found.group(1) if found else None\n"
    "\n"
    "\n"
    "def drop_none(values: Dict[str, Any]) -> Dict[str, Any]:\n"
    "    return {key: value for key, value in values.items() if value is not None}\n"
    "\n"
    "\n"
    "def last_page(page: Any, number: Optional[int], count: int, limit: Any) -> bool:\n"
    "    \"\"\"Whether a page of results says it is the last: its page count, a has-more flag that "
    "is\n"
    "    false, or fewer items than asked for.\"\"\"\n"
    "    if isinstance(page, dict):\n"
    "        for where in (page, page.get(\"meta\"), page.get(\"pagination\"), "
    "page.get(\"page_info\")):\n"
    "            if not isinstance(where, dict):\n"
    "                continue\n"
    "            for key in (\"total_pages\", \"totalPages\", \"page_count\", \"pageCount\", "
    "\"last_page\",\n"
    "                        \"lastPage\", \"pages\"):\n"
    "                if number is not None and isinstance(where.get(key), int) and number >= "
    "where[key]:\n"
    "                    return True\n"
    "            for key in (\"has_more\", \"hasMore\", \"has_next\", \"hasNext\", "
    "\"has_next_page\",\n"
    "                        \"hasNextPage\"):\n"
    "                if where.get(key) is False:\n"
    "                    return True\n"
    "    return isinstance(limit, int) and 0 < count < limit\n"
    "\n"
    "\n"
    "def link_param(response: Optional[httpx.Response], rel: str, name: str) -> Optional[str]:\n"
    "    \"\"\"The query parameter `name` of the URL that a response's Link header gives for "
    "`rel`\n"
    "    (RFC 8288: Link: <URL>; rel=\\\"next\\\"), or None.\"\"\"\n"
    "    from urllib.parse import parse_qs, urlsplit\n"
    "\n"
    "    link = response.links.get(rel) if response is not None else None\n"
    "    if not link or not link.get(\"url\"):\n"
    "        return None\n"
    "    values = parse_qs(urlsplit(link[\"url\"]).query, keep_blank_values=True).get(name)\n"
    "    return values[0] if values else None\n"
    "\n"
    "\n"
    "def location_param(response: Optional[httpx.Response], name: str) -> Optional[str]:\n"
    "    \"\"\"The query parameter `name` of a redirect's Location (the code and state of a "
    "sign-in), or None.\"\"\"\n"
    "    from urllib.parse import parse_qs, urlsplit\n"
    "\n"
    "    location = response.headers.get(\"location\", \"\") if response is not None else \"\"\n"
    "    values = parse_qs(urlsplit(location).query, keep_blank_values=True).get(name)\n"
    "    return values[0] if values else None\n"
    "\n"
    "\n"
    "def token_expiry(token: str, answer: Any, path: str) -> Optional[float]:\n"
    "    \"\"\"When a token expires, in seconds since the epoch: from an expires_in (or "
    "expires_at) beside\n"
    "    it in the answer that gave it, else from its `exp` claim when it is a JWT; None when "
    "neither\n"
    "    says.\"\"\"\n"
    "    import base64\n"
    "\n"
    "    parent = json_get(answer, path.rsplit(\".\", 1)[0]) if \".\" in path else answer\n"
    "    if isinstance(parent, dict):\n"
    "        for key in (\"expires_in\", \"expiresIn\", \"expires\"):\n"
    "            seconds = parent.get(key)\n"
    "            if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and "
    "seconds < 1e8:\n"
    "                return time.time() + seconds\n"
    "        for key in (\"expires_at\", \"expiresAt\", \"exp\"):\n"
    "            when = parent.get(key)\n"
    "            if isinstance(when, (int, float)) and not isinstance(when, bool) and when > 1e9:\n"
    "                return when / 1000 if when > 1e12 else float(when)\n"
    "    parts = token.split(\".\")\n"
    "    if len(parts) == 3:\n"
    "        try:\n"
    "            claims = json.loads(base64.urlsafe_b64decode(parts[1] + \"=\" * (-len(parts[1]) % "
    "4)))\n"
    "        except ValueError:\n"
    "            return None\n"
    "        if isinstance(claims, dict) and isinstance(claims.get(\"exp\"), (int, float)):\n"
    "            return float(claims[\"exp\"])\n"
    "    return None\n"
    "\n"
    "\n"
    "class Download(bytes):\n"
    "    \"\"\"A binary answer (a PDF, an image, a zip): its bytes, with the file name its\n"
    "    Content-Disposition gives (`filename`, or None) and its `content_type`.\"\"\"\n"
    "\n"
    "    filename: Optional[str] = None\n"
    "    content_type: str = \"\"\n"
    "\n"
    "\n"
    "def answer_of(response: httpx.Response) -> Any:\n"
    "    \"\"\"A response's body: JSON parsed, text as str, anything else as a Download "
    "(bytes).\"\"\"\n"
    "    if not response.content:\n"
    "        return None\n"
    "    kind = response.headers.get(\"content-type\", \"\").split(\";\")[0].strip().lower()\n"
    "    if \"json\" in kind:\n"
    "        try:\n"
    "            return response.json()\n"
    "        except ValueError:\n"
    "            return response.text\n"
    "    if not kind or kind.startswith(\"text/\") or kind.endswith((\"xml\", \"javascript\", "
    "\"html\")):\n"
    "        return response.text\n"
    "    from email.message import Message\n"
    "\n"
    "    result = Download(response.content)\n"
    "    result.content_type = kind\n"
    "    disposition = Message()\n"
    "    disposition[\"content-disposition\"] = response.headers.get(\"content-disposition\", "
    "\"\")\n"
    "    result.filename = disposition.get_filename()\n"
    "    return result\n"
    "\n"
    "\n"
    "def fresh_value(how: Dict[str, Any]) -> str:\n"
    "    \"\"\"A new value of a kind the site wants new on every request (FRESH): a UUID, the time "
    "now\n"
    "    in the captured form, or a nonce of the captured length and alphabet.\"\"\"\n"
    "    import datetime\n"
    "    import secrets\n"
    "    import uuid\n"
    "\n"
    "    kind, sample = how[\"kind\"], how.get(\"sample\", \"\")\n"
    "    if kind == \"uuid\":\n"
    "        return str(uuid.uuid4())\n"
    "    if kind in (\"unix\", \"unix_ms\"):\n"
    "        return str(int(time.time() * (1000 if kind == \"unix_ms\" else 1)))\n"
    "    if kind == \"iso\":\n"
    "        now = datetime.datetime.now(datetime.timezone.utc)\n"
    "        text = now.isoformat(timespec=\"milliseconds\" if \".\" in sample else \"seconds\")\n"
    "        return text.replace(\"+00:00\", \"Z\") if sample.endswith(\"Z\") else text\n"
    "    if set(sample) <= set(\"0123456789abcdef\"):\n"
    "        alphabet = \"0123456789abcdef\"\n"
    "    elif set(sample) <= set(\"0123456789ABCDEF\"):\n"
    "        alphabet = \"0123456789ABCDEF\"\n"
    "    else:\n"
    "        alphabet = \"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789\"\n"
    "        alphabet += \"\".join(c for c in \"-_+/\" if c in sample)\n"
    "    body = \"\".join(secrets.choice(alphabet) for _ in range(len(sample.rstrip(\"=\"))))\n"
    "    return body + \"=\" * (len(sample) - len(sample.rstrip(\"=\")))\n"
    "\n"
    "\n"
    "def path_part(value: Any) -> str:\n"
    "    from urllib.parse import quote\n"
    "\n"
    "    return quote(str(value), safe=\"\")\n"
    "\n";

/* The client's plumbing: session values, requests, re-authentication. */
static const char plumbing[] =
    "    def close(self) -> None:\n"
    "        self.http.close()\n"
    "\n"
    "    def __enter__(self) -> \"ApiClient\":\n"
    "        return self\n"
    "\n"
    "    def __exit__(self, *exc: Any) -> None:\n"
    "        self.close()\n"
    "\n"
    "    def _cookie(self, name: str) -> Optional[str]:\n"
    "        \"\"\"The cookie jar's current value of a cookie (the last one set, whatever its "
    "path).\"\"\"\n"
    "        value = None\n"
    "        for cookie in self.http.cookies.jar:\n"
    "            if cookie.name == name:\n"
    "                value = cookie.value\n"
    "        return value\n"
    "\n"
    "    def _value(self, name: str) -> Optional[str]:\n"
    "        \"\"\"A session value as it is now: one that a cookie carries (an XSRF cookie echoed "
    "in a\n"
    "        header) is read from the cookie jar at each request, so a rotated value is "
    "followed.\"\"\"\n"
    "        how = SESSION[name]\n"
    "        if how.get(\"kind\") == \"cookie\":\n"
    "            return self._cookie(how[\"path\"]) or self.session.get(name)\n"
    "        return self.session.get(name)\n"
    "\n"
    "    def _has(self, name: str) -> bool:\n"
    "        how = SESSION[name]\n"
    "        if how[\"use\"] == \"cookie\":\n"
    "            return self._cookie(how[\"wire\"]) is not None\n"
    "        return self._value(name) is not None\n"
    "\n"
    "    def _ensure(self, names: Tuple[str, ...], operation: str) -> None:\n"
    "        \"\"\"Obtains missing session values by calling the operations that produce "
    "them.\"\"\"\n"
    "        for name in names:\n"
    "            how = SESSION[name]\n"
    "            producer = how.get(\"via\") or how.get(\"producer\")  # via: sign_in()\n"
    "            if not self._has(name) and producer and producer != operation \\\n"
    "                    and producer not in self._producing:\n"
    "                self._producing.add(producer)\n"
    "                try:\n"
    "                    getattr(self, producer)(**({} if \"via\" in how else how.get(\"args\", "
    "{})))\n"
    "                except ApiError:\n"
    "                    pass\n"
    "                finally:\n"
    "                    self._producing.discard(producer)\n"
    "\n"
    "    def _forget(self) -> None:\n"
    "        \"\"\"Drops every session value and session cookie obtained so far, to sign in "
    "afresh.\"\"\"\n"
    "        for name, how in SESSION.items():\n"
    "            if not how.get(\"producer\"):\n"
    "                continue\n"
    "            self.session[name] = None\n"
    "            self.expires.pop(name, None)\n"
    "            if how[\"use\"] == \"cookie\":\n"
    "                for cookie in list(self.http.cookies.jar):\n"
    "                    if cookie.name == how[\"wire\"]:\n"
    "                        self.http.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)\n"
    "\n"
    "    def _extract(self, operation: str, response: httpx.Response) -> None:\n"
    "        \"\"\"Keeps the session values this operation's response carries: those it produces, "
    "and\n"
    "        those it renews (a refreshed token, a rotated refresh token).\"\"\"\n"
    "        answer: Any = None\n"
    "        if operation == SIGNATURE.get(\"producer\"):\n"
    "            try:\n"
    "                key = json_get(response.json(), SIGNATURE[\"path\"])\n"
    "            except ValueError:\n"
    "                key = None\n"
    "            self.signing_key = str(key) if key is not None else self.signing_key\n"
    "        for name, how in SESSION.items():\n"
    "            if how.get(\"producer\") == operation:\n"
    "                kind, where = how[\"kind\"], how[\"path\"]\n"
    "            elif operation in how.get(\"renewers\", {}):\n"
    "                kind, where = how[\"renewers\"][operation]\n"
    "            else:\n"
    "                continue\n"
    "            value: Any = None\n"
    "            if kind == \"json\":\n"
    "                try:\n"
    "                    answer = response.json() if answer is None else answer\n"
    "                except ValueError:\n"
    "                    continue\n"
    "                value = json_get(answer, where)\n"
    "            elif kind == \"header\":\n"
    "                value = response.headers.get(where)\n"
    "            elif kind == \"cookie\":\n"
    "                value = response.cookies.get(where) or self._cookie(where)\n"
    "            else:\n"
    "                value = html_value(response.text, kind, where)\n"
    "            if value is not None:\n"
    "                self.session[name] = str(value)\n"
    "                self.expires[name] = (time.time(), token_expiry(str(value), answer, where))\n"
    "\n"
    "    def _refresh(self, name: str) -> bool:\n"
    "        \"\"\"Renews a session value by its refresh operation; whether that gave a new "
    "one.\"\"\"\n"
    "        refresh = SESSION[name][\"refresh\"]\n"
    "        if refresh in self._producing:\n"
    "            return False\n"
    "        before = self.session.get(name)\n"
    "        self._producing.add(refresh)\n"
    "        try:\n"
    "            getattr(self, refresh)(**SESSION[name].get(\"refresh_args\", {}))\n"
    "        except ApiError:\n"
    "            return False\n"
    "        finally:\n"
    "            self._producing.discard(refresh)\n"
    "        return self.session.get(name) not in (None, before)\n"
    "\n"
    "    def _renewed(self, operation: str, uses: Tuple[str, ...], status: int) -> bool:\n"
    "        \"\"\"After a 401 or 403: whether the session was renewed, so that the call may go "
    "once "
    "more:\n"
    "        by the refresh of its tokens (401), else by signing in afresh.\"\"\"\n"
    "        renewable = [n for n in uses if SESSION[n].get(\"refresh\") not in (None, "
    "operation)]\n"
    "        if status == 401 and renewable and all(self._refresh(n) for n in renewable):\n"
    "            return True\n"
    "        if self.reauthenticate:\n"
    "            self._forget()\n"
    "            return True\n"
    "        return False\n"
    "\n"
    "    def _renew_expiring(self, names: Tuple[str, ...], operation: str) -> None:\n"
    "        \"\"\"Refreshes a value before it expires: within a fifth of its life, and 30 s at "
    "most.\"\"\"\n"
    "        for name in names:\n"
    "            refresh = SESSION[name].get(\"refresh\")\n"
    "            got, expires = self.expires.get(name, (0.0, None))\n"
    "            if not refresh or refresh == operation or expires is None:\n"
    "                continue\n"
    "            if time.time() >= expires - min(30.0, (expires - got) / 5):\n"
    "                self._refresh(name)\n"
    "\n"
    "    def _signing_key(self) -> str:\n"
    "        \"\"\"The key the site's page signs requests with (SIGNATURE), from the answer that "
    "gives it.\"\"\"\n"
    "        producer = SIGNATURE.get(\"producer\")\n"
    "        if self.signing_key is None and producer and producer not in self._producing:\n"
    "            self._producing.add(producer)\n"
    "            try:\n"
    "                getattr(self, producer)()\n"
    "            finally:\n"
    "                self._producing.discard(producer)\n"
    "        if self.signing_key is None:\n"
    "            raise ValueError(f\"no key to sign {SIGNATURE['header']} with: {producer} gave "
    "none\")\n"
    "        return self.signing_key\n"
    "\n"
    "    def _sign(self, method: str, url: str, params: Dict[str, Any], headers: Dict[str, str],\n"
    "              kwargs: Dict[str, Any]) -> None:\n"
    "        \"\"\"Signs a request the way the site's page did (SIGNATURE), over the bytes it "
    "sends.\"\"\"\n"
    "        import base64\n"
    "        import hashlib\n"
    "        import hmac\n"
    "        from urllib.parse import urlencode, urlsplit\n"
    "\n"
    "        if \"json\" in kwargs:\n"
    "            kwargs[\"content\"] = json.dumps(kwargs.pop(\"json\"), separators=(\",\", "
    "\":\"))\n"
    "            headers.setdefault(\"Content-Type\", \"application/json\")\n"
    "        elif \"data\" in kwargs and \"files\" not in kwargs:\n"
    "            kwargs[\"content\"] = urlencode(kwargs.pop(\"data\"), doseq=True)\n"
    "            headers.setdefault(\"Content-Type\", \"application/x-www-form-urlencoded\")\n"
    "        body = kwargs.get(\"content\") or b\"\"\n"
    "        body = body.encode() if isinstance(body, str) else body\n"
    "        target = urlsplit(str(self.http.build_request(method, url, params=params or "
    "None).url))\n"
    "        parts: List[bytes] = []\n"
    "        for part in SIGNATURE[\"parts\"].split(\",\"):\n"
    "            if part == \"method\":\n"
    "                parts.append(method.encode())\n"
    "            elif part in (\"path\", \"path_query\"):\n"
    "                query = \"?\" + target.query if part == \"path_query\" and target.query else "
    "\"\"\n"
    "                parts.append((target.path + query).encode())\n"
    "            elif part.startswith(\"header:\"):\n"
    "                parts.append(headers.get(part[7:], \"\").encode())\n"
    "            elif part == \"body_sha256\":\n"
    "                parts.append(hashlib.sha256(body).hexdigest().encode())\n"
    "            else:\n"
    "                parts.append(body)\n"
    "        mac = hmac.new(self._signing_key().encode(), "
    "SIGNATURE[\"sep\"].encode().join(parts),\n"
    "                       hashlib.sha256).digest()\n"
    "        encoding = SIGNATURE[\"encoding\"]\n"
    "        if encoding == \"hex\":\n"
    "            value = mac.hex()\n"
    "        elif encoding.startswith(\"base64url\"):\n"
    "            value = base64.urlsafe_b64encode(mac).decode()\n"
    "        else:\n"
    "            value = base64.b64encode(mac).decode()\n"
    "        headers[SIGNATURE[\"header\"]] = value.rstrip(\"=\") if encoding.endswith(\"_np\") "
    "else value\n"
    "\n"
    "    def _page_value(self, page: str, kind: str, name: str) -> Optional[str]:\n"
    "        \"\"\"A setting of a page: `name: \"...\"` in a script or a <meta> (its "
    "configuration), or the\n"
    "        Location it redirects to; from the last answer of operation `page`, got when none "
    "is.\"\"\"\n"
    "        if page not in self.answers and page not in self._producing:\n"
    "            self._producing.add(page)\n"
    "            try:\n"
    "                getattr(self, page)()\n"
    "            except ApiError:\n"
    "                pass\n"
    "            finally:\n"
    "                self._producing.discard(page)\n"
    "        answer = self.answers.get(page)\n"
    "        if answer is None:\n"
    "            return None\n"
    "        if kind == \"location\":\n"
    "            return answer.headers.get(\"location\")\n"
    "        return html_value(answer.text, kind, name)\n"
    "\n"
    "    def _url(self, role: str) -> str:\n"
    "        \"\"\"The base URL of an origin: as given (an argument, RAE_<ROLE>_URL), else found "
    "the way\n"
    "        the page found it (its configuration names it), else the captured one, but only while "
    "the\n"
    "        primary is the captured one too: a captured host is never mixed with a given "
    "one.\"\"\"\n"
    "        if self.urls.get(role):\n"
    "            return str(self.urls[role])\n"
    "        how = ORIGINS[role]\n"
    "        if how.get(\"page\"):\n"
    "            found = self._page_value(how[\"page\"], how[\"kind\"], how[\"name\"])\n"
    "            if found:\n"
    "                from urllib.parse import urlsplit\n"
    "\n"
    "                parts = urlsplit(found)\n"
    "                if parts.netloc:\n"
    "                    self.urls[role] = f\"{parts.scheme}://{parts.netloc}\"\n"
    "                    return str(self.urls[role])\n"
    "        if not self._given:\n"
    "            self.urls[role] = how[\"captured\"]\n"
    "            return str(how[\"captured\"])\n"
    "        raise ValueError(f\"the base URL of the '{role}' origin is unknown: pass {role}_url= "
    "\"\n"
    "                         f\"or set {how['env']}\")\n"
    "\n"
    "    def _call(self, operation: str, method: str, path: str, *, params: Optional[Dict[str, "
    "Any]] = None,\n"
    "              json_body: Any = None, data: Optional[Dict[str, Any]] = None, files: Any = "
    "None,\n"
    "              content: Optional[str] = None, content_type: Optional[str] = None,\n"
    "              uses: Tuple[str, ...] = (), conditional: bool = False, if_match: Optional[str] "
    "= "
    "None,\n"
    "              origin: str = \"base\", fresh: Tuple[str, ...] = (),\n"
    "              fresh_values: Optional[Dict[str, str]] = None, signed: bool = False,\n"
    "              headers: Optional[Dict[str, str]] = None, retry: bool = True) -> Any:\n"
    "        \"\"\"Sends one request with the session values it needs; returns the parsed "
    "body.\n"
    "        A conditional operation sends If-Match: `if_match`, else the last ETag seen for "
    "its URL.\"\"\"\n"
    "        if self.bare:  # as the page sent it before it signed in\n"
    "            uses, retry = (), False\n"
    "        self._ensure(uses, operation)\n"
    "        self._renew_expiring(uses, operation)\n"
    "        sent: Dict[str, str] = dict(ORIGINS[origin][\"headers\"])  # what the API demands\n"
    "        sent.update(headers or {})  # and what this endpoint sends besides\n"
    "        url = path if origin == \"base\" else self._url(origin) + path\n"
    "        # values new for each call: a retry keeps the call's ids (UUIDs) and takes a new time "
    "and nonce\n"
    "        fresh_values = {name: value for name, value in (fresh_values or {}).items()\n"
    "                        if FRESH[name][\"kind\"] == \"uuid\"}\n"
    "        if self.again and not fresh_values:  # the page's retry of a refused call: its ids\n"
    "            fresh_values = dict(self.last_ids.get(operation, {}))\n"
    "        for name in fresh:\n"
    "            fresh_values.setdefault(name, fresh_value(FRESH[name]))\n"
    "        self.last_ids[operation] = {name: value for name, value in fresh_values.items()\n"
    "                                    if FRESH[name][\"kind\"] == \"uuid\"}\n"
    "        sent.update(fresh_values)\n"
    "        if conditional and (if_match or self.etags.get(url)):\n"
    "            sent[\"If-Match\"] = if_match or self.etags[url]\n"
    "        params = drop_none(dict(params or {}))\n"
    "        if isinstance(json_body, dict):\n"
    "            json_body = dict(json_body)\n"
    "        data = drop_none(dict(data)) if data is not None else None\n"
    "        for name in uses:\n"
    "            value, how = self._value(name), SESSION[name]\n"
    "            if value is None or how[\"use\"] == \"cookie\":  # the cookie jar sends cookies\n"
    "                continue\n"
    "            if how[\"use\"] == \"bearer\":\n"
    "                sent[\"Authorization\"] = \"Bearer \" + value\n"
    "            elif how[\"use\"] == \"header\":\n"
    "                sent[how[\"wire\"]] = value\n"
    "            elif how[\"use\"] == \"query\":\n"
    "                params[how[\"wire\"]] = value\n"
    "            elif isinstance(json_body, dict):\n"
    "                json_body[how[\"wire\"]] = value\n"
    "            elif data is not None:\n"
    "                data[how[\"wire\"]] = value\n"
    "        kwargs: Dict[str, Any] = {\"params\": params or None, \"headers\": sent}\n"
    "        if json_body is not None and content_type:  # merge-patch+json, json-patch+json...\n"
    "            sent[\"Content-Type\"] = content_type\n"
    "            kwargs[\"content\"] = json.dumps(json_body)\n"
    "        elif json_body is not None:\n"
    "            kwargs[\"json\"] = json_body\n"
    "        if data is not None:\n"
    "            kwargs[\"data\"] = data\n"
    "        if files is not None:\n"
    "            kwargs[\"files\"] = files\n"
    "        if content is not None:\n"
    "            kwargs[\"content\"] = content\n"
    "        if signed:\n"
    "            self._sign(method, url, params, sent, kwargs)\n"
    "        response = self.http.request(method, url, **kwargs)\n"
    "        self.last_response = self.answers[operation] = response\n"
    "        self._extract(operation, response)\n"
    "        if response.status_code < 300 and response.headers.get(\"etag\"):\n"
    "            self.etags[url] = response.headers[\"etag\"]\n"
    "        elif response.status_code < 300 and method == \"DELETE\":\n"
    "            self.etags.pop(url, None)\n"
    "        if response.status_code in (401, 403) and retry and uses and "
    "self._renewed(operation, uses,\n"
    "                                                                             "
    "response.status_code):\n"
    "            return self._call(operation, method, path, params=params, json_body=json_body, "
    "data=data,\n"
    "                              files=files, content=content, content_type=content_type, "
    "uses=uses,\n"
    "                              conditional=conditional, if_match=if_match, origin=origin,\n"
    "                              fresh=fresh, fresh_values=fresh_values, signed=signed, "
    "headers=headers,\n"
    "                              retry=False)\n"
    "        if response.status_code >= 400:\n"
    "            raise error_for(response)\n"
    "        return answer_of(response)\n"
    "\n";

void eng_py_str(buf *out, const char *s) {
    buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_printf(out, "\\%c", *p);
        else if (*p == '\n')
            buf_puts(out, "\\n");
        else if (*p == '\r')
            buf_puts(out, "\\r");
        else if (*p == '\t')
            buf_puts(out, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            buf_printf(out, "\\x%02x", *p);
        else
            buf_putc(out, (char)*p);
    }
    buf_putc(out, '"');
}

void eng_py_doc(buf *out, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_printf(out, "\\%c", *p);
        else
            buf_putc(out, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
    }
}

void eng_py_fstr_text(buf *out, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '{' || *p == '}') {
            buf_putc(out, (char)*p);
            buf_putc(out, (char)*p);
        } else if (*p == '"' || *p == '\\') {
            buf_printf(out, "\\%c", *p);
        } else if (*p < 0x20 || *p == 0x7f) {
            buf_printf(out, "\\x%02x", *p);
        } else {
            buf_putc(out, (char)*p);
        }
    }
}

static void py_value(buf *out, jv *v, arena *a) {
    switch (v->type) {
    case JV_NULL:
        buf_puts(out, "None");
        break;
    case JV_TRUE:
        buf_puts(out, "True");
        break;
    case JV_FALSE:
        buf_puts(out, "False");
        break;
    case JV_NUMBER:
        buf_append(out, v->s, v->len);
        break;
    case JV_STRING:
        eng_py_str(out, jv_str(v, a, NULL));
        break;
    case JV_ARRAY:
        buf_putc(out, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i) buf_puts(out, ", ");
            py_value(out, v->items[i], a);
        }
        buf_putc(out, ']');
        break;
    case JV_OBJECT:
        buf_putc(out, '{');
        for (size_t i = 0; i < v->len; i++) {
            if (i) buf_puts(out, ", ");
            eng_py_str(out, jv_key(&v->members[i], a));
            buf_puts(out, ": ");
            py_value(out, v->members[i].value, a);
        }
        buf_putc(out, '}');
        break;
    }
}

void eng_py_json(buf *out, const char *json, arena *a) {
    jv_error err;
    jv *v = jv_parse(a, json, strlen(json), NULL, &err);
    if (v)
        py_value(out, v, a);
    else
        eng_py_str(out, json);
}

/* The sign-in form and its errors, in clients of a site that signs in by OAuth 2.0. */
static const char oauth_helpers[] =
    "class SignInError(Exception):\n"
    "    \"\"\"The identity provider did not sign the client in: it refused, or its pages were not "
    "the\n"
    "    sign-in form and redirect back that the capture had.\"\"\"\n"
    "\n"
    "\n"
    "def sign_in_form(page: str, username: str,\n"
    "                 password: str) -> Optional[Tuple[str, Dict[str, str], str, str]]:\n"
    "    \"\"\"The form of an HTML page that asks for a password: its action, the fields it sends "
    "as\n"
    "    they are (hidden ones, its first named submit button), and the names of its user and\n"
    "    password fields (`username` and `password` when it has them, else its first text and\n"
    "    password inputs); None when the page has no such form.\"\"\"\n"
    "    from html.parser import HTMLParser\n"
    "\n"
    "    class Forms(HTMLParser):\n"
    "        def __init__(self) -> None:\n"
    "            super().__init__()\n"
    "            self.forms: List[Dict[str, Any]] = []\n"
    "\n"
    "        def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:\n"
    "            a = {k: v or \"\" for k, v in attrs}\n"
    "            if tag == \"form\":\n"
    "                self.forms.append({\"action\": a.get(\"action\", \"\"), \"inputs\": []})\n"
    "            elif tag in (\"input\", \"button\") and self.forms and a.get(\"name\"):\n"
    "                kind = a.get(\"type\", \"submit\" if tag == \"button\" else "
    "\"text\").lower()\n"
    "                self.forms[-1][\"inputs\"].append((kind, a[\"name\"], a.get(\"value\", "
    "\"\"),\n"
    "                                                 \"checked\" in a))\n"
    "\n"
    "    parser = Forms()\n"
    "    parser.feed(page)\n"
    "    for form in parser.forms:\n"
    "        inputs = form[\"inputs\"]\n"
    "        secrets = [name for kind, name, _, _ in inputs if kind == \"password\"]\n"
    "        texts = [name for kind, name, _, _ in inputs if kind in (\"text\", \"email\", "
    "\"tel\")]\n"
    "        if not secrets or not texts:\n"
    "            continue\n"
    "        fields: Dict[str, str] = {}\n"
    "        submitted = False\n"
    "        for kind, name, value, checked in inputs:\n"
    "            if kind in (\"checkbox\", \"radio\") and not checked:\n"
    "                continue\n"
    "            if kind in (\"submit\", \"image\"):\n"
    "                if submitted:\n"
    "                    continue\n"
    "                submitted = True\n"
    "            fields.setdefault(name, value)\n"
    "        user = username if username in texts else texts[0]\n"
    "        secret = password if password in secrets else secrets[0]\n"
    "        return form[\"action\"], fields, user, secret\n"
    "    return None\n"
    "\n"
    "\n";

/* Making a sign-in's state and PKCE pair, and going through the identity provider's pages. */
static const char oauth_methods[] =
    "    def _made(self, kind: str) -> str:\n"
    "        \"\"\"A value the client makes for each sign-in (OAUTH): a new state or nonce, or a "
    "new\n"
    "        PKCE pair whose challenge it returns; \"verifier\" is the latest pair's "
    "verifier.\"\"\"\n"
    "        import base64\n"
    "        import hashlib\n"
    "        import secrets\n"
    "\n"
    "        if kind == \"verifier\":\n"
    "            if not self.pkce_verifier:\n"
    "                raise SignInError(\"no PKCE verifier yet: the authorization request comes "
    "first\")\n"
    "            return self.pkce_verifier\n"
    "        value = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b\"=\").decode()\n"
    "        if kind == \"state\":\n"
    "            self.oauth_state = value\n"
    "        elif kind == \"challenge\":\n"
    "            self.pkce_verifier = value\n"
    "            if OAUTH[\"pkce\"] == \"S256\":\n"
    "                digest = hashlib.sha256(value.encode()).digest()\n"
    "                return base64.urlsafe_b64encode(digest).rstrip(b\"=\").decode()\n"
    "        return value\n"
    "\n"
    "    def _authorization_code(self, response: httpx.Response, username: Optional[str],\n"
    "                            password: Optional[str]) -> Optional[str]:\n"
    "        \"\"\"Goes from the first answer of a sign-in to the redirect back to the page: fills "
    "in the\n"
    "        identity provider's sign-in form (its hidden fields as they are) and follows "
    "redirects.\n"
    "        Returns the code of the Location that brings this sign-in's state back, when the "
    "page\n"
    "        redeems it (OAUTH[\"token\"]); else follows that Location to the page's own server, "
    "which\n"
    "        redeems it and keeps the session, and returns None once it answers.\"\"\"\n"
    "        from urllib.parse import parse_qs, urljoin, urlsplit\n"
    "\n"
    "        forms, back = 0, False\n"
    "        for _ in range(16):\n"
    "            location = response.headers.get(\"location\")\n"
    "            where = f\"{response.request.method} {response.url} answered "
    "{response.status_code}\"\n"
    "            if response.is_redirect and location:\n"
    "                url = urljoin(str(response.url), location)\n"
    "                query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}\n"
    "                if \"error\" in query:\n"
    "                    why = f\"{query['error']} {query.get('error_description', '')}\".strip()\n"
    "                    raise SignInError(f\"the identity provider refused the sign-in: {why}\")\n"
    "                if \"code\" in query and OAUTH[\"token\"]:\n"
    "                    if query.get(\"state\") != self.oauth_state:\n"
    "                        raise SignInError(f\"{where} with another sign-in's state\")\n"
    "                    return query[\"code\"]\n"
    "                back = back or \"code\" in query\n"
    "                response = self.http.get(url)\n"
    "                continue\n"
    "            if back:\n"
    "                if response.status_code >= 400:\n"
    "                    raise SignInError(f\"{where}: the page's server did not take the "
    "sign-in\")\n"
    "                return None\n"
    "            form = sign_in_form(response.text, OAUTH[\"username\"], OAUTH[\"password\"])\n"
    "            if form is not None and forms:\n"
    "                raise SignInError(f\"{where} with the sign-in form again: are RAE_USERNAME "
    "and \"\n"
    "                                  f\"RAE_PASSWORD right?\")\n"
    "            if form is None or response.status_code >= 400:\n"
    "                raise SignInError(f\"{where}, not a sign-in form nor a redirect back to the "
    "page\")\n"
    "            action, fields, user_field, password_field = form\n"
    "            if username is None:\n"
    "                username = self.credentials.get(\"RAE_USERNAME\") or \"\"\n"
    "            if password is None:\n"
    "                password = self.credentials.get(\"RAE_PASSWORD\") or \"\"\n"
    "            fields[user_field], fields[password_field] = username, password\n"
    "            forms += 1\n"
    "            response = self.http.post(urljoin(str(response.url), action), data=fields)\n"
    "        raise SignInError(\"16 pages of the identity provider went by without a redirect "
    "back\")\n"
    "\n";

static const char *source_kind(eng_source_kind k) {
    switch (k) {
    case ENG_SRC_JSON:
        return "json";
    case ENG_SRC_HEADER:
        return "header";
    case ENG_SRC_COOKIE:
        return "cookie";
    case ENG_SRC_HTML_META:
        return "meta";
    case ENG_SRC_HTML_INPUT:
        return "input";
    case ENG_SRC_HTML_SCRIPT:
        return "script";
    case ENG_SRC_LOCATION:
        return "location";
    default:
        return "none";
    }
}

/* The captured arguments of an operation that the client calls by itself (a producer, a
 * refresh) and that cannot be called without any: `, "args": {"product_slug": "blue-widget"}`,
 * from the captured call `call`. */
static void captured_args(const eng_model *m, long call_i, const char *key, buf *out) {
    if (call_i < 0 || (size_t)call_i >= m->n_calls) return;
    const eng_call *call = &m->calls[call_i];
    int first = 1;
    for (size_t i = 0; i < call->n_args; i++) {
        const eng_arg *arg = &call->args[i];
        const eng_param *p = arg->param;
        if (!p || p->session || eng_param_defaulted(p) || p->file ||
            !(p->in == ENG_IN_PATH || p->required))
            continue;
        buf_printf(out, first ? ", \"%s\": {" : ", ", key);
        buf_printf(out, "\"%s\": ", p->py_name);
        if (arg->is_json)
            eng_py_json(out, arg->value, m->mem);
        else
            eng_py_str(out, arg->value);
        first = 0;
    }
    if (!first) buf_putc(out, '}');
}

/* `, "renewers": {"refresh": ("json", "access_token")}, "refresh": "refresh"` */
static void gen_renewers(const eng_model *m, const eng_session_value *s, buf *out) {
    for (size_t r = 0; r < s->n_renewers; r++) {
        buf_printf(out, "%s\"%s\": (\"%s\", ", r ? ", " : ", \"renewers\": {",
                   s->renewers[r].ep->op_name, source_kind(s->renewers[r].src.kind));
        eng_py_str(out, s->renewers[r].src.path);
        buf_putc(out, ')');
    }
    if (s->n_renewers) buf_putc(out, '}');
    if (!s->refresh) return;
    buf_printf(out, ", \"refresh\": \"%s\"", s->refresh->op_name);
    for (size_t r = 0; r < s->n_renewers; r++)
        if (s->renewers[r].ep == s->refresh) {
            captured_args(m, s->renewers[r].src.call, "refresh_args", out);
            break;
        }
}

/* The GraphQL documents, by operation: sent as captured, with new variables. */
static void gen_graphql_table(const eng_model *m, buf *out) {
    int any = 0;
    for (size_t i = 0; i < m->n_endpoints; i++)
        any |= m->endpoints[i]->graphql_query != NULL;
    if (!any) return;
    buf_puts(out, "# The GraphQL documents of the operations, as the site sent them.\n");
    buf_puts(out, "GRAPHQL: Dict[str, str] = {\n");
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const eng_endpoint *ep = m->endpoints[i];
        if (!ep->graphql_query) continue;
        buf_printf(out, "    \"%s\": ", ep->op_name);
        eng_py_str(out, ep->graphql_query);
        buf_puts(out, ",\n");
    }
    buf_puts(out, "}\n\n");
}

const eng_origin *eng_origin_of(const eng_model *m, const eng_endpoint *ep) {
    for (size_t i = 0; i < m->n_origins; i++)
        if (strcmp(m->origins[i].url, ep->origin) == 0) return &m->origins[i];
    return NULL;
}

/* ORIGINS: each origin's role, its RAE_*_URL, the captured URL, where the page names it, and the
 * headers its API demands. */
static void gen_origins_table(const eng_model *m, buf *out) {
    buf_puts(out,
             "# The origins the site's page called, by role: the captured URL (used only while no "
             "base URL is\n# given), where the page names it, and the headers its API "
             "demands on every call.\n");
    buf_puts(out, "ORIGINS: Dict[str, Dict[str, Any]] = {\n");
    for (size_t i = 0; i < m->n_origins; i++) {
        const eng_origin *o = &m->origins[i];
        buf_printf(out, "    \"%s\": {\"env\": \"%s\", \"captured\": ", o->role, o->env_name);
        eng_py_str(out, o->url);
        if (o->config.kind != ENG_SRC_NONE && o->config.call >= 0 &&
            (size_t)o->config.call < m->n_calls) {
            buf_printf(out, ", \"page\": \"%s\", \"kind\": \"%s\", \"name\": ",
                       m->calls[o->config.call].ep->op_name, source_kind(o->config.kind));
            eng_py_str(out, o->config.path);
        }
        buf_puts(out, ", \"headers\": {");
        for (size_t h = 0; h < o->n_headers; h++) {
            buf_puts(out, h ? ", " : "");
            eng_py_str(out, o->headers[2 * h]);
            buf_puts(out, ": ");
            eng_py_str(out, o->headers[2 * h + 1]);
        }
        buf_puts(out, "}},\n");
    }
    if (m->n_origins == 0)
        buf_puts(
            out,
            "    \"base\": {\"env\": \"RAE_BASE_URL\", \"captured\": \"\", \"headers\": {}},\n");
    buf_puts(out, "}\n\n");
}

/* FRESH: the headers made anew for each request, their kind and a captured sample. */
static void gen_fresh_table(const eng_model *m, buf *out) {
    static const char *const kinds[] = {"uuid", "unix", "unix_ms", "iso", "nonce"};
    buf_puts(out, "# Headers the site wants new on every request: made by fresh_value() for each "
                  "call.\nFRESH: Dict[str, Dict[str, str]] = {\n");
    for (size_t i = 0; i < m->n_fresh; i++) {
        buf_puts(out, "    ");
        eng_py_str(out, m->fresh[i].name);
        buf_printf(out, ": {\"kind\": \"%s\", \"sample\": ", kinds[m->fresh[i].kind]);
        eng_py_str(out, m->fresh[i].sample);
        buf_puts(out, "},\n");
    }
    buf_puts(out, "}\n\n");
}

/* SIGNATURE: how the page signed its requests, when rae reproduced it. */
static void gen_signature_table(const eng_model *m, buf *out) {
    const eng_signature *s = &m->signature;
    buf_puts(out,
             "# How the site's page signs requests (HMAC-SHA256 over the parts, joined by sep).\n"
             "SIGNATURE: Dict[str, str] = {");
    if (s->header && s->reproduced && s->producer) {
        buf_puts(out, "\"header\": ");
        eng_py_str(out, s->header);
        buf_puts(out, ", \"parts\": ");
        eng_py_str(out, s->parts);
        buf_puts(out, ", \"sep\": ");
        eng_py_str(out, s->sep);
        buf_printf(out,
                   ", \"encoding\": \"%s\",\n                             \"producer\": \"%s\", "
                   "\"path\": ",
                   s->encoding, s->producer->op_name);
        eng_py_str(out, s->key.path);
    }
    buf_puts(out, "}\n\n");
}

static const char *cred_field(const eng_model *m, const char *env, const char *dflt) {
    for (size_t i = 0; i < m->n_creds; i++)
        if (strcmp(m->creds[i].env_name, env) == 0) return m->creds[i].field;
    return dflt;
}

/* OAUTH: how the page signed in, when it did so by an OAuth 2.0 authorization code. */
static void gen_oauth_table(const eng_model *m, buf *out) {
    const eng_oauth *o = &m->oauth;
    if (!o->authorize) return;
    buf_puts(out, oauth_helpers);
    buf_puts(out, "# How the site's page signs in: an OAuth 2.0 authorization code, through the "
                  "identity provider's\n# sign-in form (sign_in()).\n");
    buf_printf(
        out, "OAUTH: Dict[str, Any] = {\"authorize\": \"%s\", \"token\": ", o->authorize->op_name);
    if (o->token)
        buf_printf(out, "\"%s\"", o->token->op_name);
    else
        buf_puts(out, "None");
    buf_puts(out, ", \"pkce\": ");
    if (o->pkce)
        eng_py_str(out, o->pkce);
    else
        buf_puts(out, "None");
    buf_puts(out, ",\n                          \"username\": ");
    eng_py_str(out, cred_field(m, "RAE_USERNAME", "username"));
    buf_puts(out, ", \"password\": ");
    eng_py_str(out, cred_field(m, "RAE_PASSWORD", "password"));
    buf_puts(out, "}\n\n");
}

/* `name=value, ` for each argument of captured call call_i that the client does not fill. */
static void call_args(const eng_model *m, long call_i, const char *skip, buf *out) {
    const eng_call *call = &m->calls[call_i];
    for (size_t i = 0; i < call->n_args; i++) {
        const eng_arg *arg = &call->args[i];
        const eng_param *p = arg->param;
        if (!p || p->session || p->file || eng_param_defaulted(p) || strcmp(p->name, skip) == 0)
            continue;
        buf_printf(out, "%s=", p->py_name);
        if (arg->is_json)
            eng_py_json(out, arg->value, m->mem);
        else
            eng_py_str(out, arg->value);
        buf_puts(out, ", ");
    }
}

/* `self.OP(captured arguments)`: a call of the sign-in as captured, but for what the client
 * fills itself. */
static void sign_in_call(const eng_model *m, const eng_endpoint *ep, long call, const char *skip,
                         buf *out) {
    buf_printf(out, "self.%s(", ep->op_name);
    size_t mark = out->len;
    call_args(m, call, skip, out);
    if (out->len > mark) out->len -= 2; /* the last ", " */
}

/* sign_in(): the first call of the sign-in, the identity provider's form, the code's redemption
 * (by the token endpoint, or by the page's server when it keeps the session). */
static void gen_sign_in(const eng_model *m, buf *out) {
    const eng_oauth *o = &m->oauth;
    if (!o->authorize) return;
    buf_puts(out, oauth_methods);
    buf_puts(out, "    def sign_in(self, username: Optional[str] = None, password: Optional[str] = "
                  "None) -> Any:\n"
                  "        \"\"\"Signs in the way the site's page did, without a browser (OAuth "
                  "2.0 authorization code):\n");
    if (o->start == o->authorize)
        buf_printf(out,
                   "        asks the identity provider for an authorization with a new state"
                   "%s,\n        fills in ",
                   o->pkce ? " and PKCE pair" : "");
    else
        buf_printf(out,
                   "        starts where the page did (%s, which redirects to the identity "
                   "provider),\n        fills in ",
                   o->start->op_name);
    buf_puts(out, "its sign-in form (the credentials default to .env) and follows it back\n"
                  "        to the page, ");
    if (o->token)
        buf_puts(out, "which redeems the code for tokens. Returns the token answer.\"\"\"\n");
    else
        buf_puts(out, "whose server redeems the code and keeps the session (a cookie).\"\"\"\n");
    buf_puts(out, "        self._producing.add(\"sign_in\")\n"
                  "        try:\n"
                  "            self.oauth_state = None\n"
                  "            ");
    sign_in_call(m, o->start, o->start_call, "", out);
    buf_puts(out, ")\n            response = self.last_response\n"
                  "            assert response is not None\n"
                  "            ");
    if (o->token) {
        buf_puts(out, "code = self._authorization_code(response, username, password)\n"
                      "            assert code is not None\n            return ");
        sign_in_call(m, o->token, o->back_call, o->code->name, out);
        buf_printf(out, "%s%s=code)\n", out->data[out->len - 1] == '(' ? "" : ", ",
                   o->code->py_name);
    } else {
        buf_puts(out, "self._authorization_code(response, username, password)\n"
                      "            return None\n");
    }
    buf_puts(out, "        finally:\n"
                  "            self._producing.discard(\"sign_in\")\n\n");
}

static void gen_session_table(const eng_model *m, buf *out) {
    buf_puts(out, "# Session values the client keeps and sends by itself, and the operations that "
                  "produce them.\n");
    buf_puts(out, "SESSION: Dict[str, Dict[str, Any]] = {\n");
    for (size_t i = 0; i < m->n_session; i++) {
        const eng_session_value *s = &m->session[i];
        buf_printf(out, "    \"%s\": {\"use\": \"%s\", \"wire\": ", s->name, eng_use_name(s->use));
        eng_py_str(out, s->wire_name);
        if (s->producer) {
            buf_printf(out,
                       ", \"producer\": \"%s\", \"kind\": \"%s\", \"path\": ", s->producer->op_name,
                       source_kind(s->src.kind));
            eng_py_str(out, s->src.path);
            captured_args(m, s->src.call, "args", out);
            if (s->signs_in && m->oauth.authorize) buf_puts(out, ", \"via\": \"sign_in\"");
            gen_renewers(m, s, out);
        } else {
            buf_printf(out, ", \"env\": \"%s\"", s->env_name);
        }
        buf_puts(out, "},\n");
    }
    buf_puts(out, "}\n\n");
}

static const eng_credential *cred(const eng_model *m, const char *field) {
    for (size_t i = 0; i < m->n_creds; i++)
        if (strcmp(m->creds[i].field, field) == 0) return &m->creds[i];
    return NULL;
}

static void gen_init(const eng_model *m, buf *out, arena *a) {
    buf_puts(out, "class ApiClient:\n");
    buf_puts(out, "    \"\"\"Client for ");
    eng_py_doc(out, m->base_url);
    buf_puts(out, ", engineered by rae from a captured browser session.\n\n");
    buf_puts(
        out,
        "    Settings come from arguments, then RAE_* environment variables, then the .env file\n"
        "    next to this module. Every operation returns the parsed response body (JSON as\n"
        "    dicts and lists, else text) and raises ApiError (AuthError, NotFoundError,\n"
        "    ClientError, ServerError) for statuses of 400 and above. Tokens, CSRF values\n"
        "    and keys are obtained and sent by the client itself; on a 401 or 403 it signs\n"
        "    in again once and retries.\n    \"\"\"\n\n");
    buf_puts(out, "    def __init__(self, base_url: Optional[str] = None, *, ");
    for (size_t i = 1; i < m->n_origins; i++)
        buf_printf(out, "%s_url: Optional[str] = None,\n                 ", m->origins[i].role);
    buf_puts(out, "env_file: Optional[str] = None, timeout: float = 30.0, **credentials: str) -> "
                  "None:\n");
    buf_puts(out, "        env = load_env(env_file)\n");
    buf_puts(out, "        self.base_url = (base_url or env.get(\"RAE_BASE_URL\") or "
                  "DEFAULT_BASE_URL).rstrip(\"/\")\n");
    buf_puts(out, "        self._given = bool(base_url or env.get(\"RAE_BASE_URL\"))\n");
    buf_puts(out,
             "        # the base URL of each origin, by role; None: found when first needed\n");
    buf_puts(out, "        self.urls: Dict[str, Optional[str]] = {\"base\": self.base_url");
    for (size_t i = 1; i < m->n_origins; i++)
        buf_printf(out,
                   ",\n                                               \"%s\": (%s_url or "
                   "env.get(\"%s\") or \"\").rstrip(\"/\") or None",
                   m->origins[i].role, m->origins[i].role, m->origins[i].env_name);
    buf_puts(out, "}\n");
    buf_puts(out, "        self.credentials: Dict[str, Optional[str]] = {\n");
    for (size_t i = 0; i < m->n_creds; i++) {
        buf_printf(out, "            ");
        eng_py_str(out, m->creds[i].env_name);
        char *key = arena_strdup(a, m->creds[i].env_name + 4);
        for (char *p = key; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        buf_printf(out, ": credentials.get(\"%s\") or env.get(\"%s\"),\n", key,
                   m->creds[i].env_name);
    }
    buf_puts(out, "        }\n");
    buf_puts(out, "        self.session: Dict[str, Optional[str]] = {\n");
    for (size_t i = 0; i < m->n_session; i++) {
        const eng_session_value *s = &m->session[i];
        if (s->producer)
            buf_printf(out, "            \"%s\": None,\n", s->name);
        else
            buf_printf(out, "            \"%s\": env.get(\"%s\"),\n", s->name, s->env_name);
    }
    buf_puts(out, "        }\n");
    buf_puts(out, "        self.reauthenticate = True\n");
    buf_puts(out, "        self.last_response: Optional[httpx.Response] = None\n");
    buf_puts(out, "        self._producing: set = set()\n");
    buf_puts(out, "        self.etags: Dict[str, str] = {}  # the last ETag seen, by URL\n");
    buf_puts(out, "        self.signing_key: Optional[str] = None  # SIGNATURE's key, once got\n");
    buf_puts(out,
             "        self.answers: Dict[str, httpx.Response] = {}  # the last, by operation\n");
    buf_puts(
        out,
        "        # the ids (UUIDs) of each operation's last call; `again`: send them once more\n"
        "        self.last_ids: Dict[str, Dict[str, str]] = {}\n"
        "        self.again = False\n"
        "        self.bare = False  # True: calls go without the session values\n");
    if (m->oauth.authorize)
        buf_puts(out, "        # this sign-in's state and PKCE verifier (OAUTH)\n"
                      "        self.oauth_state: Optional[str] = None\n"
                      "        self.pkce_verifier: Optional[str] = None\n");
    buf_puts(out,
             "        # when each session value was obtained and when it expires (None: unknown)\n"
             "        self.expires: Dict[str, Tuple[float, Optional[float]]] = {}\n");
    buf_puts(out, "        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, "
                  "follow_redirects=False)\n");
    if (m->has_basic_auth)
        buf_puts(out, "        basic = self.credentials.get(\"RAE_BASIC_AUTH\")\n"
                      "        if basic:\n"
                      "            self.http.headers[\"Authorization\"] = \"Basic \" + basic\n");
    if (m->n_static_cookies)
        buf_puts(out, "        # Cookies the site had set before the capture started.\n"
                      "        for pair in (env.get(\"RAE_COOKIES\") or \"\").split(\";\"):\n"
                      "            if \"=\" in pair:\n"
                      "                name, value = pair.strip().split(\"=\", 1)\n"
                      "                self.http.cookies.set(name, value)\n");
    buf_puts(out, "\n");
}

static int is_arg(const eng_param *p) {
    return !p->session;
}

static const char *param_type(const eng_param *p, arena *a) {
    if (p->file) return "Any";
    if (p->in == ENG_IN_PATH) return p->schema->types == ENG_T_INT ? "int" : "str";
    const char *t = eng_schema_py(p->schema, a);
    return strcmp(t, "Optional[Any]") == 0 ? "Any" : t;
}

/* The name of an argument that takes the whole body ("files", "data"): made unique among ep's
 * parameters with trailing underscores. */
const char *eng_py_raw_arg(const eng_endpoint *ep, const char *name, arena *a) {
    for (size_t i = 0; i < ep->n_params; i++)
        if (strcmp(ep->params[i].py_name, name) == 0) {
            name = arena_printf(a, "%s_", name);
            i = (size_t)-1;
        }
    return name;
}

/* def NAME(self, required..., optional=None...) -> Any: */
static void gen_signature(const eng_endpoint *ep, buf *out, arena *a) {
    buf_printf(out, "    def %s(self", ep->op_name);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ep->n_params; i++) {
            const eng_param *p = &ep->params[i];
            int required = p->required && !eng_param_defaulted(p);
            if (!is_arg(p) || required != (pass == 0)) continue;
            const char *t = param_type(p, a);
            if (required)
                buf_printf(out, ", %s: %s", p->py_name, t);
            else
                buf_printf(out, ", %s: %s = None", p->py_name,
                           strncmp(t, "Optional[", 9) == 0 || strcmp(t, "Any") == 0
                               ? t
                               : arena_printf(a, "Optional[%s]", t));
        }
    if ((ep->body_kind == ENG_BODY_JSON && !ep->body_is_object) || ep->body_kind == ENG_BODY_TEXT)
        buf_puts(out, ", body: Any = None");
    else if (ep->body_raw && ep->body_kind == ENG_BODY_MULTIPART)
        buf_printf(out, ", %s: Any = None, %s: Any = None", eng_py_raw_arg(ep, "files", a),
                   eng_py_raw_arg(ep, "data", a));
    else if (ep->body_raw && ep->body_kind == ENG_BODY_FORM)
        buf_printf(out, ", %s: Any = None", eng_py_raw_arg(ep, "data", a));
    if (ep->body_mime_varies)
        buf_printf(out, ", %s: Optional[str] = None", eng_py_raw_arg(ep, "content_type", a));
    if (ep->if_match)
        buf_printf(out, ", %s: Optional[str] = None", eng_py_raw_arg(ep, "if_match", a));
    buf_puts(out, ") -> Any:\n");
}

/* Docstring lines of text, indented by 8 and broken at spaces before column 100. */
static void doc_lines(buf *out, const char *text) {
    const char *p = text;
    while (*p) {
        size_t n = strlen(p), cut = n;
        if (n > 92) {
            for (cut = 92; cut > 0 && p[cut] != ' '; cut--)
                ;
            if (cut == 0) cut = strcspn(p, " ");
        }
        buf_printf(out, "        %.*s\n", (int)cut, p);
        p += cut;
        p += strspn(p, " ");
    }
}

/* What the docstring says of a body the HAR lacks: how to give it, or where its arguments came
 * from. */
static void doc_missing_body(const eng_endpoint *ep, buf *out, arena *a) {
    if (!ep->bodies_missing) return;
    buf text = BUF_INIT;
    if (ep->body_raw) {
        buf_puts(&text, "Its body is unknown: ");
        eng_py_doc(&text, ep->body_missing);
        buf_puts(&text, ". Give it whole (");
        eng_py_doc(&text, *ep->body_mime ? ep->body_mime : "no Content-Type");
        buf_puts(&text, "); it goes to httpx as it is:");
    } else {
        buf_printf(&text, "%ld of the %ld captured calls had no body: ", ep->bodies_missing,
                   ep->samples);
        eng_py_doc(&text, ep->body_missing);
        buf_puts(&text, ". The body's arguments come from the other calls.");
    }
    doc_lines(out, buf_str(&text));
    buf_free(&text);
    if (!ep->body_raw) return;
    if (ep->body_kind == ENG_BODY_MULTIPART)
        buf_printf(out,
                   "            %s={\"file\": (\"name.txt\", b\"...\", \"text/plain\")} for the "
                   "file parts,\n            %s={\"field\": \"value\"} for the other fields.\n",
                   eng_py_raw_arg(ep, "files", a), eng_py_raw_arg(ep, "data", a));
    else if (ep->body_kind == ENG_BODY_FORM)
        buf_printf(out, "            %s={\"field\": \"value\"}.\n", eng_py_raw_arg(ep, "data", a));
    else if (ep->body_kind == ENG_BODY_JSON)
        buf_puts(out, "            body={...}, sent as JSON.\n");
    else
        buf_puts(out, "            body=\"...\" (str or bytes).\n");
}

static void gen_doc(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    buf_puts(out, "        \"\"\"");
    eng_py_doc(out, ep->summary);
    if (strcmp(ep->origin, m->base_url) != 0) {
        buf_puts(out, " (on ");
        eng_py_doc(out, ep->origin);
        buf_putc(out, ')');
    }
    buf_puts(out, "\n\n");
    if (ep->is_login)
        buf_puts(out, "        Signs in; credentials default to RAE_USERNAME / RAE_PASSWORD.\n");
    if (ep->is_page) buf_puts(out, "        An HTML page that later requests take values from.\n");
    doc_missing_body(ep, out, a);
    for (size_t i = 0; i < ep->n_responses; i++) {
        const eng_response *r = &ep->responses[i];
        buf_printf(out, "        Captured: %d ", r->status);
        eng_py_doc(out, *r->mime ? r->mime : "(no body)");
        if (r->schema && (r->schema->types & ENG_T_OBJ) && r->schema->n_props) {
            buf_puts(out, " with ");
            for (size_t k = 0; k < r->schema->n_props && k < 6; k++) {
                buf_puts(out, k ? ", " : "");
                eng_py_doc(out, r->schema->props[k].name); /* a site's keys: text, not code */
            }
            if (r->schema->n_props > 6) buf_puts(out, ", ...");
        }
        buf_printf(out, " (%ld time%s).\n", r->samples, r->samples == 1 ? "" : "s");
    }
    buf_puts(out, "\n        Example:\n            ");
    eng_py_example(ep, out);
    (void)a;
    buf_puts(out, "\n        \"\"\"\n");
}

void eng_py_example(const eng_endpoint *ep, buf *out) {
    buf_printf(out, "api.%s(", ep->op_name);
    int first = 1;
    for (size_t i = 0; i < ep->n_params; i++) {
        const eng_param *p = &ep->params[i];
        if (!is_arg(p) || !p->required || eng_param_defaulted(p)) continue;
        const char *ex = p->schema->example;
        unsigned types = p->schema->types & ~(unsigned)ENG_T_NULL;
        buf_printf(out, "%s%s=%s", first ? "" : ", ", p->py_name,
                   p->file               ? "(\"name.png\", open(\"name.png\", \"rb\"))"
                   : types == ENG_T_BOOL ? "True"
                   : ex && strlen(ex) < 60 && !strchr(ex, '\\') ? ex
                                                                : "...");
        first = 0;
    }
    if (ep->body_raw && ep->body_kind == ENG_BODY_MULTIPART)
        buf_printf(out, "%sfiles={\"file\": (\"name.txt\", open(\"name.txt\", \"rb\"))}",
                   first ? "" : ", ");
    buf_putc(out, ')');
}

int eng_is_usage_example(const eng_endpoint *ep) {
    return !ep->is_page && !ep->is_login;
}

static void gen_path(const eng_model *m, const eng_endpoint *ep, buf *out) {
    buf_puts(out, "f\"");
    for (const char *p = ep->path; *p; p++) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (close) {
            const char *name = NULL;
            for (size_t i = 0; i < ep->n_params; i++)
                if (ep->params[i].in == ENG_IN_PATH &&
                    strlen(ep->params[i].name) == (size_t)(close - p - 1) &&
                    strncmp(ep->params[i].name, p + 1, (size_t)(close - p - 1)) == 0)
                    name = ep->params[i].py_name;
            buf_printf(out, "{path_part(%s)}", name ? name : "''");
            p = close;
        } else if (*p == '"' || *p == '\\') {
            buf_printf(out, "\\%c", *p);
        } else {
            buf_putc(out, *p);
        }
    }
    buf_putc(out, '"');
}

int eng_param_defaulted(const eng_param *p) {
    return p->secret || p->made != ENG_MADE_NONE || p->config.kind != ENG_SRC_NONE;
}

/* ` if x is not None else DEFAULT` for a parameter the client fills when not given. */
static void gen_default(const eng_model *m, const eng_param *p, buf *out) {
    static const char *const made[] = {"", "state", "nonce", "challenge", "verifier"};
    const eng_credential *c = p->secret ? cred(m, p->name) : NULL;
    if (!c && !p->made && !p->config.kind) return;
    buf_printf(out, " if %s is not None else ", p->py_name);
    if (c) {
        buf_printf(out, "self.credentials.get(\"%s\")", c->env_name);
    } else if (p->made) {
        buf_printf(out, "self._made(\"%s\")", made[p->made]);
    } else {
        buf_printf(out, "self._page_value(\"%s\", \"%s\", ", m->calls[p->config.call].ep->op_name,
                   source_kind(p->config.kind));
        eng_py_str(out, p->config.path);
        buf_putc(out, ')');
    }
}

static void gen_dict(const eng_model *m, const eng_endpoint *ep, eng_where in, buf *out) {
    buf_putc(out, '{');
    int first = 1;
    for (size_t i = 0; i < ep->n_params; i++) {
        const eng_param *p = &ep->params[i];
        if (p->in != in || !is_arg(p) || p->file) continue;
        if (!first) buf_puts(out, ", ");
        eng_py_str(out, p->name);
        buf_printf(out, ": %s", p->py_name);
        gen_default(m, p, out);
        first = 0;
    }
    buf_putc(out, '}');
}

static void gen_body(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    switch (ep->body_kind) {
    case ENG_BODY_JSON:
        buf_puts(out, "json_body=");
        if (ep->graphql_op) {
            buf_puts(out, "{");
            if (ep->graphql_named) {
                buf_puts(out, "\"operationName\": ");
                eng_py_str(out, ep->graphql_op);
                buf_puts(out, ", ");
            }
            if (ep->graphql_query)
                buf_printf(out, "\"query\": GRAPHQL[\"%s\"],\n                          ",
                           ep->op_name);
            buf_puts(out, "\"variables\": drop_none(");
            gen_dict(m, ep, ENG_IN_BODY, out);
            buf_putc(out, ')');
            if (ep->graphql_hash) { /* a persisted query: the site knows the document by hash */
                buf_puts(out, ",\n                          \"extensions\": {\"persistedQuery\": "
                              "{\"version\": 1, \"sha256Hash\": ");
                eng_py_str(out, ep->graphql_hash);
                buf_puts(out, "}}");
            }
            buf_putc(out, '}');
        } else if (ep->body_is_object) {
            buf_puts(out, "drop_none(");
            gen_dict(m, ep, ENG_IN_BODY, out);
            buf_putc(out, ')');
        } else {
            buf_puts(out, "body");
        }
        break;
    case ENG_BODY_FORM:
        buf_puts(out, "data=");
        if (ep->body_raw)
            buf_puts(out, eng_py_raw_arg(ep, "data", a));
        else
            gen_dict(m, ep, ENG_IN_BODY, out);
        break;
    case ENG_BODY_MULTIPART: {
        if (ep->body_raw) {
            buf_printf(out, "data=%s, files=%s", eng_py_raw_arg(ep, "data", a),
                       eng_py_raw_arg(ep, "files", a));
            break;
        }
        buf_puts(out, "data=");
        gen_dict(m, ep, ENG_IN_BODY, out);
        buf_puts(out, ", files=drop_none({");
        int first = 1;
        for (size_t i = 0; i < ep->n_params; i++) {
            const eng_param *p = &ep->params[i];
            if (!p->file) continue;
            buf_printf(out, "%s", first ? "" : ", ");
            eng_py_str(out, p->name);
            buf_printf(out, ": %s", p->py_name);
            first = 0;
        }
        buf_puts(out, "})");
        break;
    }
    case ENG_BODY_TEXT:
        buf_puts(out, "content=body");
        break;
    default:
        break;
    }
}

static void gen_operation(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    gen_signature(ep, out, a);
    gen_doc(m, ep, out, a);
    if (ep->graphql_op)
        buf_puts(out, "        result = ");
    else
        buf_puts(out, "        return ");
    buf_printf(out, "self._call(\"%s\", \"%s\", ", ep->op_name, ep->method);
    gen_path(m, ep, out);
    int has_query = 0;
    for (size_t i = 0; i < ep->n_params; i++)
        has_query |= ep->params[i].in == ENG_IN_QUERY && is_arg(&ep->params[i]);
    if (has_query) {
        buf_puts(out, ",\n                          params=");
        gen_dict(m, ep, ENG_IN_QUERY, out);
    }
    if (ep->body_kind != ENG_BODY_NONE) buf_puts(out, ",\n                          ");
    gen_body(m, ep, out, a);
    if (ep->body_kind == ENG_BODY_JSON && !ep->graphql_op && ep->body_mime &&
        strcmp(ep->body_mime, "application/json") != 0 && strstr(ep->body_mime, "json")) {
        buf_puts(out, ", content_type=");
        if (ep->body_mime_varies) buf_printf(out, "%s or ", eng_py_raw_arg(ep, "content_type", a));
        eng_py_str(out, ep->body_mime);
    } else if (ep->body_mime_varies) {
        buf_printf(out, ", content_type=%s", eng_py_raw_arg(ep, "content_type", a));
    }
    if (ep->if_match)
        buf_printf(out, ",\n                          conditional=True, if_match=%s",
                   eng_py_raw_arg(ep, "if_match", a));
    for (size_t i = 0; i < ep->n_fresh; i++) {
        buf_puts(out, i ? ", " : ",\n                          fresh=(");
        eng_py_str(out, m->fresh[ep->fresh[i]].name);
        if (i + 1 == ep->n_fresh) buf_puts(out, i ? ")" : ",)");
    }
    if (ep->is_signed && m->signature.reproduced)
        buf_puts(out, ",\n                          signed=True");
    for (size_t i = 0; i < ep->n_headers; i++) {
        buf_puts(out, i ? ", " : ",\n                          headers={");
        eng_py_str(out, ep->headers[2 * i]);
        buf_puts(out, ": ");
        eng_py_str(out, ep->headers[2 * i + 1]);
        if (i + 1 == ep->n_headers) buf_putc(out, '}');
    }
    const eng_origin *o = eng_origin_of(m, ep);
    if (o && o != &m->origins[0])
        buf_printf(out, ",\n                          origin=\"%s\"", o->role);
    if (ep->n_uses) {
        buf_puts(out, ",\n                          uses=(");
        for (size_t i = 0; i < ep->n_uses; i++)
            buf_printf(out, "\"%s\", ", m->session[ep->uses[i]].name);
        buf_putc(out, ')');
    }
    buf_puts(out, ")\n");
    if (ep->graphql_op) buf_puts(out, "        return graphql_data(result, self.last_response)\n");
    buf_putc(out, '\n');
}

/* iter_NAME(...): follows the endpoint's pagination and yields items. */
static void gen_iterator(const eng_endpoint *ep, buf *out, arena *a) {
    const eng_pagination *pg = &ep->page;
    if (pg->style == ENG_PAGE_NONE) return;
    const char *move = NULL;
    for (size_t i = 0; i < ep->n_params; i++)
        if (ep->params[i].in == ENG_IN_QUERY && strcmp(ep->params[i].name, pg->param) == 0)
            move = ep->params[i].py_name;
    if (!move) return;
    const char *limit = NULL; /* the page size argument, when there is one */
    for (size_t i = 0; i < ep->n_params && pg->limit_param; i++)
        if (ep->params[i].in == ENG_IN_QUERY && is_arg(&ep->params[i]) &&
            strcmp(ep->params[i].name, pg->limit_param) == 0)
            limit = ep->params[i].py_name;
    buf_printf(out, "    def iter_%s(self", ep->op_name);
    buf b = BUF_INIT; /* the call's arguments */
    for (size_t i = 0; i < ep->n_params; i++) {
        const eng_param *p = &ep->params[i];
        if (!is_arg(p)) continue;
        if (strcmp(p->py_name, move) != 0) {
            int required = p->required && !eng_param_defaulted(p);
            if (required)
                buf_printf(out, ", %s: %s", p->py_name, param_type(p, a));
            else
                buf_printf(out, ", %s: Any = None", p->py_name);
        }
        buf_printf(&b, "%s%s=%s", b.len ? ", " : "", p->py_name,
                   strcmp(p->py_name, move) == 0 ? "position" : p->py_name);
    }
    buf_puts(out, ") -> Iterator[Any]:\n");
    buf_printf(out,
               "        \"\"\"Yields every item of %s %s, page after page (%s pagination on "
               "'%s').\"\"\"\n",
               ep->method, ep->path,
               pg->style == ENG_PAGE_CURSOR        ? "cursor"
               : pg->style == ENG_PAGE_PAGE        ? "page-number"
               : pg->style == ENG_PAGE_OFFSET      ? "offset"
               : pg->style == ENG_PAGE_LINK_HEADER ? "Link header"
                                                   : "next-link",
               pg->param);
    const char *items = *pg->items_path ? pg->items_path : "";
    buf_printf(out, "        position: Any = %s\n",
               pg->style == ENG_PAGE_PAGE     ? "1"
               : pg->style == ENG_PAGE_OFFSET ? "0"
                                              : "None");
    buf_puts(out, "        while True:\n");
    buf_printf(out, "            page = self.%s(%s)\n", ep->op_name, buf_str(&b));
    if (*items) { /* a path of the site's keys: a literal, never code */
        buf_puts(out, "            items = json_get(page, ");
        eng_py_str(out, items);
        buf_puts(out, ") or []\n");
    } else
        buf_puts(out, "            items = page if isinstance(page, list) else []\n");
    buf_puts(out, "            yield from items\n");
    if (pg->style == ENG_PAGE_LINK_HEADER) {
        buf_puts(out, "            position = link_param(self.last_response, ");
        eng_py_str(out, pg->next_path);
        buf_puts(out, ", ");
        eng_py_str(out, pg->param);
        buf_puts(out, ")\n");
        buf_puts(out, "            if not position:\n                return\n\n");
    } else if (pg->style == ENG_PAGE_CURSOR || pg->style == ENG_PAGE_LINK) {
        buf_puts(out, "            position = json_get(page, ");
        eng_py_str(out, pg->next_path);
        buf_puts(out, ")\n");
        buf_puts(out, "            if not position or not items:\n                return\n\n");
    } else {
        int by_page = pg->style == ENG_PAGE_PAGE;
        buf_printf(out,
                   "            if not items or last_page(page, %s, len(items), %s):\n"
                   "                return\n"
                   "            position += %s\n\n",
                   by_page ? "position" : "None", limit ? limit : "None",
                   by_page ? "1" : "len(items)");
    }
    buf_free(&b);
}

int eng_gen_python(const eng_model *m, buf *out) {
    arena *a = arena_new();
    buf_puts(out, "\"\"\"Python client for the API of ");
    eng_py_doc(out, *m->base_url ? m->base_url : "(no API found)");
    buf_puts(out, ".\n\nEngineered by rae from ");
    eng_py_doc(out, m->source);
    buf_printf(out, ": %zu operations. Usage:\n\n", m->n_endpoints);
    buf_puts(out, "    from api_client import ApiClient\n\n    with ApiClient() as api:  # "
                  "settings from .env\n");
    for (size_t i = 0, shown = 0; i < m->n_endpoints && shown < 3; i++) {
        if (!eng_is_usage_example(m->endpoints[i])) continue;
        buf_puts(out, "        ");
        eng_py_example(m->endpoints[i], out);
        buf_putc(out, '\n');
        shown++;
    }
    buf_puts(out, "\nRequires Python 3.9+ and httpx.\n\"\"\"\n\n");
    buf_puts(out, prelude);
    buf_puts(out, "\nDEFAULT_BASE_URL = ");
    eng_py_str(out, m->base_url);
    buf_puts(out, "\n\n");
    gen_origins_table(m, out);
    gen_fresh_table(m, out);
    gen_signature_table(m, out);
    gen_session_table(m, out);
    gen_oauth_table(m, out);
    gen_graphql_table(m, out);
    gen_init(m, out, a);
    buf_puts(out, plumbing);
    gen_sign_in(m, out);
    for (size_t i = 0; i < m->n_endpoints; i++) {
        gen_operation(m, m->endpoints[i], out, a);
        gen_iterator(m->endpoints[i], out, a);
    }
    /* trim the last blank line: files end with one newline */
    while (out->len >= 2 && out->data[out->len - 1] == '\n' && out->data[out->len - 2] == '\n')
        out->data[--out->len] = '\0';
    arena_free(a);
    return 0;
}
