#!/usr/bin/env bash
# Self-test of the Node interop peer (peer.js).
#
# 1. For every provider whose SDK can both sign and verify: the SDK's sign output
#    is fed to the SDK's verify (expect ok=true), then the same delivery with a
#    one-byte body change (expect ok=false).
# 2. For verify-only SDKs: a delivery signed here with node:crypto following the
#    construction documented in NODE.md must verify (ok=true) and a one-byte body
#    change must not. This checks how peer.js wires each SDK, nothing more.
# 3. Protocol checks: unsupported provider, malformed line, one answer per line.
#
# Prints "N passed, N failed" and exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/setup-node.sh" >&2
cd "$here"
exec node - <<'JS'
'use strict';
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const readline = require('node:readline');

const peer = spawn(process.execPath, ['peer.js'], { stdio: ['pipe', 'pipe', 'inherit'] });
const rl = readline.createInterface({ input: peer.stdout });
const waiting = [];
rl.on('line', (l) => waiting.shift()(l));
function ask(obj) {
  return new Promise((resolve) => {
    waiting.push((l) => resolve(JSON.parse(l)));
    peer.stdin.write((typeof obj === 'string' ? obj : JSON.stringify(obj)) + '\n');
  });
}

let passed = 0;
let failed = 0;
function check(name, cond, detail) {
  if (cond) { passed += 1; console.log(`ok   ${name}`); }
  else { failed += 1; console.log(`FAIL ${name} ${detail ? JSON.stringify(detail) : ''}`); }
}

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s) => Buffer.from(s, 'base64').toString('utf8');
const now = () => Math.floor(Date.now() / 1000);
const URL_ = 'https://example.com/hooks/x?a=1';
const JSON_BODY = '{"id":"evt_1","type":"test.event","data":{"n":1,"s":"caf\u00e9"}}';
const whsec = 'whsec_' + Buffer.from('interop-test-key-0123456789abcdef').toString('base64');
const tamper = (body) => body.replace('evt_1', 'evt_2');

const adyenBody = JSON.stringify({
  live: 'false',
  notificationItems: [{
    NotificationRequestItem: {
      additionalData: { authCode: '1234' },
      amount: { currency: 'EUR', value: 1130 },
      eventCode: 'AUTHORISATION',
      eventDate: '2024-01-01T00:00:00+01:00',
      merchantAccountCode: 'TestMerchant',
      merchantReference: 'evt_1',
      pspReference: '7914073381342284',
      success: 'true',
    },
  }],
});

// Cases for providers with an SDK signer.
const signCases = [
  { provider: 'github', secret: 'gh-secret' },
  { provider: 'stripe', secret: 'whsec_stripe_test_secret' },
  { provider: 'shopify', secret: 'shpss_test_secret' },
  { provider: 'standard', secret: whsec },
  { provider: 'clerk', secret: whsec },
  { provider: 'resend', secret: whsec },
  { provider: 'replicate', secret: whsec },
  { provider: 'supabase', secret: 'v1,' + whsec },
  { provider: 'polar', secret: 'polar_whs_rawdashboardsecret' },
  { provider: 'twilio', secret: '0123456789abcdef0123456789abcdef', label: 'twilio form',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'AccountSid=AC123&Body=Hello+evt_1&From=%2B15551234567&To=%2B15557654321&MediaUrl=b&MediaUrl=a' },
  { provider: 'twilio', secret: '0123456789abcdef0123456789abcdef', label: 'twilio json',
    headers: { 'content-type': 'application/json' } },
  { provider: 'twilio', secret: 'sharedkey-secret', label: 'twilio form sha256',
    headers: { 'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-webhooks-signature-settings': 'key=webhooks_sharedkey_1,algorithm=HMAC_SHA256' },
    body: 'Body=evt_1&From=%2B1555' },
  { provider: 'hubspot', secret: 'hubspot-client-secret' },
  { provider: 'workos', secret: 'workos-webhook-secret' },
  { provider: 'box', secret: 'box-primary-key' },
  { provider: 'sanity', secret: 'sanity-secret' },
  { provider: 'contentful', secret: 'c'.repeat(64), headers: { 'content-type': 'application/json', 'x-custom': 'v' } },
  { provider: 'coinbase_commerce', secret: 'cc-shared-secret' },
  { provider: 'adyen', secret: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056', body: adyenBody },
  { provider: 'braintree', secret: 'pubkey123:privkey456' },
];

function tamperBraintree(formB64) {
  const form = new URLSearchParams(unb64(formB64));
  const p = form.get('bt_payload');
  const i = 40;
  form.set('bt_payload', p.slice(0, i) + (p[i] === 'A' ? 'B' : 'A') + p.slice(i + 1));
  return b64(form.toString());
}

async function signThenVerify(c) {
  const name = c.label || c.provider;
  const base = {
    provider: c.provider, secret: c.secret, method: 'POST', url: URL_,
    headers: c.headers || { 'content-type': 'application/json' },
    body_b64: b64(c.body || JSON_BODY), timestamp: now(), id: 'msg_interop_1',
  };
  const s = await ask({ ...base, op: 'sign' });
  if (!s.headers || s.error || s.unsupported) { check(`${name} sign`, false, s); return; }
  check(`${name} sign`, typeof s.peer === 'string', s);
  const v = {
    ...base, op: 'verify',
    headers: { ...base.headers, ...s.headers },
    body_b64: s.body_b64 || base.body_b64,
    url: s.url || base.url,
  };
  const ok = await ask(v);
  check(`${name} sign->verify ok=true`, ok.ok === true, ok);
  const badBody = c.provider === 'braintree' ? tamperBraintree(v.body_b64) : b64(tamper(unb64(v.body_b64)));
  check(`${name} tamper precondition`, badBody !== v.body_b64);
  const bad = await ask({ ...v, body_b64: badBody });
  check(`${name} one-byte body change ok=false`, bad.ok === false, bad);
}

// ----- verify-only wiring, signed here with node:crypto
const hmac = (alg, key, data, enc) => crypto.createHmac(alg, key).update(data).digest(enc);

function verifyOnlyCases() {
  const t = now();
  const body = JSON_BODY;
  const cases = [];
  cases.push({ provider: 'slack', secret: 'slack-secret', body,
    headers: { 'x-slack-request-timestamp': String(t), 'x-slack-signature': 'v0=' + hmac('sha256', 'slack-secret', `v0:${t}:${body}`, 'hex') } });
  cases.push({ provider: 'square', secret: 'square-key', body,
    headers: { 'x-square-hmacsha256-signature': hmac('sha256', 'square-key', URL_ + body, 'base64') } });
  cases.push({ provider: 'paddle', secret: 'pdl_ntfset_01abc_secret', body,
    headers: { 'paddle-signature': `ts=${t};h1=` + hmac('sha256', 'pdl_ntfset_01abc_secret', `${t}:${body}`, 'hex') } });
  const linearBody = JSON.stringify({ id: 'evt_1', type: 'Issue', webhookTimestamp: Date.now() });
  cases.push({ provider: 'linear', secret: 'lin_wh_secret', body: linearBody,
    headers: { 'linear-signature': hmac('sha256', 'lin_wh_secret', linearBody, 'hex') } });
  cases.push({ provider: 'mux', secret: 'mux-secret', body,
    headers: { 'mux-signature': `t=${t},v1=` + hmac('sha256', 'mux-secret', `${t}.${body}`, 'hex') } });
  cases.push({ provider: 'razorpay', secret: 'rzp-secret', body,
    headers: { 'x-razorpay-signature': hmac('sha256', 'rzp-secret', body, 'hex') } });
  cases.push({ provider: 'line', secret: 'line-channel-secret', body,
    headers: { 'x-line-signature': hmac('sha256', 'line-channel-secret', body, 'base64') } });
  cases.push({ provider: 'webflow', secret: 'webflow-secret', body,
    headers: { 'x-webflow-timestamp': String(t * 1000), 'x-webflow-signature': hmac('sha256', 'webflow-secret', `${t * 1000}:${body}`, 'hex') } });
  {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    const sig = crypto.sign(null, Buffer.from(`${t}${body}`), privateKey).toString('hex');
    cases.push({ provider: 'discord', secret: raw.toString('hex'), body,
      headers: { 'x-signature-ed25519': sig, 'x-signature-timestamp': String(t) } });
    const sig2 = crypto.sign(null, Buffer.from(`${t}|${body}`), privateKey).toString('base64');
    cases.push({ provider: 'telnyx', secret: raw.toString('base64'), body,
      headers: { 'telnyx-signature-ed25519': sig2, 'telnyx-timestamp': String(t) } });
  }
  {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const spki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const sig = crypto.sign('sha256', Buffer.from(`${t}${body}`), privateKey).toString('base64');
    cases.push({ provider: 'sendgrid', secret: spki, body,
      headers: { 'x-twilio-email-event-webhook-signature': sig, 'x-twilio-email-event-webhook-timestamp': String(t) } });
  }
  {
    const jwt = require(require.resolve('jsonwebtoken', { paths: [require('path').dirname(require.resolve('@vonage/jwt'))] }));
    const token = jwt.sign({ iat: t, jti: 'j1', iss: 'Vonage', payload_hash: crypto.createHash('sha256').update(body).digest('hex') },
      'vonage-signature-secret', { algorithm: 'HS256' });
    cases.push({ provider: 'vonage', secret: 'vonage-signature-secret', body, headers: { authorization: `Bearer ${token}` } });
  }
  return cases;
}

async function verifyOnly(c) {
  const base = {
    op: 'verify', provider: c.provider, secret: c.secret, method: 'POST', url: URL_,
    headers: { 'content-type': 'application/json', ...c.headers }, body_b64: b64(c.body),
  };
  const ok = await ask(base);
  check(`${c.provider} (verify-only) ok=true`, ok.ok === true, ok);
  const bad = await ask({ ...base, body_b64: b64(tamper(c.body)) });
  check(`${c.provider} (verify-only) one-byte body change ok=false`, bad.ok === false, bad);
  const s = await ask({ ...base, op: 'sign' });
  check(`${c.provider} sign answers unsupported`, s.unsupported === true, s);
}

(async () => {
  for (const c of signCases) await signThenVerify(c);
  for (const c of verifyOnlyCases()) await verifyOnly(c);
  const u = await ask({ op: 'verify', provider: 'no_such_provider', secret: 'x', body_b64: '' });
  check('unknown provider -> unsupported', u.unsupported === true, u);
  const u2 = await ask({ op: 'sign', provider: 'telegram', secret: 'x', body_b64: '' });
  check('token provider -> unsupported', u2.unsupported === true, u2);
  const e1 = await ask('this is not json');
  check('malformed line -> error', typeof e1.error === 'string', e1);
  const e2 = await ask({ op: 'sign', provider: 'github' });
  check('missing secret -> error', typeof e2.error === 'string', e2);
  const e3 = await ask({ op: 'sign', provider: 'workos', secret: 'x', body_b64: b64('not json') });
  check('SDK exception -> error line', typeof e3.error === 'string', e3);
  peer.stdin.end();
  peer.on('close', (code) => {
    check('peer exits cleanly', code === 0, { code });
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
  });
})();
JS
