"""The deployment files keep the promises: Rasa's image never serves its API without
a token, and compose requires the webhook secret, publishes only the TLS proxy,
restarts every service, checks the bot's liveness and the readiness of Rasa and
the actions, migrates once, first, and runs bot, Rasa and action replicas behind
nginx, as `make stack` does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
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
    assert bot["CONSOLE_URL"].startswith("${CONSOLE_URL:?")
    for service in ("actions", "rasa"):
        assert SERVICES[service]["environment"]["ACTION_SERVER_TOKEN"].startswith(
            "${ACTION_SERVER_TOKEN:?"
        )
    assert "rasa" not in SERVICES["rasa"].get("command", "")  # the image's guarded CMD


def test_only_the_tls_proxy_is_published() -> None:
    published = {name for name, s in SERVICES.items() if s.get("ports")}
    assert published == {"proxy"}
    assert SERVICES["proxy"]["ports"] == ["443:443"]
    assert set(SERVICES["proxy"]["networks"]) == {"webhook", "console"}
    assert "webhook" in SERVICES["bot"]["networks"]
    # The web application: reached by the proxy only, on an internal network; its way
    # out (for report photos from the Bot API) is the bot's.
    assert SERVICES["web"]["networks"] == ["backend", "console", "webhook"]
    assert COMPOSE["networks"]["console"]["internal"] is True
    for name in ("postgres", "redis", "rasa", "actions", "migrate", "balancer"):
        assert SERVICES[name]["networks"] == ["backend"], name
    assert COMPOSE["networks"]["backend"]["internal"] is True
    nginx = (ROOT / "docker" / "nginx.conf").read_text(encoding="utf-8")
    assert "server bot:8443 resolve" in nginx and "ssl_certificate" in nginx
    assert "proxy_pass http://mps_bot/telegram;" in nginx
    assert "server web:8080 resolve" in nginx and "location /open311/ {" in nginx
    assert "location /console {" in nginx


def _locations(nginx: str) -> dict[str, str]:
    """Each `location` block of an nginx config: its path → its body (nested blocks too)."""
    found = {}
    for block in nginx.split("location ")[1:]:
        path, body = block.split("{", 1)
        depth, end = 1, 0
        while depth:
            depth += {"{": 1, "}": -1}.get(body[end], 0)
            end += 1
        found[path.strip()] = body[: end - 1]
    return found


def test_the_proxy_serves_the_console_and_open311_from_the_web_app_as_https() -> None:
    nginx = (ROOT / "docker" / "nginx.conf").read_text(encoding="utf-8")
    locations = _locations(nginx)
    for path in ("/console", "/open311/"):
        assert "proxy_pass http://mps_web;" in locations[path], path
        # The console's cookie is Secure: the application knows it is served on https.
        assert "proxy_set_header X-Forwarded-Proto https;" in locations[path], path
    assert "proxy_pass http://mps_bot/telegram;" in locations["= /telegram"]
    assert "return 404;" in locations["/"]


def test_services_restart_are_probed_and_migrations_run_once_first() -> None:
    for name, service in SERVICES.items():
        expected = "no" if name == "migrate" else "unless-stopped"
        assert service["restart"] == expected, name
    assert SERVICES["bot"]["healthcheck"]["test"] == ["CMD", "python", "-m", "bot.health"]
    # The bot's probes listen where the healthcheck (and Prometheus) can reach them.
    assert SERVICES["bot"]["environment"]["METRICS_LISTEN"] == "0.0.0.0"
    assert "9100" in SERVICES["bot"]["expose"]
    # What the others wait for is readiness: a model loaded, the database answering.
    for name, port in (("rasa", 5005), ("actions", 5055), ("balancer", 5005)):
        test = " ".join(SERVICES[name]["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/readyz" in test, name
    assert SERVICES["migrate"]["command"] == ["python", "-m", "bot.admin", "db", "upgrade"]
    for name in ("actions", "bot", "web"):
        assert SERVICES[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        assert "db upgrade" not in " ".join(SERVICES[name].get("command", []))


def test_endpoints_send_the_action_server_token() -> None:
    for path in (ROOT / "endpoints.yml", ROOT / "docker" / "endpoints.yml"):
        endpoint = yaml.safe_load(path.read_text(encoding="utf-8"))["action_endpoint"]
        assert endpoint["token"] == "${ACTION_SERVER_TOKEN}", path


def test_bots_rasa_and_actions_scale_behind_the_balancer() -> None:
    for name, variable in (("bot", "BOT"), ("rasa", "RASA"), ("actions", "ACTION")):
        assert SERVICES[name]["scale"] == f"${{{variable}_REPLICAS:-1}}", name
        assert "container_name" not in SERVICES[name] and "ports" not in SERVICES[name]
    assert SERVICES["bot"]["environment"]["RASA_URL"] == "http://balancer:5005"
    assert SERVICES["rasa"]["environment"]["ACTION_ENDPOINT_URL"] == (
        "http://balancer:5055/webhook"
    )
    assert SERVICES["bot"]["depends_on"]["balancer"] == {"condition": "service_healthy"}
    balancer = (ROOT / "docker" / "balancer.conf").read_text(encoding="utf-8")
    assert "server rasa:5005 resolve" in balancer and "server actions:5055 resolve" in balancer
    # A turn a Rasa replica received is never sent to another (no non_idempotent).
    retries = [line for line in balancer.splitlines() if "proxy_next_upstream " in line]
    assert retries and not any("non_idempotent" in line for line in retries)
    endpoints = yaml.safe_load((ROOT / "docker" / "endpoints.yml").read_text(encoding="utf-8"))
    assert endpoints["tracker_store"]["url"] == endpoints["lock_store"]["url"] == "${REDIS_HOST}"
    assert endpoints["lock_store"]["type"] == "nlu.lock_store.AtomicRedisLockStore"


def _source_text() -> str:
    folders = ("bot", "actions", "mps", "nlu", "web", "docker")
    files = [p for folder in folders for p in (ROOT / folder).rglob("*") if p.is_file()]
    return "\n".join(p.read_text(encoding="utf-8", errors="ignore") for p in files).lower()


def test_every_path_and_variable_compose_names_exists() -> None:
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / "docker" / source).exists(), source
        if "build" in service:
            assert (ROOT / service["build"]["dockerfile"]).exists()
    source = _source_text()
    for name in ("actions", "rasa", "bot", "migrate", "web"):
        for variable in SERVICES[name]["environment"]:
            # pydantic-settings reads lower-case field names; the rest by their own name.
            assert variable.lower() in source, f"{name}: {variable} is read by nothing"


def _compose_command() -> list[str] | None:
    if (
        shutil.which("docker")
        and subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def test_compose_config_passes_and_scales() -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor docker-compose is installed")
    secrets = (
        "POSTGRES_PASSWORD",
        "REFERENCE_SECRET",
        "ACTION_SERVER_TOKEN",
        "RASA_TOKEN",
        "TELEGRAM_BOT_TOKEN",
        "PSEUDONYM_SECRET",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "CONSOLE_URL",
    )
    env = {
        "PATH": os.environ["PATH"],
        "TLS_CERT_DIR": "/tmp",
        "BOT_REPLICAS": "3",
        "RASA_REPLICAS": "2",
        **dict.fromkeys(secrets, "x" * 32),
    }
    done = subprocess.run(
        [*command, "-f", str(ROOT / "docker" / "compose.yml"), "config"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    scales = {
        name: services[name].get("scale", services[name].get("deploy", {}).get("replicas"))
        for name in ("bot", "rasa", "actions")
    }
    assert scales == {"bot": 3, "rasa": 2, "actions": 1}
    missing = subprocess.run(
        [*command, "-f", str(ROOT / "docker" / "compose.yml"), "config"],
        env={**env, "WEBHOOK_SECRET": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode != 0 and "WEBHOOK_SECRET" in missing.stderr


def test_the_app_image_holds_every_package_compose_runs() -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile.app").read_text(encoding="utf-8")
    for name, service in SERVICES.items():
        if service.get("build", {}).get("dockerfile") != "docker/Dockerfile.app":
            continue
        module = service["command"][service["command"].index("-m") + 1]
        package = module.split(".")[0]
        assert f"COPY {package}/ {package}/" in dockerfile, name
