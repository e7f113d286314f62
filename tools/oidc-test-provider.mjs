// A real OpenID provider (the certified `oidc-provider` package) for the sign-in tests, on a
// free loopback port. Usage: node tools/oidc-test-provider.mjs CONFIG.json
//
// CONFIG.json: {"clients": [oidc-provider client metadata...], "accounts": "ACCOUNTS.json"}
// ACCOUNTS.json is read again at every login and token, so a test can remove a person "at the
// provider" by rewriting it: {"<login>": {"password", "sub", "email", "name", "tid",
// "groups": [...], "tamper": null | "audience" | "expired"}}.
// "tamper" makes the provider misbehave for that person only, the way a token meant for
// another application ("audience") or an old one ("expired") would look: the ID token is
// signed again with the provider's own key, so only that claim is wrong.
// Prints "ISSUER <url>" once it listens.
import fs from 'node:fs';
import http from 'node:http';

import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const accounts = () => JSON.parse(fs.readFileSync(config.accounts, 'utf8'));
const bySub = (sub) => Object.values(accounts()).find((account) => account.sub === sub);

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const server = http.createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [jwk] },
  cookies: { keys: ['oidc-test-provider-cookie-key'] },
  // Entra ID puts the tenant and the groups in the ID token itself.
  claims: {
    openid: ['sub', 'tid', 'groups'], email: ['email', 'email_verified'], profile: ['name'],
  },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const account = bySub(id);
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, email: account.email, email_verified: true, name: account.name,
          tid: account.tid, groups: account.groups,
        };
      },
    };
  },
  // First-party application: no consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Municipal sign-in</title></head>
<body><h1>Municipal sign-in</h1>${error ? `<p id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label>User name <input name="login" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (match) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name !== 'login') {
      const grant = new provider.Grant({ clientId: details.params.client_id, accountId: details.session.accountId });
      grant.addOIDCScope('openid email profile');
      const grantId = await grant.save();
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true }));
      return;
    }
    ctx.type = 'html';
    if (ctx.method === 'POST') {
      const form = await readForm(ctx.req);
      const account = accounts()[form.login];
      if (!account || account.password !== form.password) {
        ctx.status = 401;
        ctx.body = loginPage(details.uid, 'Unknown user name or wrong password.');
        return;
      }
      ctx.redirect(await provider.interactionResult(
        ctx.req, ctx.res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false },
      ));
      return;
    }
    ctx.body = loginPage(details.uid, '');
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.body && typeof ctx.body.id_token === 'string') {
    const payload = decodeJwt(ctx.body.id_token);
    const tamper = bySub(payload.sub)?.tamper;
    if (tamper === 'audience') payload.aud = 'another-application';
    if (tamper === 'expired') {
      payload.iat -= 7200;
      payload.exp = payload.iat + 600;
    }
    if (tamper) {
      const idToken = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).sign(privateKey);
      ctx.body = { ...ctx.body, id_token: idToken };
    }
  }
});

server.on('request', provider.callback());
process.stdout.write(`ISSUER ${issuer}\n`);
process.on('SIGTERM', () => { server.close(); process.exit(0); });
