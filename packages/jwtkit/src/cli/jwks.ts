import type { Jwk } from '../index.js';
import { type CommandDef, EXIT, ioError } from './_command.js';
import { readInputText } from './_input.js';
import { PRIVATE_MEMBERS, publicJwkOf, thumbprintOf } from './_jwk-util.js';
import { importAny, parseKeyText } from './_keys.js';

export const command: CommandDef = {
  meta: {
    name: 'jwks',
    summary: 'build a public JWKS from key files (private parts stripped)',
    description: [
      'Each FILE is a PEM key, a JWK or a JWKS (public or private). The output is one JWK Set with only',
      'public members: private parts (d, p, q, dp, dq, qi, oth) are dropped, "kid", "use" and "alg" are',
      'kept, and a missing "kid" becomes the RFC 7638 thumbprint. HMAC (oct) keys are refused: a',
      'symmetric key must never be published. Serve the output at /.well-known/jwks.json.',
      '',
      'Every "kid" in the set must be unique (a verifier picks the key by kid). The same key given twice',
      'is kept once, with a warning. Two different keys with the same kid are each reported, and nothing is',
      'written (exit 3): give each its own kid (jwtkit jwk FILE --kid NAME), or pass --kid-thumbprint to',
      "replace every kid with the key's RFC 7638 thumbprint (distinct keys, distinct kids).",
    ].join('\n'),
    examples: [
      'jwtkit jwks es256.json rsa.pub.pem > jwks.json',
      'jwtkit keygen EdDSA --out ed.json && jwtkit jwks ed.json',
      'jwtkit jwks --kid-thumbprint a.pem b.pem c.pem > jwks.json',
    ],
  },
  positionals: [
    { name: 'FILE', description: 'PEM, JWK or JWKS files (- for stdin)', required: true, variadic: true },
  ],
  options: {
    'kid-thumbprint': {
      type: 'boolean',
      description: 'set every "kid" to the key\'s SHA-256 thumbprint (distinct keys get distinct kids)',
    },
  },
  async run({ values, positionals, io, out, warn }) {
    const keys: Array<{ jwk: Jwk; what: string }> = [];
    for (const path of positionals) {
      const source = path === '-' ? 'the key on stdin' : `key file ${JSON.stringify(path)}`;
      const parsed = parseKeyText(await readInputText(path, io, 'key file'), source);
      const entries: Array<{ input: string | Jwk; meta: Jwk | undefined; what: string }> =
        parsed.kind === 'pem'
          ? [{ input: parsed.pem, meta: undefined, what: source }]
          : parsed.kind === 'jwk'
            ? [{ input: parsed.jwk, meta: parsed.jwk, what: source }]
            : parsed.jwks.keys.map((k, i) => ({ input: k, meta: k, what: `${source} key #${i + 1}` }));
      for (const e of entries) {
        if (e.meta && (e.meta as { kty?: unknown }).kty === 'oct') {
          throw ioError(`${e.what} is a symmetric (HMAC) key: it must never be published in a JWKS`);
        }
        const { key } = importAny(e.input, e.what);
        const jwk = publicJwkOf(key, e.meta, e.what) as Record<string, unknown>;
        if (jwk.kid === undefined || values['kid-thumbprint']) jwk.kid = thumbprintOf(jwk as Jwk);
        // Belt and braces: nothing private leaves this command.
        for (const m of PRIVATE_MEMBERS) {
          if (m in jwk) throw ioError(`internal check failed: private member "${m}" in ${e.what}`);
        }
        keys.push({ jwk: jwk as Jwk, what: e.what });
      }
    }
    // Unique kids: the same key twice is dropped (warned); different keys sharing a kid are all reported
    // and nothing is written, since a verifier could pick the wrong one.
    const byKid = new Map<string, Array<{ jwk: Jwk; what: string }>>();
    const kept: Jwk[] = [];
    let collisions = 0;
    for (const k of keys) {
      const kid = String((k.jwk as { kid?: unknown }).kid);
      const seen = byKid.get(kid);
      if (!seen) {
        byKid.set(kid, [k]);
        kept.push(k.jwk);
        continue;
      }
      const same = seen.find((s) => canonical(s.jwk) === canonical(k.jwk));
      if (same) {
        warn(`${k.what} is the same key as ${same.what} (kid ${JSON.stringify(kid)}): listed once`);
        continue;
      }
      collisions++;
      warn(
        `${k.what} has kid ${JSON.stringify(kid)}, already used by a different key in ${seen.map((s) => s.what).join(', ')}`,
      );
      seen.push(k);
    }
    if (collisions > 0) {
      throw ioError(
        `refusing to write a JWKS whose kids collide (${collisions} key${collisions === 1 ? '' : 's'} with a kid already taken): ` +
          'give each key its own kid (jwtkit jwk FILE --kid NAME) or use --kid-thumbprint',
      );
    }
    out(JSON.stringify({ keys: kept }, null, 2));
    return EXIT.ok;
  },
};

/** The JWK's members in sorted order, so that two spellings of one key compare equal. */
function canonical(jwk: Jwk): string {
  const o = jwk as Record<string, unknown>;
  return JSON.stringify(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]),
  );
}
