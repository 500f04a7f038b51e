/**
 * The strict JSON parser's shortcuts against ground truth that does not come from the parser:
 * - duplicate member names: random JSON texts are built from trees whose member names the generator knows
 *   (decoded), then spelled with random whitespace (also before ':'), escapes (`\u0061` for `a`, `\/`) and
 *   string values full of colons, quotes and escaped quotes; the parser must refuse exactly the texts in
 *   which some object repeats a name, and otherwise answer what `JSON.parse` answers;
 * - UTF-8: random byte strings (valid, invalid, with a real U+FFFD) are judged like the fatal WHATWG decoder;
 * - the header cache's one-entry memo: alternating headers always answer their own parse.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseJsonObject } from '../../src/_lib/json.js';
import { decodeComplete } from '../../src/index.js';

const SEED = Number(process.env.FC_SEED ?? 20261203);

type Tree =
  | { kind: 'object'; members: { name: string; value: Tree }[] }
  | { kind: 'array'; items: Tree[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'literal'; value: 'true' | 'false' | 'null' };

// Few names, so that repeats are common; some look like JOSE claims.
const NAME = fc.constantFrom('a', 'b', 'alg', 'sub', 'role', 'x:y', 'a b', 'é', '"q"', '');
// String values with the characters the fast path looks at.
const STRING = fc.stringMatching(/^[a-z:" \\\t\n{}[\],é]{0,8}$/);
const WS = fc.stringMatching(/^[ \t\r\n]{0,2}$/);

const tree: fc.Arbitrary<Tree> = fc.letrec<{ node: Tree }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constant('string' as const), value: STRING }),
    fc.record({ kind: fc.constant('number' as const), value: fc.integer() }),
    fc.record({
      kind: fc.constant('literal' as const),
      value: fc.constantFrom<'true' | 'false' | 'null'>('true', 'false', 'null'),
    }),
    fc.record({
      kind: fc.constant('object' as const),
      members: fc.array(fc.record({ name: NAME, value: tie('node') }), { maxLength: 5 }),
    }),
    fc.record({ kind: fc.constant('array' as const), items: fc.array(tie('node'), { maxLength: 4 }) }),
  ),
})).node;

const root = fc.record({
  kind: fc.constant('object' as const),
  members: fc.array(fc.record({ name: NAME, value: tree }), { maxLength: 8 }),
});

/** Whether any object in the tree repeats a (decoded) member name: the ground truth. */
function repeats(t: Tree): boolean {
  if (t.kind === 'object') {
    const names = t.members.map((m) => m.name);
    return new Set(names).size !== names.length || t.members.some((m) => repeats(m.value));
  }
  if (t.kind === 'array') return t.items.some(repeats);
  return false;
}

/** A JSON spelling of a string: each character plain or escaped (`\uXXXX`, `\/`), as `pick` says. */
function spellString(s: string, pick: () => number): string {
  let out = '"';
  for (const ch of s) {
    const choice = pick();
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += choice % 2 ? '\\n' : '\\u000a';
    else if (ch === '\t') out += '\\t';
    else if (ch === '/' && choice % 2) out += '\\/';
    else if (choice % 5 === 0) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function spell(t: Tree, ws: () => string, pick: () => number): string {
  switch (t.kind) {
    case 'string':
      return spellString(t.value, pick);
    case 'number':
      return String(t.value);
    case 'literal':
      return t.value;
    case 'array':
      return `[${ws()}${t.items.map((i) => spell(i, ws, pick)).join(`${ws()},${ws()}`)}${ws()}]`;
    case 'object':
      return `{${ws()}${t.members
        .map((m) => `${spellString(m.name, pick)}${ws()}:${ws()}${spell(m.value, ws, pick)}`)
        .join(`${ws()},${ws()}`)}${ws()}}`;
  }
}

const spelled = fc
  .tuple(
    root,
    fc.array(WS, { minLength: 1, maxLength: 16 }),
    fc.array(fc.nat(9), { minLength: 1, maxLength: 16 }),
  )
  .map(([t, spaces, picks]) => {
    let i = 0;
    let j = 0;
    const text = spell(
      t,
      () => spaces[i++ % spaces.length]!,
      () => picks[j++ % picks.length]!,
    );
    return { text, duplicate: repeats(t) };
  });

describe('strict JSON: the duplicate-member proof against a known answer', () => {
  test('refuses exactly the texts with a repeated name, in any spelling', () => {
    let withDuplicates = 0;
    let tightTexts = 0;
    fc.assert(
      fc.property(spelled, ({ text, duplicate }) => {
        if (duplicate) withDuplicates++;
        if (!/[ \t\r\n]:/.test(text)) tightTexts++;
        const r = parseJsonObject(Buffer.from(text, 'utf8'));
        if (duplicate) assert.deepEqual(r, { ok: false, problem: 'duplicate' }, text);
        else {
          assert.ok(r.ok, `refused: ${text}`);
          assert.deepEqual(r.value, JSON.parse(text));
        }
      }),
      { seed: SEED, numRuns: 4000 },
    );
    // The generator must exercise both answers and the fast path (no whitespace before any colon).
    assert.ok(withDuplicates > 400, `only ${withDuplicates} texts had a duplicate`);
    assert.ok(tightTexts > 400, `only ${tightTexts} texts had no whitespace before a colon`);
  });

  test('UTF-8 is judged like the fatal WHATWG decoder (random bytes inside a JSON string)', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
      fc.constantFrom(
        Uint8Array.of(0xef, 0xbf, 0xbd), // a real U+FFFD
        Uint8Array.of(0xed, 0xa0, 0x80), // a UTF-16 surrogate, encoded
        Uint8Array.of(0xc0, 0xaf), // overlong '/'
        Uint8Array.of(0xf4, 0x90, 0x80, 0x80), // above U+10FFFF
        Uint8Array.of(0xef, 0xbf, 0xbd, 0xff),
      ),
    );
    fc.assert(
      fc.property(bytes, (inner) => {
        const json = Buffer.concat([Buffer.from('{"v":"'), inner, Buffer.from('"}')]);
        let expected: 'utf8' | 'ok-or-syntax';
        try {
          fatal.decode(json);
          expected = 'ok-or-syntax';
        } catch {
          expected = 'utf8';
        }
        const r = parseJsonObject(json);
        if (expected === 'utf8') assert.deepEqual(r, { ok: false, problem: 'utf8' });
        else assert.ok(r.ok || r.problem === 'syntax', JSON.stringify(r));
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});

describe('the header cache answers each header text with its own parse', () => {
  test('alternating headers (and a budget reset in between) never answer another header', () => {
    const secret = 's'.repeat(32);
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const token = (kid: string) => {
      const input = `${b64(JSON.stringify({ alg: 'HS256', kid }))}.${b64('{"sub":"u"}')}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    const kids = ['k1', 'k2', 'k3'];
    const tokens = kids.map(token);
    const order = [0, 0, 1, 0, 2, 2, 1, 1, 0, 2];
    for (let round = 0; round < 3; round++) {
      for (const i of order) {
        const { header } = decodeComplete(tokens[i]!, secret, { algorithms: ['HS256'] });
        assert.equal(header.kid, kids[i]);
      }
      // Enough distinct small headers to pass the cache's character budget and start it again.
      for (let n = 0; n < 1500; n++) {
        const { header } = decodeComplete(token(`fill-${round}-${n}-${'x'.repeat(20)}`), secret, {
          algorithms: ['HS256'],
        });
        assert.equal(header.kid, `fill-${round}-${n}-${'x'.repeat(20)}`);
      }
    }
  });
});
