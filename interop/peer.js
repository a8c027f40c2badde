#!/usr/bin/env node
// JSON-lines interop peer backed by each webhook provider's own Node.js SDK.
//
// Reads one JSON object per line on stdin and writes exactly one JSON line per
// input line on stdout, in order. Lines are handled one at a time, so async SDK
// functions never interleave.
//
// Input:  {"op": "sign"|"verify", "provider": "<preset>", "secret": "...",
//          "method": "POST", "url": "https://...", "headers": {name: value|[values]},
//          "body_b64": "...", "timestamp": <unix s>, "id": "<event id>"}
// Output: sign   -> {"headers": {...}, "peer": "<pkg>@<version> <fn>"[, "body_b64", "url", "note"]}
//         verify -> {"ok": true|false[, "error"], "peer": "..."[, "note"]}
//         {"unsupported": true} when this peer has no SDK function for that op;
//         {"error": "..."} for a malformed line.
//
// "verify" always goes through the provider SDK's own verify function. "sign"
// only uses an SDK function that produces the signature itself; providers whose
// SDK cannot sign answer {"unsupported": true}. NODE.md documents what each SDK
// does, with file paths inside node_modules.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const util = require('node:util');
const crypto = require('node:crypto');
const querystring = require('node:querystring');

// SDKs log through console; stdout is reserved for the protocol.
for (const level of ['log', 'info', 'debug', 'warn', 'error', 'trace']) {
  console[level] = (...args) => process.stderr.write(util.format(...args) + '\n');
}

// ---------------------------------------------------------------- helpers

const versionCache = new Map();
function pkgVersion(name) {
  if (!versionCache.has(name)) {
    const file = path.join(__dirname, 'node_modules', ...name.split('/'), 'package.json');
    versionCache.set(name, JSON.parse(fs.readFileSync(file, 'utf8')).version);
  }
  return versionCache.get(name);
}
function peerName(pkg, fn) {
  return `${pkg}@${pkgVersion(pkg)} ${fn}`;
}

const moduleCache = new Map();
function load(spec) {
  if (!moduleCache.has(spec)) moduleCache.set(spec, require(spec));
  return moduleCache.get(spec);
}
async function loadEsm(spec) {
  if (!moduleCache.has(spec)) moduleCache.set(spec, await import(spec));
  return moduleCache.get(spec);
}

class Unsupported extends Error {}

// A normalised view of one input line.
class Req {
  constructor(raw) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new TypeError('line is not a JSON object');
    }
    this.raw = raw;
    this.op = raw.op;
    this.provider = raw.provider;
    if (typeof raw.secret !== 'string') throw new TypeError('secret must be a string');
    this.secret = raw.secret;
    this.method = typeof raw.method === 'string' && raw.method ? raw.method : 'POST';
    this.url = typeof raw.url === 'string' ? raw.url : '';
    this.body = Buffer.from(typeof raw.body_b64 === 'string' ? raw.body_b64 : '', 'base64');
    this.bodyStr = this.body.toString('utf8');
    this.utf8 = Buffer.from(this.bodyStr, 'utf8').equals(this.body);
    this.headersIn = {};
    for (const [k, v] of Object.entries(raw.headers || {})) {
      this.headersIn[k.toLowerCase()] = v;
    }
    // Flattened headers: repeated values joined the way an HTTP stack folds them.
    this.headers = {};
    for (const [k, v] of Object.entries(this.headersIn)) {
      this.headers[k] = Array.isArray(v) ? v.map(String).join(', ') : String(v);
    }
    this.timestamp = Number.isInteger(raw.timestamp) ? raw.timestamp : Math.floor(Date.now() / 1000);
    this.id = typeof raw.id === 'string' && raw.id ? raw.id : `msg_${crypto.randomBytes(8).toString('hex')}`;
  }
  h(name) {
    return this.headers[name.toLowerCase()];
  }
  contentType() {
    return (this.h('content-type') || '').toLowerCase();
  }
}

function bodyNote(req, result) {
  // For SDKs that only take a string body: say so when the string is lossy.
  if (!req.utf8) {
    result.note = [result.note, 'body is not valid UTF-8; the SDK only receives a decoded string']
      .filter(Boolean).join('; ');
  }
  return result;
}

function verdict(peer, ok, error) {
  const r = { ok: Boolean(ok), peer };
  if (!ok) r.error = error || 'signature rejected';
  return r;
}

function errMessage(e) {
  if (e && typeof e.message === 'string' && e.message) return e.message;
  return String(e);
}

// ------------------------------------------------------ Standard Webhooks family

function standardSign(req, secretForLib, pkg, headerPrefix) {
  const { Webhook } = load(pkg);
  const wh = new Webhook(secretForLib);
  const sig = wh.sign(req.id, new Date(req.timestamp * 1000), req.bodyStr);
  return bodyNote(req, {
    headers: {
      [`${headerPrefix}-id`]: req.id,
      [`${headerPrefix}-timestamp`]: String(req.timestamp),
      [`${headerPrefix}-signature`]: sig,
    },
    peer: peerName(pkg, 'Webhook.sign'),
  });
}

// standardwebhooks/svix verify() JSON-parses the payload only after a signature
// matched, so a SyntaxError means the signature was accepted.
function standardVerify(req, secretForLib, pkg) {
  const { Webhook } = load(pkg);
  const peer = peerName(pkg, 'Webhook.verify');
  try {
    new Webhook(secretForLib).verify(req.bodyStr, req.headers);
    return bodyNote(req, verdict(peer, true));
  } catch (e) {
    if (e instanceof SyntaxError) {
      return bodyNote(req, { ...verdict(peer, true), note: 'signature accepted; SDK then failed to JSON-parse the body' });
    }
    return verdict(peer, false, errMessage(e));
  }
}

// ---------------------------------------------------------------- providers

const providers = {};

providers.standard = {
  sign: (req) => standardSign(req, req.secret, 'standardwebhooks', 'webhook'),
  verify: (req) => standardVerify(req, req.secret, 'standardwebhooks'),
};

// Supabase Auth Hooks: the dashboard shows "v1,whsec_<base64>"; Supabase's own
// documentation strips "v1,whsec_" and hands the rest to standardwebhooks.
function supabaseSecret(s) {
  return s.replace('v1,whsec_', '');
}
providers.supabase = {
  sign: (req) => standardSign(req, supabaseSecret(req.secret), 'standardwebhooks', 'webhook'),
  verify: (req) => standardVerify(req, supabaseSecret(req.secret), 'standardwebhooks'),
};

// Polar: validateEvent() base64-encodes the UTF-8 dashboard secret and hands it
// to standardwebhooks; signing does the same through standardwebhooks.
providers.polar = {
  sign: (req) => {
    const r = standardSign(req, Buffer.from(req.secret, 'utf-8').toString('base64'), 'standardwebhooks', 'webhook');
    r.peer += ' (secret = base64(utf8(dashboard secret)), as @polar-sh/sdk validateEvent does)';
    return r;
  },
  verify: (req) => {
    const { validateEvent, WebhookVerificationError } = load('@polar-sh/sdk/webhooks');
    const peer = peerName('@polar-sh/sdk', 'webhooks.validateEvent');
    try {
      validateEvent(req.bodyStr, req.headers, req.secret);
      return bodyNote(req, verdict(peer, true));
    } catch (e) {
      if (e instanceof WebhookVerificationError) return verdict(peer, false, errMessage(e));
      if (e instanceof SyntaxError || (e && e.name === 'SDKValidationError')) {
        // Thrown only after standardwebhooks accepted the signature.
        return bodyNote(req, { ...verdict(peer, true), note: `signature accepted; SDK then rejected the event: ${errMessage(e)}` });
      }
      return verdict(peer, false, errMessage(e));
    }
  },
};

providers.clerk = {
  sign: (req) => standardSign(req, req.secret, 'svix', 'svix'),
  verify: async (req) => {
    const { verifyWebhook } = load('@clerk/backend/webhooks');
    const peer = peerName('@clerk/backend', 'webhooks.verifyWebhook');
    const request = new Request(req.url || 'https://example.com/', {
      method: req.method,
      headers: req.headers,
      body: ['GET', 'HEAD'].includes(req.method.toUpperCase()) ? undefined : req.body,
    });
    try {
      await verifyWebhook(request, { signingSecret: req.secret });
      return bodyNote(req, verdict(peer, true));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

providers.resend = {
  sign: (req) => standardSign(req, req.secret, 'svix', 'svix'),
  verify: (req) => {
    const { Resend } = load('resend');
    const peer = peerName('resend', 'Resend.webhooks.verify');
    const client = new Resend('re_interop_placeholder');
    try {
      client.webhooks.verify({
        payload: req.bodyStr,
        headers: {
          id: req.h('svix-id') ?? req.h('webhook-id'),
          timestamp: req.h('svix-timestamp') ?? req.h('webhook-timestamp'),
          signature: req.h('svix-signature') ?? req.h('webhook-signature'),
        },
        webhookSecret: req.secret,
      });
      return bodyNote(req, verdict(peer, true));
    } catch (e) {
      if (e instanceof SyntaxError) {
        return bodyNote(req, { ...verdict(peer, true), note: 'signature accepted; SDK then failed to JSON-parse the body' });
      }
      return verdict(peer, false, errMessage(e));
    }
  },
};

providers.replicate = {
  sign: (req) => standardSign(req, req.secret, 'standardwebhooks', 'webhook'),
  verify: async (req) => {
    const { validateWebhook } = load('replicate');
    const peer = peerName('replicate', 'validateWebhook');
    try {
      const ok = await validateWebhook({ headers: req.headers, body: req.bodyStr }, req.secret);
      return bodyNote(req, verdict(peer, ok));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- GitHub

providers.github = {
  sign: async (req) => {
    const { sign } = await loadEsm('@octokit/webhooks-methods');
    const sig = await sign(req.secret, req.bodyStr);
    return bodyNote(req, {
      headers: { 'x-hub-signature-256': sig, 'x-github-delivery': req.id },
      peer: peerName('@octokit/webhooks-methods', 'sign'),
    });
  },
  verify: async (req) => {
    const { verify } = await loadEsm('@octokit/webhooks-methods');
    const peer = peerName('@octokit/webhooks-methods', 'verify');
    try {
      const ok = await verify(req.secret, req.bodyStr, req.h('x-hub-signature-256'));
      return bodyNote(req, verdict(peer, ok));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- Stripe

providers.stripe = {
  sign: (req) => {
    const Stripe = load('stripe');
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: req.bodyStr,
      secret: req.secret,
      timestamp: req.timestamp,
    });
    return bodyNote(req, {
      headers: { 'stripe-signature': header },
      peer: peerName('stripe', 'webhooks.generateTestHeaderString'),
    });
  },
  verify: (req) => {
    const Stripe = load('stripe');
    const peer = peerName('stripe', 'webhooks.constructEvent');
    try {
      Stripe.webhooks.constructEvent(req.body, req.h('stripe-signature'), req.secret);
      return verdict(peer, true);
    } catch (e) {
      if (e instanceof SyntaxError) {
        // constructEvent JSON-parses only after verifyHeader accepted the signature.
        return { ...verdict(peer, true), note: 'signature accepted; SDK then failed to JSON-parse the body' };
      }
      return verdict(peer, false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- Slack

providers.slack = {
  verify: (req) => {
    const { verifySlackRequest } = load('@slack/bolt');
    const peer = peerName('@slack/bolt', 'verifySlackRequest');
    try {
      verifySlackRequest({
        signingSecret: req.secret,
        body: req.bodyStr,
        headers: {
          'x-slack-signature': req.h('x-slack-signature') ?? '',
          // Bolt's HTTP receivers pass Number(header).
          'x-slack-request-timestamp': Number(req.h('x-slack-request-timestamp')),
        },
      });
      return bodyNote(req, verdict(peer, true));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- Shopify

// Newest stable Admin API version known to the installed SDK.
function shopifyApiVersion() {
  const { ApiVersion } = load('@shopify/shopify-api');
  return Object.values(ApiVersion).filter((v) => /^\d{4}-\d{2}$/.test(v)).sort().pop();
}

const shopifyClients = new Map();
function shopifyClient(secret) {
  if (!shopifyClients.has(secret)) {
    load('@shopify/shopify-api/adapters/node');
    const { shopifyApi, LogSeverity } = load('@shopify/shopify-api');
    shopifyClients.set(secret, shopifyApi({
      apiKey: 'interop-api-key',
      apiSecretKey: secret,
      hostName: 'example.com',
      apiVersion: shopifyApiVersion(),
      isEmbeddedApp: false,
      logger: { log: () => {}, level: LogSeverity.Error },
    }));
  }
  return shopifyClients.get(secret);
}
providers.shopify = {
  sign: (req) => {
    const { getHmac } = load('@shopify/shopify-api/test-helpers');
    return bodyNote(req, {
      headers: {
        'x-shopify-hmac-sha256': getHmac(req.bodyStr, req.secret),
        // webhooks.validate() also requires these delivery headers.
        'x-shopify-topic': req.h('x-shopify-topic') ?? 'orders/create',
        'x-shopify-shop-domain': req.h('x-shopify-shop-domain') ?? 'example.myshopify.com',
        'x-shopify-api-version': req.h('x-shopify-api-version') ?? shopifyApiVersion(),
        'x-shopify-webhook-id': req.h('x-shopify-webhook-id') ?? req.id,
      },
      peer: peerName('@shopify/shopify-api', 'test-helpers getHmac'),
    });
  },
  verify: async (req) => {
    const shopify = shopifyClient(req.secret);
    const peer = peerName('@shopify/shopify-api', 'webhooks.validate');
    let u;
    try { u = new URL(req.url || 'https://example.com/'); } catch { u = new URL('https://example.com/'); }
    const result = await shopify.webhooks.validate({
      rawBody: req.bodyStr,
      rawRequest: { headers: req.headers, method: req.method, url: u.pathname + u.search },
      rawResponse: {},
    });
    if (result.valid) return bodyNote(req, verdict(peer, true));
    const why = result.missingHeaders ? `${result.reason}: ${result.missingHeaders.join(', ')}` : result.reason;
    return verdict(peer, false, why);
  },
};

// ---------------------------------------------------------------- Twilio

function twilioIsForm(req) {
  return req.contentType().includes('application/x-www-form-urlencoded');
}
function twilioParams(req) {
  // Same parser as Express's urlencoded({extended: false}); repeated keys become arrays.
  return { ...querystring.parse(req.bodyStr) };
}
providers.twilio = {
  sign: (req) => {
    const twilio = load('twilio');
    const settings = req.h('x-twilio-webhooks-signature-settings');
    const algorithm = twilio.getSignatureAlgorithm(settings);
    const headers = {};
    const out = { headers, peer: '' };
    if (twilioIsForm(req)) {
      headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(req.secret, req.url, twilioParams(req), algorithm);
      out.peer = peerName('twilio', 'getExpectedTwilioSignature');
    } else {
      let url = req.url;
      if (!url.includes('bodySHA256=')) {
        const hash = twilio.getExpectedBodyHash(req.bodyStr);
        const [beforeHash, fragment] = url.split('#', 2);
        url = `${beforeHash}${beforeHash.includes('?') ? '&' : '?'}bodySHA256=${hash}${fragment !== undefined ? `#${fragment}` : ''}`;
        out.url = url;
      }
      headers['x-twilio-signature'] = twilio.getExpectedTwilioSignature(req.secret, url, null, algorithm);
      out.peer = peerName('twilio', 'getExpectedBodyHash + getExpectedTwilioSignature');
    }
    if (settings) headers['x-twilio-webhooks-signature-settings'] = settings;
    return bodyNote(req, out);
  },
  verify: (req) => {
    const twilio = load('twilio');
    const algorithm = twilio.getSignatureAlgorithm(req.h('x-twilio-webhooks-signature-settings'));
    const sig = req.h('x-twilio-signature');
    try {
      if (twilioIsForm(req)) {
        const ok = twilio.validateRequest(req.secret, sig, req.url, twilioParams(req), algorithm);
        return bodyNote(req, verdict(peerName('twilio', 'validateRequest'), ok));
      }
      const ok = twilio.validateRequestWithBody(req.secret, sig, req.url, req.bodyStr, algorithm);
      return bodyNote(req, verdict(peerName('twilio', 'validateRequestWithBody'), ok));
    } catch (e) {
      return verdict(peerName('twilio', 'validateRequest'), false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- HubSpot

providers.hubspot = {
  sign: (req) => {
    const { Signature } = load('@hubspot/api-client/lib/src/utils/signature');
    const ms = req.timestamp * 1000;
    const sig = Signature.getSignature(req.method, 'v3', {
      clientSecret: req.secret,
      requestBody: req.bodyStr,
      url: req.url,
      timestamp: ms,
    });
    return bodyNote(req, {
      headers: { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': String(ms) },
      peer: peerName('@hubspot/api-client', 'Signature.getSignature (v3)'),
    });
  },
  verify: (req) => {
    const { Signature } = load('@hubspot/api-client/lib/src/utils/signature');
    const peer = peerName('@hubspot/api-client', 'Signature.isValid');
    let signatureVersion = 'v3';
    let signature = req.h('x-hubspot-signature-v3');
    if (signature === undefined && req.h('x-hubspot-signature') !== undefined) {
      signature = req.h('x-hubspot-signature');
      signatureVersion = (req.h('x-hubspot-signature-version') || 'v1').toLowerCase();
    }
    const tsHeader = req.h('x-hubspot-request-timestamp');
    try {
      const ok = Signature.isValid({
        signature,
        clientSecret: req.secret,
        requestBody: req.bodyStr,
        signatureVersion,
        url: req.url,
        method: req.method,
        timestamp: tsHeader === undefined ? undefined : Number(tsHeader),
      });
      return bodyNote(req, verdict(`${peer} (${signatureVersion})`, ok));
    } catch (e) {
      return verdict(`${peer} (${signatureVersion})`, false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- asymmetric

providers.discord = {
  verify: async (req) => {
    const { verifyKey } = load('discord-interactions');
    const peer = peerName('discord-interactions', 'verifyKey');
    const ok = await verifyKey(req.body, req.h('x-signature-ed25519'), req.h('x-signature-timestamp'), req.secret);
    return verdict(peer, ok);
  },
};

providers.sendgrid = {
  verify: (req) => {
    const { EventWebhook } = load('@sendgrid/eventwebhook');
    const peer = peerName('@sendgrid/eventwebhook', 'EventWebhook.verifySignature');
    try {
      const ew = new EventWebhook();
      const key = ew.convertPublicKeyToECDSA(req.secret);
      const ok = ew.verifySignature(
        key,
        req.body,
        req.h('x-twilio-email-event-webhook-signature'),
        req.h('x-twilio-email-event-webhook-timestamp'),
      );
      return bodyNote(req, verdict(peer, ok));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

providers.telnyx = {
  verify: async (req) => {
    const Telnyx = load('telnyx');
    const TelnyxClient = Telnyx.default || Telnyx.Telnyx || Telnyx;
    const peer = peerName('telnyx', 'client.webhooks.unwrap');
    try {
      const client = new TelnyxClient({ apiKey: 'KEY_interop_placeholder', publicKey: req.secret });
      await client.webhooks.unwrap(req.bodyStr, { headers: req.headers, key: req.secret });
      return bodyNote(req, verdict(peer, true));
    } catch (e) {
      if (e instanceof SyntaxError) {
        return bodyNote(req, { ...verdict(peer, true), note: 'signature accepted; SDK then failed to JSON-parse the body' });
      }
      return verdict(peer, false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- verify-only HMAC SDKs

providers.paddle = {
  verify: async (req) => {
    const { Paddle } = load('@paddle/paddle-node-sdk');
    const peer = peerName('@paddle/paddle-node-sdk', 'Paddle.webhooks.isSignatureValid');
    try {
      const paddle = new Paddle('pdl_sdbx_apikey_interopplaceholder');
      const ok = await paddle.webhooks.isSignatureValid(req.bodyStr, req.secret, req.h('paddle-signature') ?? '');
      return bodyNote(req, verdict(peer, ok, 'signature rejected (or ts older than 5 s)'));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

providers.linear = {
  verify: async (req) => {
    const { LinearWebhookClient } = await loadEsm('@linear/sdk/webhooks');
    const peer = peerName('@linear/sdk', 'LinearWebhookClient.verify');
    try {
      new LinearWebhookClient(req.secret).verify(req.body, req.h('linear-signature') ?? '', req.h('linear-timestamp'));
      return verdict(peer, true);
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

providers.square = {
  verify: async (req) => {
    const { WebhooksHelper } = load('square');
    const peer = peerName('square', 'WebhooksHelper.verifySignature');
    try {
      const ok = await WebhooksHelper.verifySignature({
        requestBody: req.bodyStr,
        signatureHeader: req.h('x-square-hmacsha256-signature') ?? '',
        signatureKey: req.secret,
        notificationUrl: req.url,
      });
      return bodyNote(req, verdict(peer, ok));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

providers.mux = {
  verify: async (req) => {
    const Mux = load('@mux/mux-node');
    const MuxClient = Mux.default || Mux.Mux || Mux;
    const peer = peerName('@mux/mux-node', 'mux.webhooks.verifySignature');
    try {
      const mux = new MuxClient({ tokenId: 'interop', tokenSecret: 'interop', webhookSecret: req.secret });
      await mux.webhooks.verifySignature(req.bodyStr, req.headers, req.secret);
      return bodyNote(req, verdict(peer, true));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

providers.razorpay = {
  verify: (req) => {
    const Razorpay = load('razorpay');
    const peer = peerName('razorpay', 'Razorpay.validateWebhookSignature');
    try {
      const ok = Razorpay.validateWebhookSignature(req.bodyStr, req.h('x-razorpay-signature'), req.secret);
      return bodyNote(req, verdict(peer, ok));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

providers.line = {
  verify: (req) => {
    const { validateSignature } = load('@line/bot-sdk');
    const peer = peerName('@line/bot-sdk', 'validateSignature');
    try {
      const ok = validateSignature(req.body, req.secret, req.h('x-line-signature') ?? '');
      return verdict(peer, ok);
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

providers.webflow = {
  verify: async (req) => {
    const { WebflowClient } = load('webflow-api');
    const peer = peerName('webflow-api', 'client.webhooks.verifySignature');
    try {
      const client = new WebflowClient({ accessToken: 'interop-placeholder' });
      const ok = await client.webhooks.verifySignature({ headers: req.headers, body: req.bodyStr, secret: req.secret });
      return bodyNote(req, verdict(peer, ok));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

providers.coinbase_commerce = {
  sign: (req) => {
    const Webhook = load('coinbase-commerce-node/lib/Webhook');
    return bodyNote(req, {
      headers: { 'x-cc-webhook-signature': Webhook.computeSignature(req.bodyStr, req.secret) },
      peer: peerName('coinbase-commerce-node', 'Webhook.computeSignature'),
    });
  },
  verify: (req) => {
    const Webhook = load('coinbase-commerce-node/lib/Webhook');
    const peer = peerName('coinbase-commerce-node', 'Webhook.verifySigHeader');
    try {
      Webhook.verifySigHeader(req.bodyStr, req.h('x-cc-webhook-signature'), req.secret);
      return bodyNote(req, verdict(peer, true));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- WorkOS

providers.workos = {
  sign: async (req) => {
    const { WorkOS } = load('@workos-inc/node');
    const workos = new WorkOS('sk_test_interop_placeholder');
    const payload = JSON.parse(req.bodyStr);
    const ms = req.timestamp * 1000;
    const sig = await workos.webhooks.computeSignature(ms, payload, req.secret);
    const out = {
      headers: { 'workos-signature': `t=${ms}, v1=${sig}` },
      peer: peerName('@workos-inc/node', 'webhooks.computeSignature'),
    };
    const signed = JSON.stringify(payload);
    if (signed !== req.bodyStr) {
      out.body_b64 = Buffer.from(signed, 'utf8').toString('base64');
      out.note = 'the SDK signs JSON.stringify(JSON.parse(body)); body_b64 is that re-serialisation';
    }
    return out;
  },
  verify: async (req) => {
    const { WorkOS } = load('@workos-inc/node');
    const peer = peerName('@workos-inc/node', 'webhooks.constructEvent');
    let payload;
    try {
      payload = JSON.parse(req.bodyStr);
    } catch (e) {
      return verdict(peer, false, `body is not JSON; the SDK takes the parsed payload: ${errMessage(e)}`);
    }
    const workos = new WorkOS('sk_test_interop_placeholder');
    try {
      await workos.webhooks.constructEvent({ payload, sigHeader: req.h('workos-signature') ?? '', secret: req.secret });
      const r = verdict(peer, true);
      if (JSON.stringify(payload) !== req.bodyStr) {
        r.note = 'accepted over JSON.stringify(JSON.parse(body)), which differs from the raw body';
      }
      return r;
    } catch (e) {
      if (e && e.name === 'SignatureVerificationException') return verdict(peer, false, errMessage(e));
      // constructEvent deserialises the event only after verifyHeader returned.
      return { ...verdict(peer, true), note: `signature accepted; SDK then failed to deserialise the event: ${errMessage(e)}` };
    }
  },
};

// ---------------------------------------------------------------- Box

function boxIsoTimestamp(unix) {
  return new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
providers.box = {
  sign: async (req) => {
    const { computeWebhookSignature } = load('box-node-sdk/lib/internal/utils');
    const headers = {
      'box-delivery-id': req.id,
      'box-delivery-timestamp': req.h('box-delivery-timestamp') ?? boxIsoTimestamp(req.timestamp),
      'box-signature-algorithm': 'HmacSHA256',
      'box-signature-version': '1',
    };
    headers['box-signature-primary'] = await computeWebhookSignature(req.bodyStr, headers, req.secret, false);
    return bodyNote(req, {
      headers,
      peer: peerName('box-node-sdk', 'internal/utils computeWebhookSignature'),
    });
  },
  verify: async (req) => {
    const { WebhooksManager } = load('box-node-sdk/lib/managers/webhooks');
    const peer = peerName('box-node-sdk', 'WebhooksManager.validateMessage');
    try {
      const ok = await WebhooksManager.validateMessage(req.bodyStr, req.headers, req.secret);
      return bodyNote(req, verdict(peer, ok, 'signature rejected (or delivery timestamp older than 600 s or in the future)'));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- Sanity

providers.sanity = {
  sign: async (req) => {
    const { encodeSignatureHeader } = load('@sanity/webhook');
    const header = await encodeSignatureHeader(req.bodyStr, req.timestamp * 1000, req.secret);
    return bodyNote(req, {
      headers: { 'sanity-webhook-signature': header, 'idempotency-key': req.id },
      peer: peerName('@sanity/webhook', 'encodeSignatureHeader'),
    });
  },
  verify: async (req) => {
    const { isValidSignature } = load('@sanity/webhook');
    const peer = peerName('@sanity/webhook', 'isValidSignature');
    try {
      const ok = await isValidSignature(req.bodyStr, req.h('sanity-webhook-signature') ?? '', req.secret);
      return bodyNote(req, verdict(peer, ok));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- Contentful

const CONTENTFUL_OWN = new Set(['x-contentful-signature', 'x-contentful-signed-headers', 'x-contentful-timestamp']);
function contentfulPath(req) {
  const u = new URL(req.url || 'https://example.com/');
  return u.pathname + u.search;
}
providers.contentful = {
  sign: (req) => {
    const { signRequest } = load('@contentful/node-apps-toolkit');
    // Every request header given on input is signed, as the SDK does with the
    // headers it is handed.
    const toSign = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (!CONTENTFUL_OWN.has(k)) toSign[k] = v;
    }
    const signed = signRequest(req.secret, {
      method: req.method.toUpperCase(),
      path: contentfulPath(req),
      headers: toSign,
      body: req.bodyStr,
    }, req.timestamp * 1000);
    return bodyNote(req, { headers: { ...signed }, peer: peerName('@contentful/node-apps-toolkit', 'signRequest') });
  },
  verify: (req) => {
    const { verifyRequest } = load('@contentful/node-apps-toolkit');
    const peer = peerName('@contentful/node-apps-toolkit', 'verifyRequest');
    try {
      const ok = verifyRequest(req.secret, {
        method: req.method.toUpperCase(),
        path: contentfulPath(req),
        headers: req.headers,
        body: req.bodyStr,
      });
      return bodyNote(req, verdict(peer, ok));
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- Adyen

function adyenValidator() {
  const mod = load('@adyen/api-library');
  const HmacValidator = mod.hmacValidator || load('@adyen/api-library/lib/src/utils/hmacValidator').default;
  return new HmacValidator();
}
function adyenItems(parsed) {
  if (!parsed || !Array.isArray(parsed.notificationItems) || parsed.notificationItems.length === 0) {
    throw new Error('body has no notificationItems');
  }
  return parsed.notificationItems.map((wrapper, i) => {
    if (!wrapper || typeof wrapper.NotificationRequestItem !== 'object' || wrapper.NotificationRequestItem === null) {
      throw new Error(`notificationItems[${i}] has no NotificationRequestItem`);
    }
    return wrapper.NotificationRequestItem;
  });
}
providers.adyen = {
  sign: (req) => {
    const validator = adyenValidator();
    const parsed = JSON.parse(req.bodyStr);
    for (const item of adyenItems(parsed)) {
      item.additionalData = item.additionalData || {};
      delete item.additionalData.hmacSignature;
      item.additionalData.hmacSignature = validator.calculateHmac(item, req.secret);
    }
    return {
      headers: {},
      body_b64: Buffer.from(JSON.stringify(parsed), 'utf8').toString('base64'),
      peer: peerName('@adyen/api-library', 'HmacValidator.calculateHmac'),
    };
  },
  verify: (req) => {
    const validator = adyenValidator();
    const peer = peerName('@adyen/api-library', 'HmacValidator.validateHMAC');
    try {
      const items = adyenItems(JSON.parse(req.bodyStr));
      for (const [i, item] of items.entries()) {
        if (!validator.validateHMAC(item, req.secret)) return verdict(peer, false, `notificationItems[${i}]: HMAC mismatch`);
      }
      return verdict(peer, true);
    } catch (e) {
      return verdict(peer, false, errMessage(e));
    }
  },
};

// ---------------------------------------------------------------- Braintree

function braintreeGateway(secret) {
  const braintree = load('braintree');
  const sep = secret.indexOf(':');
  if (sep < 0) throw new Error('braintree secret must be "public_key:private_key"');
  return new braintree.BraintreeGateway({
    environment: braintree.Environment.Sandbox,
    merchantId: 'interop_merchant',
    publicKey: secret.slice(0, sep),
    privateKey: secret.slice(sep + 1),
  });
}
providers.braintree = {
  sign: (req) => {
    const gateway = braintreeGateway(req.secret);
    const kind = (load('braintree').WebhookNotification.Kind || {}).Check || 'check';
    const sample = gateway.webhookTesting.sampleNotification(kind, req.id);
    const form = new URLSearchParams({ bt_signature: sample.bt_signature, bt_payload: sample.bt_payload }).toString();
    return {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body_b64: Buffer.from(form, 'utf8').toString('base64'),
      peer: peerName('braintree', 'webhookTesting.sampleNotification'),
      note: 'the SDK generates its own sample payload (kind "check", id = input id); the input body is not used',
    };
  },
  verify: async (req) => {
    const gateway = braintreeGateway(req.secret);
    const peer = peerName('braintree', 'webhookNotification.parse');
    const form = querystring.parse(req.bodyStr);
    const first = (v) => (Array.isArray(v) ? v[0] : v);
    try {
      await gateway.webhookNotification.parse(first(form.bt_signature), first(form.bt_payload));
      return verdict(peer, true);
    } catch (e) {
      return verdict(peer, false, `${e && e.name ? `${e.name}: ` : ''}${errMessage(e)}`);
    }
  },
};

// ---------------------------------------------------------------- Vonage

providers.vonage = {
  verify: (req) => {
    const { verifySignature } = load('@vonage/jwt');
    // jsonwebtoken as resolved from @vonage/jwt itself (its own dependency).
    const jwt = load(require.resolve('jsonwebtoken', { paths: [path.dirname(require.resolve('@vonage/jwt'))] }));
    const peer = `${peerName('@vonage/jwt', 'verifySignature')} + payload_hash check`;
    const auth = req.h('authorization') || '';
    const token = auth.replace(/^Bearer\s+/i, '');
    const sdkOk = verifySignature(token, req.secret);
    if (!sdkOk) return { ...verdict(peer, false, 'JWT signature rejected by verifySignature'), sdk_ok: false };
    // verifySignature checks only the JWT. Vonage's documentation has the
    // receiver compare the payload_hash claim with SHA-256 of the raw body.
    const claims = jwt.decode(token) || {};
    const hash = crypto.createHash('sha256').update(req.body).digest('hex');
    if (typeof claims.payload_hash !== 'string' || claims.payload_hash.toLowerCase() !== hash) {
      return { ...verdict(peer, false, 'payload_hash claim does not match SHA-256 of the body'), sdk_ok: true };
    }
    return { ...verdict(peer, true), sdk_ok: true };
  },
};

// ---------------------------------------------------------------- dispatch

async function handle(line) {
  let parsed;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    return { error: `bad JSON: ${errMessage(e)}` };
  }
  let req;
  try {
    req = new Req(parsed);
  } catch (e) {
    return { error: errMessage(e) };
  }
  if (req.op !== 'sign' && req.op !== 'verify') return { error: `unknown op: ${JSON.stringify(req.op)}` };
  const impl = Object.prototype.hasOwnProperty.call(providers, req.provider) ? providers[req.provider] : undefined;
  if (!impl || typeof impl[req.op] !== 'function') return { unsupported: true };
  try {
    return await impl[req.op](req);
  } catch (e) {
    if (e instanceof Unsupported) return { unsupported: true };
    return { error: `${req.op} ${req.provider}: ${errMessage(e)}` };
  }
}

async function main() {
  if (process.argv.includes('--list')) {
    const rows = Object.keys(providers).sort().map((p) => ({
      provider: p, sign: typeof providers[p].sign === 'function', verify: typeof providers[p].verify === 'function',
    }));
    process.stdout.write(JSON.stringify(rows) + '\n');
    return;
  }
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  for await (const line of rl) {
    if (line.trim() === '') {
      process.stdout.write(JSON.stringify({ error: 'empty line' }) + '\n');
      continue;
    }
    let result;
    try {
      result = await handle(line);
    } catch (e) {
      result = { error: errMessage(e) };
    }
    process.stdout.write(JSON.stringify(result) + '\n');
  }
}

process.on('unhandledRejection', (e) => {
  process.stderr.write(`unhandled rejection: ${errMessage(e)}\n`);
});

main().catch((e) => {
  process.stderr.write(`peer.js: ${errMessage(e)}\n`);
  process.exit(1);
});
