// What jwtkit's strict parsing costs on the verify hot path, piece by piece (bench/FINDINGS.md F2, F3).
// Usage: npx tsx bench/src/micro/verify-parts.ts [seed|access-600B]
import { isUtf8 } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createVerifier } from 'jwtkit';
import { isStrictBase64url } from '../../../packages/jwtkit/dist/_lib/base64url.js';
import { parseJsonObject } from '../../../packages/jwtkit/dist/_lib/json.js';
import { validClaims } from '../check.js';
import { AUDIENCE, ISSUER, keysFor, PAYLOADS, type PayloadName } from '../fixtures.js';
import { rawSignClaims, rawVerifier } from '../raw.js';
import { compare, print } from './common.js';

const which = (process.argv[2] ?? 'seed') as PayloadName;
const ks = keysFor('HS256');
const token = rawSignClaims(ks, validClaims(PAYLOADS[which]));
const [h, p, s] = token.split('.') as [string, string, string];
const bytes = Buffer.from(p, 'base64url');
const text = bytes.toString('utf8');

/** Canonical base64url without a regex: Node's decoder skips characters outside the alphabet (and stops at
 * '='), so a wrong output length exposes them; '+' and '/' (accepted by Node) are refused explicitly; the
 * unused low bits of the last character must be zero (re-encoding must round-trip). */
export function decodeCanonical(seg: string): Buffer | null {
  const rem = seg.length & 3;
  if (rem === 1 || seg.includes('+') || seg.includes('/')) return null;
  const b = Buffer.from(seg, 'base64url');
  if (b.length !== (seg.length * 3) >> 2) return null;
  if (rem !== 0 && b.toString('base64url') !== seg) return null;
  return b;
}
for (const bad of [
  `${p}=`,
  `${p.slice(0, 5)} ${p.slice(6)}`,
  `${p.slice(0, 5)}+${p.slice(6)}`,
  `${p.slice(0, 5)}*${p.slice(6)}`,
  `${p.slice(0, 5)}=${p.slice(6)}`,
]) {
  if (decodeCanonical(bad) !== null)
    throw new Error(`decodeCanonical accepted ${JSON.stringify(bad.slice(0, 10))}`);
}
if (!decodeCanonical(p)?.equals(bytes)) throw new Error('decodeCanonical rejected a canonical segment');

print(
  `pieces (${which} payload, ${p.length} base64url chars, ${bytes.length} bytes of JSON)`,
  await compare({
    'isStrictBase64url(payload) (regex)': () => isStrictBase64url(p),
    'isStrictBase64url(signature)': () => isStrictBase64url(s),
    'Buffer.from(payload, "base64url")': () => Buffer.from(p, 'base64url'),
    'decodeCanonical(payload) (decode + length checks)': () => decodeCanonical(p),
    'isUtf8(bytes)': () => isUtf8(bytes),
    'bytes.toString("utf8")': () => bytes.toString('utf8'),
    'JSON.parse(text)': () => JSON.parse(text),
    'parseJsonObject(bytes) (utf8 + parse + depth + duplicates)': () => parseJsonObject(bytes),
  }),
);

const secret = ks.verifyKey.export();
function pipeline(strictB64: boolean, strictJson: boolean) {
  return () => {
    const d1 = token.indexOf('.');
    const d2 = token.indexOf('.', d1 + 1);
    const ps = token.slice(d1 + 1, d2);
    const ss = token.slice(d2 + 1);
    if (strictB64 && (!isStrictBase64url(ps) || !isStrictBase64url(ss))) throw new Error('b64');
    if (token.slice(0, d1) !== h) throw new Error('header');
    const mac = createHmac('sha256', secret).update(token.slice(0, d2), 'latin1').digest();
    const sig = Buffer.from(ss, 'base64url');
    if (sig.length !== mac.length || !timingSafeEqual(sig, mac)) throw new Error('sig');
    let payload: Record<string, unknown>;
    if (strictJson) {
      const r = parseJsonObject(Buffer.from(ps, 'base64url'));
      if (!r.ok) throw new Error('json');
      payload = r.value;
    } else payload = JSON.parse(Buffer.from(ps, 'base64url').toString('utf8'));
    const now = Math.floor(Date.now() / 1000);
    if (
      typeof payload.exp !== 'number' ||
      payload.exp <= now ||
      payload.iss !== ISSUER ||
      payload.aud !== AUDIENCE
    )
      throw new Error('claims');
    return payload;
  };
}
const raw = rawVerifier(ks);
const jk = createVerifier(ks.verifyKey, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
print(
  `HS256 verify pipelines (${which})`,
  await compare({
    'raw node:crypto (bench baseline)': () => raw(token),
    'raw + strict base64url (regex)': pipeline(true, false),
    'raw + strict JSON (parseJsonObject)': pipeline(false, true),
    'raw + both (= jwtkit strictness)': pipeline(true, true),
    'jwtkit createVerifier (key)': () => jk(token),
  }),
  'raw node:crypto (bench baseline)',
);
