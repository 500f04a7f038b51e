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
    ].join('\n'),
    examples: [
      'jwtkit jwks es256.json rsa.pub.pem > jwks.json',
      'jwtkit keygen EdDSA --out ed.json && jwtkit jwks ed.json',
    ],
  },
  positionals: [
    { name: 'FILE', description: 'PEM, JWK or JWKS files (- for stdin)', required: true, variadic: true },
  ],
  options: {},
  async run({ positionals, io, out, warn }) {
    const keys: Jwk[] = [];
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
        if (jwk.kid === undefined) jwk.kid = thumbprintOf(jwk as Jwk);
        // Belt and braces: nothing private leaves this command.
        for (const m of PRIVATE_MEMBERS) {
          if (m in jwk) throw ioError(`internal check failed: private member "${m}" in ${e.what}`);
        }
        keys.push(jwk as Jwk);
      }
    }
    const kids = keys.map((k) => (k as { kid?: unknown }).kid);
    const dup = kids.find((k, i) => kids.indexOf(k) !== i);
    if (dup !== undefined)
      warn(`two keys share kid ${JSON.stringify(dup)}: verifiers cannot tell them apart`);
    out(JSON.stringify({ keys }, null, 2));
    return EXIT.ok;
  },
};
