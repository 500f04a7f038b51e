// Probes for the metadata test: for each list-valued RFC 8414 member, the candidate values and a request
// that shows whether the running server really does it. An authentication method "works" when the right
// credentials are accepted AND wrong ones are refused with invalid_client (ignoring credentials is not
// supporting a method).
import { randomUUID } from 'node:crypto';
import {
  type Algorithm,
  createDpopProof,
  encode,
  exportPublicJwk,
  generateKeyPair,
  generateSecret,
  type KeyInput,
} from 'jwtkit';
import { BOB, login, type TestApp } from './helpers.js';
import { form, registerClient } from './oauth-helpers.js';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ASSERTION_ALG_CANDIDATES: Algorithm[] = [
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'PS256',
  'HS256',
];

/** A private_key_jwt client with one key per candidate algorithm (kid = the algorithm). */
export async function registerAssertionClient(t: TestApp): Promise<Map<string, KeyInput>> {
  const privateKeys = new Map<string, KeyInput>();
  const jwks: Record<string, unknown>[] = [];
  for (const alg of ASSERTION_ALG_CANDIDATES) {
    if (alg === 'HS256') {
      privateKeys.set(alg, generateSecret('HS256'));
      continue;
    }
    const pair = generateKeyPair(alg);
    privateKeys.set(alg, pair.privateKey);
    jwks.push({ ...exportPublicJwk(pair.publicKey), kid: alg, alg });
  }
  await registerClient(t, {
    client_id: 'probe-assertion',
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: jwks },
  });
  return privateKeys;
}

export interface Probe {
  candidates: string[];
  works(value: string): Promise<boolean>;
}

const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
});

/** Unsupported credentials must be refused with 401 invalid_client, never ignored. */
function refused(status: number): false {
  if (status !== 401) throw new Error(`unsupported client credentials answered ${status}, not 401`);
  return false;
}

/** A registered client the probes use (registered before discovery, so scopes_supported includes it). */
export interface ProbeClient {
  client_id: string;
  client_secret: string;
  scopes: string[];
}

export function metadataProbes(
  t: TestApp,
  probeClient: ProbeClient,
  assertionKeys: Map<string, KeyInput>,
): Record<string, Probe> {
  const assertion = (alg: string, key = assertionKeys.get(alg)!) => {
    const now = Math.floor(t.clock.now() / 1000);
    return encode(
      {
        iss: 'probe-assertion',
        sub: 'probe-assertion',
        aud: t.config.issuer,
        exp: now + 60,
        jti: randomUUID(),
      },
      key,
      { algorithm: alg as Algorithm, keyId: alg },
    );
  };
  const withAssertion = (a: string) =>
    form(t.app, '/oauth/token', {
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: a,
    }).then((r) => r.statusCode);
  const cc = (params: Record<string, string>, headers: Record<string, string>) =>
    form(t.app, '/oauth/token', { grant_type: 'client_credentials', ...params }, headers).then(
      (r) => r.statusCode,
    );
  const refreshWith = async (params: Record<string, string>, headers: Record<string, string> = {}) => {
    const tok = await login(t.app, BOB);
    const res = await form(
      t.app,
      '/oauth/token',
      { grant_type: 'refresh_token', refresh_token: tok.refresh_token, ...params },
      headers,
    );
    return res.statusCode;
  };
  const introspectionClient = t.config.introspectionClients[0];
  return {
    token_endpoint_auth_methods_supported: {
      candidates: [
        'none',
        'client_secret_basic',
        'client_secret_post',
        'private_key_jwt',
        'client_secret_jwt',
      ],
      async works(method) {
        switch (method) {
          case 'none':
            return (await refreshWith({ client_id: t.config.clientId })) === 200;
          // (the rest) No client has credentials of these kinds: the method cannot work, and presenting
          // such credentials must be refused, never ignored.
          case 'client_secret_basic':
            return (
              (await cc({}, basic(probeClient.client_id, probeClient.client_secret))) === 200 &&
              (await cc({}, basic(probeClient.client_id, 'not-the-secret'))) === 401 &&
              refused(await refreshWith({}, basic(t.config.clientId, 'not-the-secret'))) === false
            );
          case 'client_secret_post':
            return refused(
              await refreshWith({ client_id: t.config.clientId, client_secret: 'not-the-secret' }),
            );
          case 'private_key_jwt':
            return (
              (await withAssertion(assertion('ES256'))) === 200 &&
              (await withAssertion(assertion('ES256', generateKeyPair('ES256').privateKey))) === 401
            );
          case 'client_secret_jwt':
            return refused(
              await refreshWith({
                client_id: t.config.clientId,
                client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
                client_assertion: 'e30.e30.x',
              }),
            );
          default:
            return false;
        }
      },
    },
    token_endpoint_auth_signing_alg_values_supported: {
      candidates: ASSERTION_ALG_CANDIDATES,
      async works(alg) {
        return (await withAssertion(assertion(alg))) === 200;
      },
    },
    dpop_signing_alg_values_supported: {
      candidates: ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'PS256'],
      async works(alg) {
        const { privateKey } = generateKeyPair(alg as Algorithm);
        const proof = createDpopProof(privateKey, {
          algorithm: alg as Algorithm,
          method: 'POST',
          url: `${t.config.issuer}/oauth/token`,
        });
        const res = await form(
          t.app,
          '/oauth/token',
          { grant_type: 'client_credentials' },
          { ...basic(probeClient.client_id, probeClient.client_secret), dpop: proof },
        );
        return res.statusCode === 200 && res.json().token_type === 'DPoP';
      },
    },
    scopes_supported: {
      candidates: [...probeClient.scopes, 'never-registered-scope'],
      async works(scope) {
        return (await cc({ scope }, basic(probeClient.client_id, probeClient.client_secret))) === 200;
      },
    },
    introspection_endpoint_auth_methods_supported: {
      candidates: ['client_secret_basic', 'none'],
      async works(method) {
        const call = (headers: Record<string, string>) =>
          form(t.app, '/oauth/introspect', { token: 'x' }, headers).then((r) => r.statusCode);
        if (method === 'none') return (await call({})) === 200;
        if (!introspectionClient) return false;
        return (
          (await call(basic(introspectionClient.id, introspectionClient.secret))) === 200 &&
          (await call(basic(introspectionClient.id, 'wrong-secret'))) === 401
        );
      },
    },
    revocation_endpoint_auth_methods_supported: {
      candidates: ['none', 'client_secret_basic'],
      async works(method) {
        const call = (headers: Record<string, string>) =>
          form(t.app, '/oauth/revoke', { token: 'x' }, headers).then((r) => r.statusCode);
        if (method === 'none') return (await call({})) === 200;
        const id = introspectionClient?.id ?? 'c';
        return (await call(basic(id, 'wrong-secret'))) === 401;
      },
    },
  };
}
