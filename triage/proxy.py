"""The one public entry: an nginx configuration in front of the web pages, the chat and the console.

    /                        the demo site and /widget/ (web server)
    /socket.io/              the widget's chat (Rasa, websocket or polling)
    /webhooks/rest/webhook   the REST chat channel (Rasa), POST only
    /console/                the agents' console
Everything else of Rasa (its phone channel above all) is not reachable through it.

nginx rather than HAProxy: it serves files, terminates TLS, proxies websockets and rate-limits
per address in one short file, and Debian ships it in every release; HAProxy would still need a
web server for the pages. `render` writes the configuration; triage/stack.py runs
`nginx -p <var>/proxy -c nginx.conf` in the foreground (no root needed on ports above 1024).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx")


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return next((c for c in NGINX_CANDIDATES if Path(c).exists()), None)


@dataclass(frozen=True)
class ProxyPlan:
    listen_host: str
    http_port: int
    web_port: int
    rasa_port: int
    console_port: int
    tls_port: int | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    # Further Rasa replicas (RASA_REPLICAS): the chat is spread over rasa_port and these.
    more_rasa_ports: tuple[int, ...] = ()

    @property
    def rasa_ports(self) -> tuple[int, ...]:
        return (self.rasa_port, *self.more_rasa_ports)


def _upstreams(plan: ProxyPlan) -> str:
    """The Rasa replicas. REST messages go to the least busy one: the conversation store and
    the lock store are shared (channels/tracker_store.py, Redis), so any replica can take any
    turn. socket.io stays on one replica per address: an engine.io session (its polling requests,
    its websocket) lives in one process, and python-socketio's Redis manager would share the
    emits, not the sessions; each answer goes to the socket that asked, in the same process.
    `hash $remote_addr`, not ip_hash, which hashes IPv4 addresses on their first three bytes."""
    servers = "".join(
        f"server 127.0.0.1:{port} max_fails=1 fail_timeout=5s; " for port in plan.rasa_ports
    )
    return f"""
    upstream rasa_rest {{ least_conn; {servers}keepalive 32; }}
    upstream rasa_socketio {{ hash $remote_addr consistent; {servers}}}
"""


def _locations(plan: ProxyPlan) -> str:
    return f"""
        # The REST chat channel: POST only, small bodies, a few messages a second per address.
        location = /webhooks/rest/webhook {{
            limit_except POST {{ deny all; }}
            limit_req zone=chat burst=20 nodelay;
            client_max_body_size 16k;
            proxy_pass http://rasa_rest;
            proxy_http_version 1.1;
            include proxy_headers.conf;
            proxy_set_header Connection "";
        }}
        location = /webhooks/rest/ {{
            limit_except GET {{ deny all; }}
            proxy_pass http://rasa_rest;
            proxy_http_version 1.1;
            include proxy_headers.conf;
            proxy_set_header Connection "";
        }}
        # socket.io (the widget): websocket upgrade; polling requests are rate-limited apart.
        location /socket.io/ {{
            limit_req zone=socketio burst=60 nodelay;
            client_max_body_size 16k;
            proxy_pass http://rasa_socketio;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 120s;
            include proxy_headers.conf;
        }}
        # The agents' console under /console/ (it builds its links from X-Forwarded-Prefix).
        location = /console {{ return 301 /console/; }}
        location = /console/connexion {{
            limit_req zone=login burst=5 nodelay;
            client_max_body_size 16k;
            proxy_pass http://127.0.0.1:{plan.console_port}/connexion;
            include proxy_headers.conf;
            proxy_set_header X-Forwarded-Prefix /console;
        }}
        location /console/ {{
            limit_req zone=console burst=40 nodelay;
            client_max_body_size 256k;
            proxy_pass http://127.0.0.1:{plan.console_port}/;
            include proxy_headers.conf;
            proxy_set_header X-Forwarded-Prefix /console;
        }}
        # Rasa's other addresses, its phone channel first, are not for the public.
        location /webhooks/ {{ return 404; }}
        location / {{
            limit_except GET {{ deny all; }}
            limit_req zone=pages burst=40 nodelay;
            proxy_pass http://127.0.0.1:{plan.web_port};
            include proxy_headers.conf;
        }}
"""


def render(plan: ProxyPlan, prefix: Path) -> str:
    """nginx.conf for `plan`; paths are relative to `prefix` (nginx -p)."""
    tls = plan.tls_port and plan.tls_cert and plan.tls_key
    servers = []
    if tls:
        servers.append(
            f"""
    server {{
        listen {plan.listen_host}:{plan.http_port};
        location = /healthz {{ proxy_pass http://127.0.0.1:{plan.web_port}; }}
        location / {{ return 301 https://$host:{plan.tls_port}$request_uri; }}
    }}
    server {{
        listen {plan.listen_host}:{plan.tls_port} ssl http2;
        ssl_certificate {plan.tls_cert};
        ssl_certificate_key {plan.tls_key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:tls:10m;
        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
        {_locations(plan)}
    }}"""
        )
    else:
        servers.append(
            f"""
    server {{
        listen {plan.listen_host}:{plan.http_port};
        {_locations(plan)}
    }}"""
        )
    return f"""# Written by triage/proxy.py at each start: edit that file, not this one.
worker_processes 1;
pid {prefix}/nginx.pid;
error_log stderr warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    server_tokens off;
    # No address, no query string, no body in the access log (personal data).
    log_format private '$time_iso8601 $request_method $uri $status $body_bytes_sent $request_time';
    access_log /dev/stdout private;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    proxy_max_temp_file_size 0;
    proxy_connect_timeout 5s;
    proxy_read_timeout 90s;
    # Idle and slow clients are dropped rather than left to hold the services' connections.
    client_header_timeout 10s;
    client_body_timeout 10s;
    send_timeout 20s;
    keepalive_timeout 15s;
    client_max_body_size 64k;
    # Bodies stay in memory (no temporary files for the unprivileged workers to write).
    client_body_buffer_size 256k;
    large_client_header_buffers 4 8k;
    limit_req_zone $binary_remote_addr zone=chat:10m rate=2r/s;
    limit_req_zone $binary_remote_addr zone=socketio:10m rate=10r/s;
    limit_req_zone $binary_remote_addr zone=pages:10m rate=20r/s;
    limit_req_zone $binary_remote_addr zone=console:10m rate=20r/s;
    limit_req_zone $binary_remote_addr zone=login:10m rate=10r/m;
    limit_conn_zone $binary_remote_addr zone=perip:10m;
    limit_conn perip 50;
    limit_req_status 429;
    limit_conn_status 429;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    {_upstreams(plan)}    {"".join(servers)}
}}
"""


PROXY_HEADERS = """proxy_set_header Host $http_host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $remote_addr;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header X-Forwarded-Host $http_host;
"""


def write_config(plan: ProxyPlan, prefix: Path) -> Path:
    """Write nginx.conf (and its include) under `prefix`; return the configuration file."""
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    (prefix / "proxy_headers.conf").write_text(PROXY_HEADERS, encoding="utf-8")
    config = prefix / "nginx.conf"
    config.write_text(render(plan, prefix), encoding="utf-8")
    return config
