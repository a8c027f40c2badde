#!/usr/bin/env python3
"""JSON-lines interop peer for tower-webhook presets.

Reads one JSON object per line on stdin and writes exactly one JSON line per
input line on stdout. See interop/PYTHON.md for the protocol and, per preset,
which official SDK function (or which documented construction) is used.

Input fields: op ("sign" | "verify"), provider, secret, method, url, headers
(lower-case name -> string or list of strings), body_b64, timestamp (unix
seconds, for sign), id (event id, for sign), now (optional unix seconds: the
clock used for timestamp windows, SDK clocks included; default: real time).
"""

import base64
import contextlib
import datetime as _dt
import hashlib
import hmac
import json
import sys
import time
import traceback
import urllib.parse
import warnings
from importlib import metadata
from unittest import mock

_VERSIONS = {}


def dist(name):
    """'pypi:<dist>==<version>' for an installed distribution."""
    if name not in _VERSIONS:
        try:
            _VERSIONS[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            _VERSIONS[name] = "?"
    return "pypi:%s==%s" % (name, _VERSIONS[name])


DOC = "documented construction (hmac/hashlib/base64)"


class Unsupported(Exception):
    pass


class Req:
    """One input line, with helpers for headers, body and clock."""

    def __init__(self, obj):
        self.op = obj.get("op")
        self.provider = obj.get("provider")
        self.secret = obj.get("secret")
        self.method = (obj.get("method") or "POST").upper()
        self.url = obj.get("url") or ""
        raw = obj.get("headers") or {}
        self.headers = {}
        for k, v in raw.items():
            self.headers[k.lower()] = v if isinstance(v, list) else [v]
        if "body_b64" in obj and obj["body_b64"] is not None:
            self.body = base64.b64decode(obj["body_b64"])
        elif "body" in obj and obj["body"] is not None:
            self.body = obj["body"].encode("utf-8")
        else:
            self.body = b""
        self.timestamp = obj.get("timestamp")
        self.id = obj.get("id")
        self.now_override = obj.get("now")
        if self.timestamp is None:
            self.timestamp = int(self.now())
        self.timestamp = int(self.timestamp)
        if self.id is None:
            self.id = "msg_%d" % self.timestamp

    def h(self, name):
        v = self.headers.get(name.lower())
        return v[0] if v else None

    def hall(self, name):
        return list(self.headers.get(name.lower()) or [])

    def flat_headers(self):
        return {k: v[0] for k, v in self.headers.items() if v}

    def text(self):
        return self.body.decode("utf-8")

    def now(self):
        return float(self.now_override) if self.now_override is not None else time.time()

    def is_form(self):
        ct = (self.h("content-type") or "").lower()
        return ct.startswith("application/x-www-form-urlencoded")


@contextlib.contextmanager
def sdk_clock(req):
    """Freeze the clocks the SDKs read when the input carries `now`."""
    if req.now_override is None:
        yield
        return
    now = float(req.now_override)

    class FrozenDateTime(_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return _dt.datetime.fromtimestamp(now, tz=tz)

        @classmethod
        def utcnow(cls):
            return _dt.datetime.utcfromtimestamp(now)

    targets = [("time.time", lambda: now)]
    for mod, attr, val in [
        ("paddle_billing.Notifications.Verifier", "time", lambda: now),
        ("slack_sdk.signature", "time", lambda: now),
        ("standardwebhooks.webhooks", "datetime", FrozenDateTime),
        ("hubspot.utils.signature", "datetime", FrozenDateTime),
    ]:
        if mod in sys.modules:
            targets.append(("%s.%s" % (mod, attr), val))
    with contextlib.ExitStack() as stack:
        for target, val in targets:
            stack.enter_context(mock.patch(target, val))
        yield


# ---------------------------------------------------------------- primitives

def hm(key, msg, alg=hashlib.sha256):
    if isinstance(key, str):
        key = key.encode("utf-8")
    if isinstance(msg, str):
        msg = msg.encode("utf-8")
    return hmac.new(key, msg, alg).digest()


def hexd(b):
    return b.hex()


def b64(b):
    return base64.b64encode(b).decode("ascii")


def b64url_nopad(b):
    return base64.urlsafe_b64encode(b).decode("ascii").rstrip("=")


def eq(a, b):
    if a is None or b is None:
        return False
    if isinstance(a, str):
        a = a.encode("utf-8")
    if isinstance(b, str):
        b = b.encode("utf-8")
    return hmac.compare_digest(a, b)


def rfc3339(ts):
    return _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(s):
    s = s.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    # Python 3.11 accepts up to 6 fractional digits; Twitch sends 9.
    if "." in s:
        head, rest = s.split(".", 1)
        i = 0
        while i < len(rest) and rest[i].isdigit():
            i += 1
        frac, tz = rest[:i], rest[i:]
        s = head + ("." + frac[:6] if frac else "") + tz
    d = _dt.datetime.fromisoformat(s)
    if d.tzinfo is None:
        d = d.replace(tzinfo=_dt.timezone.utc)
    return d.timestamp()


def result(ok, peer, error=None):
    out = {"ok": bool(ok), "peer": peer}
    if not ok:
        out["error"] = error or "signature mismatch"
    elif error:
        out["note"] = error
    return out


def window(req, ts, past, future, peer):
    """None when ts (seconds) is inside [now-past, now+future], else a failure."""
    now = req.now()
    if past is not None and ts < now - past:
        return result(False, peer, "timestamp too old")
    if future is not None and ts > now + future:
        return result(False, peer, "timestamp too new")
    return None


# ------------------------------------------- simple raw-body HMAC presets
# provider: (header, hash, encoding, prefix, key decoding)
SIMPLE = {
    "github": ("x-hub-signature-256", hashlib.sha256, "hex", "sha256=", None),
    "shopify": ("x-shopify-hmac-sha256", hashlib.sha256, "b64", "", None),
    "airtable": ("x-airtable-content-mac", hashlib.sha256, "hex", "hmac-sha256=", "b64"),
    "asana": ("x-hook-signature", hashlib.sha256, "hex", "", None),
    "bitbucket": ("x-hub-signature", hashlib.sha256, "hex", "sha256=", None),
    "cal_com": ("x-cal-signature-256", hashlib.sha256, "hex", "", None),
    "dropbox": ("x-dropbox-signature", hashlib.sha256, "hex", "", None),
    "jira": ("x-hub-signature", hashlib.sha256, "hex", "sha256=", None),
    "lemon_squeezy": ("x-signature", hashlib.sha256, "hex", "", None),
    "meta": ("x-hub-signature-256", hashlib.sha256, "hex", "sha256=", None),
    "notion": ("x-notion-signature", hashlib.sha256, "hex", "sha256=", None),
    "sentry": ("sentry-hook-signature", hashlib.sha256, "hex", "", None),
    "typeform": ("typeform-signature", hashlib.sha256, "b64", "sha256=", None),
    "woocommerce": ("x-wc-webhook-signature", hashlib.sha256, "b64", "", None),
    "xero": ("x-xero-signature", hashlib.sha256, "b64", "", None),
    "linear": ("linear-signature", hashlib.sha256, "hex", "", None),
    "intercom": ("x-hub-signature", hashlib.sha1, "hex", "sha1=", None),
    "paystack": ("x-paystack-signature", hashlib.sha512, "hex", "", None),
    "segment": ("x-signature", hashlib.sha1, "hex", "", None),
    "vercel": ("x-vercel-signature", hashlib.sha1, "hex", "", None),
}


def simple_key(secret, dec):
    if dec == "b64":
        return base64.b64decode(secret)
    if dec == "hex":
        return bytes.fromhex(secret)
    return secret.encode("utf-8")


def simple_sig(req, spec):
    header, alg, enc, prefix, dec = spec
    mac = hm(simple_key(req.secret, dec), req.body, alg)
    return prefix + (hexd(mac) if enc == "hex" else b64(mac))


def sign_simple(req):
    spec = SIMPLE[req.provider]
    return {"headers": {spec[0]: simple_sig(req, spec)}, "peer": DOC}


def verify_simple(req):
    spec = SIMPLE[req.provider]
    got = req.h(spec[0])
    if got is None:
        return result(False, DOC, "missing %s" % spec[0])
    ok = eq(simple_sig(req, spec), got)
    if ok and req.provider == "linear":
        # Linear: the signed body field webhookTimestamp (ms) must be within 60 s.
        try:
            body = json.loads(req.body)
        except ValueError:
            body = None
        if isinstance(body, dict) and "webhookTimestamp" in body:
            if abs(req.now() * 1000 - float(body["webhookTimestamp"])) > 60_000:
                return result(False, DOC, "webhookTimestamp outside 60 s")
    return result(ok, DOC)


# --------------------------------------------------------- Stripe-shaped

def parse_kv(header, sep=","):
    out = {}
    for part in header.split(sep):
        if "=" in part:
            k, v = part.strip().split("=", 1)
            out.setdefault(k.strip(), []).append(v.strip())
    return out


# provider: (header, past window s, future window s)
TV1 = {
    "calendly": ("calendly-webhook-signature", 180, None),
    "mux": ("mux-signature", 300, None),
    "persona": ("persona-signature", 300, None),
}


def sign_tv1(req):
    header = TV1[req.provider][0]
    sig = hexd(hm(req.secret, "%d." % req.timestamp + req.text()))
    return {"headers": {header: "t=%d,v1=%s" % (req.timestamp, sig)}, "peer": DOC}


def verify_tv1(req):
    header, past, future = TV1[req.provider]
    raw = req.h(header)
    if raw is None:
        return result(False, DOC, "missing %s" % header)
    # Persona sends several "t=..,v1=.." groups separated by spaces during rotation.
    groups = raw.split(" ") if req.provider == "persona" else [raw]
    for g in groups:
        kv = parse_kv(g)
        if "t" not in kv:
            continue
        t = kv["t"][0]
        expected = hexd(hm(req.secret, t.encode() + b"." + req.body))
        if any(eq(expected, s) for s in kv.get("v1", [])):
            return window(req, int(t), past, future, DOC) or result(True, DOC)
    return result(False, DOC)


# ----------------------------------------------------------- SDK presets

def sign_stripe(req):
    from stripe import WebhookSignature
    hdr = WebhookSignature.generate_signature_header(req.text(), req.secret, timestamp=req.timestamp)
    return {"headers": {"stripe-signature": hdr},
            "peer": dist("stripe") + " WebhookSignature.generate_signature_header"}


def verify_stripe(req):
    import stripe
    peer = dist("stripe") + " WebhookSignature.verify_header"
    try:
        with sdk_clock(req):
            stripe.WebhookSignature.verify_header(req.body, req.h("stripe-signature"), req.secret, 300)
        return result(True, peer)
    except stripe.SignatureVerificationError as e:
        return result(False, peer, str(e))


def sign_slack(req):
    from slack_sdk.signature import SignatureVerifier
    sig = SignatureVerifier(req.secret).generate_signature(timestamp=str(req.timestamp), body=req.body)
    return {"headers": {"x-slack-signature": sig, "x-slack-request-timestamp": str(req.timestamp)},
            "peer": dist("slack_sdk") + " SignatureVerifier.generate_signature"}


def verify_slack(req):
    from slack_sdk.signature import SignatureVerifier, Clock
    peer = dist("slack_sdk") + " SignatureVerifier.is_valid_request"

    class C(Clock):
        def now(self):
            return req.now()

    ok = SignatureVerifier(req.secret, clock=C()).is_valid_request(req.body, req.flat_headers())
    return result(ok, peer)


def std_secret(req):
    s = req.secret
    if req.provider == "supabase" and s.startswith("v1,"):
        s = s[3:]
    return s


def sign_standard(req, svix_names=False, key=None):
    from standardwebhooks.webhooks import Webhook
    ts = _dt.datetime.fromtimestamp(req.timestamp, tz=_dt.timezone.utc)
    if svix_names:
        from svix.webhooks import Webhook as SvixWebhook
        sig = SvixWebhook(std_secret(req)).sign(req.id, ts, req.text())
        return {"headers": {"svix-id": req.id, "svix-timestamp": str(req.timestamp), "svix-signature": sig},
                "peer": dist("svix") + " Webhook.sign"}
    wh = Webhook(key if key is not None else std_secret(req))
    sig = wh.sign(req.id, ts, req.text())
    return {"headers": {"webhook-id": req.id, "webhook-timestamp": str(req.timestamp), "webhook-signature": sig},
            "peer": dist("standardwebhooks") + " Webhook.sign"
            + (" (key = UTF-8 bytes of the dashboard secret)" if key is not None else "")}


def verify_standard(req):
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError
    peer = dist("standardwebhooks") + " Webhook.verify"
    try:
        with sdk_clock(req):
            Webhook(std_secret(req)).verify(req.body, req.flat_headers(), json_parse=False)
        return result(True, peer)
    except (WebhookVerificationError, ValueError) as e:
        return result(False, peer, "%s: %s" % (type(e).__name__, e))


def verify_svix(req):
    from svix.webhooks import Webhook, WebhookVerificationError
    peer = dist("svix") + " Webhook.verify"
    try:
        with sdk_clock(req):
            Webhook(req.secret).verify(req.body, req.flat_headers())
        return result(True, peer)
    except (WebhookVerificationError, ValueError) as e:
        return result(False, peer, "%s: %s" % (type(e).__name__, e))


def verify_resend(req):
    import resend
    peer = dist("resend") + " Webhooks.verify"
    hdr = {"id": req.h("svix-id") or req.h("webhook-id"),
           "timestamp": req.h("svix-timestamp") or req.h("webhook-timestamp"),
           "signature": req.h("svix-signature") or req.h("webhook-signature")}
    try:
        with sdk_clock(req):
            resend.Webhooks.verify({"payload": req.text(), "headers": hdr, "webhook_secret": req.secret})
        return result(True, peer)
    except ValueError as e:
        msg = str(e)
        if msg.startswith("failed to parse webhook payload"):
            return result(True, peer, "signature verified; body is not JSON")
        return result(False, peer, msg)


def verify_replicate(req):
    from replicate.webhook import Webhooks, WebhookSigningSecret, WebhookValidationError
    peer = dist("replicate") + " Webhooks.validate"
    try:
        with sdk_clock(req):
            Webhooks.validate(headers=req.flat_headers(), body=req.text(),
                              secret=WebhookSigningSecret(key=req.secret))
        return result(True, peer)
    except (WebhookValidationError, ValueError) as e:
        return result(False, peer, "%s: %s" % (type(e).__name__, e))


def sign_polar(req):
    # Polar's server signs with the UTF-8 bytes of the dashboard secret as the
    # HMAC key (polar validate_event tries that key first).
    return sign_standard(req, key=req.secret.encode("utf-8"))


def verify_polar(req):
    from polar.v2026_10.webhooks import validate_event
    from polar.webhooks import PolarWebhookVerificationError, PolarWebhookError
    peer = dist("polar-sdk") + " polar.v2026_10.webhooks.validate_event"
    try:
        with sdk_clock(req):
            validate_event(req.body, req.flat_headers(), req.secret)
        return result(True, peer)
    except PolarWebhookVerificationError as e:
        return result(False, peer, str(e))
    except PolarWebhookError as e:
        if isinstance(e.__cause__, UnicodeDecodeError):
            return result(False, peer, str(e))
        # raised only after the signature matched: the payload is not a known event
        return result(True, peer, "signature verified; payload rejected: %s" % e)


def ed25519_private(seed):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    return Ed25519PrivateKey.from_private_bytes(seed[:32])


def ed25519_public(raw):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    return Ed25519PublicKey.from_public_bytes(raw)


def sign_standard_ed25519(req):
    s = req.secret
    if not s.startswith("whsk_"):
        raise ValueError("standard_ed25519 sign needs a whsk_ secret key")
    key = ed25519_private(base64.b64decode(s[5:]))
    msg = ("%s.%d." % (req.id, req.timestamp)).encode() + req.body
    sig = "v1a," + b64(key.sign(msg))
    return {"headers": {"webhook-id": req.id, "webhook-timestamp": str(req.timestamp), "webhook-signature": sig},
            "peer": "documented construction (Standard Webhooks v1a, cryptography Ed25519)"}


def verify_standard_ed25519(req):
    from cryptography.exceptions import InvalidSignature
    peer = "documented construction (Standard Webhooks v1a, cryptography Ed25519)"
    s = req.secret
    if not s.startswith("whpk_"):
        return result(False, peer, "public key must start with whpk_")
    pub = ed25519_public(base64.b64decode(s[5:]))
    mid, ts, sigs = req.h("webhook-id"), req.h("webhook-timestamp"), req.h("webhook-signature")
    if not (mid and ts and sigs):
        return result(False, peer, "missing headers")
    msg = ("%s.%s." % (mid, ts)).encode() + req.body
    for item in sigs.split(" "):
        ver, _, sig = item.partition(",")
        if ver != "v1a":
            continue
        try:
            pub.verify(base64.b64decode(sig), msg)
        except (InvalidSignature, ValueError):
            continue
        return window(req, int(ts), 300, 300, peer) or result(True, peer)
    return result(False, peer)


def sign_gitlab(req):
    if req.secret.startswith("whsec_"):
        return sign_standard(req)
    return {"headers": {"x-gitlab-token": req.secret}, "peer": "documented construction (token header)"}


def verify_gitlab(req):
    if req.h("webhook-signature") is not None:
        return verify_standard(req)
    return result(eq(req.h("x-gitlab-token"), req.secret), "documented construction (token compare)")


def sign_line(req):
    return {"headers": {"x-line-signature": b64(hm(req.secret, req.body))}, "peer": DOC}


def verify_line(req):
    from linebot.v3.webhook import SignatureValidator
    peer = dist("line-bot-sdk") + " linebot.v3.webhook.SignatureValidator.validate"
    sig = req.h("x-line-signature")
    if sig is None:
        return result(False, peer, "missing x-line-signature")
    return result(SignatureValidator(req.secret).validate(req.text(), sig), peer)


def sign_razorpay(req):
    return {"headers": {"x-razorpay-signature": hexd(hm(req.secret, req.body))}, "peer": DOC}


def verify_razorpay(req):
    import razorpay
    from razorpay.errors import SignatureVerificationError
    peer = dist("razorpay") + " Utility.verify_webhook_signature"
    client = razorpay.Client(auth=("key_id", "key_secret"))
    try:
        client.utility.verify_webhook_signature(req.text(), req.h("x-razorpay-signature") or "", req.secret)
        return result(True, peer)
    except SignatureVerificationError as e:
        return result(False, peer, str(e))


def sign_workos(req):
    ts_ms = req.timestamp * 1000
    sig = hexd(hm(req.secret, "%d." % ts_ms + req.text()))
    return {"headers": {"workos-signature": "t=%d, v1=%s" % (ts_ms, sig)}, "peer": DOC}


def verify_workos(req):
    from workos.webhooks import Webhooks
    peer = dist("workos") + " Webhooks.verify_header"
    try:
        with sdk_clock(req):
            Webhooks(None).verify_header(event_body=req.body, event_signature=req.h("workos-signature"),
                                         secret=req.secret)
        return result(True, peer)
    except ValueError as e:
        return result(False, peer, str(e.args[0]) if e.args else str(e))


def sign_paddle(req):
    sig = hexd(hm(req.secret, "%d:" % req.timestamp + req.text()))
    return {"headers": {"paddle-signature": "ts=%d;h1=%s" % (req.timestamp, sig)}, "peer": DOC}


def verify_paddle(req):
    import logging
    logging.getLogger().setLevel(logging.CRITICAL + 10)
    from paddle_billing.Notifications.Verifier import Verifier
    from paddle_billing.Notifications.Secret import Secret
    peer = dist("paddle-python-sdk") + " Notifications.Verifier.verify"

    class R:
        pass

    r = R()
    r.headers = {"Paddle-Signature": req.h("paddle-signature")} if req.h("paddle-signature") else {}
    r.body = req.body
    with sdk_clock(req):
        ok = Verifier().verify(r, Secret(req.secret))
    return result(ok, peer)


def sign_square(req):
    sig = b64(hm(req.secret, req.url.encode("utf-8") + req.body))
    return {"headers": {"x-square-hmacsha256-signature": sig}, "peer": DOC}


def verify_square(req):
    from square.utils.webhooks_helper import verify_signature
    peer = dist("squareup") + " square.utils.webhooks_helper.verify_signature"
    ok = verify_signature(request_body=req.text(), signature_header=req.h("x-square-hmacsha256-signature") or "",
                          signature_key=req.secret, notification_url=req.url)
    return result(ok, peer)


def sign_coinbase(req):
    return {"headers": {"x-cc-webhook-signature": hexd(hm(req.secret, req.body))}, "peer": DOC}


def verify_coinbase(req):
    from coinbase_commerce.webhook import WebhookSignature
    from coinbase_commerce.error import SignatureVerificationError
    peer = dist("coinbase-commerce") + " WebhookSignature.verify_sig_header"
    try:
        WebhookSignature.verify_sig_header(req.text(), req.h("x-cc-webhook-signature") or "", req.secret)
        return result(True, peer)
    except SignatureVerificationError as e:
        return result(False, peer, str(e))


class MultiParams(dict):
    """Form parameters with repeated names, in the shape twilio's validator reads."""

    def getall(self, name):
        return self[name]


def twilio_params(req):
    pairs = urllib.parse.parse_qsl(req.text(), keep_blank_values=True)
    p = MultiParams()
    for k, v in pairs:
        p.setdefault(k, []).append(v)
    return p


def sign_twilio(req):
    from twilio.request_validator import RequestValidator
    v = RequestValidator(req.secret)
    out = {"peer": dist("twilio") + " RequestValidator.compute_signature"}
    url = req.url
    if req.is_form():
        sig = v.compute_signature(url, twilio_params(req))
    else:
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        if "bodySHA256" not in q:
            url = url + ("&" if "?" in url else "?") + "bodySHA256=" + v.compute_hash(req.text())
            out["url"] = url
        sig = v.compute_signature(url, {})
    out["headers"] = {"x-twilio-signature": sig}
    return out


def verify_twilio(req):
    from twilio.request_validator import RequestValidator, get_signature_algorithm
    peer = dist("twilio") + " RequestValidator.validate"
    alg = get_signature_algorithm(req.h("x-twilio-webhooks-signature-settings"))
    sig = req.h("x-twilio-signature")
    if sig is None:
        return result(False, peer, "missing x-twilio-signature")
    params = twilio_params(req) if req.is_form() else req.text()
    if not req.is_form() and "bodySHA256" not in urllib.parse.parse_qs(urllib.parse.urlsplit(req.url).query):
        return result(False, peer, "JSON body without bodySHA256 in the URL")
    return result(RequestValidator(req.secret).validate(req.url, params, sig, alg), peer)


def sign_hubspot(req):
    from hubspot.utils.signature import Signature
    ts_ms = str(req.timestamp * 1000)
    sig = Signature.get_signature(req.secret, req.text(), "v3", http_uri=req.url, http_method=req.method,
                                  timestamp=ts_ms)
    return {"headers": {"x-hubspot-signature-v3": sig, "x-hubspot-request-timestamp": ts_ms},
            "peer": dist("hubspot-api-client") + " Signature.get_signature (v3)"}


def verify_hubspot(req):
    from hubspot.utils.signature import Signature
    from hubspot.exceptions import InvalidSignatureTimestampError
    peer = dist("hubspot-api-client") + " Signature.is_valid"
    if req.h("x-hubspot-signature-v3") is not None:
        sig, ver, ts = req.h("x-hubspot-signature-v3"), "v3", req.h("x-hubspot-request-timestamp")
    else:
        sig, ver, ts = req.h("x-hubspot-signature"), (req.h("x-hubspot-signature-version") or "v1"), None
    if sig is None:
        return result(False, peer, "missing signature header")
    try:
        with sdk_clock(req):
            ok = Signature.is_valid(sig, req.secret, req.text(), http_uri=req.url, http_method=req.method,
                                    signature_version=ver, timestamp=ts)
        return result(ok, peer + " (%s)" % ver)
    except InvalidSignatureTimestampError as e:
        return result(False, peer, "InvalidSignatureTimestampError: %s" % e)


def sign_discord(req):
    key = ed25519_private(bytes.fromhex(req.secret))
    sig = key.sign(str(req.timestamp).encode() + req.body)
    return {"headers": {"x-signature-ed25519": sig.hex(), "x-signature-timestamp": str(req.timestamp)},
            "peer": "documented construction (cryptography Ed25519)"}


def verify_discord(req):
    from discord_interactions import verify_key
    peer = dist("discord-interactions") + " verify_key"
    sig, ts = req.h("x-signature-ed25519"), req.h("x-signature-timestamp")
    if sig is None or ts is None:
        return result(False, peer, "missing headers")
    return result(verify_key(req.body, sig, ts, req.secret), peer)


def sign_sendgrid(req):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = serialization.load_der_private_key(base64.b64decode(req.secret), password=None)
    ts = str(req.timestamp)
    sig = key.sign(ts.encode() + req.body, ec.ECDSA(hashes.SHA256()))
    return {"headers": {"x-twilio-email-event-webhook-signature": b64(sig),
                        "x-twilio-email-event-webhook-timestamp": ts},
            "peer": "documented construction (cryptography ECDSA P-256/SHA-256, DER)"}


def verify_sendgrid(req):
    from sendgrid.helpers.eventwebhook import EventWebhook
    peer = dist("sendgrid") + " EventWebhook.verify_signature"
    sig = req.h("x-twilio-email-event-webhook-signature")
    ts = req.h("x-twilio-email-event-webhook-timestamp")
    if sig is None or ts is None:
        return result(False, peer, "missing headers")
    try:
        ok = EventWebhook(public_key=req.secret).verify_signature(req.text(), sig, ts)
    except (ValueError, TypeError) as e:
        return result(False, peer, "%s: %s" % (type(e).__name__, e))
    return result(ok, peer)


def sign_telnyx(req):
    key = ed25519_private(base64.b64decode(req.secret))
    ts = str(req.timestamp)
    sig = key.sign(ts.encode() + b"|" + req.body)
    return {"headers": {"telnyx-signature-ed25519": b64(sig), "telnyx-timestamp": ts},
            "peer": "documented construction (cryptography Ed25519)"}


def verify_telnyx(req):
    import telnyx
    peer = dist("telnyx") + " Telnyx().webhooks.unwrap"
    client = telnyx.Telnyx(api_key="KEY_OFFLINE", public_key=req.secret)
    try:
        with sdk_clock(req):
            client.webhooks.unwrap(req.text(), headers=req.flat_headers(), key=req.secret)
        return result(True, peer)
    except json.JSONDecodeError:
        # json.loads runs only after the signature matched
        return result(True, peer, "signature verified; body is not JSON")
    except ValueError as e:
        return result(False, peer, str(e))


def sign_adyen(req):
    import Adyen.util as au
    try:
        doc = json.loads(req.body)
    except ValueError:
        doc = None
    if isinstance(doc, dict) and "notificationItems" in doc:
        for wrap in doc["notificationItems"]:
            item = wrap["NotificationRequestItem"]
            bare = {k: v for k, v in item.items() if k != "additionalData"}
            sig = au.generate_notification_sig(bare, req.secret).decode("ascii")
            extra = item.get("additionalData") or {}
            extra["hmacSignature"] = sig
            item["additionalData"] = extra
        body = json.dumps(doc).encode("utf-8")
        return {"headers": {}, "body_b64": b64(body),
                "peer": dist("Adyen") + " Adyen.util.generate_notification_sig"}
    sig = au.generate_payload_sig(req.body, req.secret).decode("ascii")
    return {"headers": {"hmacsignature": sig}, "peer": dist("Adyen") + " Adyen.util.generate_payload_sig"}


def verify_adyen(req):
    import Adyen.util as au
    if req.h("hmacsignature") is not None:
        peer = dist("Adyen") + " Adyen.util.is_valid_hmac_payload"
        return result(au.is_valid_hmac_payload(req.h("hmacsignature"), req.secret, req.body), peer)
    peer = dist("Adyen") + " Adyen.util.is_valid_hmac_notification"
    doc = json.loads(req.body)
    items = doc.get("notificationItems") or []
    if not items:
        return result(False, peer, "no notificationItems")
    # The SDK checks notificationItems[0] when given the whole body; check every item.
    for i, wrap in enumerate(items):
        item = wrap["NotificationRequestItem"] if i else doc
        try:
            ok = au.is_valid_hmac_notification(item, req.secret)
        except ValueError as e:
            return result(False, peer, str(e))
        if not ok:
            return result(False, peer, "item %d: hmacSignature mismatch or missing" % i)
    return result(True, peer)


def braintree_gateway(secret):
    import braintree
    pub, _, priv = secret.partition(":")
    if not priv:
        raise ValueError("braintree secret must be '<public_key>:<private_key>'")
    return braintree.BraintreeGateway(braintree.Configuration(
        environment=braintree.Environment.Sandbox, merchant_id="merchant_id",
        public_key=pub, private_key=priv))


def sign_braintree(req):
    gw = braintree_gateway(req.secret)
    with sdk_clock(req):
        n = gw.webhook_testing.sample_notification("check", req.id)
    payload = n["bt_payload"]
    if isinstance(payload, bytes):
        payload = payload.decode("ascii")
    body = urllib.parse.urlencode({"bt_signature": n["bt_signature"], "bt_payload": payload})
    return {"headers": {"content-type": "application/x-www-form-urlencoded"}, "body_b64": b64(body.encode()),
            "peer": dist("braintree") + " webhook_testing.sample_notification('check', id)"}


def verify_braintree(req):
    from braintree.exceptions.invalid_signature_error import InvalidSignatureError
    peer = dist("braintree") + " webhook_notification.parse"
    gw = braintree_gateway(req.secret)
    form = dict(urllib.parse.parse_qsl(req.text(), keep_blank_values=True))
    try:
        gw.webhook_notification.parse(form.get("bt_signature"), form.get("bt_payload"))
        return result(True, peer)
    except InvalidSignatureError as e:
        return result(False, peer, str(e))


def box_headers(req, ts_text):
    return {"box-delivery-timestamp": ts_text, "box-signature-version": "1",
            "box-signature-algorithm": "HmacSHA256"}


def sign_box(req):
    from box_sdk_gen.internal.utils import compute_webhook_signature
    primary, _, secondary = req.secret.partition(" ")
    hdrs = box_headers(req, rfc3339(req.timestamp))
    hdrs["box-delivery-id"] = req.id
    hdrs["box-signature-primary"] = compute_webhook_signature(req.text(), hdrs, primary)
    if secondary:
        hdrs["box-signature-secondary"] = compute_webhook_signature(req.text(), hdrs, secondary)
    return {"headers": hdrs,
            "peer": dist("box-sdk-gen") + " box_sdk_gen.internal.utils.compute_webhook_signature"}


def verify_box(req):
    from box_sdk_gen.managers.webhooks import WebhooksManager
    peer = dist("box-sdk-gen") + " WebhooksManager.validate_message"
    primary, _, secondary = req.secret.partition(" ")
    if req.h("box-delivery-timestamp") is None:
        return result(False, peer, "missing box-delivery-timestamp")
    with sdk_clock(req):
        ok = WebhooksManager.validate_message(req.text(), req.flat_headers(), primary,
                                              secondary_key=secondary or None)
    return result(ok, peer)


def sign_mailgun(req):
    try:
        doc = json.loads(req.body) if req.body.strip() else {}
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise ValueError("mailgun body must be a JSON object")
    token = hashlib.sha256(("%s|%d" % (req.id, req.timestamp)).encode()).hexdigest()[:50]
    ts = str(req.timestamp)
    doc["signature"] = {"timestamp": ts, "token": token, "signature": hexd(hm(req.secret, ts + token))}
    doc.setdefault("event-data", {})
    return {"headers": {"content-type": "application/json"}, "body_b64": b64(json.dumps(doc).encode()),
            "peer": DOC}


def verify_mailgun(req):
    from mailgun.security import SecurityGuard
    peer = dist("mailgun") + " SecurityGuard.verify_webhook"
    doc = json.loads(req.body)
    s = doc.get("signature") if isinstance(doc, dict) else None
    if not isinstance(s, dict):
        return result(False, peer, "no signature object in the body")
    try:
        with sdk_clock(req):
            ok = SecurityGuard.verify_webhook(req.secret, s.get("token"), s.get("timestamp"), s.get("signature"))
    except (TypeError, ValueError) as e:
        return result(False, peer, "%s: %s" % (type(e).__name__, e))
    return result(ok, peer)


def sign_zendesk(req):
    ts = rfc3339(req.timestamp)
    sig = b64(hm(req.secret, ts.encode() + req.body))
    return {"headers": {"x-zendesk-webhook-signature": sig, "x-zendesk-webhook-signature-timestamp": ts},
            "peer": DOC}


def verify_zendesk(req):
    ts, sig = req.h("x-zendesk-webhook-signature-timestamp"), req.h("x-zendesk-webhook-signature")
    if ts is None or sig is None:
        return result(False, DOC, "missing headers")
    return result(eq(b64(hm(req.secret, ts.encode() + req.body)), sig), DOC)


def sign_zoom(req):
    ts = str(req.timestamp)
    sig = "v0=" + hexd(hm(req.secret, b"v0:" + ts.encode() + b":" + req.body))
    return {"headers": {"x-zm-signature": sig, "x-zm-request-timestamp": ts}, "peer": DOC}


def verify_zoom(req):
    ts, sig = req.h("x-zm-request-timestamp"), req.h("x-zm-signature")
    if ts is None or sig is None:
        return result(False, DOC, "missing headers")
    return result(eq("v0=" + hexd(hm(req.secret, b"v0:" + ts.encode() + b":" + req.body)), sig), DOC)


def sign_docusign(req):
    hdrs = {}
    for i, key in enumerate(req.secret.split(" "), 1):
        hdrs["x-docusign-signature-%d" % i] = b64(hm(key, req.body))
    return {"headers": hdrs, "peer": DOC}


def verify_docusign(req):
    keys = req.secret.split(" ")
    sigs = [v[0] for k, v in req.headers.items() if k.startswith("x-docusign-signature-") and v]
    if not sigs:
        return result(False, DOC, "no x-docusign-signature-N header")
    for key in keys:
        expected = b64(hm(key, req.body))
        if any(eq(expected, s) for s in sigs):
            return result(True, DOC)
    return result(False, DOC)


def sign_pagerduty(req):
    sigs = ",".join("v1=" + hexd(hm(k, req.body)) for k in req.secret.split(" "))
    return {"headers": {"x-pagerduty-signature": sigs}, "peer": DOC}


def verify_pagerduty(req):
    raw = req.h("x-pagerduty-signature")
    if raw is None:
        return result(False, DOC, "missing x-pagerduty-signature")
    expected = "v1=" + hexd(hm(req.secret, req.body))
    return result(any(eq(expected, s.strip()) for s in raw.split(",")), DOC)


def sign_sanity(req):
    ts_ms = req.timestamp * 1000
    sig = b64url_nopad(hm(req.secret, ("%d." % ts_ms).encode() + req.body))
    return {"headers": {"sanity-webhook-signature": "t=%d,v1=%s" % (ts_ms, sig)}, "peer": DOC}


def verify_sanity(req):
    import re
    raw = req.h("sanity-webhook-signature")
    m = re.match(r"^t=(\d+)[, ]+v1=([^, ]+)$", (raw or "").strip())
    if not m:
        return result(False, DOC, "malformed sanity-webhook-signature")
    expected = b64url_nopad(hm(req.secret, m.group(1).encode() + b"." + req.body))
    return result(eq(expected, m.group(2)), DOC)


def sign_twitch(req):
    ts = _dt.datetime.fromtimestamp(req.timestamp, tz=_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"
    sig = "sha256=" + hexd(hm(req.secret, req.id.encode() + ts.encode() + req.body))
    return {"headers": {"twitch-eventsub-message-id": req.id, "twitch-eventsub-message-timestamp": ts,
                        "twitch-eventsub-message-signature": sig,
                        "twitch-eventsub-message-type": "notification"}, "peer": DOC}


def verify_twitch(req):
    mid, ts = req.h("twitch-eventsub-message-id"), req.h("twitch-eventsub-message-timestamp")
    sig = req.h("twitch-eventsub-message-signature")
    if not (mid and ts and sig):
        return result(False, DOC, "missing headers")
    expected = "sha256=" + hexd(hm(req.secret, mid.encode() + ts.encode() + req.body))
    if not eq(expected, sig):
        return result(False, DOC)
    return window(req, parse_rfc3339(ts), 600, 600, DOC) or result(True, DOC)


def sign_webflow(req):
    ts_ms = str(req.timestamp * 1000)
    sig = hexd(hm(req.secret, ts_ms.encode() + b":" + req.body))
    return {"headers": {"x-webflow-signature": sig, "x-webflow-timestamp": ts_ms}, "peer": DOC}


def verify_webflow(req):
    ts, sig = req.h("x-webflow-timestamp"), req.h("x-webflow-signature")
    if ts is None or sig is None:
        return result(False, DOC, "missing headers")
    if not eq(hexd(hm(req.secret, ts.encode() + b":" + req.body)), sig):
        return result(False, DOC)
    return window(req, int(ts) / 1000.0, 300, 300, DOC) or result(True, DOC)


def sign_trello(req):
    return {"headers": {"x-trello-webhook": b64(hm(req.secret, req.body + req.url.encode("utf-8"), hashlib.sha1))},
            "peer": DOC}


def verify_trello(req):
    sig = req.h("x-trello-webhook")
    return result(eq(b64(hm(req.secret, req.body + req.url.encode("utf-8"), hashlib.sha1)), sig), DOC)


# Contentful: canonical request as in @contentful/node-apps-toolkit signRequest.
def contentful_path(url):
    parts = urllib.parse.urlsplit(url)
    path = parts.path or "/"
    # querystring.escape (encodeURIComponent) on the query, then encodeURI on the whole.
    if parts.query:
        path = path + "?" + urllib.parse.quote(parts.query, safe="-_.!~*'()")
    return urllib.parse.quote(path, safe=";,/?:@&=+$-_.!~*'()#")


def contentful_sig(secret, method, url, headers, body):
    sorted_headers = sorted(headers.items())
    hdr = ";".join("%s:%s" % (k, v) for k, v in sorted_headers)
    s = "\n".join([method, contentful_path(url), hdr, body.decode("utf-8")])
    return hexd(hm(secret, s))


def sign_contentful(req):
    ts = str(req.timestamp * 1000)
    signed = {k: v[0].strip() for k, v in req.headers.items()
              if v and (k == "content-type" or (k.startswith("x-contentful-")
                                              and k not in ("x-contentful-signature", "x-contentful-timestamp",
                                                            "x-contentful-signed-headers")))}
    names = sorted(list(signed) + ["x-contentful-signed-headers", "x-contentful-timestamp"])
    signed["x-contentful-timestamp"] = ts
    signed["x-contentful-signed-headers"] = ",".join(names)
    sig = contentful_sig(req.secret, req.method, req.url, signed, req.body)
    return {"headers": {"x-contentful-signature": sig, "x-contentful-timestamp": ts,
                        "x-contentful-signed-headers": signed["x-contentful-signed-headers"]}, "peer": DOC}


def verify_contentful(req):
    sig, ts, names = req.h("x-contentful-signature"), req.h("x-contentful-timestamp"), \
        req.h("x-contentful-signed-headers")
    if not (sig and ts and names):
        return result(False, DOC, "missing headers")
    names = [n.strip().lower() for n in names.split(",")]
    if len(names) < 2:
        return result(False, DOC, "signed headers must include timestamp and signed-headers")
    flat = {k: v[0].strip() for k, v in req.headers.items() if v}
    signed = {k: flat[k] for k in names if k in flat}
    for k in ("x-contentful-timestamp", "x-contentful-signed-headers"):
        if k not in signed:
            signed.setdefault(k, "")
    signed["x-contentful-timestamp"] = str(int(ts))
    signed["x-contentful-signed-headers"] = ",".join(sorted(signed))
    if not eq(contentful_sig(req.secret, req.method, req.url, signed, req.body), sig):
        return result(False, DOC)
    # node-apps-toolkit verifyRequest default TTL: 30 s, past only.
    if req.now() * 1000 - int(ts) >= 30_000:
        return result(False, DOC, "timestamp older than 30 s")
    return result(True, DOC)


JWT_DOC = "documented construction (PyJWT HS256)"


def sign_netlify(req):
    import jwt
    tok = jwt.encode({"iss": "netlify", "sha256": hashlib.sha256(req.body).hexdigest()}, req.secret,
                     algorithm="HS256")
    return {"headers": {"x-webhook-signature": tok}, "peer": JWT_DOC}


def verify_netlify(req):
    import jwt
    tok = req.h("x-webhook-signature")
    try:
        claims = jwt.decode(tok or "", req.secret, algorithms=["HS256"], issuer="netlify")
    except jwt.PyJWTError as e:
        return result(False, JWT_DOC, "%s: %s" % (type(e).__name__, e))
    return result(eq(str(claims.get("sha256", "")), hashlib.sha256(req.body).hexdigest()), JWT_DOC,
                  None if claims.get("sha256") else "no sha256 claim")


def sign_vonage(req):
    import jwt
    import uuid
    tok = jwt.encode({"iat": req.timestamp, "jti": str(uuid.uuid5(uuid.NAMESPACE_URL, req.id)),
                      "iss": "Vonage", "payload_hash": hashlib.sha256(req.body).hexdigest(),
                      "api_key": "api_key", "application_id": "application_id"},
                     req.secret, algorithm="HS256")
    return {"headers": {"authorization": "Bearer " + tok}, "peer": JWT_DOC}


def verify_vonage(req):
    import jwt
    from vonage_jwt import verify_signature
    peer = dist("vonage-jwt") + " verify_signature + payload_hash check (documented)"
    auth = req.h("authorization") or ""
    if not auth.startswith("Bearer "):
        return result(False, peer, "no Bearer token")
    tok = auth[7:].strip()
    try:
        if not verify_signature(tok, req.secret):
            return result(False, peer, "JWT signature mismatch")
    except Exception as e:  # VonageVerifyJwtError
        return result(False, peer, "%s: %s" % (type(e).__name__, e))
    claims = jwt.decode(tok, options={"verify_signature": False})
    if not eq(str(claims.get("payload_hash", "")), hashlib.sha256(req.body).hexdigest()):
        return result(False, peer, "payload_hash mismatch")
    return result(True, peer)


TOKENS = {
    "cloudflare": "cf-webhook-auth",
    "okta": "authorization",
    "telegram": "x-telegram-bot-api-secret-token",
}


def sign_token(req):
    return {"headers": {TOKENS[req.provider]: req.secret}, "peer": "documented construction (token header)"}


def verify_token(req):
    return result(eq(req.h(TOKENS[req.provider]), req.secret), "documented construction (token compare)")


def sign_postmark(req):
    return {"headers": {"authorization": "Basic " + b64(req.secret.encode("utf-8"))},
            "peer": "documented construction (HTTP Basic)"}


def verify_postmark(req):
    peer = "documented construction (HTTP Basic compare)"
    auth = req.h("authorization")
    if auth is None:
        # credentials embedded in the URL
        parts = urllib.parse.urlsplit(req.url)
        if parts.username is not None:
            cred = urllib.parse.unquote(parts.username) + ":" + urllib.parse.unquote(parts.password or "")
            return result(eq(cred, req.secret), peer)
        return result(False, peer, "no credentials")
    scheme, _, val = auth.partition(" ")
    if scheme.lower() != "basic":
        return result(False, peer, "not Basic")
    try:
        cred = base64.b64decode(val.strip(), validate=True)
    except ValueError:
        return result(False, peer, "bad base64")
    return result(eq(cred, req.secret.encode("utf-8")), peer)


def sign_figma(req):
    doc = json.loads(req.body) if req.body.strip() else {}
    if not isinstance(doc, dict):
        raise ValueError("figma body must be a JSON object")
    doc["passcode"] = req.secret
    return {"headers": {"content-type": "application/json"}, "body_b64": b64(json.dumps(doc).encode()),
            "peer": "documented construction (body passcode)"}


def verify_figma(req):
    peer = "documented construction (body passcode compare)"
    doc = json.loads(req.body)
    if not isinstance(doc, dict) or not isinstance(doc.get("passcode"), str):
        return result(False, peer, "no passcode")
    return result(eq(doc["passcode"], req.secret), peer)


# ------------------------------------------------------------------ table

SIGN = {
    "stripe": sign_stripe,
    "slack": sign_slack,
    "standard": sign_standard,
    "standard_ed25519": sign_standard_ed25519,
    "clerk": lambda r: sign_standard(r, svix_names=True),
    "resend": lambda r: sign_standard(r, svix_names=True),
    "replicate": sign_standard,
    "supabase": sign_standard,
    "polar": sign_polar,
    "gitlab": sign_gitlab,
    "line": sign_line,
    "razorpay": sign_razorpay,
    "workos": sign_workos,
    "paddle": sign_paddle,
    "square": sign_square,
    "coinbase_commerce": sign_coinbase,
    "twilio": sign_twilio,
    "hubspot": sign_hubspot,
    "discord": sign_discord,
    "sendgrid": sign_sendgrid,
    "telnyx": sign_telnyx,
    "adyen": sign_adyen,
    "braintree": sign_braintree,
    "box": sign_box,
    "mailgun": sign_mailgun,
    "zendesk": sign_zendesk,
    "zoom": sign_zoom,
    "docusign": sign_docusign,
    "pagerduty": sign_pagerduty,
    "sanity": sign_sanity,
    "twitch": sign_twitch,
    "webflow": sign_webflow,
    "trello": sign_trello,
    "contentful": sign_contentful,
    "netlify": sign_netlify,
    "vonage": sign_vonage,
    "postmark": sign_postmark,
    "figma": sign_figma,
}
VERIFY = {
    "stripe": verify_stripe,
    "slack": verify_slack,
    "standard": verify_standard,
    "standard_ed25519": verify_standard_ed25519,
    "clerk": verify_svix,
    "resend": verify_resend,
    "replicate": verify_replicate,
    "supabase": verify_standard,
    "polar": verify_polar,
    "gitlab": verify_gitlab,
    "line": verify_line,
    "razorpay": verify_razorpay,
    "workos": verify_workos,
    "paddle": verify_paddle,
    "square": verify_square,
    "coinbase_commerce": verify_coinbase,
    "twilio": verify_twilio,
    "hubspot": verify_hubspot,
    "discord": verify_discord,
    "sendgrid": verify_sendgrid,
    "telnyx": verify_telnyx,
    "adyen": verify_adyen,
    "braintree": verify_braintree,
    "box": verify_box,
    "mailgun": verify_mailgun,
    "zendesk": verify_zendesk,
    "zoom": verify_zoom,
    "docusign": verify_docusign,
    "pagerduty": verify_pagerduty,
    "sanity": verify_sanity,
    "twitch": verify_twitch,
    "webflow": verify_webflow,
    "trello": verify_trello,
    "contentful": verify_contentful,
    "netlify": verify_netlify,
    "vonage": verify_vonage,
    "postmark": verify_postmark,
    "figma": verify_figma,
}
for _p in SIMPLE:
    SIGN[_p] = sign_simple
    VERIFY[_p] = verify_simple
for _p in TV1:
    SIGN[_p] = sign_tv1
    VERIFY[_p] = verify_tv1
for _p in TOKENS:
    SIGN[_p] = sign_token
    VERIFY[_p] = verify_token

PROVIDERS = sorted(set(SIGN) | set(VERIFY))


def handle(obj):
    if not isinstance(obj, dict):
        raise ValueError("input line must be a JSON object")
    req = Req(obj)
    table = {"sign": SIGN, "verify": VERIFY}.get(req.op)
    if table is None:
        raise ValueError("op must be 'sign' or 'verify'")
    fn = table.get(req.provider)
    if fn is None:
        return {"unsupported": True}
    if not isinstance(req.secret, str):
        raise ValueError("secret must be a string")
    if req.op == "verify":
        try:
            return fn(req)
        except Exception as e:  # malformed input for this scheme: a failed verification
            return {"ok": False, "error": "%s: %s" % (type(e).__name__, e), "peer": "exception"}
    return fn(req)


def main():
    out = sys.stdout
    # Some SDKs print diagnostics (discord-interactions prints exceptions): keep
    # stdout for protocol lines only.
    sys.stdout = sys.stderr
    warnings.simplefilter("ignore")
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            resp = handle(json.loads(line))
        except Exception as e:
            resp = {"error": "%s: %s" % (type(e).__name__, e)}
            if "--debug" in sys.argv:
                traceback.print_exc()
        out.write(json.dumps(resp) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
