"""Python client for the API of {{api}}.

Engineered by rae from {{source}}: {{n_operations}} operations. Usage:

    from api_client import ApiClient

    with ApiClient() as api:  # settings from .env
{{examples}}

Requires Python 3.9+ and httpx.
"""

{{prelude}}

DEFAULT_BASE_URL = {{base_url}}

# The origins the site's page called, by role: the captured URL (used only while no base URL is
# given), where the page names it, and the headers its API demands on every call.
ORIGINS: Dict[str, Dict[str, Any]] = {
{{origins}}
}

# Headers the site wants new on every request: made by fresh_value() for each call.
FRESH: Dict[str, Dict[str, str]] = {
{{fresh}}
}

# How the site's page signs requests (HMAC-SHA256 over the parts, joined by sep).
{{#signature_header}}
SIGNATURE: Dict[str, str] = {"header": {{signature_header}}, "parts": {{signature_parts}}, "sep": {{signature_sep}}, "encoding": "{{signature_encoding}}",
                             "producer": "{{signature_producer}}", "path": {{signature_key_path}}}
{{/signature_header}}
{{^signature_header}}
SIGNATURE: Dict[str, str] = {}
{{/signature_header}}

# Session values the client keeps and sends by itself, and the operations that produce them.
SESSION: Dict[str, Dict[str, Any]] = {
{{session}}
}

{{oauth}}
{{#graphql}}
# The GraphQL documents of the operations, as the site sent them.
GRAPHQL: Dict[str, str] = {
{{graphql}}
}

{{/graphql}}
class ApiClient:
    """Client for {{base_url_text}}, engineered by rae from a captured browser session.

    Settings come from arguments, then RAE_* environment variables, then the .env file
    next to this module. Every operation returns the parsed response body (JSON as
    dicts and lists, else text) and raises ApiError (AuthError, NotFoundError,
    ClientError, ServerError) for statuses of 400 and above. Tokens, CSRF values
    and keys are obtained and sent by the client itself; on a 401 or 403 it signs
    in again once and retries.
    """

    def __init__(self, base_url: Optional[str] = None, *, {{origin_args}}env_file: Optional[str] = None, timeout: float = 30.0, **credentials: str) -> None:
        env = load_env(env_file)
        self.base_url = (base_url or env.get("RAE_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        self._given = bool(base_url or env.get("RAE_BASE_URL"))
        # the base URL of each origin, by role; None: found when first needed
        self.urls: Dict[str, Optional[str]] = {"base": self.base_url{{origin_urls}}}
        self.credentials: Dict[str, Optional[str]] = {
{{credentials}}
        }
        self.session: Dict[str, Optional[str]] = {
{{session_values}}
        }
        self.reauthenticate = True
        self.last_response: Optional[httpx.Response] = None
        self._producing: set = set()
        self.etags: Dict[str, str] = {}  # the last ETag seen, by URL
        self.signing_key: Optional[str] = None  # SIGNATURE's key, once got
        self.answers: Dict[str, httpx.Response] = {}  # the last, by operation
        # the ids (UUIDs) of each operation's last call; `again`: send them once more
        self.last_ids: Dict[str, Dict[str, str]] = {}
        self.again = False
        self.bare = False  # True: calls go without the session values
{{#oauth}}
        # this sign-in's state and PKCE verifier (OAUTH)
        self.oauth_state: Optional[str] = None
        self.pkce_verifier: Optional[str] = None
{{/oauth}}
        # when each session value was obtained and when it expires (None: unknown)
        self.expires: Dict[str, Tuple[float, Optional[float]]] = {}
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, follow_redirects=False)
{{#basic_auth}}
        basic = self.credentials.get("RAE_BASIC_AUTH")
        if basic:
            self.http.headers["Authorization"] = "Basic " + basic
{{/basic_auth}}
{{#static_cookies}}
        # Cookies the site had set before the capture started.
        for pair in (env.get("RAE_COOKIES") or "").split(";"):
            if "=" in pair:
                name, value = pair.strip().split("=", 1)
                self.http.cookies.set(name, value)
{{/static_cookies}}

{{plumbing}}
{{sign_in}}
{{methods}}
