#!/usr/bin/env bash
# Round-trip every preset through interop/peer.py: sign, then verify (must be
# ok), then verify with one signed byte changed (must fail). Token presets have
# no signed body, so their token is changed instead; mailgun signs
# timestamp+token only, so its token is changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup-python.sh" >/dev/null
exec "$here/.venv/bin/python" - "$here/peer.py" <<'PY'
import base64, json, os, subprocess, sys, time
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

peer = subprocess.Popen([sys.executable, sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                        text=True, bufsize=1)


def call(obj):
    peer.stdin.write(json.dumps(obj) + "\n")
    peer.stdin.flush()
    return json.loads(peer.stdout.readline())


def b64(b):
    return base64.b64encode(b).decode()


now = int(time.time())
whsec = "whsec_" + b64(bytes(range(32)))
seed = bytes(range(100, 132))
edk = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
edpub = edk.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
eck = ec.generate_private_key(ec.SECP256R1())
ec_priv = b64(eck.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()))
ec_pub = b64(eck.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo))

JSON = json.dumps({"id": "evt_0123456789", "type": "ping", "data": {"object": {"id": "obj_42", "n": 7}},
                   "note": "caf\u00e9 \u2713"}, ensure_ascii=False)
URL = "https://hooks.example.com/webhooks/in?tenant=acme&x=1"
FORM = "AccountSid=AC123&Body=Hello+world&From=%2B15551234567&To=%2B15557654321&Tag=b&Tag=a"
ADYEN = json.dumps({"live": "false", "notificationItems": [{"NotificationRequestItem": {
    "additionalData": {"recurring.shopperReference": "shopper_1"},
    "amount": {"currency": "EUR", "value": 1130}, "eventCode": "AUTHORISATION", "eventDate": "2024-01-01T01:00:00+01:00",
    "merchantAccountCode": "TestMerchant", "merchantReference": "ref-001", "originalReference": "",
    "pspReference": "7914073381342284", "reason": "", "success": "true"}}]})

# provider -> (sign secret, verify secret, body, extra request fields, mutation kind)
CASES = {}
for p in ["github", "stripe", "slack", "shopify", "airtable", "asana", "bitbucket", "cal_com", "calendly",
          "coinbase_commerce", "dropbox", "jira", "lemon_squeezy", "line", "meta", "mux", "notion", "paddle",
          "persona", "razorpay", "sentry", "square", "typeform", "woocommerce", "xero", "zendesk", "zoom",
          "docusign", "pagerduty", "sanity", "twitch", "webflow", "workos", "intercom", "paystack", "segment",
          "trello", "vercel", "hubspot", "netlify", "vonage"]:
    CASES[p] = ("s3cr3t-for-" + p, None, JSON, {}, "body")
CASES["airtable"] = (b64(b"airtable mac secret 0123456789"), None, JSON, {}, "body")
CASES["box"] = ("primaryKey0123456789abcdefABCDEF secondaryKey0123456789abcdefAB", None, JSON, {}, "body")
for p in ["standard", "clerk", "resend", "replicate"]:
    CASES[p] = (whsec, None, JSON, {}, "body")
CASES["supabase"] = ("v1," + whsec, None, JSON, {}, "body")
CASES["polar"] = ("polar_whs_0123456789abcdefghijklmnopqrstuvwxyzABCD", None,
                  json.dumps({"type": "checkout.created", "timestamp": "2024-01-01T00:00:00Z", "data": {}}), {}, "body")
CASES["standard_ed25519"] = ("whsk_" + b64(seed), "whpk_" + b64(edpub), JSON, {}, "body")
CASES["discord"] = (seed.hex(), edpub.hex(), JSON, {}, "body")
CASES["telnyx"] = (b64(seed), b64(edpub), JSON, {}, "body")
CASES["sendgrid"] = (ec_priv, ec_pub, json.dumps([{"email": "a@example.com", "event": "delivered",
                                                  "sg_event_id": "sg_1"}]), {}, "body")
CASES["linear"] = ("lin_wh_secret", None, json.dumps({"action": "create", "type": "Issue",
                                                       "webhookTimestamp": now * 1000}), {}, "body")
CASES["contentful"] = ("c" * 32 + "0123456789abcdef0123456789abcdef", None, JSON,
                       {"headers": {"content-type": "application/vnd.contentful.management.v1+json",
                                    "x-contentful-topic": "ContentManagement.Entry.publish"}}, "body")
CASES["twilio"] = ("0123456789abcdef0123456789abcdef", None, FORM,
                   {"headers": {"content-type": "application/x-www-form-urlencoded"}}, "body")
CASES["twilio/json"] = ("0123456789abcdef0123456789abcdef", None, JSON,
                        {"headers": {"content-type": "application/json"}}, "body")
CASES["adyen"] = ("44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056", None, ADYEN, {}, "adyen")
CASES["adyen/header"] = ("44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056", None, JSON, {}, "body")
CASES["braintree"] = ("public_key_123:private_key_456", None, "", {}, "braintree")
CASES["mailgun"] = ("key-mailgun-signing-0123456789", None,
                    json.dumps({"event-data": {"event": "delivered", "id": "ev_1"}}), {}, "mailgun")
CASES["figma"] = ("figma-passcode-42", None, json.dumps({"event_type": "PING", "webhook_id": "22"}), {}, "figma")
for p in ["gitlab", "cloudflare", "okta", "telegram"]:
    CASES[p] = ("token-" + p + "-0123456789", None, JSON, {}, "token")
CASES["postmark"] = ("hookuser:hookpass", None, JSON, {}, "token")
CASES["gitlab/signing-token"] = (whsec, None, JSON, {}, "body")


def flip(b, lo=0, hi=None):
    """Change one alphanumeric byte in b[lo:hi], near the middle."""
    hi = len(b) if hi is None else hi
    mid = (lo + hi) // 2
    for d in range(hi - lo):
        for i in (mid + d, mid - d):
            if lo <= i < hi and chr(b[i]).isalnum():
                c = chr(b[i])
                n = "b" if c == "a" else "a" if c.isalpha() else ("2" if c == "1" else "1")
                return b[:i] + n.encode() + b[i + 1:]
    raise ValueError("nothing to flip")


fails = 0
passed = 0
for name, (sk, vk, body, extra, mut) in sorted(CASES.items()):
    provider = name.split("/")[0]
    base = {"provider": provider, "method": "POST", "url": URL, "headers": {}, "timestamp": now,
            "id": "msg_2b8f6a1c", "body_b64": b64(body.encode())}
    base.update(json.loads(json.dumps(extra)))
    s = call(dict(base, op="sign", secret=sk))
    if "headers" not in s:
        print("FAIL %s sign: %s" % (name, s)); fails += 1; continue
    req = dict(base, op="verify", secret=vk or sk)
    req["headers"] = dict(base["headers"], **s["headers"])
    if "body_b64" in s:
        req["body_b64"] = s["body_b64"]
    if "url" in s:
        req["url"] = s["url"]
    good = call(req)
    raw = base64.b64decode(req["body_b64"])
    bad = json.loads(json.dumps(req))
    if mut == "body":
        bad["body_b64"] = b64(flip(raw))
    elif mut == "adyen":
        i = raw.index(b"7914073381342284")
        bad["body_b64"] = b64(flip(raw, i, i + 16))
    elif mut == "braintree":
        i = raw.index(b"bt_payload=") + len(b"bt_payload=")
        bad["body_b64"] = b64(flip(raw, i))
    elif mut == "mailgun":
        doc = json.loads(raw)
        doc["signature"]["token"] = flip(doc["signature"]["token"].encode()).decode()
        bad["body_b64"] = b64(json.dumps(doc).encode())
    elif mut == "figma":
        doc = json.loads(raw)
        doc["passcode"] = flip(doc["passcode"].encode()).decode()
        bad["body_b64"] = b64(json.dumps(doc).encode())
    elif mut == "token":
        k = next(iter(s["headers"]))
        bad["headers"][k] = flip(bad["headers"][k].encode()).decode()
    worse = call(bad)
    ok = good.get("ok") is True and worse.get("ok") is False
    if ok:
        passed += 1
    else:
        fails += 1
    print("%s %-22s sign=[%s] verify=[%s] good=%s tampered=%s%s" % (
        "ok  " if ok else "FAIL", name, s.get("peer"), good.get("peer"), good.get("ok"), worse.get("ok"),
        "" if ok else "  good=%s bad=%s" % (good, worse)))

# every published example must verify (at its own time when it has one)
with open(os.path.join(os.path.dirname(sys.argv[1]), "published_examples.json")) as f:
    for ex in json.load(f):
        req = {"op": "verify", "provider": ex["provider"], "secret": ex["secret"], "method": ex["method"],
               "url": ex["url"], "headers": ex["headers"], "body": ex["body"]}
        if "at" in ex:
            req["now"] = ex["at"]
        got = call(req)
        if got.get("ok") is True:
            passed += 1
            print("ok   example %-13s [%s] %s" % (ex["provider"], got.get("peer"), ex["source"][:60]))
        else:
            fails += 1
            print("FAIL example %s %s -> %s" % (ex["provider"], ex["source"], got))

# protocol checks
for line, want in [("not json", "error"), (json.dumps({"op": "verify", "provider": "nope", "secret": "x"}), "unsupported"),
                   (json.dumps({"op": "sign", "provider": "discord", "secret": "zz"}), "error")]:
    peer.stdin.write(line + "\n"); peer.stdin.flush()
    got = json.loads(peer.stdout.readline())
    if want in got:
        passed += 1
    else:
        fails += 1; print("FAIL protocol %r -> %s" % (line, got))

expected = set("""github stripe slack shopify standard standard_ed25519 clerk resend replicate polar supabase gitlab
airtable asana bitbucket cal_com calendly coinbase_commerce dropbox jira lemon_squeezy line meta mux notion paddle persona
razorpay sentry square typeform woocommerce xero zendesk zoom box docusign linear pagerduty sanity twitch webflow workos
intercom paystack segment trello vercel contentful hubspot twilio discord sendgrid telnyx adyen braintree mailgun netlify
vonage cloudflare figma okta postmark telegram""".split())
missing = expected - {n.split("/")[0] for n in CASES}
if missing:
    fails += 1; print("FAIL presets without a case:", sorted(missing))
peer.stdin.close(); peer.wait()
print("python interop selftest: %d passed, %d failed" % (passed, fails))
sys.exit(1 if fails else 0)
PY
