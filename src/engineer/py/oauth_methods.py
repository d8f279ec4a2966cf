    def _made(self, kind: str) -> str:
        """A value the client makes for each sign-in (OAUTH): a new state or nonce, or a new
        PKCE pair whose challenge it returns; "verifier" is the latest pair's verifier."""
        import base64
        import hashlib
        import secrets

        if kind == "verifier":
            if not self.pkce_verifier:
                raise SignInError("no PKCE verifier yet: the authorization request comes first")
            return self.pkce_verifier
        value = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
        if kind == "state":
            self.oauth_state = value
        elif kind == "challenge":
            self.pkce_verifier = value
            if OAUTH["pkce"] == "S256":
                digest = hashlib.sha256(value.encode()).digest()
                return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        return value

    def _authorization_code(self, response: httpx.Response, username: Optional[str],
                            password: Optional[str]) -> Optional[str]:
        """Goes from the first answer of a sign-in to the redirect back to the page: fills in the
        identity provider's sign-in form (its hidden fields as they are) and follows redirects.
        Returns the code of the Location that brings this sign-in's state back, when the page
        redeems it (OAUTH["token"]); else follows that Location to the page's own server, which
        redeems it and keeps the session, and returns None once it answers."""
        from urllib.parse import parse_qs, urljoin, urlsplit

        forms, back = 0, False
        for _ in range(16):
            location = response.headers.get("location")
            where = f"{response.request.method} {response.url} answered {response.status_code}"
            if response.is_redirect and location:
                url = urljoin(str(response.url), location)
                query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
                if "error" in query:
                    why = f"{query['error']} {query.get('error_description', '')}".strip()
                    raise SignInError(f"the identity provider refused the sign-in: {why}")
                if "code" in query and OAUTH["token"]:
                    if query.get("state") != self.oauth_state:
                        raise SignInError(f"{where} with another sign-in's state")
                    return query["code"]
                back = back or "code" in query
                response = self.http.get(url)
                continue
            if back:
                if response.status_code >= 400:
                    raise SignInError(f"{where}: the page's server did not take the sign-in")
                return None
            form = sign_in_form(response.text, OAUTH["username"], OAUTH["password"])
            if form is not None and forms:
                raise SignInError(f"{where} with the sign-in form again: are RAE_USERNAME and "
                                  f"RAE_PASSWORD right?")
            if form is None or response.status_code >= 400:
                raise SignInError(f"{where}, not a sign-in form nor a redirect back to the page")
            action, fields, user_field, password_field = form
            if username is None:
                username = self.credentials.get("RAE_USERNAME") or ""
            if password is None:
                password = self.credentials.get("RAE_PASSWORD") or ""
            fields[user_field], fields[password_field] = username, password
            forms += 1
            response = self.http.post(urljoin(str(response.url), action), data=fields)
        raise SignInError("16 pages of the identity provider went by without a redirect back")

    def sign_in(self, username: Optional[str] = None, password: Optional[str] = None) -> Any:
        """Signs in the way the site's page did, without a browser (OAuth 2.0 authorization code):
{{#asks_state}}
        asks the identity provider for an authorization with a new state,
{{/asks_state}}
{{#asks_pkce}}
        asks the identity provider for an authorization with a new state and PKCE pair,
{{/asks_pkce}}
{{#start}}
        starts where the page did ({{start}}, which redirects to the identity provider),
{{/start}}
        fills in its sign-in form (the credentials default to .env) and follows it back
{{#token_call}}
        to the page, which redeems the code for tokens. Returns the token answer."""
{{/token_call}}
{{^token_call}}
        to the page, whose server redeems the code and keeps the session (a cookie)."""
{{/token_call}}
        self._producing.add("sign_in")
        try:
            self.oauth_state = None
            {{start_call}}
            response = self.last_response
            assert response is not None
{{#token_call}}
            code = self._authorization_code(response, username, password)
            assert code is not None
            return {{token_call}}
{{/token_call}}
{{^token_call}}
            self._authorization_code(response, username, password)
            return None
{{/token_call}}
        finally:
            self._producing.discard("sign_in")

