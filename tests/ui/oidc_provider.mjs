#!/usr/bin/env node
// A real OpenID Connect provider for the single sign-on test: the certified `oidc-provider`
// package (web/node_modules), on a loopback port, with one confidential client and the
// accounts given. Its development login form accepts any password for a known login.
//
//   OIDC_TEST_CONFIG='{"port": 0, "client": {...}, "accounts": {"kim": {...claims}}}' node tests/ui/oidc_provider.mjs
//
// Prints one JSON line {"issuer": ...} once it listens, then serves until it is terminated.
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(ROOT, 'web', 'package.json'));
const { default: Provider } = await import(require.resolve('oidc-provider'));

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const issuer = `http://127.0.0.1:${config.port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client.client_id,
    client_secret: config.client.client_secret,
    redirect_uris: [config.client.redirect_uri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] },
  pkce: { required: () => true },
  cookies: { keys: ['signin-test-only-cookie-key'] },
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.on('server_error', (ctx, error) => console.error('provider error:', error));
const server = http.createServer(provider.callback());
server.listen(config.port, '127.0.0.1', () => console.log(JSON.stringify({ issuer })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
