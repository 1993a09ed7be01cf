// A REAL OpenID provider for spectro-wizard's tests, on loopback only.
//
// What it is: the npm package `oidc-provider` (9.x, the certified OpenID Connect server by panva),
// configured to look like SpectroCloud Palette's OIDC endpoints, so that `spectro-wizard verify`'s
// OIDC checks (wizard/remote/oidc.py) are tested against a real server instead of a hand-written
// double that would only agree with our own assumptions.
//
//   - The issuer has SpectroCloud's path shape: http://127.0.0.1:<port>/v1/oidc/tenant/<tenant>, so
//     the authorization endpoint is <issuer>/auth and the token endpoint <issuer>/token, exactly what
//     the Backstage module derives with `authorizationUrl.replace('/auth', '/token')`.
//   - Development login pages (devInteractions) accept any user name and any password; ID tokens
//     carry `email` and `groups` (conformIdTokenClaims: false), as SpectroCloud's do.
//   - PKCE is not required: the Backstage module does not send a code_challenge.
//   - Clients default to client_secret_post: the module sends client_id/client_secret in the body.
//
// Usage:  node provider.js '<JSON config>'        (all keys optional)
//   {
//     "tenant": "test-tenant",
//     "client_id": "...", "client_secret": "...", "redirect_uris": ["..."],  // one client, or:
//     "clients": [{"client_id", "client_secret", "redirect_uris", "token_endpoint_auth_method"}],
//     "alias_tenants": ["other"],   // extra path prefixes served by the SAME provider: their
//                                   // discovery documents name the main issuer (an issuer mismatch)
//     "groups": ["developers"]      // the `groups` claim of every account
//   }
//
// Readiness: once listening on an ephemeral port it prints exactly ONE line of JSON on stdout,
//   {"issuer": "...", "port": N}
// and nothing else ever goes to stdout (oidc-provider's notices are sent to stderr), so a test
// fixture can block on that line instead of sleeping. It exits on SIGTERM/SIGINT or when its stdin
// is closed (so an interrupted test run does not leave it behind).
//
// Install: `npm ci` in this directory (package-lock.json pins every version).

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

// stdout is reserved for the ready line; oidc-provider prints NOTICEs with console.info/log.
console.log = console.error;
console.info = console.error;

const config = JSON.parse(process.argv[2] || '{}');
const tenant = config.tenant || 'test-tenant';
const groups = config.groups || ['developers', 'platform-team'];
const clients = (config.clients || [{
  client_id: config.client_id || 'test-client',
  client_secret: config.client_secret || 'test-secret',
  redirect_uris: config.redirect_uris || ['http://localhost:7007/api/auth/spectrocloud/handler/frame'],
}]).map((c) => ({
  token_endpoint_auth_method: 'client_secret_post',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  ...c,
}));

const prefixOf = (name) => `/v1/oidc/tenant/${encodeURIComponent(name)}`;
const mainPrefix = prefixOf(tenant);
const prefixes = [mainPrefix, ...(config.alias_tenants || []).map(prefixOf)];

// An RS256 signing key made here, rather than oidc-provider's development key, so that every run
// has its own key (a tampered or foreign token can never verify by accident).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'RS256' };

// Any login name is an account; `alice` becomes alice@example.com.
async function findAccount(ctx, sub) {
  return {
    accountId: sub,
    async claims() {
      return {
        sub,
        email: sub.includes('@') ? sub : `${sub}@example.com`,
        email_verified: true,
        name: sub,
        groups,
      };
    },
  };
}

// The route table is filled in once the port is known (the issuer contains the port).
let handle = null;

const server = createServer((req, res) => {
  const prefix = prefixes.find((p) => req.url === p || req.url.startsWith(`${p}/`) || req.url.startsWith(`${p}?`));
  if (!handle || !prefix) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'NotFound', message: `no tenant at ${req.url.split('?')[0]}` }));
    return;
  }
  // Mount the provider under the prefix the way express does: oidc-provider reads the mount path
  // from req.originalUrl vs the URL it routes on, and builds every endpoint URL with it.
  req.originalUrl = req.url;
  req.baseUrl = prefix;
  req.url = req.url.slice(prefix.length) || '/';
  handle(req, res);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}${mainPrefix}`;
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey] },
    findAccount,
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'groups'],
      groups: ['groups'],
    },
    scopes: ['openid', 'profile', 'email', 'groups'],
    responseTypes: ['code'],
    pkce: { required: () => false },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: [randomBytes(32).toString('hex')] },
  });
  handle = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});

// Exit at once: open keep-alive connections must not keep a finished test run waiting.
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
