    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> "ApiClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _cookie(self, name: str) -> Optional[str]:
        """The cookie jar's current value of a cookie (the last one set, whatever its path)."""
        value = None
        for cookie in self.http.cookies.jar:
            if cookie.name == name:
                value = cookie.value
        return value

    def _value(self, name: str) -> Optional[str]:
        """A session value as it is now: one that a cookie carries (an XSRF cookie echoed in a
        header) is read from the cookie jar at each request, so a rotated value is followed."""
        how = SESSION[name]
        if how.get("kind") == "cookie":
            return self._cookie(how["path"]) or self.session.get(name)
        return self.session.get(name)

    def _has(self, name: str) -> bool:
        how = SESSION[name]
        if how["use"] == "cookie":
            return self._cookie(how["wire"]) is not None
        return self._value(name) is not None

    def _ensure(self, names: Tuple[str, ...], operation: str) -> None:
        """Obtains missing session values by calling the operations that produce them."""
        for name in names:
            how = SESSION[name]
            producer = how.get("via") or how.get("producer")  # via: sign_in()
            if not self._has(name) and producer and producer != operation \
                    and producer not in self._producing:
                self._producing.add(producer)
                try:
                    getattr(self, producer)(**({} if "via" in how else how.get("args", {})))
                except ApiError:
                    pass
                finally:
                    self._producing.discard(producer)

    def _forget(self) -> None:
        """Drops every session value and session cookie obtained so far, to sign in afresh."""
        for name, how in SESSION.items():
            if not how.get("producer"):
                continue
            self.session[name] = None
            self.expires.pop(name, None)
            if how["use"] == "cookie":
                for cookie in list(self.http.cookies.jar):
                    if cookie.name == how["wire"]:
                        self.http.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)

    def _extract(self, operation: str, response: httpx.Response) -> None:
        """Keeps the session values this operation's response carries: those it produces, and
        those it renews (a refreshed token, a rotated refresh token)."""
        answer: Any = None
        if operation == SIGNATURE.get("producer"):
            try:
                key = json_get(response.json(), SIGNATURE["path"])
            except ValueError:
                key = None
            self.signing_key = str(key) if key is not None else self.signing_key
        for name, how in SESSION.items():
            if how.get("producer") == operation:
                kind, where = how["kind"], how["path"]
            elif operation in how.get("renewers", {}):
                kind, where = how["renewers"][operation]
            else:
                continue
            value: Any = None
            if kind == "json":
                try:
                    answer = response.json() if answer is None else answer
                except ValueError:
                    continue
                value = json_get(answer, where)
            elif kind == "header":
                value = response.headers.get(where)
            elif kind == "cookie":
                value = response.cookies.get(where) or self._cookie(where)
            else:
                value = html_value(response.text, kind, where)
            if value is not None:
                self.session[name] = str(value)
                self.expires[name] = (time.time(), token_expiry(str(value), answer, where))

    def _refresh(self, name: str) -> bool:
        """Renews a session value by its refresh operation; whether that gave a new one."""
        refresh = SESSION[name]["refresh"]
        if refresh in self._producing:
            return False
        before = self.session.get(name)
        self._producing.add(refresh)
        try:
            getattr(self, refresh)(**SESSION[name].get("refresh_args", {}))
        except ApiError:
            return False
        finally:
            self._producing.discard(refresh)
        return self.session.get(name) not in (None, before)

    def _renewed(self, operation: str, uses: Tuple[str, ...], status: int) -> bool:
        """After a 401 or 403: whether the session was renewed, so that the call may go once more:
        by the refresh of its tokens (401), else by signing in afresh."""
        renewable = [n for n in uses if SESSION[n].get("refresh") not in (None, operation)]
        if status == 401 and renewable and all(self._refresh(n) for n in renewable):
            return True
        if self.reauthenticate:
            self._forget()
            return True
        return False

    def _renew_expiring(self, names: Tuple[str, ...], operation: str) -> None:
        """Refreshes a value before it expires: within a fifth of its life, and 30 s at most."""
        for name in names:
            refresh = SESSION[name].get("refresh")
            got, expires = self.expires.get(name, (0.0, None))
            if not refresh or refresh == operation or expires is None:
                continue
            if time.time() >= expires - min(30.0, (expires - got) / 5):
                self._refresh(name)

    def _signing_key(self) -> str:
        """The key the site's page signs requests with (SIGNATURE), from the answer that gives it."""
        producer = SIGNATURE.get("producer")
        if self.signing_key is None and producer and producer not in self._producing:
            self._producing.add(producer)
            try:
                getattr(self, producer)()
            finally:
                self._producing.discard(producer)
        if self.signing_key is None:
            raise ValueError(f"no key to sign {SIGNATURE['header']} with: {producer} gave none")
        return self.signing_key

    def _sign(self, method: str, url: str, params: Dict[str, Any], headers: Dict[str, str],
              kwargs: Dict[str, Any]) -> None:
        """Signs a request the way the site's page did (SIGNATURE), over the bytes it sends."""
        import base64
        import hashlib
        import hmac
        from urllib.parse import urlencode, urlsplit

        if "json" in kwargs:
            kwargs["content"] = json.dumps(kwargs.pop("json"), separators=(",", ":"))
            headers.setdefault("Content-Type", "application/json")
        elif "data" in kwargs and "files" not in kwargs:
            kwargs["content"] = urlencode(kwargs.pop("data"), doseq=True)
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        body = kwargs.get("content") or b""
        body = body.encode() if isinstance(body, str) else body
        target = urlsplit(str(self.http.build_request(method, url, params=params or None).url))
        parts: List[bytes] = []
        for part in SIGNATURE["parts"].split(","):
            if part == "method":
                parts.append(method.encode())
            elif part in ("path", "path_query"):
                query = "?" + target.query if part == "path_query" and target.query else ""
                parts.append((target.path + query).encode())
            elif part.startswith("header:"):
                parts.append(headers.get(part[7:], "").encode())
            elif part == "body_sha256":
                parts.append(hashlib.sha256(body).hexdigest().encode())
            else:
                parts.append(body)
        mac = hmac.new(self._signing_key().encode(), SIGNATURE["sep"].encode().join(parts),
                       hashlib.sha256).digest()
        encoding = SIGNATURE["encoding"]
        if encoding == "hex":
            value = mac.hex()
        elif encoding.startswith("base64url"):
            value = base64.urlsafe_b64encode(mac).decode()
        else:
            value = base64.b64encode(mac).decode()
        headers[SIGNATURE["header"]] = value.rstrip("=") if encoding.endswith("_np") else value

    def _page_value(self, page: str, kind: str, name: str) -> Optional[str]:
        """A setting of a page: `name: "..."` in a script or a <meta> (its configuration), or the
        Location it redirects to; from the last answer of operation `page`, got when none is."""
        if page not in self.answers and page not in self._producing:
            self._producing.add(page)
            try:
                getattr(self, page)()
            except ApiError:
                pass
            finally:
                self._producing.discard(page)
        answer = self.answers.get(page)
        if answer is None:
            return None
        if kind == "location":
            return answer.headers.get("location")
        return html_value(answer.text, kind, name)

    def _url(self, role: str) -> str:
        """The base URL of an origin: as given (an argument, RAE_<ROLE>_URL), else found the way
        the page found it (its configuration names it), else the captured one, but only while the
        primary is the captured one too: a captured host is never mixed with a given one."""
        if self.urls.get(role):
            return str(self.urls[role])
        how = ORIGINS[role]
        if how.get("page"):
            found = self._page_value(how["page"], how["kind"], how["name"])
            if found:
                from urllib.parse import urlsplit

                parts = urlsplit(found)
                if parts.netloc:
                    self.urls[role] = f"{parts.scheme}://{parts.netloc}"
                    return str(self.urls[role])
        if not self._given:
            self.urls[role] = how["captured"]
            return str(how["captured"])
        raise ValueError(f"the base URL of the '{role}' origin is unknown: pass {role}_url= "
                         f"or set {how['env']}")

    def _call(self, operation: str, method: str, path: str, *, params: Optional[Dict[str, Any]] = None,
              json_body: Any = None, data: Optional[Dict[str, Any]] = None, files: Any = None,
              content: Optional[str] = None, content_type: Optional[str] = None,
              uses: Tuple[str, ...] = (), conditional: bool = False, if_match: Optional[str] = None,
              origin: str = "base", fresh: Tuple[str, ...] = (),
              fresh_values: Optional[Dict[str, str]] = None, signed: bool = False,
              headers: Optional[Dict[str, str]] = None, retry: bool = True) -> Any:
        """Sends one request with the session values it needs; returns the parsed body.
        A conditional operation sends If-Match: `if_match`, else the last ETag seen for its URL."""
        if self.bare:  # as the page sent it before it signed in
            uses, retry = (), False
        self._ensure(uses, operation)
        self._renew_expiring(uses, operation)
        sent: Dict[str, str] = dict(ORIGINS[origin]["headers"])  # what the API demands
        sent.update(headers or {})  # and what this endpoint sends besides
        url = path if origin == "base" else self._url(origin) + path
        # values new for each call: a retry keeps the call's ids (UUIDs) and takes a new time and nonce
        fresh_values = {name: value for name, value in (fresh_values or {}).items()
                        if FRESH[name]["kind"] == "uuid"}
        if self.again and not fresh_values:  # the page's retry of a refused call: its ids
            fresh_values = dict(self.last_ids.get(operation, {}))
        for name in fresh:
            fresh_values.setdefault(name, fresh_value(FRESH[name]))
        self.last_ids[operation] = {name: value for name, value in fresh_values.items()
                                    if FRESH[name]["kind"] == "uuid"}
        sent.update(fresh_values)
        if conditional and (if_match or self.etags.get(url)):
            sent["If-Match"] = if_match or self.etags[url]
        params = drop_none(dict(params or {}))
        if isinstance(json_body, dict):
            json_body = dict(json_body)
        data = drop_none(dict(data)) if data is not None else None
        for name in uses:
            value, how = self._value(name), SESSION[name]
            if value is None or how["use"] == "cookie":  # the cookie jar sends cookies
                continue
            if how["use"] == "bearer":
                sent["Authorization"] = "Bearer " + value
            elif how["use"] == "header":
                sent[how["wire"]] = value
            elif how["use"] == "query":
                params[how["wire"]] = value
            elif isinstance(json_body, dict):
                json_body[how["wire"]] = value
            elif data is not None:
                data[how["wire"]] = value
        kwargs: Dict[str, Any] = {"params": params or None, "headers": sent}
        if json_body is not None and content_type:  # merge-patch+json, json-patch+json...
            sent["Content-Type"] = content_type
            kwargs["content"] = json.dumps(json_body)
        elif json_body is not None:
            kwargs["json"] = json_body
        if data is not None:
            kwargs["data"] = data
        if files is not None:
            kwargs["files"] = files
        if content is not None:
            kwargs["content"] = content
        if signed:
            self._sign(method, url, params, sent, kwargs)
        response = self.http.request(method, url, **kwargs)
        self.last_response = self.answers[operation] = response
        self._extract(operation, response)
        if response.status_code < 300 and response.headers.get("etag"):
            self.etags[url] = response.headers["etag"]
        elif response.status_code < 300 and method == "DELETE":
            self.etags.pop(url, None)
        if response.status_code in (401, 403) and retry and uses and self._renewed(operation, uses,
                                                                             response.status_code):
            return self._call(operation, method, path, params=params, json_body=json_body, data=data,
                              files=files, content=content, content_type=content_type, uses=uses,
                              conditional=conditional, if_match=if_match, origin=origin,
                              fresh=fresh, fresh_values=fresh_values, signed=signed, headers=headers,
                              retry=False)
        if response.status_code >= 400:
            raise error_for(response)
        return answer_of(response)

