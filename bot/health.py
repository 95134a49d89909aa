"""`python -m bot.health [--ready]`: ask the running bot's probe on this host, for a
health check that cannot make HTTP requests itself (compose's, in an image without
curl). Exit 0 if `/healthz` (or `/readyz` with `--ready`) answers 200, else 1 with
the bot's short reason. It reads METRICS_PORT and METRICS_LISTEN as the bot does."""

from __future__ import annotations

import argparse
import os
import sys
import urllib.error
import urllib.request

DEFAULT_PORT = 9100
TIMEOUT_SECONDS = 5.0
# Where to reach a probe that listens on every address.
ANY_ADDRESS = {"", "0.0.0.0", "::"}


def probe_url(ready: bool, environ: dict[str, str] | None = None) -> str | None:
    """The bot's probe on this host, or None when METRICS_PORT is 0 (not served)."""
    env = os.environ if environ is None else environ
    port = int(env.get("METRICS_PORT") or DEFAULT_PORT)
    if not port:
        return None
    host = env.get("METRICS_LISTEN", "127.0.0.1")
    host = "127.0.0.1" if host in ANY_ADDRESS else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/{'readyz' if ready else 'healthz'}"


def main(argv: list[str] | None = None) -> int:
    """0 if the probe answers 200, else 1."""
    cli = argparse.ArgumentParser(description="the running bot's liveness or readiness")
    cli.add_argument("--ready", action="store_true", help="readiness instead of liveness")
    url = probe_url(cli.parse_args(argv).ready)
    if url is None:
        print("bot: METRICS_PORT is 0, so the bot serves no probe", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as error:
        reason = error.read(300).decode(errors="replace")
        print(f"bot: {url} answered {error.code}: {reason}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as error:
        print(f"bot: {url} did not answer ({type(error).__name__})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
