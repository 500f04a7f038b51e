/**
 * Issue #12, by class: every class of the outside review, as a table of variants (the example from the
 * issue plus our own spellings of the same principle). Each variant says what must happen (`accept`, or
 * the `JwtError` subclass that must be thrown); a crash (anything that is not a `JwtError`) fails it.
 *
 * Classes: verifier-cache key revocation, prototype lookups and non-finite numbers, public-key text as
 * an HMAC secret, memory pinned by unauthenticated input, general-JWS signature count, RSA signature
 * length, non-canonical JWKs, shared cached claims, explainToken never throwing, TypeError from
 * object-valued JWK members, duplicate counting over own keys, raw attacker text in messages, and the
 * option/payload strictness a PyJWT porter relies on.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  createHash,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  sign as nodeSign,
  randomBytes,
} from 'node:crypto';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { headerCacheStats } from '../../src/_lib/compact.js';
import { explainToken } from '../../src/explain.js';
import * as jwtkit from '../../src/index.js';
import {
  createRemoteJwks,
  createSigner,
  createVerifier,
  decode,
  decodeAsync,
  decodeComplete,
  decodeUnsecured,
  decodeUnverified,
  encode,
  encodeUnsecured,
  exportJwk,
  exportPem,
  exportPublicJwk,
  generateKeyPair,
  getUnverifiedHeader,
  InvalidJtiError,
  importKey,
  JwtError,
  jwkThumbprint,
  signBytes,
  signJws,
  verifyBytes,
  verifyJws,
} from '../../src/index.js';
import { b64, claims, forge, NOW, opts, SECRET } from './_forge.js';

/** What a variant must do: be accepted, or throw a JwtError whose name is one of these. */
type Expect = 'accept' | string | readonly string[];

interface Variant {
  name: string;
  run: () => unknown;
  expect: Expect;
}

function judge(v: Variant): string | null {
  let result: unknown;
  try {
    result = v.run();
  } catch (error) {
    if (!(error instanceof JwtError))
      return `crashed with ${(error as Error)?.name}: ${String((error as Error)?.message).slice(0, 120)}`;
    if (v.expect === 'accept') return `expected accept, got ${error.name}: ${error.message.slice(0, 120)}`;
    const names = typeof v.expect === 'string' ? [v.expect] : v.expect;
    if (names.includes('JwtError') || names.includes(error.name)) return null;
    // A subclass of an expected class is fine (InvalidSignatureError is a DecodeError, ...).
    for (let c = Object.getPrototypeOf(error.constructor); c && c !== Error; c = Object.getPrototypeOf(c)) {
      if (names.includes((c as { name: string }).name)) return null;
    }
    return `expected ${names.join('|')}, got ${error.name}: ${error.message.slice(0, 120)}`;
  }
  if (result instanceof Promise) return 'returned a Promise (use judgeAsync)';
  return v.expect === 'accept' ? null : `expected ${String(v.expect)}, was accepted`;
}

function runTable(variants: Variant[]): void {
  const problems = variants.map((v) => [v.name, judge(v)] as const).filter(([, why]) => why !== null);
  assert.deepEqual(
    problems.map(([n, why]) => `${n}: ${why}`),
    [],
    `${problems.length} of ${variants.length} variants failed`,
  );
}

async function runTableAsync(variants: Array<{ name: string; run: () => Promise<unknown>; expect: Expect }>) {
  const problems: string[] = [];
  for (const v of variants) {
    let why: string | null;
    try {
      await v.run();
      why = v.expect === 'accept' ? null : `expected ${String(v.expect)}, was accepted`;
    } catch (error) {
      why = judge({
        name: v.name,
        expect: v.expect,
        run: () => {
          throw error;
        },
      });
    }
    if (why) problems.push(`${v.name}: ${why}`);
  }
  assert.deepEqual(problems, []);
}

const hs = (payload: Record<string, unknown>, secret: string | Buffer = SECRET, header: object = {}) =>
  forge({ alg: 'HS256', typ: 'JWT', ...header }, payload, secret);

// ------------------------------------------------------------------------------------------------
describe('class: a verifier cache hit re-proves the key', () => {
  const k1 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const k2 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const token = forge({ alg: 'ES256', kid: 'k1' }, claims(), k1.privateKey);
  const o = opts({ algorithms: ['ES256'], cache: true });

  test('variants', () => {
    const variants: Variant[] = [];
    const twice = (
      name: string,
      make: () => { v: (t: string) => unknown; change: () => void },
      expect: Expect,
    ) =>
      variants.push({
        name,
        expect,
        run: () => {
          const { v, change } = make();
          v(token); // verified and cached
          change();
          return v(token); // cache hit
        },
      });
    twice(
      'resolver map: kid removed',
      () => {
        const map = new Map<string, KeyObject>([['k1', k1.publicKey]]);
        const v = createVerifier((h) => map.get(h.kid as string) as KeyObject, o as never);
        return { v, change: () => map.delete('k1') };
      },
      'JwtError',
    );
    twice(
      'resolver map: kid now names another key',
      () => {
        const map = new Map<string, KeyObject>([['k1', k1.publicKey]]);
        const v = createVerifier((h) => map.get(h.kid as string) as KeyObject, o as never);
        return { v, change: () => map.set('k1', k2.publicKey) };
      },
      'InvalidSignatureError',
    );
    twice(
      'resolver: throws after revocation',
      () => {
        let revoked = false;
        const v = createVerifier(() => {
          if (revoked) throw new JwtError('revoked');
          return k1.publicKey;
        }, o as never);
        return { v, change: () => (revoked = true) };
      },
      'JwtError',
    );
    twice(
      'resolver: now returns a JWKS without the kid',
      () => {
        const jwks = { keys: [{ ...exportJwk(k1.publicKey), kid: 'k1' }] };
        const v = createVerifier(() => jwks, o as never);
        return { v, change: () => jwks.keys.splice(0, 1, { ...exportJwk(k2.publicKey), kid: 'k2' }) };
      },
      'JwksNoMatchingKeyError',
    );
    twice(
      'JWKS: kid removed from the set',
      () => {
        const jwks = { keys: [{ ...exportJwk(k1.publicKey), kid: 'k1' }] };
        const v = createVerifier(jwks, o as never);
        return { v, change: () => jwks.keys.pop() };
      },
      'JwksNoMatchingKeyError',
    );
    twice(
      'JWKS: the kid now holds another key',
      () => {
        const jwks = { keys: [{ ...exportJwk(k1.publicKey), kid: 'k1' }] };
        const v = createVerifier(jwks, o as never);
        return { v, change: () => (jwks.keys[0] = { ...exportJwk(k2.publicKey), kid: 'k1' }) };
      },
      'InvalidSignatureError',
    );
    twice(
      'resolver: the same key as a new KeyObject (still valid)',
      () => {
        const pem = exportPem(k1.publicKey);
        const v = createVerifier(() => createPublicKey(pem), o as never);
        return { v, change: () => {} };
      },
      'accept',
    );
    twice(
      'resolver: the same key as a fresh JWK object (still valid)',
      () => {
        const v = createVerifier(() => ({ ...exportJwk(k1.publicKey) }), o as never);
        return { v, change: () => {} };
      },
      'accept',
    );
    runTable(variants);
  });
});

// ------------------------------------------------------------------------------------------------
describe('class: no prototype lookups for caller or token strings; every parsed number finite', () => {
  const expired = hs(claims({ iat: NOW - 2 * 86400, exp: NOW - 86400 }));
  const PROTO_NAMES = [
    'constructor',
    'CONSTRUCTOR',
    '__proto__',
    'toString',
    'hasOwnProperty',
    'valueOf',
    'isPrototypeOf',
  ];
  const BIG = '9'.repeat(400);

  test('durations in every option', () => {
    const variants: Variant[] = [];
    for (const unit of PROTO_NAMES) {
      for (const spelling of [`1 ${unit}`, `5${unit}`, `1 ${unit.toUpperCase()}`]) {
        variants.push({
          name: `leeway ${spelling}`,
          run: () => decode(expired, SECRET, opts({ leeway: spelling }) as never),
          expect: 'InvalidOptionsError',
        });
        variants.push({
          name: `maxAge ${spelling}`,
          run: () => decode(expired, SECRET, opts({ maxAge: spelling, leeway: 86400 * 3 }) as never),
          expect: 'InvalidOptionsError',
        });
        variants.push({
          name: `expiresIn ${spelling}`,
          run: () => encode({}, SECRET, { expiresIn: spelling }),
          expect: 'InvalidOptionsError',
        });
        variants.push({
          name: `createRemoteJwks maxAge ${spelling}`,
          run: () => createRemoteJwks('https://issuer.example/jwks', { maxAge: spelling }),
          expect: 'InvalidOptionsError',
        });
      }
    }
    for (const big of [BIG, `${BIG}s`, `${BIG} days`, `0.${BIG}e`, `${BIG}.5`]) {
      variants.push({
        name: `leeway ${big.length} digits`,
        run: () => decode(expired, SECRET, opts({ leeway: big }) as never),
        expect: 'InvalidOptionsError',
      });
      variants.push({
        name: `maxAge ${big.length} digits`,
        run: () => decode(hs(claims()), SECRET, opts({ maxAge: big }) as never),
        expect: 'InvalidOptionsError',
      });
      variants.push({
        name: `notBefore ${big.length} digits`,
        run: () => encode({}, SECRET, { notBefore: big }),
        expect: 'InvalidOptionsError',
      });
      variants.push({
        name: `cooldown ${big.length} digits`,
        run: () => createRemoteJwks('https://issuer.example/jwks', { cooldown: big }),
        expect: 'InvalidOptionsError',
      });
    }
    for (const n of [Number.NaN, Number.POSITIVE_INFINITY, -Number.POSITIVE_INFINITY])
      variants.push({
        name: `maxAge ${n}`,
        run: () => decode(hs(claims()), SECRET, opts({ maxAge: n }) as never),
        expect: 'InvalidOptionsError',
      });
    variants.push({
      name: 'maxAge negative',
      run: () => decode(hs(claims()), SECRET, opts({ maxAge: '-5m' }) as never),
      expect: 'InvalidOptionsError',
    });
    variants.push({
      name: 'control: leeway "2 days" accepts a token expired 1 day ago',
      run: () => decode(expired, SECRET, opts({ leeway: '2 days' }) as never),
      expect: 'accept',
    });
    runTable(variants);
  });

  test('options inherited from a polluted Object.prototype are not read', () => {
    const proto = Object.prototype as Record<string, unknown>;
    const polluted = { leeway: 10 * 86400, maxTokenLength: 1, strict: false, cache: 0 };
    for (const [k, v] of Object.entries(polluted)) proto[k] = v;
    try {
      runTable([
        {
          name: 'inherited leeway ignored',
          run: () => decode(expired, SECRET, { algorithms: ['HS256'], now: NOW }),
          expect: 'ExpiredSignatureError',
        },
        {
          name: 'inherited maxTokenLength ignored',
          run: () => decode(hs({}), SECRET, { algorithms: ['HS256'], now: NOW }),
          expect: 'accept',
        },
      ]);
    } finally {
      for (const k of Object.keys(polluted)) delete proto[k];
    }
  });

  test('explainToken and jwkThumbprint with prototype names', () => {
    const variants: Variant[] = [];
    for (const name of PROTO_NAMES) {
      variants.push({
        name: `explainToken alg ${name}`,
        expect: 'accept',
        run: () => {
          const e = explainToken(forge({ alg: name }, { [name]: 1 }, SECRET, 'HS256'));
          const text = JSON.stringify(e);
          if (/function|\[native code\]|Object\(\)/.test(text))
            throw new Error(`explanation mentions a function: ${text.slice(0, 200)}`);
          if (e.algorithm?.family !== 'unknown') throw new Error(`family ${e.algorithm?.family}`);
          if (!e.warnings.some((w) => w.code === 'alg-unknown')) throw new Error('no alg-unknown warning');
          return e;
        },
      });
      variants.push({
        name: `jwkThumbprint kty ${name}`,
        run: () => jwkThumbprint({ kty: name } as never),
        expect: 'InvalidKeyError',
      });
      variants.push({
        name: `importKey kty ${name}`,
        run: () => importKey({ kty: name } as never),
        expect: 'InvalidKeyError',
      });
      variants.push({
        name: `decode with a JWK kty ${name}`,
        run: () => decode(hs(claims()), { kty: name } as never, opts() as never),
        expect: 'InvalidKeyError',
      });
      variants.push({
        name: `decode alg ${name}`,
        run: () => decode(forge({ alg: name }, claims(), SECRET, 'HS256'), SECRET, opts() as never),
        expect: 'InvalidAlgorithmError',
      });
      variants.push({
        name: `encode algorithm ${name}`,
        run: () => encode({}, SECRET, { algorithm: name as never }),
        expect: 'UnsupportedAlgorithmError',
      });
      variants.push({
        name: `generateKeyPair ${name}`,
        run: () => generateKeyPair(name as never),
        expect: 'UnsupportedAlgorithmError',
      });
    }
    runTable(variants);
  });
});

// ------------------------------------------------------------------------------------------------
function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}
const mpint = (b64u: string) => {
  let b = Buffer.from(b64u, 'base64url');
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.alloc(1), b]);
  return sshString(b);
};
function sshBlob(pub: KeyObject): Buffer {
  const jwk = pub.export({ format: 'jwk' }) as Record<string, string>;
  if (jwk.kty === 'RSA') return Buffer.concat([sshString('ssh-rsa'), mpint(jwk.e!), mpint(jwk.n!)]);
  if (jwk.kty === 'OKP')
    return Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.from(jwk.x!, 'base64url'))]);
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x!, 'base64url'),
    Buffer.from(jwk.y!, 'base64url'),
  ]);
  return Buffer.concat([sshString('ecdsa-sha2-nistp256'), sshString('nistp256'), sshString(point)]);
}
const lines = (s: string, n = 64, eol = '\n') => s.match(new RegExp(`.{1,${n}}`, 'g'))!.join(eol);

/** Every text spelling of a public key we can read, each of which must be refused as an HMAC secret. */
function publicKeySpellings(label: string, pub: KeyObject): Array<[string, string | Buffer]> {
  const spki = pub.export({ format: 'der', type: 'spki' });
  const pem = pub.export({ format: 'pem', type: 'spki' }) as string;
  const jwk = pub.export({ format: 'jwk' }) as Record<string, string>;
  const jwkText = JSON.stringify(jwk);
  const escaped = jwkText.replace(
    /"(kty|n|e|x|y|crv)"/g,
    (_m, name: string) =>
      `"${[...name].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`,
  );
  const blob = sshBlob(pub);
  const sshType = blob.subarray(4, 4 + blob.readUInt32BE(0)).toString();
  const out: Array<[string, string | Buffer]> = [
    ['bare base64 SPKI', spki.toString('base64')],
    ['bare base64 SPKI, 64-column lines', lines(spki.toString('base64'))],
    ['bare base64 SPKI, 76-column CRLF lines', lines(spki.toString('base64'), 76, '\r\n')],
    ['bare base64 SPKI, trailing newline', `${spki.toString('base64')}\n`],
    ['bare base64 SPKI, leading BOM', `\ufeff${spki.toString('base64')}`],
    ['bare base64 SPKI without padding', spki.toString('base64').replace(/=+$/, '')],
    ['bare base64url SPKI', spki.toString('base64url')],
    ['hex SPKI', spki.toString('hex')],
    ['HEX SPKI', spki.toString('hex').toUpperCase()],
    ['base64 of the PEM text', Buffer.from(pem).toString('base64')],
    ['base64 SPKI as bytes', Buffer.from(spki.toString('base64'))],
    [
      'RFC 4716 SSH2 block',
      `---- BEGIN SSH2 PUBLIC KEY ----\nComment: "${label}"\n${lines(blob.toString('base64'), 70)}\n---- END SSH2 PUBLIC KEY ----\n`,
    ],
    [
      'RFC 4716 SSH2 block, CRLF',
      `---- BEGIN SSH2 PUBLIC KEY ----\r\n${lines(blob.toString('base64'), 70, '\r\n')}\r\n---- END SSH2 PUBLIC KEY ----\r\n`,
    ],
    [
      'RFC 4716 block as bytes',
      Buffer.from(
        `---- BEGIN SSH2 PUBLIC KEY ----\n${lines(blob.toString('base64'), 70)}\n---- END SSH2 PUBLIC KEY ----\n`,
      ),
    ],
    ['OpenSSH line', `${sshType} ${blob.toString('base64')} user@host`],
    [
      'OpenSSH line with authorized_keys options',
      `from="10.0.0.1",no-pty ${sshType} ${blob.toString('base64')} user@host`,
    ],
    ['OpenSSH blob alone', blob.toString('base64')],
    ['OpenSSH blob as bytes', blob],
    ['JWK JSON with escaped member names', escaped],
    [
      'JWK JSON, fully escaped',
      JSON.stringify(jwk).replace(/[a-z]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    ],
    ['JWK JSON pretty-printed', JSON.stringify(jwk, null, 2)],
    ['JWK JSON after a BOM', `\ufeff${jwkText}`],
    ['JWK JSON after zero-width spaces', `\u200b\u200b${jwkText}`],
    ['JWK JSON with escaped kty as bytes', Buffer.from(escaped)],
    ['JWKS JSON text', JSON.stringify({ keys: [jwk] })],
    [
      'JWKS JSON text, escaped',
      JSON.stringify({ keys: [jwk] })
        .replace('"keys"', '"\\u006beys"')
        .replace('"kty"', '"\\u006bty"'),
    ],
    ['JWK JSON in an array', JSON.stringify([jwk])],
    ['base64url of the JWK JSON', Buffer.from(jwkText).toString('base64url')],
    ['PEM with literal \\n escapes (an environment variable)', pem.replace(/\n/g, '\\n')],
    [
      'PEM body with literal \\n escapes',
      pem
        .replace(/-----[^-]+-----/g, '')
        .trim()
        .replace(/\n/g, '\\n'),
    ],
    ['URL-encoded PEM', encodeURIComponent(pem)],
    ['colon-separated hex DER (openssl -text style)', spki.toString('hex').replace(/(..)(?!$)/g, '$1:')],
    [
      'PuTTY .ppk public lines',
      `PuTTY-User-Key-File-3: ${sshType}\nEncryption: none\nComment: k\nPublic-Lines: 6\n${lines(blob.toString('base64'), 64)}\n`,
    ],
    [
      'SSH2 block, lower case',
      `---- begin ssh2 public key ----\n${lines(blob.toString('base64'), 70)}\n---- end ssh2 public key ----`,
    ],
    ['JWK JSON as UTF-16LE bytes', Buffer.from(jwkText, 'utf16le')],
    [
      'PEM as UTF-16LE bytes with a BOM',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(pem, 'utf16le')]),
    ],
    ['PEM as UTF-16BE bytes', Buffer.from(pem, 'utf16le').swap16()],
  ];
  return out;
}

/** A self-signed P-256 certificate (openssl req -x509, CN=hardening.example), for certificate spellings. */
const CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIBjzCCATWgAwIBAgIUaehHFZ4iJY6IJ7Xhb33tZo61CMswCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRaGFyZGVuaW5nLmV4YW1wbGUwIBcNMjYxMjAxMjI0OTI2WhgP
MjEyNjExMDcyMjQ5MjZaMBwxGjAYBgNVBAMMEWhhcmRlbmluZy5leGFtcGxlMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE3s+G7iJAiZR57kH5HyBj+MYf3mk6t9lC
27IbuhOfck2duAWFq0j59VyNoBX6TGCU1evLj7e192NRXzWYjrDwA6NTMFEwHQYD
VR0OBBYEFCMy7mZtVLzPZ/ZaOBngWLancFIrMB8GA1UdIwQYMBaAFCMy7mZtVLzP
Z/ZaOBngWLancFIrMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIh
ALbtCh6za7n3f9/bv3mW9tpu6sEEua8vv/P88+hwJ07fAiABWr6Rrl2W1Peit9Y8
vWOrNt6J3Z3fItTpSchZo/Kxtw==
-----END CERTIFICATE-----
`;

describe('class: no public-key text as an HMAC secret, in any encoding we can read', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  const ed = generateKeyPairSync('ed25519').publicKey;

  test('variants (each token carries a valid HS256 MAC under exactly those bytes)', () => {
    const variants: Variant[] = [];
    for (const [label, pub] of [
      ['RSA', rsa],
      ['EC P-256', ec],
      ['Ed25519', ed],
    ] as const) {
      for (const [form, secret] of publicKeySpellings(label, pub)) {
        const token = hs(claims(), secret as Buffer);
        variants.push({
          name: `${label}: ${form} (decode)`,
          run: () => decode(token, secret as never, opts() as never),
          expect: 'InvalidKeyError',
        });
        variants.push({
          name: `${label}: ${form} (encode)`,
          run: () => encode({}, secret as never),
          expect: 'InvalidKeyError',
        });
      }
    }
    const certBody = CERT_PEM.replace(/-----[^-]+-----/g, '').replace(/\s/g, '');
    for (const [form, secret] of [
      ['certificate PEM', CERT_PEM],
      ['certificate, bare base64 (an x5c entry)', certBody],
      ['certificate, bare base64 with lines', lines(certBody)],
      ['certificate, hex DER', Buffer.from(certBody, 'base64').toString('hex')],
      ['certificate DER bytes', Buffer.from(certBody, 'base64')],
      ['certificate, base64url DER', Buffer.from(certBody, 'base64').toString('base64url')],
    ] as const) {
      const token = hs(claims(), secret as Buffer);
      variants.push({
        name: `X.509: ${form}`,
        run: () => decode(token, secret as never, opts() as never),
        expect: 'InvalidKeyError',
      });
    }
    // The same bytes wrapped as a secret key object: a secret KeyObject, a WebCrypto key, an oct JWK.
    for (const [label, pub] of [
      ['RSA', rsa],
      ['EC P-256', ec],
    ] as const) {
      const spki = pub.export({ format: 'der', type: 'spki' });
      const pem = Buffer.from(pub.export({ format: 'pem', type: 'spki' }) as string);
      for (const [form, bytes] of [
        ['DER', spki],
        ['PEM text', pem],
      ] as const) {
        const token = hs(claims(), bytes);
        variants.push({
          name: `${label}: secret KeyObject of the ${form}`,
          run: () => decode(token, createSecretKey(bytes), opts() as never),
          expect: 'InvalidKeyError',
        });
        variants.push({
          name: `${label}: oct JWK whose k is the ${form}`,
          run: () => decode(token, { kty: 'oct', k: bytes.toString('base64url') } as never, opts() as never),
          expect: 'InvalidKeyError',
        });
        variants.push({
          name: `${label}: oct JWKS whose k is the ${form}`,
          run: () =>
            decode(
              token,
              { keys: [{ kty: 'oct', k: bytes.toString('base64url') }] } as never,
              opts() as never,
            ),
          expect: 'InvalidKeyError',
        });
        variants.push({
          name: `${label}: importKey secret of the ${form}`,
          run: () => importKey(bytes, { type: 'secret' }),
          expect: 'InvalidKeyError',
        });
      }
    }
    runTable(variants);
  });

  test('controls: ordinary secrets that merely look like base64, hex or JSON are accepted', () => {
    const raw = randomBytes(48);
    const controls: Array<[string, string | Buffer]> = [
      ['random base64 secret', raw.toString('base64')],
      ['random base64url secret', raw.toString('base64url')],
      ['random hex secret', raw.toString('hex')],
      ['sha256 hex digest', createHash('sha256').update('x').digest('hex')],
      ['JSON text that is not a JWK', '{"purpose":"hmac","v":"0123456789abcdef0123456789abcdef"}'],
      ['a passphrase that mentions ssh-rsa', 'my old ssh-rsa passphrase was longer than this'],
      ['a passphrase with dashes', '---- my secret is long enough ----'],
    ];
    runTable(
      controls.map(([name, secret]) => ({
        name,
        run: () => decode(hs(claims(), secret as Buffer), secret as never, opts() as never),
        expect: 'accept',
      })),
    );
  });
});

// ------------------------------------------------------------------------------------------------
describe('class: unauthenticated input never pinned in memory', () => {
  test('the header cache keeps only small headers within a fixed byte budget', () => {
    for (let i = 0; i < 700; i++) {
      const big = forge({ alg: 'HS256', pad: `${i}-${'x'.repeat(8 * 1024)}` }, {}, SECRET);
      const small = forge({ alg: 'HS256', n: i }, {}, SECRET);
      for (const t of [big, small])
        assert.throws(() => decode(t, SECRET, { algorithms: ['ES256'] }), JwtError);
    }
    const stats = headerCacheStats();
    assert.ok(
      stats.chars <= stats.budget,
      `header cache holds ${stats.chars} chars (budget ${stats.budget})`,
    );
    assert.ok(stats.budget <= 256 * 1024, `budget ${stats.budget} is not small`);
    assert.ok(stats.largestEntry <= 1024, `largest cached header is ${stats.largestEntry} chars`);
  });

  test('512 crafted 256 KiB tokens leave no more than a few MB behind (heap measured after GC)', () => {
    const src = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
    const script = `
      import { decode, getUnverifiedHeader } from ${JSON.stringify(src)};
      const b = (s) => Buffer.from(s).toString('base64url');
      const secret = 'k'.repeat(32);
      globalThis.gc(); const before = process.memoryUsage().heapUsed;
      const kept = [];
      for (let i = 0; i < 512; i++) {
        // small distinct header + big payload (a cached slice of the token would pin all of it), and big headers
        const t1 = b(JSON.stringify({ alg: 'HS256', n: i })) + '.' + b('x'.repeat(190000) + i) + '.' + b('sig');
        const t2 = b(JSON.stringify({ alg: 'HS256', pad: 'y'.repeat(190000) + i })) + '.' + b('{}') + '.' + b('sig');
        for (const t of [t1, t2]) {
          try { decode(t, secret, { algorithms: ['HS256'] }); } catch {}
          try { getUnverifiedHeader(t); } catch {}
        }
      }
      globalThis.gc(); globalThis.gc();
      console.log(JSON.stringify({ grown: process.memoryUsage().heapUsed - before }));
    `;
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const { grown } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { grown: number };
    assert.ok(grown < 16 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MB`);
  });
});

// ------------------------------------------------------------------------------------------------
describe('class: general JWS signature count is capped', () => {
  const junk = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      protected: b64(JSON.stringify({ alg: 'HS256', kid: `j${i}` })),
      signature: b64(randomBytes(32)),
    }));
  const good = signJws('payload', { key: SECRET, algorithm: 'HS256' }, { serialization: 'general' });
  const withJunk = (n: number) => ({ payload: good.payload, signatures: [...junk(n), ...good.signatures] });

  test('variants', () => {
    runTable([
      {
        name: 'one signature',
        run: () => verifyJws(good, SECRET, { algorithms: ['HS256'] }),
        expect: 'accept',
      },
      {
        name: '4 signatures (default limit)',
        run: () => verifyJws(withJunk(3), SECRET, { algorithms: ['HS256'] }),
        expect: 'accept',
      },
      {
        name: '5 signatures',
        run: () => verifyJws(withJunk(4), SECRET, { algorithms: ['HS256'] }),
        expect: 'DecodeError',
      },
      {
        name: '64 signatures',
        run: () => verifyJws(withJunk(63), SECRET, { algorithms: ['HS256'] }),
        expect: 'DecodeError',
      },
      {
        name: '64 signatures, as JSON text',
        run: () => verifyJws(JSON.stringify(withJunk(63)), SECRET, { algorithms: ['HS256'] }),
        expect: 'DecodeError',
      },
      {
        name: '10 signatures with maxSignatures: 10',
        run: () => verifyJws(withJunk(9), SECRET, { algorithms: ['HS256'], maxSignatures: 10 } as never),
        expect: 'accept',
      },
      {
        name: '11 signatures with maxSignatures: 10',
        run: () => verifyJws(withJunk(10), SECRET, { algorithms: ['HS256'], maxSignatures: 10 } as never),
        expect: 'DecodeError',
      },
      ...[0, -1, 1.5, '4', Number.NaN, Number.POSITIVE_INFINITY].map((m) => ({
        name: `maxSignatures ${String(m)}`,
        run: () => verifyJws(good, SECRET, { algorithms: ['HS256'], maxSignatures: m } as never),
        expect: 'InvalidOptionsError' as Expect,
      })),
    ]);
  });
});

// ------------------------------------------------------------------------------------------------
describe('class: RSA signatures must be exactly k bytes (RFC 8017 §8.1.2, §8.2.2)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const HASH = { '256': 'sha256', '384': 'sha384', '512': 'sha512' } as const;

  /** A token whose signature starts with a zero byte (about one in 256 signatures). */
  function leadingZero(alg: string): { input: string; sig: Buffer } {
    const bits = alg.slice(2) as keyof typeof HASH;
    for (let i = 0; i < 20000; i++) {
      const input = `${b64(JSON.stringify({ alg }))}.${b64(JSON.stringify({ n: i }))}`;
      const sig = nodeSign(
        HASH[bits],
        Buffer.from(input),
        alg.startsWith('PS') ? { key: privateKey, padding: 6, saltLength: Number(bits) / 8 } : privateKey,
      );
      if (sig[0] === 0) return { input, sig };
    }
    throw new Error('no signature with a leading zero byte found');
  }

  test('variants', () => {
    const variants: Variant[] = [];
    for (const alg of ['PS256', 'PS384', 'PS512', 'RS256', 'RS512']) {
      const { input, sig } = leadingZero(alg);
      const o = { algorithms: [alg] };
      variants.push({
        name: `${alg}: exact length`,
        run: () => decode(`${input}.${b64(sig)}`, publicKey, o as never),
        expect: 'accept',
      });
      variants.push({
        name: `${alg}: leading zero dropped (k-1 bytes)`,
        run: () => decode(`${input}.${b64(sig.subarray(1))}`, publicKey, o as never),
        expect: 'InvalidSignatureError',
      });
      variants.push({
        name: `${alg}: extra zero byte (k+1 bytes)`,
        run: () => decode(`${input}.${b64(Buffer.concat([Buffer.alloc(1), sig]))}`, publicKey, o as never),
        expect: 'InvalidSignatureError',
      });
      variants.push({
        name: `${alg}: verifyBytes with k-1 bytes`,
        run: () => {
          if (verifyBytes(alg as never, publicKey, input, sig.subarray(1))) throw new Error('verified');
        },
        expect: 'accept',
      });
      variants.push({
        name: `${alg}: verifyJws with k-1 bytes`,
        run: () => verifyJws(`${input}.${b64(sig.subarray(1))}`, publicKey, o as never),
        expect: 'InvalidSignatureError',
      });
    }
    runTable(variants);
  });
});

// ------------------------------------------------------------------------------------------------
describe('class: non-canonical JWKs are refused (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2)', () => {
  const pad = (s: string, n = 1) =>
    Buffer.concat([Buffer.alloc(n), Buffer.from(s, 'base64url')]).toString('base64url');
  const EC = {
    'P-256': ['ES256', 'prime256v1'],
    'P-384': ['ES384', 'secp384r1'],
    'P-521': ['ES512', 'secp521r1'],
    secp256k1: ['ES256K', 'secp256k1'],
  } as const;

  test('variants', () => {
    const variants: Variant[] = [];
    const refuse = (name: string, jwk: Record<string, unknown>, alg: string, priv: KeyObject) => {
      const token = forge({ alg }, claims(), priv);
      variants.push({
        name: `${name}: importKey`,
        run: () => importKey(jwk as never),
        expect: 'InvalidKeyError',
      });
      variants.push({
        name: `${name}: jwkThumbprint`,
        run: () => jwkThumbprint(jwk as never),
        expect: 'InvalidKeyError',
      });
      if (jwk.d === undefined) {
        variants.push({
          name: `${name}: decode`,
          run: () => decode(token, jwk as never, opts({ algorithms: [alg] }) as never),
          expect: 'InvalidKeyError',
        });
        variants.push({
          name: `${name}: decode via JWKS`,
          run: () => decode(token, { keys: [jwk] } as never, opts({ algorithms: [alg] }) as never),
          expect: 'InvalidKeyError',
        });
      }
    };
    for (const [crv, [alg, node]] of Object.entries(EC)) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: node });
      const pub = publicKey.export({ format: 'jwk' }) as Record<string, string>;
      const priv = privateKey.export({ format: 'jwk' }) as Record<string, string>;
      variants.push({
        name: `${crv}: canonical JWK`,
        run: () =>
          decode(forge({ alg }, claims(), privateKey), pub as never, opts({ algorithms: [alg] }) as never),
        expect: 'accept',
      });
      refuse(`${crv}: x with a leading zero byte`, { ...pub, x: pad(pub.x!) }, alg, privateKey);
      refuse(`${crv}: y with a leading zero byte`, { ...pub, y: pad(pub.y!) }, alg, privateKey);
      refuse(
        `${crv}: x and y with two leading zero bytes`,
        { ...pub, x: pad(pub.x!, 2), y: pad(pub.y!, 2) },
        alg,
        privateKey,
      );
      refuse(`${crv}: d with a leading zero byte`, { ...priv, d: pad(priv.d!) }, alg, privateKey);
      refuse(
        `${crv}: x one byte short`,
        { ...pub, x: Buffer.from(pub.x!, 'base64url').subarray(1).toString('base64url') },
        alg,
        privateKey,
      );
      refuse(`${crv}: y empty`, { ...pub, y: '' }, alg, privateKey);
    }
    // An x whose first byte is zero, written without it (the "minimal" spelling is wrong for EC).
    let shortKey: { privateKey: KeyObject; pub: Record<string, string> } | null = null;
    for (let i = 0; i < 5000 && !shortKey; i++) {
      const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const pub = kp.publicKey.export({ format: 'jwk' }) as Record<string, string>;
      if (Buffer.from(pub.x!, 'base64url')[0] === 0) shortKey = { privateKey: kp.privateKey, pub };
    }
    if (shortKey)
      refuse(
        'P-256: x with its leading zero byte stripped',
        { ...shortKey.pub, x: Buffer.from(shortKey.pub.x!, 'base64url').subarray(1).toString('base64url') },
        'ES256',
        shortKey.privateKey,
      );
    for (const [type, alg] of [
      ['ed25519', 'EdDSA'],
      ['ed448', 'EdDSA'],
    ] as const) {
      const { privateKey, publicKey } = generateKeyPairSync(type as 'ed25519');
      const pub = publicKey.export({ format: 'jwk' }) as Record<string, string>;
      const priv = privateKey.export({ format: 'jwk' }) as Record<string, string>;
      refuse(`${type}: x with a leading zero byte`, { ...pub, x: pad(pub.x!) }, alg, privateKey);
      refuse(`${type}: d with a leading zero byte`, { ...priv, d: pad(priv.d!) }, alg, privateKey);
      refuse(
        `${type}: crv of the other curve`,
        { ...pub, crv: type === 'ed25519' ? 'Ed448' : 'Ed25519' },
        alg,
        privateKey,
      );
    }
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ format: 'jwk' }) as Record<string, string>;
    const priv = privateKey.export({ format: 'jwk' }) as Record<string, string>;
    variants.push({
      name: 'RSA: canonical JWK',
      run: () =>
        decode(
          forge({ alg: 'RS256' }, claims(), privateKey),
          pub as never,
          opts({ algorithms: ['RS256'] }) as never,
        ),
      expect: 'accept',
    });
    refuse('RSA: n with a leading zero byte', { ...pub, n: pad(pub.n!) }, 'RS256', privateKey);
    refuse('RSA: e with a leading zero byte (AAEAAQ)', { ...pub, e: 'AAEAAQ' }, 'RS256', privateKey);
    refuse('RSA: e empty', { ...pub, e: '' }, 'RS256', privateKey);
    refuse('RSA: d with a leading zero byte', { ...priv, d: pad(priv.d!) }, 'RS256', privateKey);
    refuse('RSA: p with a leading zero byte', { ...priv, p: pad(priv.p!) }, 'RS256', privateKey);
    refuse('RSA: qi with a leading zero byte', { ...priv, qi: pad(priv.qi!) }, 'RS256', privateKey);
    runTable(variants);
  });

  test('one key, one thumbprint: exportPublicJwk of an imported key gives the same thumbprint', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = exportPublicJwk(publicKey);
    assert.equal(jwkThumbprint(jwk), jwkThumbprint(exportPublicJwk(importKey(jwk))));
  });
});

// ------------------------------------------------------------------------------------------------
describe('class: results a cache shares are deeply frozen', () => {
  test('variants', () => {
    const token = hs(claims({ roles: ['user'], profile: { tier: 'free', tags: ['a'] } }));
    const mutations: Array<[string, (c: Record<string, any>) => void]> = [
      ['push to an array claim', (c) => c.roles.push('admin')],
      ['assign into an array claim', (c) => (c.roles[0] = 'admin')],
      ['assign a nested member', (c) => (c.profile.tier = 'gold')],
      ['push into a nested array', (c) => c.profile.tags.push('admin')],
      ['add a top-level claim', (c) => (c.admin = true)],
      ['change sub', (c) => (c.sub = 'root')],
    ];
    const variants: Variant[] = [];
    for (const cache of [true, 10]) {
      for (const [name, mutate] of mutations) {
        variants.push({
          name: `cache ${cache}: ${name}`,
          expect: 'accept',
          run: () => {
            const v = createVerifier<Record<string, any>>(SECRET, opts({ cache }) as never);
            const first = v(token);
            try {
              mutate(first);
            } catch {
              // a frozen result refuses the change: fine
            }
            const second = v(token);
            assert.deepEqual(second.roles, ['user']);
            assert.deepEqual(second.profile, { tier: 'free', tags: ['a'] });
            assert.equal(second.admin, undefined);
            assert.equal(second.sub, 'user-123');
          },
        });
      }
    }
    variants.push({
      name: 'decodeComplete header is not shared mutably',
      expect: 'accept',
      run: () => {
        const t = hs(claims(), SECRET, { kid: 'a', x: { y: [1] } });
        const h = decodeComplete(t, SECRET, opts() as never).header as Record<string, any>;
        try {
          h.x.y.push(2);
        } catch {}
        assert.deepEqual((decodeComplete(t, SECRET, opts() as never).header as Record<string, any>).x, {
          y: [1],
        });
      },
    });
    runTable(variants);
  });
});

// ------------------------------------------------------------------------------------------------
describe('class: explainToken never throws', () => {
  const deep = (n: number, open = '[', close = ']') => `${open.repeat(n)}${close.repeat(n)}`;
  const deepObj = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  const seg = (s: string) => b64(s);
  const sig = b64('sig');
  const cases: Array<[string, unknown, unknown?]> = [];
  for (const n of [100, 8000, 50000, 200000]) {
    cases.push([`payload array ${n} deep`, `${seg('{"alg":"HS256"}')}.${seg(`{"a":${deep(n)}}`)}.${sig}`]);
    cases.push([`payload object ${n} deep`, `${seg('{"alg":"HS256"}')}.${seg(deepObj(n))}.${sig}`]);
    cases.push([`header ${n} deep`, `${seg(`{"alg":"HS256","x":${deep(n)}}`)}.${seg('{}')}.${sig}`]);
    cases.push([`crit ${n} deep`, `${seg(`{"alg":"HS256","crit":${deep(n)}}`)}.${seg('{}')}.${sig}`]);
    cases.push([`exp ${n} deep`, `${seg('{"alg":"HS256"}')}.${seg(`{"exp":${deep(n)}}`)}.${sig}`]);
    cases.push([
      `JWE header ${n} deep`,
      `${seg(`{"alg":"RSA-OAEP","enc":"A128GCM","x":${deepObj(n)}}`)}.a.b.c.d`,
    ]);
  }
  cases.push(
    ['not a string', 12345],
    ['null', null],
    ['an object', { toString: 1 }],
    ['a symbol', Symbol('t')],
  );
  cases.push([
    'alg is an object without a prototype-free toString',
    `${seg('{"alg":{"toString":1}}')}.${seg('{}')}.${sig}`,
  ]);
  cases.push([
    'huge exp',
    `${seg('{"alg":"HS256"}')}.${seg('{"exp":1e308,"iat":-1e308,"nbf":1e400}')}.${sig}`,
  ]);
  cases.push([
    'options now NaN',
    `${seg('{"alg":"HS256"}')}.${seg('{"exp":1}')}.${sig}`,
    { now: Number.NaN, longLifetime: Number.NaN },
  ]);
  cases.push(['options not an object', `${seg('{"alg":"HS256"}')}.${seg('{"exp":1}')}.${sig}`, 'nope']);

  test('variants', () => {
    const problems: string[] = [];
    for (const [name, token, options] of cases) {
      try {
        const e = explainToken(token as string, options as never);
        JSON.stringify(e.errors);
        JSON.stringify(e.warnings);
      } catch (error) {
        problems.push(`${name}: threw ${(error as Error).name}: ${(error as Error).message}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});

// ------------------------------------------------------------------------------------------------
describe('class: object-valued JWK members give a JwtError, never a TypeError', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pub = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const token = forge({ alg: 'ES256', kid: 'k1' }, claims(), privateKey);
  const weird: Array<[string, unknown]> = [
    ['an object with toString: 1', { toString: 1 }],
    ['a null-prototype object', Object.create(null)],
    ['an array', ['P-256']],
    ['a number', 256],
    ['a symbol-like object', { [Symbol.toPrimitive]: 1 }],
  ];

  test('variants', () => {
    const variants: Variant[] = [];
    for (const member of ['crv', 'alg', 'kty', 'use', 'kid', 'key_ops']) {
      for (const [label, value] of weird) {
        if (member === 'key_ops' && Array.isArray(value)) continue; // an array of strings is its type
        const jwk = { ...pub, kid: 'k1', [member]: value };
        variants.push({
          name: `${member} ${label}: JWK key`,
          run: () => decode(token, jwk as never, opts({ algorithms: ['ES256'] }) as never),
          expect: 'JwtError',
        });
        variants.push({
          name: `${member} ${label}: JWKS`,
          run: () => decode(token, { keys: [jwk] } as never, opts({ algorithms: ['ES256'] }) as never),
          expect: 'JwtError',
        });
        variants.push({
          name: `${member} ${label}: importKey`,
          run: () => importKey(jwk as never),
          expect: 'JwtError',
        });
        variants.push({
          name: `${member} ${label}: jwkThumbprint`,
          run: () => jwkThumbprint(jwk as never),
          expect: 'JwtError',
        });
        variants.push({
          name: `${member} ${label}: HS256 with the JWK`,
          run: () =>
            decode(
              hs(claims()),
              { ...jwk, kty: member === 'kty' ? value : 'oct', k: b64(SECRET) } as never,
              opts() as never,
            ),
          expect: 'JwtError',
        });
      }
    }
    for (const [label, value] of weird) {
      variants.push({
        name: `algorithms [${label}]`,
        run: () => decode(token, publicKey, { algorithms: [value] } as never),
        expect: 'JwtError',
      });
      variants.push({
        name: `encode algorithm ${label}`,
        run: () => encode({}, SECRET, { algorithm: value } as never),
        expect: 'JwtError',
      });
      variants.push({
        name: `signJws algorithm ${label}`,
        run: () => signJws('x', { key: SECRET, algorithm: value } as never),
        expect: 'JwtError',
      });
    }
    runTable(variants);
  });
});

// ------------------------------------------------------------------------------------------------
describe('class: duplicate members are counted over own keys only', () => {
  test('variants, with enumerable members added to Object.prototype', () => {
    const payloads = [
      '{"role":"user","role":"x","role":"admin","n":{}}',
      '{"role":"user","role":"admin","tags":[1]}',
      '{"role":"user","role":"admin","n":[{}]}',
      '{"a":{"role":"user","role":"admin"},"b":[]}',
      '{"sub":"user-123","sub":"root","iss":"https://issuer.example/auth","aud":"https://api.example","exp":1700003600,"x":{}}',
    ];
    const proto = Object.prototype as Record<string, unknown>;
    const variants: Variant[] = [];
    for (const pollution of [['polluted'], ['p1', 'p2'], ['p1', 'p2', 'p3']]) {
      for (const p of payloads) {
        const token = forge({ alg: 'HS256' }, p, SECRET);
        variants.push({
          name: `${pollution.length} polluted: ${p}`,
          expect: 'DecodeError',
          run: () => {
            for (const k of pollution) proto[k] = 1;
            try {
              return decode(token, SECRET, { algorithms: ['HS256'], now: NOW });
            } finally {
              for (const k of pollution) delete proto[k];
            }
          },
        });
        variants.push({
          name: `${pollution.length} polluted, header: ${p}`,
          expect: 'DecodeError',
          run: () => {
            for (const k of pollution) proto[k] = 1;
            try {
              return decode(forge(p.replace('{', '{"alg":"HS256",'), '{}', SECRET, 'HS256'), SECRET, {
                algorithms: ['HS256'],
                now: NOW,
              });
            } finally {
              for (const k of pollution) delete proto[k];
            }
          },
        });
      }
    }
    runTable(variants);
  });
});

// ------------------------------------------------------------------------------------------------
describe('class: no raw attacker text in messages', () => {
  const EVIL = [
    'x\nlevel=error msg="forged"',
    'x\r\nINJECTED',
    '\u001b[2J\u001b[31mred',
    'a\u2028b',
    'rtl\u202eevil',
    'nul\u0000byte',
    'q"uote',
  ];
  const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

  function messages(fn: () => unknown): string[] {
    try {
      fn();
      return [];
    } catch (error) {
      const out: string[] = [];
      for (let e: unknown = error; e instanceof Error; e = (e as Error).cause) out.push(e.message);
      return out;
    }
  }

  test('library error messages', () => {
    const problems: string[] = [];
    for (const evil of EVIL) {
      const good = signJws('p', { key: SECRET, algorithm: 'HS256' }, { serialization: 'general' });
      const flat = signJws('p', { key: SECRET, algorithm: 'HS256' }, { serialization: 'flattened' });
      const calls: Array<[string, () => unknown]> = [
        [
          'general JWS top-level member',
          () => verifyJws({ ...good, [evil]: 1 } as never, SECRET, { algorithms: ['HS256'] }),
        ],
        [
          'flattened JWS member',
          () => verifyJws({ ...flat, [evil]: 1 } as never, SECRET, { algorithms: ['HS256'] }),
        ],
        [
          'signature member',
          () =>
            verifyJws(
              { payload: good.payload, signatures: [{ ...good.signatures[0]!, [evil]: 1 }] } as never,
              SECRET,
              { algorithms: ['HS256'] },
            ),
        ],
        ['JWK kty', () => importKey({ kty: evil } as never)],
        ['JWK kty in decode', () => decode(hs(claims()), { kty: evil } as never, opts() as never)],
        [
          'JWK alg',
          () => decode(hs(claims()), { kty: 'oct', k: b64(SECRET), alg: evil } as never, opts() as never),
        ],
        [
          'JWK member name',
          () => importKey({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', [evil]: 1 } as never),
        ],
        [
          'header alg',
          () => decode(forge({ alg: evil }, claims(), SECRET, 'HS256'), SECRET, opts() as never),
        ],
        [
          'crit entry',
          () => decode(forge({ alg: 'HS256', crit: [evil], [evil]: 1 }, claims()), SECRET, opts() as never),
        ],
        ['unknown option key', () => decode(hs(claims()), SECRET, opts({ [evil]: 1 }) as never)],
        ['unknown encode option key', () => encode({}, SECRET, { [evil]: 1 } as never)],
      ];
      for (const [name, fn] of calls) {
        for (const m of messages(fn)) {
          if (UNSAFE.test(m) || m.includes(evil))
            problems.push(`${name} ${JSON.stringify(evil)}: ${JSON.stringify(m)}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test('explainToken errors and warnings', () => {
    const problems: string[] = [];
    for (const evil of EVIL) {
      const tokens = [
        forge({ alg: evil }, {}, SECRET, 'HS256'),
        forge(
          `{"alg":"HS256","${JSON.stringify(evil).slice(1, -1)}":1,"${JSON.stringify(evil).slice(1, -1)}":2}`,
          '{}',
          SECRET,
          'HS256',
        ),
        forge(
          { alg: 'HS256' },
          `{"${JSON.stringify(evil).slice(1, -1)}":1,"${JSON.stringify(evil).slice(1, -1)}":2}`,
          SECRET,
        ),
        forge({ alg: 'HS256', crit: [evil] }, { exp: evil, [`password${evil}`]: 1 }, SECRET),
        forge({ alg: 'HS256' }, { exp: evil, iat: [evil] }, SECRET),
      ];
      for (const t of tokens) {
        const e = explainToken(t);
        for (const m of [...e.errors, ...e.warnings.map((w) => w.message)]) {
          if (UNSAFE.test(m)) problems.push(`${JSON.stringify(evil)}: ${JSON.stringify(m)}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});

// ------------------------------------------------------------------------------------------------
describe('class: strict options and payloads (what a PyJWT porter relies on)', () => {
  const token = hs(claims({ role: 'admin' }));
  const es = generateKeyPair('ES256');

  test('unknown option keys are refused in every options object of the public API', async () => {
    const bad = { require: ['exp'] };
    runTable([
      { name: 'decode', run: () => decode(token, SECRET, opts(bad) as never), expect: 'InvalidOptionsError' },
      {
        name: 'decode: PyJWT options dict',
        run: () => decode(token, SECRET, opts({ options: { require: ['exp'] } }) as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'decode: verify_exp',
        run: () => decode(token, SECRET, opts({ verify_exp: false }) as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'decode: algorithm (singular)',
        run: () => decode(token, SECRET, opts({ algorithm: 'HS256' }) as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'decodeComplete',
        run: () => decodeComplete(token, SECRET, opts(bad) as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'createVerifier',
        run: () => createVerifier(SECRET, opts(bad) as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'createVerifier: cacheSize',
        run: () => createVerifier(SECRET, opts({ cacheSize: 10 }) as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'decodeUnverified',
        run: () => decodeUnverified(token, { verify_signature: false } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'getUnverifiedHeader',
        run: () => getUnverifiedHeader(token, { bogus: 1 } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'decodeUnsecured',
        run: () => decodeUnsecured(encodeUnsecured({}), { bogus: 1 } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'encode',
        run: () => encode({}, SECRET, { algorithm: 'HS256', json_encoder: 1 } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'encode: expiresin',
        run: () => encode({}, SECRET, { expiresin: 60 } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'createSigner',
        run: () => createSigner(SECRET, { sort_headers: false } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'encodeUnsecured',
        run: () => encodeUnsecured({}, { header: {} } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'signJws options',
        run: () => signJws('x', { key: SECRET, algorithm: 'HS256' }, { detach: true } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'signJws signer',
        run: () => signJws('x', { key: SECRET, algorithm: 'HS256', kid: 'a' } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'verifyJws',
        run: () =>
          verifyJws(signJws('x', { key: SECRET, algorithm: 'HS256' }), SECRET, {
            algorithms: ['HS256'],
            detached: 'x',
          } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'createRemoteJwks',
        run: () => createRemoteJwks('https://issuer.example/jwks', { lifespan: 60 } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'importKey',
        run: () => importKey(SECRET, { type: 'secret', algorithm: 'HS256' } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'generateKeyPair',
        run: () => generateKeyPair('RS256', { bits: 4096 } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'exportJwk',
        run: () => exportJwk(es.publicKey, { kid: 'a', private: true } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'exportPublicJwk',
        run: () => exportPublicJwk(es.publicKey, { KID: 'a' } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'exportPem',
        run: () => exportPem(es.privateKey, { password: 'x' } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'signBytes',
        run: () => signBytes('HS256', SECRET, 'x', { strcit: true } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'verifyBytes',
        run: () => verifyBytes('HS256', SECRET, 'x', Buffer.alloc(32), { strcit: true } as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'control: every documented decode option',
        run: () =>
          decode(
            token,
            SECRET,
            opts({
              subject: 'user-123',
              leeway: 1,
              requiredClaims: ['role'],
              maxAge: '1h',
              maxTokenLength: 4096,
              strict: true,
              crit: [],
            }) as never,
          ),
        expect: 'accept',
      },
    ]);
    await runTableAsync([
      {
        name: 'decodeAsync',
        run: () => decodeAsync(token, SECRET, opts(bad) as never),
        expect: 'InvalidOptionsError',
      },
      {
        name: 'getSigningKey',
        run: () =>
          createRemoteJwks('https://issuer.example/jwks', {
            fetch: (async () => new Response('{"keys":[]}')) as never,
          }).getSigningKey(token, { algorithm: ['HS256'] } as never),
        expect: 'InvalidOptionsError',
      },
    ]);
  });

  test('claims and option values', () => {
    runTable([
      {
        name: 'required claim that is null',
        run: () => decode(hs(claims({ role: null })), SECRET, opts({ requiredClaims: ['role'] }) as never),
        expect: 'MissingRequiredClaimError',
      },
      {
        name: 'control: required claim that is false',
        run: () => decode(hs(claims({ role: false })), SECRET, opts({ requiredClaims: ['role'] }) as never),
        expect: 'accept',
      },
      {
        name: "audience ''",
        run: () => decode(hs({ aud: '' }), SECRET, { algorithms: ['HS256'], audience: '' }),
        expect: 'InvalidOptionsError',
      },
      {
        name: "audience ['']",
        run: () => decode(hs({ aud: '' }), SECRET, { algorithms: ['HS256'], audience: [''] }),
        expect: 'InvalidOptionsError',
      },
      {
        name: "audience ['a', '']",
        run: () => decode(hs({ aud: 'a' }), SECRET, { algorithms: ['HS256'], audience: ['a', ''] }),
        expect: 'InvalidOptionsError',
      },
      {
        name: "issuer ''",
        run: () => decode(hs({ iss: '' }), SECRET, { algorithms: ['HS256'], issuer: '' }),
        expect: 'InvalidOptionsError',
      },
      {
        name: "subject ''",
        run: () => decode(hs({ sub: '' }), SECRET, { algorithms: ['HS256'], subject: '' }),
        expect: 'InvalidOptionsError',
      },
      {
        name: "token aud '' without an expected audience",
        run: () => decode(hs({ aud: '' }), SECRET, { algorithms: ['HS256'] }),
        expect: 'InvalidAudienceError',
      },
      {
        name: 'token aud null without an expected audience',
        run: () => decode(hs({ aud: null }), SECRET, { algorithms: ['HS256'] }),
        expect: 'InvalidAudienceError',
      },
    ]);
  });

  test('non-finite numbers anywhere in a payload are refused', () => {
    const bad: Array<[string, object]> = [
      ['NaN', { x: Number.NaN }],
      ['Infinity', { x: Number.POSITIVE_INFINITY }],
      ['-Infinity nested in an array', { a: { b: [1, -Number.POSITIVE_INFINITY] } }],
      ['NaN from toJSON', { d: { toJSON: () => Number.NaN } }],
      ['NaN deep', { a: [[[{ b: Number.NaN }]]] }],
    ];
    const variants: Variant[] = [];
    for (const [name, payload] of bad) {
      variants.push({
        name: `encode ${name}`,
        run: () => encode(payload, SECRET),
        expect: 'InvalidPayloadError',
      });
      variants.push({
        name: `createSigner ${name}`,
        run: () => createSigner(SECRET)(payload),
        expect: 'InvalidPayloadError',
      });
      variants.push({
        name: `encodeUnsecured ${name}`,
        run: () => encodeUnsecured(payload),
        expect: 'InvalidPayloadError',
      });
      variants.push({
        name: `signJws ${name}`,
        run: () => signJws(payload, { key: SECRET, algorithm: 'HS256' }),
        expect: 'InvalidPayloadError',
      });
      variants.push({
        name: `encode header ${name}`,
        run: () => encode({}, SECRET, { headers: payload as never }),
        expect: ['InvalidOptionsError', 'InvalidPayloadError'],
      });
    }
    variants.push({
      name: 'control: null is fine',
      run: () => encode({ x: null, y: 'null', z: [null] }, SECRET),
      expect: 'accept',
    });
    runTable(variants);
  });

  test('PyJWT error names', () => {
    const lib = jwtkit as Record<string, unknown>;
    assert.equal(lib.PyJWTError, JwtError);
    assert.equal(lib.InvalidJTIError, InvalidJtiError);
  });
});
