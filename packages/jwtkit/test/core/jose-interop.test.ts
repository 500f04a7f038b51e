import assert from 'node:assert/strict';
import { sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { describe, test } from 'node:test';
import * as jose from 'jose';
import {
  type Algorithm,
  decode,
  encode,
  exportJwk,
  exportPem,
  generateKeyPair,
  generateSecret,
} from '../../src/index.js';

// jose is the oracle: tokens we sign must verify there, and tokens it signs must decode here.
const CASES: Array<{ alg: Algorithm; joseAlg: string; crv?: 'Ed25519' | 'Ed448' }> = [
  { alg: 'HS256', joseAlg: 'HS256' },
  { alg: 'HS384', joseAlg: 'HS384' },
  { alg: 'HS512', joseAlg: 'HS512' },
  { alg: 'RS256', joseAlg: 'RS256' },
  { alg: 'RS384', joseAlg: 'RS384' },
  { alg: 'RS512', joseAlg: 'RS512' },
  { alg: 'PS256', joseAlg: 'PS256' },
  { alg: 'PS384', joseAlg: 'PS384' },
  { alg: 'PS512', joseAlg: 'PS512' },
  { alg: 'ES256', joseAlg: 'ES256' },
  { alg: 'ES384', joseAlg: 'ES384' },
  { alg: 'ES512', joseAlg: 'ES512' },
  { alg: 'EdDSA', joseAlg: 'EdDSA', crv: 'Ed25519' },
  { alg: 'Ed25519', joseAlg: 'Ed25519' },
];

const claims = {
  sub: 'user-101',
  username: 'alice',
  role: 'admin',
  iss: 'https://issuer.example',
  aud: 'api',
  'n\u00e9': '\u{1F600}',
};
const now = Math.floor(Date.now() / 1000);

describe('interop with jose (oracle)', () => {
  for (const c of CASES) {
    const label = c.crv ? `${c.alg} (${c.crv})` : c.alg;
    test(`${label}: jwtkit signs, jose verifies; jose signs, jwtkit verifies`, async () => {
      let signKey: CryptoKey | Uint8Array;
      let verifyKey: CryptoKey | Uint8Array;
      let ours: { sign: Parameters<typeof encode>[1]; verify: Parameters<typeof decode>[1] };
      if (c.alg.startsWith('HS')) {
        const secret = generateSecret(c.alg);
        signKey = verifyKey = new Uint8Array(secret);
        ours = { sign: secret, verify: secret };
      } else {
        const pair = generateKeyPair(c.alg, c.crv ? { crv: c.crv } : {});
        // Hand jose the keys as JWK and PEM, as an application would move them between services.
        signKey = await jose.importJWK(exportJwk(pair.privateKey), c.joseAlg);
        verifyKey = await jose.importSPKI(exportPem(pair.publicKey), c.joseAlg);
        ours = { sign: exportPem(pair.privateKey), verify: exportJwk(pair.publicKey) };
      }

      const token = encode(claims, ours.sign, { algorithm: c.alg, expiresIn: '5m', issuedAt: true });
      const verified = await jose.jwtVerify(token, verifyKey, {
        algorithms: [c.joseAlg],
        issuer: claims.iss,
        audience: 'api',
      });
      assert.equal(verified.payload.username, 'alice');
      assert.equal(verified.payload['n\u00e9'], '\u{1F600}');
      assert.equal(verified.protectedHeader.alg, c.alg);

      const joseToken = await new jose.SignJWT({ ...claims })
        .setProtectedHeader({ alg: c.joseAlg, typ: 'JWT' })
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .sign(signKey);
      const decoded = decode(joseToken, ours.verify, {
        algorithms: [c.alg],
        issuer: claims.iss,
        audience: 'api',
      });
      assert.deepEqual(
        { ...decoded, iat: undefined, exp: undefined },
        { ...claims, iat: undefined, exp: undefined },
      );
      assert.equal(decoded.exp, now + 300);
    });
  }

  test('EdDSA with Ed448 (jose 6 has no Ed448): node:crypto is the oracle both ways', () => {
    const pair = generateKeyPair('EdDSA', { crv: 'Ed448' });
    const token = encode(claims, pair.privateKey, { algorithm: 'EdDSA' });
    const [h, p, s] = token.split('.') as [string, string, string];
    assert.ok(cryptoVerify(null, Buffer.from(`${h}.${p}`), pair.publicKey, Buffer.from(s, 'base64url')));
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const sig = cryptoSign(null, Buffer.from(`${header}.${body}`), pair.privateKey).toString('base64url');
    assert.deepEqual(
      decode(`${header}.${body}.${sig}`, exportJwk(pair.publicKey), {
        algorithms: ['EdDSA'],
        audience: 'api',
      }),
      claims,
    );
  });

  test('ES256K: jwtkit round-trip and raw r||s length (jose has no ES256K in Node)', () => {
    const pair = generateKeyPair('ES256K');
    const token = encode(claims, pair.privateKey, { algorithm: 'ES256K' });
    assert.equal(Buffer.from(token.split('.')[2]!, 'base64url').length, 64);
    assert.equal(decode(token, pair.publicKey, { algorithms: ['ES256K'], audience: 'api' }).sub, 'user-101');
  });
});
