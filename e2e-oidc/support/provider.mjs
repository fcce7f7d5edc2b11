// The OpenID Provider of the single sign-on suite (issue 15), started by playwright.oidc.config.ts
// as a webServer: oidc-provider (a certified OP implementation) on 127.0.0.1, nothing from the
// network. Everything comes from the environment the config sets (e2e-oidc/support/settings.ts):
//   E2E_OIDC_PORT, E2E_OIDC_ISSUER, E2E_OIDC_CLIENT_ID, E2E_OIDC_CLIENT_SECRET, E2E_OIDC_REDIRECT_URI,
//   E2E_OIDC_ACCOUNTS (JSON: [{ login, email, email_verified, name }]).
//
// - Its own RSA signing key, generated at start (never written anywhere).
// - One confidential client for Flightdeck (client_secret_basic), code flow only, PKCE required.
// - The provider's own (development) login and consent pages: any password, the login is the account.
// - ID tokens follow OpenID Connect Core 5.4 (oidc-provider's default conformIdTokenClaims): with
//   the code flow, email/email_verified come from the UserInfo endpoint, not the ID token.
//
// Foreign ID tokens (another issuer, another audience): a test first posts to
// /__e2e/next-id-token {"iss": "...", "aud": "..."}; the next answer of the token endpoint then
// carries the real ID token re-signed with the SAME key (same kid, RS256) after replacing iss or
// aud. It is what a second provider sharing this key, or one of our clients' other tokens, would
// send: the signature Flightdeck checks against this provider's JWKS stays valid, so only
// Flightdeck's iss/aud checks can refuse it. We re-sign rather than run a second instance with a
// shared key because the result is the same token byte for byte except the one claim under test.
import { createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import Provider from "oidc-provider";

const required = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`oidc-provider: ${name} is not set (playwright.oidc.config.ts sets it)`);
    process.exit(2);
  }
  return v;
};

const port = Number(required("E2E_OIDC_PORT"));
const issuer = required("E2E_OIDC_ISSUER");
const clientId = required("E2E_OIDC_CLIENT_ID");
const clientSecret = required("E2E_OIDC_CLIENT_SECRET");
const redirectUri = required("E2E_OIDC_REDIRECT_URI");
/** @type {{ login: string, email: string, email_verified: boolean, name: string }[]} */
const accounts = JSON.parse(required("E2E_OIDC_ACCOUNTS"));
const byLogin = new Map(accounts.map((a) => [a.login, a]));

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const kid = `e2e-${randomBytes(6).toString("hex")}`;
const jwk = { ...privateKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString("hex")] },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  // Required for every client, the confidential one included: a flow without it fails here.
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const a = byLogin.get(id);
    if (!a) return undefined;
    return { accountId: id, claims: () => ({ sub: id, email: a.email, email_verified: a.email_verified, name: a.name }) };
  },
});

// Why the token endpoint last refused a code (PKCE, unknown code, ...): GET /__e2e/last-grant-error.
let lastGrantError = "";
provider.on("grant.error", (_ctx, err) => {
  lastGrantError = [...new Set([err.error, err.error_detail, err.cause?.message].filter(Boolean))].join(": ");
  console.error(`oidc-provider: token endpoint refused a grant (${lastGrantError})`);
});
provider.on("server_error", (_ctx, err) => console.error("oidc-provider: server_error", err));

/** @type {{ iss?: string, aud?: string } | null} */
let nextIdToken = null;
// POST /__e2e/hold-next-callback: the next redirect to Flightdeck's callback is not sent; a page
// shows its URL instead, so a test can send it itself, altered or not. (Playwright cannot stop
// it in the browser: its request interception does not see the targets of redirects.)
let holdNextCallback = false;

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString("base64url");
function resign(idToken, changes) {
  const [h, p] = idToken.split(".");
  const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
  const payload = { ...JSON.parse(Buffer.from(p, "base64url").toString("utf8")), ...changes };
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = createSign("RSA-SHA256").update(input).sign(privateKey).toString("base64url");
  return `${input}.${signature}`;
}

provider.use(async (ctx, next) => {
  await next();
  if (holdNextCallback && (ctx.status === 302 || ctx.status === 303) && ctx.response.get("location").startsWith(`${redirectUri}?`)) {
    holdNextCallback = false;
    const location = ctx.response.get("location");
    ctx.remove("location");
    ctx.status = 200;
    ctx.type = "text/html";
    ctx.body = `<!doctype html><title>held</title><p>callback held by the test</p><pre id="held-callback">${location.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</pre>`;
    return;
  }
  if (ctx.path !== "/token" || ctx.method !== "POST" || ctx.status !== 200 || !nextIdToken) return;
  const body = /** @type {{ id_token?: string }} */ (ctx.body);
  if (typeof body?.id_token !== "string") return;
  const changes = nextIdToken;
  nextIdToken = null;
  ctx.body = { ...body, id_token: resign(body.id_token, changes) };
  console.error(`oidc-provider: token endpoint answered a foreign ID token (${JSON.stringify(changes)})`);
});

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url === "/__e2e/next-id-token" && req.method === "POST") {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      try {
        const { iss, aud } = JSON.parse(raw || "{}");
        nextIdToken = { ...(typeof iss === "string" ? { iss } : {}), ...(typeof aud === "string" ? { aud } : {}) };
        res.writeHead(204).end();
      } catch {
        res.writeHead(400).end("bad JSON");
      }
    });
    return;
  }
  if (req.url === "/__e2e/hold-next-callback" && req.method === "POST") {
    holdNextCallback = true;
    res.writeHead(204).end();
    return;
  }
  if (req.url === "/__e2e/last-grant-error" && req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ error: lastGrantError }));
    return;
  }
  if (req.url === "/__e2e/accounts" && req.method === "GET") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([...byLogin.keys()]));
    return;
  }
  callback(req, res);
});
server.listen(port, "127.0.0.1", () => console.error(`oidc-provider: ${issuer} (client ${clientId}, ${accounts.length} accounts)`));
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => server.close(() => process.exit(0)));
