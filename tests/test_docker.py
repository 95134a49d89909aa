"""The deployment files keep the promises: Rasa's image never serves its API without
a token, and compose requires the webhook secret, publishes only the TLS proxy,
restarts every service, checks the bot's health and migrates once, first."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]


def _rasa_cmd() -> list[str]:
    text = (ROOT / "docker" / "Dockerfile.rasa").read_text(encoding="utf-8")
    [line] = [line for line in text.splitlines() if line.startswith("CMD ")]
    command: list[str] = json.loads(line.removeprefix("CMD "))
    return command


def _run_image_command(tmp_path: Path, token: str | None) -> tuple[int, str, str]:
    """Run the image's CMD with a stand-in `rasa` that prints its arguments."""
    stub = tmp_path / "rasa"
    stub.write_text('#!/bin/sh\necho "rasa $*"\n')
    stub.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    if token is not None:
        env["RASA_TOKEN"] = token
    done = subprocess.run(_rasa_cmd(), env=env, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


def test_rasa_image_never_serves_the_api_without_a_token(tmp_path: Path) -> None:
    for token in (None, "", "short"):
        code, out, err = _run_image_command(tmp_path, token)
        assert code == 2 and out == "" and "RASA_TOKEN" in err
    code, out, _ = _run_image_command(tmp_path, "a-long-random-rasa-token-0123")
    assert code == 0
    assert "--enable-api --auth-token a-long-random-rasa-token-0123" in out


def test_compose_requires_the_webhook_secret_and_the_other_secrets() -> None:
    bot = SERVICES["bot"]["environment"]
    assert bot["WEBHOOK_SECRET"].startswith("${WEBHOOK_SECRET:?")
    assert bot["WEBHOOK_URL"].startswith("${WEBHOOK_URL:?")
    for service in ("actions", "rasa"):
        assert SERVICES[service]["environment"]["ACTION_SERVER_TOKEN"].startswith(
            "${ACTION_SERVER_TOKEN:?"
        )
    assert "rasa" not in SERVICES["rasa"].get("command", "")  # the image's guarded CMD


def test_only_the_tls_proxy_is_published() -> None:
    published = {name for name, s in SERVICES.items() if s.get("ports")}
    assert published == {"proxy"}
    assert SERVICES["proxy"]["ports"] == ["443:443"]
    assert set(SERVICES["proxy"]["networks"]) == {"webhook"}
    assert "webhook" in SERVICES["bot"]["networks"]
    for name in ("postgres", "redis", "rasa", "actions", "migrate"):
        assert SERVICES[name]["networks"] == ["backend"], name
    assert COMPOSE["networks"]["backend"]["internal"] is True
    nginx = (ROOT / "docker" / "nginx.conf").read_text(encoding="utf-8")
    assert "proxy_pass http://bot:8443/telegram;" in nginx and "ssl_certificate" in nginx


def test_services_restart_the_bot_is_checked_and_migrations_run_once_first() -> None:
    for name, service in SERVICES.items():
        expected = "no" if name == "migrate" else "unless-stopped"
        assert service["restart"] == expected, name
    assert SERVICES["bot"]["healthcheck"]["test"] == ["CMD", "python", "-m", "bot.health"]
    assert SERVICES["migrate"]["command"] == ["python", "-m", "bot.admin", "db", "upgrade"]
    for name in ("actions", "bot"):
        assert SERVICES[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert "db upgrade" not in " ".join(SERVICES[name].get("command", []))


def test_endpoints_send_the_action_server_token() -> None:
    for path in (ROOT / "endpoints.yml", ROOT / "docker" / "endpoints.yml"):
        endpoint = yaml.safe_load(path.read_text(encoding="utf-8"))["action_endpoint"]
        assert endpoint["token"] == "${ACTION_SERVER_TOKEN}", path
