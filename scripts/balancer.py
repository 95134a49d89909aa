"""nginx as the load balancer of `make stack` (scripts/topology.py): a master of its
own, in the foreground, with a config written under var/nginx/ (never the system's).

Three balancers on loopback: Telegram's webhook over the bots, the bots' calls
over the Rasa servers, Rasa's calls over the action servers. The webhook's
listener also serves the web application (Open311 under /open311/, the staff
console under /console/), the same paths as compose's proxy (docker/nginx.conf). A replica that
refuses the connection never saw the request, so nginx tries the next one; a
POST a replica did receive is never sent to another (no `non_idempotent`), so
a turn is never taken twice.

Rasa's upstream is round robin, or with RASA_ROUTING=sender a consistent hash of the
bots' `X-Sender` header (the pseudonym), so one user's turns go to one replica while
it is up; the Redis lock store keeps them in order either way.
"""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

from scripts import stack

NGINX_MISSING = """\
make stack needs nginx as its load balancer, and it is not installed.
On Debian or Ubuntu: sudo apt-get install -y nginx
(the system's nginx service is not used: make stack starts a master of its own)."""
WEBHOOK_PATH = "/telegram"  # the bots' url_path (bot/__main__.py)
WEB_PATHS = ("/open311/", "/console/")  # the web application's, as compose's proxy serves
NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")  # its temporary folders
# One user's turns to one Rasa replica: the bots send the pseudonym as X-Sender.
STICKY = "    hash $http_x_sender consistent;\n"
ROUTINGS = ("round_robin", "sender")  # RASA_ROUTING


def nginx_config(
    prefix: Path,
    webhook: tuple[str, int],
    rasa_port: int,
    action_port: int,
    upstreams: dict[str, list[int]],
    rasa_by_sender: bool = False,
    public_scheme: str = "https",
) -> str:
    """nginx.conf for the three balancers, and the web application's paths on the
    webhook's listener; temporary files and the pid under `prefix`. With
    `rasa_by_sender`, Rasa's upstream hashes the X-Sender header. The web application
    is told `public_scheme` (WEBHOOK_URL's: the TLS proxy or tunnel in front of this
    listener answers there) as X-Forwarded-Proto, whatever a client sent."""

    def upstream(role: str) -> str:
        servers = "".join(
            f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;\n" for p in upstreams[role]
        )
        sticky = STICKY if role == "rasa" and rasa_by_sender else ""
        return f"upstream mps_{role} {{\n{sticky}{servers}    keepalive 32;\n}}\n"

    def location(path: str, role: str, timeout: int, headers: str = "") -> str:
        return (
            f"  location {path} {{\n"
            f"    proxy_pass http://mps_{role};\n    proxy_http_version 1.1;\n"
            f'    proxy_set_header Connection "";\n{headers}'
            f"    proxy_read_timeout {timeout}s;\n"
            # A replica that refuses the connection never saw the request: try the next.
            "    proxy_next_upstream error timeout http_502 http_503;\n"
            "  }\n"
        )

    def server(listen: str, *locations: str) -> str:
        return f"server {{\n  listen {listen};\n{''.join(locations)}}}\n"

    forwarded = (
        "    proxy_set_header Host $http_host;\n"
        "    proxy_set_header X-Forwarded-For $remote_addr;\n"
        f"    proxy_set_header X-Forwarded-Proto {public_scheme};\n"
    )
    web = [location(path, "web", 30, forwarded) for path in ("= /console", *WEB_PATHS)]

    user = "user www-data www-data;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"  {kind}_temp_path {prefix}/tmp/{kind};\n" for kind in NGINX_TEMP)
    return (
        f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/error.log warn;\nevents {{ worker_connections 4096; }}\n"
        "http {\n"
        # No access log: request lines and addresses of citizens' updates stay out of logs.
        "  access_log off;\n  server_tokens off;\n  client_max_body_size 1m;\n"
        f"  client_body_buffer_size 1m;\n{temp}"
        + upstream("bot")
        + upstream("rasa")
        + upstream("actions")
        + upstream("web")
        + server(f"{webhook[0]}:{webhook[1]}", location(f"= {WEBHOOK_PATH}", "bot", 60), *web)
        + server(f"127.0.0.1:{rasa_port}", location("/", "rasa", 120))
        + server(f"127.0.0.1:{action_port}", location("/", "actions", 60))
        + "}\n"
    )


def nginx_service(prefix: Path, config: str) -> stack.Service:
    """nginx in the foreground with `config` (its master is the process that is stopped)."""
    prefix.mkdir(parents=True, exist_ok=True)
    for kind in NGINX_TEMP:
        path = prefix / "tmp" / kind
        path.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # the workers run as www-data
            entry = pwd.getpwnam("www-data")
            os.chown(path, entry.pw_uid, entry.pw_gid)
    conf = prefix / "nginx.conf"
    conf.write_text(config, encoding="utf-8")
    files = ["-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    command = [shutil.which("nginx") or "nginx", *files, "-g", "daemon off;"]
    return stack.Service("nginx", command, None)
