"""Issue 14's "Done when", tried as a new user would, with every part real: the service on a
loopback port with its background loop, an SMTP server (aiosmtpd) on loopback, and HTTP
sessions that follow the pages' CSRF tokens like a browser does.

An admin signs in with a password and creates kim, coordinator of SOF, on /admin/users; kim
signs in with the one-time password and must choose her own; an idea owner submits an SOF
initiative; the admin makes a token on /tokens and assigns its screening (the coordinators'
task) to kim over the API; kim's e-mail arrives at the SMTP server and her notifications page
lists it, with the unread count in the header.
"""
from __future__ import annotations

import re
import time

import pytest
import requests

from innovation.driver import start_data
from tests.conftest import fresh_database
from tests.notifications.conftest import SmtpServer
from tests.ui.live import start_live

BASE_URL = "https://innovation.helsingborg.se"
KIM_PASSWORD = "kims-eget-långa-lösenord"
MAIL_WAIT_S = 45  # assignments are found by the notification scan, every 30 s (workers/mail.py)


@pytest.fixture(params=["sqlite", "postgresql"])
def service(request):
    smtp = SmtpServer()
    smtp.start()
    live, stop = start_live(fresh_database(request, "migrated"), smtp_host="127.0.0.1", smtp_port=smtp.port,
                            smtp_tls="none", mail_from="innovation@helsingborg.se", base_url=BASE_URL,
                            notification_scan_seconds=1.0)
    yield live, smtp
    stop()
    smtp.stop()


class Browser:
    """A cookie-keeping HTTP session that posts forms with the CSRF token of the page it read."""

    def __init__(self, url: str):
        self.url, self.http, self.csrf = url, requests.Session(), None

    def get(self, path: str, **kw) -> requests.Response:
        response = self.http.get(self.url + path, timeout=10, **kw)
        found = re.search(r'name="csrf" value="([^"]+)"', response.text)
        self.csrf = found.group(1) if found else self.csrf
        return response

    def submit(self, path: str, data: dict | list) -> requests.Response:
        pairs = list(data.items()) if isinstance(data, dict) else data
        return self.http.post(self.url + path, data=[*pairs, ("csrf", self.csrf)], timeout=10)

    def sign_in(self, username: str, password: str) -> requests.Response:
        self.get("/login")
        return self.submit("/login", {"username": username, "password": password})


def api(live, token: str, method: str, path: str, **kw) -> dict:
    response = requests.request(method, live.url + path, headers={"Authorization": f"Bearer {token}"},
                                timeout=10, **kw)
    assert response.ok, (path, response.status_code, response.text)
    return response.json()


def open_task(live, token: str, instance_id: str, element_id: str, scope: str = "inbox") -> dict:
    def find():
        tasks = api(live, token, "GET", "/api/tasks", params={"instance_id": instance_id, "scope": scope})
        return next((t for t in tasks if t["element_id"] == element_id), None)
    return live.until(find, element_id)


def test_an_admin_creates_a_caseworker_who_is_told_of_her_first_task(service):
    live, smtp = service
    admin = Browser(live.url)
    assert admin.sign_in("admin", live.passwords["admin"]).url == live.url + "/monitor/dashboard"
    assert 'href="/admin/users"' in admin.get("/admin/users").text
    created = admin.submit("/admin/users", [("username", "kim"), ("display_name", "Kim Karlsson"),
                                            ("email", "kim@helsingborg.se"), ("coordinates_for", "SOF")])
    assert created.status_code == 200, created.text
    one_time = re.search(r'<code id="one-time-password">([^<]+)</code>', created.text).group(1)

    kim = Browser(live.url)
    forced = kim.sign_in("kim", one_time)
    assert forced.url == live.url + "/account/password"
    assert kim.get("/inbox").url == live.url + "/account/password"  # nothing else until it is changed
    changed = kim.submit("/account/password", {"current": one_time, "new": KIM_PASSWORD, "repeat": KIM_PASSWORD})
    assert changed.status_code == 200 and changed.url == live.url + "/pipeline"
    assert Browser(live.url).sign_in("kim", one_time).status_code == 401

    ada = live.tokens["ada"]
    instance = api(live, ada, "POST", "/api/instances",
                   json={"business_key": "kim-forsta", "data": start_data("Kims första initiativ")})["id"]

    admin.get("/tokens")
    made = admin.submit("/tokens", {"name": "tilldelning", "scope": "write", "days": "30"})
    admin_token = re.search(r'<code id="new-token">([^<]+)</code>', made.text).group(1)
    task = open_task(live, admin_token, instance, "granska_initiativ", scope="all")  # SOF's coordinators' task
    assigned = api(live, admin_token, "POST", f"/api/tasks/{task['id']}/assign", json={"assignee": "kim"})
    assert assigned["assignee"] == "kim"

    deadline = time.monotonic() + MAIL_WAIT_S
    while not smtp.inbox.received and time.monotonic() < deadline:
        time.sleep(0.2)
    [(recipients, message)] = smtp.inbox.received  # the task that opened for her role waits for the digest
    assert recipients == ["kim@helsingborg.se"] and message["To"] == "kim@helsingborg.se"
    assert message["Subject"] == f"Tilldelad dig: {task['name']}"
    link = f"{BASE_URL}/tasks/{task['id']}"
    assert link in message.get_content()

    listing = kim.get("/notifications")
    assert re.search(r'id="unread-count">2<', listing.text), "kim has two unread: the new task and the assignment"
    assert f"Tilldelad dig: {task['name']}" in listing.text and f"Ny uppgift: {task['name']}" in listing.text
    opened = kim.get(link.removeprefix(BASE_URL))
    assert opened.status_code == 200 and "Kims första initiativ" in opened.text
