import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { encode } from '../../src/index.js';
import { repoRoot, SEED_TOKEN } from './_helpers.js';

// PyJWT 2.x's encode, step for step, with Python's standard library (PyJWT is not installable here):
// header = {"typ": "JWT", "alg": alg} updated with headers, json.dumps(sort_keys=True, separators=(",", ":"));
// payload json.dumps(separators=(",", ":")); HMAC over b64(header).b64(payload). Python is the oracle.
const PY = String.raw`
import base64, hashlib, hmac, json, sys
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
out = []
for case in json.loads(sys.stdin.read()):
    header = {"typ": "JWT", "alg": "HS256"}
    header.update(case.get("headers") or {})
    h = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    p = json.dumps(case["payload"], separators=(",", ":")).encode()
    signing = (b64(h) + "." + b64(p)).encode()
    sig = hmac.new(case["key"].encode(), signing, hashlib.sha256).digest()
    out.append(signing.decode() + "." + b64(sig))
print(json.dumps(out))
`;

function python(cases: unknown[]): string[] | null {
  const r = spawnSync('python3', ['-c', PY], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    cwd: repoRoot,
  });
  if (r.error || r.status !== 0) return null;
  return JSON.parse(r.stdout) as string[];
}

describe('PyJWT byte compatibility', () => {
  test('the seed program prints what PyJWT prints', () => {
    const token = encode({ user_id: 101, username: 'alice', role: 'admin' }, 'mysecret123', {
      algorithm: 'HS256',
    });
    assert.equal(token, SEED_TOKEN);
  });

  test('npm run -s seed prints exactly the PyJWT token on stdout', () => {
    const r = spawnSync('npm', ['run', '-s', 'seed'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${SEED_TOKEN}\n`);
  });

  test('random payloads (unicode, escapes, nesting) serialize like Python json.dumps', (t) => {
    // Strings from the whole UTF-16 range: Python escapes everything outside printable ASCII.
    const str = fc.string({ unit: 'binary', maxLength: 12 });
    const key = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((k) => !/^\d+$/.test(k));
    const value = fc.oneof(
      str,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.oneof(str, fc.integer()), { maxLength: 3 }),
    );
    const payloads = fc.sample(fc.dictionary(key, value, { maxKeys: 6 }), 150);
    const cases = payloads.map((payload, i) => ({
      payload,
      key: `secret-key-${i}-0123456789abcdefghij`,
      headers: i % 3 === 0 ? { kid: `k${i}\u00e9` } : undefined,
    }));
    const expected = python(cases);
    if (!expected) {
      if (process.env.CI) throw new Error('python3 is needed for the PyJWT serialization oracle');
      t.skip('python3 not available: PyJWT serialization oracle skipped');
      return;
    }
    cases.forEach((c, i) => {
      const ours = encode(c.payload, c.key, c.headers ? { headers: c.headers } : {});
      assert.equal(ours, expected[i], `case ${i}: ${JSON.stringify(c.payload)}`);
    });
  });

  test('lone surrogates, DEL and astral characters are escaped as Python does', (t) => {
    const payload = { a: '\ud800', b: '\u007f', c: '\u{1F600}', d: 'caf\u00e9', e: '\u2028', f: '\n\t"\\' };
    const expected = python([{ payload, key: 'x'.repeat(32) }]);
    if (!expected) {
      if (process.env.CI) throw new Error('python3 is needed for the PyJWT serialization oracle');
      t.skip('python3 not available');
      return;
    }
    assert.equal(encode(payload, 'x'.repeat(32)), expected[0]);
  });
});
