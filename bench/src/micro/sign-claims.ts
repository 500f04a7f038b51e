// Cost of adding registered claims in jwtkit's sign path (bench/FINDINGS.md F1): jwtkit createSigner vs the
// same work written with named property stores (no `payload[claim] = value` through one shared setClaim).
// Usage: npx tsx bench/src/micro/sign-claims.ts [seed|access-600B]
import { createHmac } from 'node:crypto';
import { createSigner } from 'jwtkit';
import { AUDIENCE, ISSUER, keysFor, LIFETIME, PAYLOADS, type PayloadName } from '../fixtures.js';
import { rawSigner } from '../raw.js';
import { compare, print } from './common.js';

const which = (process.argv[2] ?? 'seed') as PayloadName;
const ks = keysFor('HS256');
const payload = PAYLOADS[which];
const raw = rawSigner(ks);
const jk = createSigner(ks.signKey, {
  algorithm: 'HS256',
  issuedAt: true,
  expiresIn: LIFETIME,
  issuer: ISSUER,
  audience: AUDIENCE,
});
const secret = ks.signKey.export();
const header = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');
const NON_ASCII = /[\u007f-\uffff]/;
const NON_ASCII_G = /[\u007f-\uffff]/g;

/** The same output and checks as createSigner with these options, claims set with named stores. */
function named(input: Record<string, unknown>): string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new Error('payload');
  if (
    Object.hasOwn(input, 'iss') ||
    Object.hasOwn(input, 'aud') ||
    Object.hasOwn(input, 'iat') ||
    Object.hasOwn(input, 'exp')
  )
    throw new Error('claim set twice');
  if (Object.hasOwn(input, 'nbf') && !(typeof input.nbf === 'number' && Number.isFinite(input.nbf)))
    throw new Error('nbf');
  if (Object.hasOwn(input, 'sub') && typeof input.sub !== 'string') throw new Error('sub');
  if (Object.hasOwn(input, 'jti') && typeof input.jti !== 'string') throw new Error('jti');
  const now = Math.floor(Date.now() / 1000);
  const out: Record<string, unknown> = Object.assign({}, input); // not { ...input }: see build-payload.ts
  out.iss = ISSUER;
  out.aud = AUDIENCE;
  out.iat = now;
  out.exp = now + LIFETIME;
  let json = JSON.stringify(out);
  if (NON_ASCII.test(json))
    json = json.replace(NON_ASCII_G, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const signingInput = `${header}.${Buffer.from(json).toString('base64url')}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput, 'latin1').digest('base64url')}`;
}
if (named(payload).split('.')[1] !== jk(payload).split('.')[1])
  throw new Error('named() differs from jwtkit');

print(
  `HS256 sign (${which})`,
  await compare({
    'raw node:crypto (bench baseline)': () => raw(payload),
    'jwtkit createSigner (key)': () => jk(payload),
    'Object.assign + named stores + digest("base64url")': () => named(payload),
  }),
  'raw node:crypto (bench baseline)',
);
