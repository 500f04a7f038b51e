import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ALGORITHMS, CLAIMS, HEADER_PARAMS } from '../src/_lib/claims-info.js';
import { decodeBase64url, encodeBase64url, explainToken, findDuplicateKey } from '../src/explain.js';

const SEED =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxMDEsInVzZXJuYW1lIjoiYWxpY2UiLCJyb2xlIjoiYWRtaW4ifQ.XriQ3qQiLtjMqdSeSCZpHuYcTAjVv5qKOK89qxHV548';
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const SIG32 = Buffer.alloc(32, 7).toString('base64url');
const tok = (header: unknown, payload: unknown, sig = SIG32) => `${b64(header)}.${b64(payload)}.${sig}`;
const NOW = 1_700_000_000;
const codes = (token: string, now = NOW) => explainToken(token, { now }).warnings.map((w) => w.code);

describe('explainToken', () => {
  test('splits and describes the seed token', () => {
    const e = explainToken(SEED);
    assert.deepEqual(e.errors, []);
    assert.equal(e.kind, 'jws');
    assert.deepEqual(e.header, { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(e.payload, { user_id: 101, username: 'alice', role: 'admin' });
    assert.equal(e.segments.signature, 'XriQ3qQiLtjMqdSeSCZpHuYcTAjVv5qKOK89qxHV548');
    assert.equal(e.algorithm?.name, 'HS256');
    assert.equal(e.algorithm?.family, 'hmac');
    assert.match(e.algorithm?.description ?? '', /HMAC using SHA-256/);
    assert.equal(e.signatureBytes, 32);
    assert.deepEqual(
      e.claims.map((c) => [c.name, c.registered]),
      [
        ['user_id', false],
        ['username', false],
        ['role', false],
      ],
    );
    assert.equal(e.claims[0]?.rfc, 'RFC 7519 §4.3');
    assert.deepEqual(
      e.headerParams.map((p) => [p.name, p.label, p.rfc]),
      [
        ['alg', 'Algorithm', 'RFC 7515 §4.1.1'],
        ['typ', 'Type', 'RFC 7515 §4.1.9'],
      ],
    );
    assert.deepEqual(codes(SEED), ['no-exp']);
  });

  test('registered claims carry label, RFC section, link and times', () => {
    const e = explainToken(
      tok(
        { alg: 'RS256' },
        { iss: 'https://id.example', exp: NOW + 14 * 60, iat: NOW - 3 * 3600, nbf: NOW + 120, jti: 'x' },
      ),
      { now: NOW },
    );
    const exp = e.claims.find((c) => c.name === 'exp')!;
    assert.equal(exp.label, 'Expiration time');
    assert.equal(exp.rfc, 'RFC 7519 §4.1.4');
    assert.equal(exp.url, 'https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4');
    assert.equal(exp.time?.iso, new Date((NOW + 840) * 1000).toISOString());
    assert.equal(exp.time?.relative, 'expires in 14 min');
    assert.equal(exp.time?.epoch, NOW + 840);
    assert.equal(e.claims.find((c) => c.name === 'iat')?.time?.relative, 'issued 3 h ago');
    assert.equal(e.claims.find((c) => c.name === 'nbf')?.time?.relative, 'not valid for another 2 min');
    assert.equal(
      explainToken(tok({ alg: 'HS256' }, { nbf: NOW - 7200 }), { now: NOW }).claims[0]?.time?.relative,
      'became valid 2 h ago',
    );
    assert.equal(
      explainToken(tok({ alg: 'HS256' }, { iat: NOW - 3 * 86400 }), { now: NOW }).claims[0]?.time?.relative,
      'issued 3 d ago',
    );
    assert.equal(e.claims.find((c) => c.name === 'iss')?.rfc, 'RFC 7519 §4.1.1');
    assert.equal(e.claims.find((c) => c.name === 'jti')?.time, undefined);
    assert.deepEqual(codes(tok({ alg: 'RS256' }, { exp: NOW - 3 * 3600 })), ['expired']);
    assert.equal(
      explainToken(tok({ alg: 'RS256' }, { exp: NOW - 3 * 3600 }), { now: NOW }).claims[0]?.time?.relative,
      'expired 3 h ago',
    );
    assert.ok(codes(tok({ alg: 'HS256' }, { exp: NOW + 60, nbf: NOW + 30 })).includes('not-yet-valid'));
    assert.ok(codes(tok({ alg: 'HS256' }, { exp: NOW + 6000, iat: NOW + 3000 })).includes('iat-in-future'));
  });

  test('every registered claim and header parameter is documented with an RFC or OpenID link', () => {
    for (const table of [CLAIMS, HEADER_PARAMS, ALGORITHMS]) {
      for (const [name, info] of Object.entries(table)) {
        assert.ok(info.description.length > 10, name);
        assert.match(info.rfc, /^(RFC \d{4}( §[\d.]+)?|OpenID Connect .+ §[\d.]+)$/, name);
        assert.match(
          info.url,
          /^https:\/\/(www\.rfc-editor\.org\/rfc\/rfc\d{4}(#section-[\d.]+)?|openid\.net\/specs\/)/,
          name,
        );
      }
    }
    for (const c of ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']) assert.ok(Object.hasOwn(CLAIMS, c), c);
    for (const h of ['alg', 'jku', 'jwk', 'kid', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'typ', 'cty', 'crit'])
      assert.ok(Object.hasOwn(HEADER_PARAMS, h), h);
    for (const a of [
      'HS256',
      'RS512',
      'PS384',
      'ES256',
      'ES512',
      'ES256K',
      'EdDSA',
      'Ed25519',
      'Ed448',
      'none',
    ])
      assert.ok(Object.hasOwn(ALGORITHMS, a), a);
  });

  test('warnings: alg none, no exp, long lifetime, dangerous header parameters', () => {
    assert.deepEqual(codes(`${b64({ alg: 'none' })}.${b64({ sub: 'a' })}.`), ['alg-none', 'no-exp']);
    assert.ok(codes(`${b64({ alg: 'nOnE' })}.${b64({ exp: NOW + 60 })}.`).includes('alg-none'));
    assert.ok(
      codes(`${b64({ alg: 'none' })}.${b64({ exp: NOW + 60 })}.c2ln`).includes('signature-with-none'),
    );
    assert.deepEqual(codes(tok({ alg: 'HS256' }, { iat: NOW, exp: NOW + 30 * 86400 })), ['long-lifetime']);
    assert.match(
      explainToken(tok({ alg: 'HS256' }, { iat: NOW, exp: NOW + 30 * 86400 }), { now: NOW }).warnings[0]!
        .message,
      /30 d/,
    );
    assert.deepEqual(codes(tok({ alg: 'HS256' }, { exp: NOW + 7 * 86400 })), ['long-lifetime']);
    assert.deepEqual(codes(tok({ alg: 'HS256' }, { iat: NOW, exp: NOW + 900 })), []);
    assert.deepEqual(
      codes(
        tok(
          { alg: 'RS256', jku: 'https://evil', x5u: 'https://evil', jwk: { kty: 'oct' } },
          { exp: NOW + 60 },
        ),
      ),
      ['jku', 'x5u', 'jwk-header'],
    );
    assert.ok(
      codes(tok({ alg: 'HS256', kid: '../../dev/null' }, { exp: NOW + 60 })).includes('kid-suspicious'),
    );
    assert.ok(codes(tok({ alg: 'HS256', crit: ['exp'] }, { exp: NOW + 60 })).includes('crit'));
    assert.ok(codes(tok({ alg: 'XX999' }, { exp: NOW + 60 })).includes('alg-unknown'));
    assert.ok(
      codes(tok({ alg: 'HS256' }, { exp: NOW + 60, password: 'hunter2' })).includes('sensitive-claim'),
    );
    assert.ok(codes(tok({ alg: 'HS256' }, { exp: '2030-01-01' })).includes('bad-time-claim'));
    assert.ok(codes(tok({ alg: 'HS256' }, { exp: 1e300 })).includes('bad-time-claim'));
  });

  test('signature checks: empty, DER-shaped ECDSA, wrong HMAC length', () => {
    assert.ok(codes(`${b64({ alg: 'HS256' })}.${b64({ exp: NOW + 60 })}.`).includes('signature-missing'));
    const der = encodeBase64url(new Uint8Array(71));
    assert.ok(codes(tok({ alg: 'ES256' }, { exp: NOW + 60 }, der)).includes('signature-length'));
    const raw = encodeBase64url(new Uint8Array(64));
    assert.ok(!codes(tok({ alg: 'ES256' }, { exp: NOW + 60 }, raw)).includes('signature-length'));
  });

  test('duplicate keys are reported (header and payload)', () => {
    const h = Buffer.from('{"alg":"HS256","alg":"none"}').toString('base64url');
    const p = Buffer.from('{"sub":"a","n":{"x":1,"y":[{"x":2}]},"\\u0073ub":"b"}').toString('base64url');
    const e = explainToken(`${h}.${p}.c2ln`, { now: NOW });
    assert.deepEqual(
      e.warnings.filter((w) => w.code === 'duplicate-key').map((w) => w.message.match(/"([^"]+)"/)?.[1]),
      ['alg', 'sub'],
    );
    assert.equal(findDuplicateKey('{"a":{"a":1},"b":["a","a"],"c":"\\"a"}'), null);
    assert.equal(findDuplicateKey('[{"a":1,"a":2}]'), 'a');
  });

  test('structural errors are listed, never thrown', () => {
    assert.deepEqual(explainToken('').errors, ['the token is empty']);
    assert.match(explainToken('abc').errors[0]!, /3 dot-separated parts.*has 1/);
    assert.match(explainToken(`${b64({ alg: 'HS256' })}=.${b64({})}.x`).errors.join(), /header .*padding/);
    assert.match(
      explainToken(`${b64({ alg: 'HS256' })}.${b64({ a: 'é' }).replace(/./, '+')}.x`).errors.join(),
      /payload .*base64url/,
    );
    assert.match(explainToken(`${b64('not json')}.${b64({})}.x`).errors.join(), /header is not valid JSON/);
    assert.match(explainToken(`${b64([1])}.${b64({})}.x`).errors.join(), /header is not a JSON object/);
    assert.match(
      explainToken(`${b64({ alg: 'HS256' })}.${b64(42)}.x`).errors.join(),
      /payload is JSON but not an object/,
    );
    const badUtf8 = encodeBase64url(new Uint8Array([0x7b, 0xff, 0x7d]));
    assert.match(
      explainToken(`${b64({ alg: 'HS256' })}.${badUtf8}.x`).errors.join(),
      /payload is not valid UTF-8/,
    );
    assert.match(explainToken(`${b64({ typ: 'JWT' })}.${b64({})}.x`).errors.join(), /no "alg"/);
    // leading/trailing whitespace from a paste is tolerated
    assert.deepEqual(explainToken(`  ${SEED}\n`).errors, []);
    // prototype keys are plain (private) claims
    const e = explainToken(tok({ alg: 'HS256' }, JSON.parse('{"__proto__":1,"constructor":2,"exp":1}')));
    assert.deepEqual(
      e.claims.map((c) => [c.name, c.registered]),
      [
        ['__proto__', false],
        ['constructor', false],
        ['exp', true],
      ],
    );
  });

  test('JWE: header only, flagged', () => {
    const e = explainToken(`${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`);
    assert.equal(e.kind, 'jwe');
    assert.deepEqual(e.errors, []);
    assert.equal(e.payload, null);
    assert.deepEqual(
      e.warnings.map((w) => w.code),
      ['jwe'],
    );
    assert.equal(e.headerParams.find((p) => p.name === 'enc')?.label, 'Encryption algorithm');
  });

  test('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (a, b, c) => {
        const e = explainToken(`${a}.${b}.${c}`);
        assert.ok(Array.isArray(e.errors));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (h, p) => {
        explainToken(tok(h, p), { now: NOW });
      }),
      { numRuns: 300 },
    );
  });
});

describe('base64url', () => {
  test('round-trips and matches Node for canonical input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const s = encodeBase64url(bytes);
        assert.equal(s, Buffer.from(bytes).toString('base64url'));
        assert.deepEqual(decodeBase64url(s), bytes);
      }),
      { numRuns: 300 },
    );
  });
  test('rejects padding, base64 alphabet, whitespace, bad length, non-zero trailing bits', () => {
    for (const bad of ['QQ==', 'a+b/', 'QU JD', 'A', 'QR', 'QUJ', 'é'])
      assert.equal(decodeBase64url(bad), null, bad);
    assert.deepEqual(decodeBase64url(''), new Uint8Array(0));
    assert.deepEqual(decodeBase64url('QQ'), new Uint8Array([0x41]));
  });
});

test('explain, the lesson and the lab, with every module they import, use no Node API (they run in the browser)', () => {
  // Follows the relative imports from each browser entry point: a new import of a Node-only module
  // anywhere below them fails here, not in the page.
  const seen = new Set<string>();
  const queue = ['../src/explain.ts', '../src/learn/index.ts'].map((f) => new URL(f, import.meta.url));
  while (queue.length > 0) {
    const url = queue.shift()!;
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    const src = readFileSync(url, 'utf8');
    for (const m of src.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/gms)) {
      const spec = m[1]!;
      assert.match(spec, /^\.\.?\//, `${url.pathname} imports ${spec} (only relative, browser-safe modules)`);
      queue.push(new URL(spec.replace(/\.js$/, '.ts'), url));
    }
    assert.doesNotMatch(
      src.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''),
      // Runtime-neutral modules may feature-detect Node's globals (`globalThis.Buffer`, `globalThis.process`),
      // never use them bare. (The browser tests run these modules in Chromium, which is the real proof.)
      /(?<![.\w?])(Buffer|process)\.|\brequire\(|node:/,
      url.pathname,
    );
  }
  assert.ok(seen.size >= 5, `only ${seen.size} modules walked`);
});
