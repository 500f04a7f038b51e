/**
 * The attack lab's cards claim a code for each attack: the same attacks, built here in Node, must get that
 * code from the library's own `decode` (the page runs them through the WebCrypto build; the browser test
 * checks the page shows the same codes). The refresh-replay card is the service's (server tests).
 */
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { type DecodeOptions, decode, encode, JwtError } from '../../src/index.js';
import { LAB_CARDS } from '../../src/learn/index.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const SECRET = 'a-lab-server-secret-of-32-bytes!!';
const USER = { user_id: 101, username: 'alice', role: 'user' };
const hs = (header: object, payload: object, key: string | Buffer) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
};
const now = () => Math.floor(Date.now() / 1000);
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ecJwk = { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' };

const ATTACKS: Record<string, () => [string, unknown, DecodeOptions]> = {
  'alg-none': () => [
    `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...USER, role: 'admin' })}.`,
    SECRET,
    { algorithms: ['HS256'] },
  ],
  'alg-confusion': () => [
    hs({ alg: 'HS256', typ: 'JWT' }, { ...USER, role: 'admin' }, pem),
    pem,
    { algorithms: ['RS256'] },
  ],
  tampered: () => {
    const [h, , s] = encode(USER, SECRET).split('.');
    return [`${h}.${b64({ ...USER, role: 'admin' })}.${s}`, SECRET, { algorithms: ['HS256'] }];
  },
  expired: () => [
    encode({ ...USER, exp: now() - 300 }, SECRET),
    SECRET,
    { algorithms: ['HS256'], leeway: 60 },
  ],
  audience: () => [
    encode({ ...USER, aud: 'https://billing.example' }, SECRET),
    SECRET,
    { algorithms: ['HS256'], audience: 'https://api.example' },
  ],
  'kid-injection': () => [
    hs(
      { alg: 'HS256', typ: 'JWT', kid: '../../../../dev/null' },
      { ...USER, role: 'admin' },
      'attacker-chosen-key',
    ),
    { keys: [{ kty: 'oct', kid: 'hs-1', alg: 'HS256', k: Buffer.from(SECRET).toString('base64url') }] },
    { algorithms: ['HS256'] },
  ],
  'embedded-jwk': () => {
    const input = `${b64({ alg: 'ES256', typ: 'JWT', jwk: attacker.publicKey.export({ format: 'jwk' }) })}.${b64({ ...USER, role: 'admin' })}`;
    const sig = sign('sha256', Buffer.from(input), { key: attacker.privateKey, dsaEncoding: 'ieee-p1363' });
    return [`${input}.${sig.toString('base64url')}`, { keys: [ecJwk] }, { algorithms: ['ES256'] }];
  },
  'psychic-ecdsa': () => [
    `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64({ ...USER, role: 'admin' })}.${Buffer.alloc(64).toString('base64url')}`,
    ec.publicKey.export({ format: 'jwk' }),
    { algorithms: ['ES256'] },
  ],
  crit: () => [
    hs({ alg: 'HS256', crit: ['exp-policy'], 'exp-policy': 'strict', typ: 'JWT' }, USER, SECRET),
    SECRET,
    { algorithms: ['HS256'] },
  ],
};

for (const card of LAB_CARDS.filter((c) => c.id !== 'refresh-replay')) {
  test(`lab card "${card.id}": decode refuses the attack with ${card.code}`, () => {
    const attack = ATTACKS[card.id];
    assert.ok(attack, `no Node attack for ${card.id}`);
    const [token, key, options] = attack();
    assert.throws(
      () => decode(token, key as never, options),
      (e: unknown) => e instanceof JwtError && e.code === card.code,
    );
  });
}

test('the honest twin of each HMAC attack is accepted (the refusals are about the attack, not the setup)', () => {
  assert.deepEqual(decode(encode(USER, SECRET), SECRET, { algorithms: ['HS256'] }), USER);
  const exp = now() - 30;
  const within = encode({ ...USER, exp }, SECRET);
  assert.deepEqual(decode(within, SECRET, { algorithms: ['HS256'], leeway: 60 }), { ...USER, exp });
});
