// The duplicate-member proof of jwtkit's strict JSON parser, before and after issue 19's library round
// (bench/FINDINGS.md F6b): the same answer, two ways to reach it, on freshly parsed claim sets.
// Usage: npx tsx bench/src/micro/duplicate-proof.ts   (build packages/jwtkit first: the last rows use dist)
import { parseJsonObject } from '../../../packages/jwtkit/dist/_lib/json.js';
import { validClaims } from '../check.js';
import { PAYLOADS, type PayloadName } from '../fixtures.js';
import { compare, print } from './common.js';

type Obj = Record<string, unknown>;

// Before (jwtkit @ 72d3f90): names after whitespace by regex, then one indexOf('":') per name, and the
// members counted by Object.keys and a lookup per name.
const WS_BEFORE_COLON = /"[ \t\r\n]+:/;
function quoteColonsBefore(text: string): number {
  if (WS_BEFORE_COLON.test(text)) return -1;
  let colons = 0;
  for (let i = text.indexOf('":'); i !== -1; i = text.indexOf('":', i + 2)) colons++;
  return colons;
}
function membersBefore(v: object): number {
  if (Array.isArray(v)) {
    let n = 0;
    for (const item of v) if (typeof item === 'object' && item !== null) n += membersBefore(item);
    return n;
  }
  const names = Object.keys(v);
  let n = names.length;
  for (const name of names) {
    const item = (v as Obj)[name];
    if (typeof item === 'object' && item !== null) n += membersBefore(item);
  }
  return n;
}

// After (src/_lib/json.ts): one indexOf(':') per colon, the character before it read, and the members
// counted over Object.values.
function quoteColonsAfter(text: string): number {
  let tight = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    const before = text.charCodeAt(i - 1);
    if (before === 0x22) tight++;
    else if (before === 0x20 || before === 0x0a || before === 0x0d || before === 0x09) return -1;
  }
  return tight;
}
function membersAfter(v: object): number {
  const items: readonly unknown[] = Array.isArray(v) ? v : Object.values(v);
  let n = Array.isArray(v) ? 0 : items.length;
  for (const item of items) if (typeof item === 'object' && item !== null) n += membersAfter(item);
  return n;
}

for (const which of Object.keys(PAYLOADS) as PayloadName[]) {
  const text = JSON.stringify(validClaims(PAYLOADS[which]));
  const bytes = Buffer.from(text, 'utf8');
  const parsed = JSON.parse(text) as Obj;
  // Both ways must agree before anything is timed.
  if (quoteColonsBefore(text) !== quoteColonsAfter(text) || membersBefore(parsed) !== membersAfter(parsed))
    throw new Error(`the two proofs disagree on ${which}`);
  if (quoteColonsAfter(text) !== membersAfter(parsed))
    throw new Error(`${which}: the fast path does not apply`);
  print(
    `duplicate-member proof, ${which} claims (${bytes.length} bytes, ${membersAfter(parsed)} members)`,
    await compare({
      'JSON.parse(toString) (the raw baseline)': () => JSON.parse(bytes.toString('utf8')),
      "before: whitespace regex + indexOf('\":') loop": () => quoteColonsBefore(text),
      'after: indexOf(":") loop, one char read': () => quoteColonsAfter(text),
      'before: members by Object.keys (fresh parse)': () => membersBefore(JSON.parse(text)),
      'after: members by Object.values (fresh parse)': () => membersAfter(JSON.parse(text)),
      'JSON.parse alone (to subtract from the two above)': () => JSON.parse(text),
      'parseJsonObject(bytes) (dist: utf8 + parse + depth + duplicates)': () => parseJsonObject(bytes),
    }),
  );
}
