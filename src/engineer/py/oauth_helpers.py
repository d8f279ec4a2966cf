class SignInError(Exception):
    """The identity provider did not sign the client in: it refused, or its pages were not the
    sign-in form and redirect back that the capture had."""


def sign_in_form(page: str, username: str,
                 password: str) -> Optional[Tuple[str, Dict[str, str], str, str]]:
    """The form of an HTML page that asks for a password: its action, the fields it sends as
    they are (hidden ones, its first named submit button), and the names of its user and
    password fields (`username` and `password` when it has them, else its first text and
    password inputs); None when the page has no such form."""
    from html.parser import HTMLParser

    class Forms(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.forms: List[Dict[str, Any]] = []

        def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
            a = {k: v or "" for k, v in attrs}
            if tag == "form":
                self.forms.append({"action": a.get("action", ""), "inputs": []})
            elif tag in ("input", "button") and self.forms and a.get("name"):
                kind = a.get("type", "submit" if tag == "button" else "text").lower()
                self.forms[-1]["inputs"].append((kind, a["name"], a.get("value", ""),
                                                 "checked" in a))

    parser = Forms()
    parser.feed(page)
    for form in parser.forms:
        inputs = form["inputs"]
        secrets = [name for kind, name, _, _ in inputs if kind == "password"]
        texts = [name for kind, name, _, _ in inputs if kind in ("text", "email", "tel")]
        if not secrets or not texts:
            continue
        fields: Dict[str, str] = {}
        submitted = False
        for kind, name, value, checked in inputs:
            if kind in ("checkbox", "radio") and not checked:
                continue
            if kind in ("submit", "image"):
                if submitted:
                    continue
                submitted = True
            fields.setdefault(name, value)
        user = username if username in texts else texts[0]
        secret = password if password in secrets else secrets[0]
        return form["action"], fields, user, secret
    return None


# How the site's page signs in: an OAuth 2.0 authorization code, through the identity provider's
# sign-in form (sign_in()).
OAUTH: Dict[str, Any] = {"authorize": "{{authorize}}", "token": {{token}}, "pkce": {{pkce}},
                          "username": {{username}}, "password": {{password}}}

