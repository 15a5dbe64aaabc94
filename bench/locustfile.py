"""Learners under load: sign in, play scenario modules, double-submit and replay old forms.

Run by bench/loadtest.py (`make loadtest`), which seeds the learners and modules, starts the
server and reads what this file writes. Each simulated learner is one seeded account and plays
as a browser would: the sign-in page, the home page, a module's page, then the player (GET a
scene, POST a choice, follow the redirect to the next scene). At an ending it plays again or
moves to another module. In about LOADTEST_DOUBLE of the steps it sends the same form twice at
once (two connections, gevent); in about LOADTEST_REPLAY it re-sends an older form after moving
on (the back button), sometimes one from an earlier attempt.

Every choice POST goes to the client log (one JSON-lines file per locust process): a "sent" line
before the request and an outcome line after it ("recorded": redirected to the feedback for
that step; "stale": redirected to the current state, nothing recorded; anything else). The
attempt is named by its ordinal for this learner and module (1 = the first attempt), which the
client knows because it starts every attempt itself. Request timings and status codes go to
requests-<pid>.json when locust quits.

Environment (set by loadtest.py): LOADTEST_LOG_DIR, LOADTEST_MODULES (JSON list of
{"id", "url"}), LOADTEST_EMAIL (a format string with {i}), LOADTEST_PASSWORD, LOADTEST_DOUBLE
and LOADTEST_REPLAY (fractions of steps, 0.1 each), LOADTEST_WAIT ("min,max" seconds between
steps, "0.5,2.5").
"""

import collections
import itertools
import json
import os
import random
import re
import time
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, between, events, task

LOG_DIR = Path(os.environ.get("LOADTEST_LOG_DIR", "."))
MODULES = json.loads(os.environ.get("LOADTEST_MODULES", "[]"))
EMAIL = os.environ.get("LOADTEST_EMAIL", "load{i:03d}@northwind.example")
PASSWORD = os.environ.get("LOADTEST_PASSWORD", "")
DOUBLE = float(os.environ.get("LOADTEST_DOUBLE", "0.1"))
REPLAY = float(os.environ.get("LOADTEST_REPLAY", "0.1"))
ORIGIN = os.environ.get("LOADTEST_ORIGIN", "")  # the site's address as the browser sees it
WAIT = tuple(float(x) for x in os.environ.get("LOADTEST_WAIT", "0.5,2.5").split(","))

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ATTEMPT = re.compile(r'name="attempt" value="(\d+)"')
STEP = re.compile(r'name="step" value="(\d+)"')
SCENE = re.compile(r'name="scene" value="([^"]+)"')
CHOICE = re.compile(r'name="choice" value="(\d+)"')
STALE_MESSAGE = "That choice was already made"

rng = random.Random()  # nosec B311 # which button a simulated learner presses, not a secret
_indexes = itertools.count()
_post_ids = itertools.count(1)
_log = None
_requests = []  # (name, milliseconds, status, start time)
_anomalies = collections.Counter()


def client_log(**entry):
    global _log
    if _log is None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        _log = open(LOG_DIR / f"client-{os.getpid()}.jsonl", "a", buffering=1)  # noqa: SIM115
    _log.write(json.dumps(entry, separators=(",", ":")) + "\n")


@events.request.add_listener
def _on_request(name, response_time, response, start_time, **_kw):
    status = getattr(response, "status_code", 0) or 0
    _requests.append((name, round(response_time, 2), status, round(start_time, 3)))


@events.quitting.add_listener
def _on_quitting(**_kw):
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    out = LOG_DIR / f"requests-{os.getpid()}.json"
    out.write_text(json.dumps({"requests": _requests, "anomalies": dict(_anomalies)}))
    if _log is not None:
        _log.close()


def _location(response):
    return (response.headers or {}).get("Location") or ""  # no headers: no answer at all


class BehindTheProxy(DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):
        return True


class Learner(FastHttpUser):
    wait_time = between(*WAIT)
    concurrency = 4  # connections per learner: a double submit uses two at once

    def on_start(self):
        self.index = next(_indexes)
        self.email = EMAIL.format(i=self.index)
        self.origin = ORIGIN or f"https://{urlsplit(self.host).netloc}"
        # As behind the TLS-terminating proxy production runs behind (one trusted hop): each
        # learner has their own address, as sign-in rate limits are per address.
        self.headers = {
            "X-Forwarded-Proto": urlsplit(self.origin).scheme,
            "X-Forwarded-For": f"10.77.{self.index // 250}.{self.index % 250 + 1}",
        }
        # The browser speaks HTTPS to the proxy, which forwards plain HTTP: send the Secure
        # session and CSRF cookies on these requests too.
        self.client.cookiejar.set_policy(BehindTheProxy())
        # Follow no redirect: every Location is read (recorded or stale), then fetched.
        self.client.client.redirect_response_codes = frozenset()
        self.ordinal = {}  # module id -> ordinal of the latest attempt this learner started
        self.abandoned = set()  # modules whose "start" got no answer
        self.old_forms = collections.defaultdict(lambda: collections.deque(maxlen=6))
        self.module = rng.choice(MODULES)
        self.page = None  # the player page last shown
        self.signed_in = False

    # --- HTTP -----------------------------------------------------------------------------

    def get(self, path, name):
        response = self.client.get(path, name=name, headers=self.headers)
        return response.status_code, _location(response), response.text or ""

    def post(self, path, form, name, referer):
        headers = {
            **self.headers,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + referer,
        }
        body = urlencode(form)
        response = self.client.post(path, data=body, name=name, headers=headers)
        return response.status_code, _location(response)

    # --- the learner ----------------------------------------------------------------------

    @task
    def step(self):
        if not self.signed_in:
            self.sign_in()
        elif self.page is None:
            self.open_module(self.module)
        elif 'name="choice"' in self.page:
            self.choose()
        elif 'name="restart"' in self.page:
            self.at_ending()
        elif "/play/start/" in self.page:
            self.begin(restart=False)
        else:
            _anomalies["unexpected page"] += 1
            self.page = None

    def sign_in(self):
        status, _, html = self.get("/accounts/login/", "sign-in page (GET)")
        token = CSRF.search(html) if status == 200 else None
        if token is None:
            _anomalies["sign-in page without a form"] += 1
            return
        form = {"csrfmiddlewaretoken": token.group(1), "login": self.email, "password": PASSWORD}
        status, location = self.post("/accounts/login/", form, "sign-in (POST)", "/accounts/login/")
        if status != 302:
            _anomalies["sign-in refused"] += 1
            return
        self.signed_in = True
        self.get(location or "/", "home (GET)")

    def open_module(self, module):
        self.module = module
        self.get(module["url"], "module page (GET)")
        self.show(f"/learn/modules/{module['id']}/play/")

    def show(self, path):
        """GET a player page and keep it; a sign-in redirect means the session was lost."""
        status, location, html = self.get(path, "scene (GET)")
        if status == 302 and "/accounts/login/" in location:
            _anomalies["session lost"] += 1
            self.signed_in = False
            self.page = None
        elif status == 200:
            self.page = html
        else:
            self.page = None
        return html

    def begin(self, *, restart):
        module_id = self.module["id"]
        form = {"csrfmiddlewaretoken": CSRF.search(self.page).group(1)}
        if restart:
            form["restart"] = "1"
        play = f"/learn/modules/{module_id}/play/"
        status, location = self.post(f"{play}start/", form, "start (POST)", play)
        if status != 302:
            _anomalies[f"start answered {status}"] += 1
            self.page = None
            if status == 0 or status >= 500:  # an attempt may have started: the ordinals
                self.abandoned.add(module_id)  # would be unsure, so leave this module be
                self.module = rng.choice(self.playable() or MODULES)
            return
        if not restart and self.ordinal.get(module_id):
            _anomalies["start page shown for a module already started"] += 1
        self.ordinal[module_id] = self.ordinal.get(module_id, 0) + 1
        client_log(kind="start", user=self.email, module=module_id, attempt=self.ordinal[module_id])
        self.show(location)

    def playable(self):
        return [m for m in MODULES if m["id"] not in self.abandoned]

    def at_ending(self):
        others = [m for m in self.playable() if m is not self.module]
        if rng.random() < 0.5 or not others:
            self.begin(restart=True)
        else:
            self.open_module(rng.choice(others))

    def choose(self):
        module_id = self.module["id"]
        page = self.page
        form = {
            "csrfmiddlewaretoken": CSRF.search(page).group(1),
            "attempt": ATTEMPT.search(page).group(1),
            "step": STEP.search(page).group(1),
            "scene": SCENE.search(page).group(1),
            "choice": rng.choice(CHOICE.findall(page)),
        }
        form_attempt = self.ordinal.get(module_id, 0)
        self.old_forms[module_id].append((form, form_attempt))
        roll = rng.random()
        if roll < DOUBLE:
            outcomes = self.double_submit(form, form_attempt)
            recorded = [loc for outcome, loc in outcomes if outcome == "recorded"]
            if len(recorded) != 1:
                _anomalies[f"double submit recorded {len(recorded)} times"] += 1
            self.show(recorded[0] if recorded else outcomes[-1][1] or self.play_path())
        else:
            outcome, location = self.submit(form, "normal", form_attempt)
            if outcome != "recorded":
                _anomalies[f"a current form answered {outcome}"] += 1
            self.show(location or self.play_path())
            if roll < DOUBLE + REPLAY and self.page is not None:
                self.replay()

    def double_submit(self, form, form_attempt):
        greenlets = [gevent.spawn(self.submit, form, "double", form_attempt) for _ in range(2)]
        gevent.joinall(greenlets)
        return [g.value or ("error", "") for g in greenlets]

    def replay(self):
        """The back button: re-send a form already sent (this attempt's or an earlier one's)."""
        module_id = self.module["id"]
        forms = self.old_forms[module_id]
        if not forms:
            return
        form, form_attempt = rng.choice(forms)
        outcome, location = self.submit(form, "replay", form_attempt)
        html = self.show(location or self.play_path())
        if outcome == "stale" and STALE_MESSAGE not in html:
            _anomalies["stale replay without the 'already made' message"] += 1

    def play_path(self):
        return f"/learn/modules/{self.module['id']}/play/"

    def submit(self, form, kind, form_attempt):
        """POST one choice form; log it before and after. Returns (outcome, Location)."""
        module_id = self.module["id"]
        post_id = f"{os.getpid()}-{next(_post_ids)}"
        entry = {
            "id": post_id,
            "kind": kind,
            "user": self.email,
            "module": module_id,
            # a choice is recorded against the learner's latest attempt, whichever page the
            # form came from; form_attempt is the attempt the page was shown for
            "attempt": self.ordinal.get(module_id, 0),
            "form_attempt": form_attempt,
            "step": int(form["step"]),
            "scene": form["scene"],
            "choice": int(form["choice"]),
        }
        client_log(**entry, outcome="sent", t=round(time.time(), 3))
        name = {"normal": "choice (POST)", "double": "choice, double submit (POST)"}.get(
            kind, "choice, back-button replay (POST)"
        )
        play = self.play_path()
        status, location = self.post(f"{play}choose/", form, name, play)
        if status == 302 and "feedback=" in location:
            shown = location.rsplit("feedback=", 1)[1]
            outcome = "recorded" if shown == form["step"] else f"recorded, feedback for {shown}"
        elif status == 302 and "/accounts/login/" in location:
            outcome = "signed out"
        elif status == 302:
            outcome = "stale"
        else:
            outcome = f"status {status}"
        client_log(**entry, outcome=outcome, status=status, t=round(time.time(), 3))
        return outcome, location
