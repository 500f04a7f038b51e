// The corpus copy in test/vectors/ is whole: every file SHA256SUMS lists is there with its hash, nothing
// unlisted hides there, and each part the suites rely on is present. A truncated or missing copy fails
// here (and in every test that reads the file), never as a skip.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, test } from 'node:test';
import { readVector, vectorSums, vectorsDir } from './_vectors.js';

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(relative(vectorsDir, p).split(sep).join('/'));
  }
  return out;
}

describe('test vectors (test/vectors, SHA256SUMS)', () => {
  test('every listed file is present and matches its hash; no unlisted file', () => {
    const sums = vectorSums();
    assert.ok(sums.size >= 100, `SHA256SUMS lists ${sums.size} files`);
    for (const rel of sums.keys()) readVector(rel);
    const ours = new Set(['SHA256SUMS', 'PROVENANCE.md']);
    const unlisted = walk(vectorsDir).filter((rel) => !ours.has(rel) && !sums.has(rel));
    assert.deepEqual(unlisted, []);
  });

  test('the parts every suite reads are listed, with their licences', () => {
    const sums = vectorSums();
    for (const rel of [
      'README.md',
      'attacks/jwt_attack_cases.json',
      'wycheproof/LICENSE.wycheproof',
      'wycheproof/json_web_signature_test.json',
      'wycheproof/json_web_key_test.json',
      'wycheproof/json_web_encryption_test.json',
      'rfc/rfc7515_jws_examples.json',
      'rfc/rfc7520_cookbook/LICENSE.cookbook',
    ]) {
      assert.ok(sums.has(rel), `${rel} missing from SHA256SUMS`);
    }
  });

  test('a vector that is not listed, or whose bytes differ, is an error (not a skip)', () => {
    assert.throws(() => readVector('wycheproof/no_such_file.json'), /not listed/);
    // The hash check itself: a listed file read with a wrong expected hash must fail.
    const sums = vectorSums();
    const rel = 'rfc/rfc7515_jws_examples.json';
    const real = sums.get(rel) as string;
    sums.set(rel, '0'.repeat(64));
    try {
      assert.throws(() => readVector(rel), /does not match SHA256SUMS/);
    } finally {
      sums.set(rel, real);
    }
  });
});
