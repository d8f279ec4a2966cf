#!/usr/bin/env python3
"""Replays the workflow captured in {{source}} through api_client.ApiClient.

Each step calls the client in the captured order; values that came from an earlier
response (ids, cursors, tokens, CSRF values) are taken from that response again, so the
replay works against a fresh instance of the site. Each step's status class is checked
against the captured one. A call whose request body the HAR lacks is skipped (it cannot
be sent as it was), and so is a step that needs a value from a skipped step's response.
The last line is `N passed, N failed, N skipped`; the exit status is 0 when none failed.

    python3 replay.py [--base-url URL]
"""
import argparse
import base64
import sys
from typing import Any, Callable, Dict, Tuple

import httpx

from api_client import (ORIGINS, ApiClient, ApiError, GraphQLError, html_value, json_get,
                        link_param, location_param)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", action="append", default=[], metavar="[NAME=]URL",
                        help="where to replay: the page's origin (default: RAE_BASE_URL, then the "
                             "captured one); NAME=URL sets another origin of ORIGINS in "
                             "api_client.py (else it is found the way the page found it)")
    parser.add_argument("--env-file", help="the .env file with credentials (default: next to api_client.py)")
    args = parser.parse_args()
    base_url, others = None, {}
    for given in args.base_url:
        name, sep, url = given.partition("=")
        if not sep or "/" in name:
            base_url = given
        elif name in ORIGINS:
            others[name] = url
        else:
            parser.error(f"--base-url {given}: no origin is named {name} (the origins: {', '.join(ORIGINS)})")
    base_url = others.pop("base", base_url)
    client = ApiClient(base_url=base_url, env_file=args.env_file,
                       **{f"{name}_url": url for name, url in others.items()})
    client.reauthenticate = False  # replay the capture as it was, sign-ins included
    results: Dict[int, Any] = {}
    responses: Dict[int, httpx.Response] = {}
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    skipped: Dict[int, str] = {}
    failed: Dict[int, str] = {}

    def skip(number: int, what: str, why: str) -> None:
        skipped[number] = why
        counts["skipped"] += 1
        print(f"skip {number:3} {what}: {why}")

    def fail(number: int, what: str, why: str) -> None:
        failed[number] = why
        counts["failed"] += 1
        print(f"FAIL {number:3} {what}{why}")

    def step(number: int, captured: int, what: str, run: Callable[[], Any],
             needs: Tuple[int, ...] = (), retried: bool = False, errors: bool = False,
             binary: str = "", again: bool = False, bare: bool = False) -> None:
        """Runs a call; `needs` are the steps whose responses its values come from: when one of
        them failed or was skipped, so is this one. A `retried` call was refused for an expired
        token and sent again after a refresh: a success passes too. A GraphQL answer with errors
        fails, unless the captured one had `errors` too. A `binary` answer (a PDF, an image) is
        compared by its type and size, not as text. A call made `again` is the page's retry of one
        refused before: it goes with that call's ids (an Idempotency-Key) again. A `bare` call went
        without the session (before the page signed in), and goes so again."""
        for need in needs:
            if need in skipped or need in failed:
                how = "was skipped" if need in skipped else "failed"
                skip(number, what, f"it needs a value from step {need}, which {how}")
                return
        client.last_response = None
        client.again, client.bare = again, bare
        try:
            results[number] = run()
            status = client.last_response.status_code if client.last_response is not None else 0
        except GraphQLError as error:
            if not errors:
                fail(number, what, f": GraphQL errors: {str(error.errors)[:200]}")
                return
            results[number] = None
            status = error.status_code
        except ApiError as error:
            results[number] = None
            status = error.status_code
        except Exception as error:  # a value that could not be obtained, a network error
            fail(number, what, f": {type(error).__name__}: {error}")
            return
        finally:
            client.again = client.bare = False
        if client.last_response is not None:
            responses[number] = client.last_response
        # a refused call passes as refused the same way (401), or as not refused this time
        same = status == captured if retried else status // 100 == captured // 100
        note = "" if same else f" (captured {captured})"
        if retried and not same:
            note = f" (captured {captured}: the token had expired, and the page renewed it and sent the call again)"
        answer = results.get(number)
        if same and binary and status // 100 == 2:
            kind = getattr(answer, "content_type", "text")
            if kind != binary:
                fail(number, what, f" -> {status}: answered {kind}, captured {binary}")
                return
            note = f" ({kind}, {len(answer)} bytes)"
        if same or (retried and status // 100 == 2):
            counts["passed"] += 1
            print(f"ok   {number:3} {what} -> {status}{note}")
        else:
            fail(number, what, f" -> {status}{note}")

{{^steps}}
    # The capture held no API calls.
{{/steps}}
{{steps}}

    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    client.close()
    return 0 if counts["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
