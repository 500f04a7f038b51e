/**
 * The first-token lesson (issue 21): the four classic steps (make the user data, define a secret, encode
 * with HS256, print the token), as data and pure functions. One source for the texts: the web page's
 * Learn tab and `jwtkit learn` both render what this module returns.
 *
 * Browser-safe on purpose (no `node:*`, no `Buffer`): the server serves the compiled file to the page.
 * Nothing here signs anything; the caller computes the token with the library and passes it in.
 *
 * The Python column is what PyJWT 2.15.1 prints, byte for byte: `pythonRepr` is Python's `repr()` of
 * the JSON values the lesson uses, `pyjwtWarnings` PyJWT's key-length warning, and `pyjwtDifference`
 * says where PyJWT's token would differ from jwtkit's (both checked against fixtures made by PyJWT
 * itself: packages/jwtkit/test/learn/fixtures/pyjwt-learn.py).
 */

/** What the learner can edit. `userId` is the digits as typed (so a big integer is not rounded yet). */
export interface LessonValues {
  userId: string;
  username: string;
  role: string;
  secret: string;
}

/** The classic exercise's values: they produce the seed token below. */
export const SEED_VALUES: Readonly<LessonValues> = Object.freeze({
  userId: '101',
  username: 'alice',
  role: 'admin',
  secret: 'mysecret123',
});

/** encode({user_id: 101, username: 'alice', role: 'admin'}, 'mysecret123', HS256), in jwtkit and PyJWT. */
export const SEED_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxMDEsInVzZXJuYW1lIjoiYWxpY2UiLCJyb2xlIjoiYWRtaW4ifQ.XriQ3qQiLtjMqdSeSCZpHuYcTAjVv5qKOK89qxHV548';

/** The lesson signs with the first HMAC algorithm; its name comes from the caller (the algorithm table). */
export interface LessonContext {
  /** The HMAC algorithm name, e.g. from the library's table of algorithm facts. */
  alg: string;
  /** Bytes the hash produces: RFC 7518 §3.2's minimum key size for `alg`. */
  hashBytes: number;
  /** Below this many bytes jwtkit refuses a raw secret outright. */
  minSecretBytes: number;
}

export type ValueProblem = { field: keyof LessonValues; message: string };

const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/** Problems that stop the lesson from producing a token (the page shows them next to the field). */
export function checkValues(v: LessonValues, ctx: LessonContext): ValueProblem[] {
  const out: ValueProblem[] = [];
  if (!INTEGER.test(v.userId))
    out.push({ field: 'userId', message: 'user_id is a whole number here, e.g. 101' });
  const bytes = utf8Length(v.secret);
  if (bytes === 0) out.push({ field: 'secret', message: 'the secret is empty: nothing to sign with' });
  else if (bytes < ctx.minSecretBytes)
    out.push({
      field: 'secret',
      message: `jwtkit refuses a secret under ${ctx.minSecretBytes} bytes (this one is ${bytes}); RFC 7518 §3.2 asks for ${ctx.hashBytes}`,
    });
  return out;
}

/** The user object as the TypeScript code has it (a JavaScript number rounds past 2^53). */
export function userObject(v: LessonValues): { user_id: number; username: string; role: string } {
  return { user_id: Number(v.userId), username: v.username, role: v.role };
}

export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

// ---------------------------------------------------------------------------------------------------
// Literals and printed values, per language

/** A single-quoted TypeScript string literal. */
export function tsString(s: string): string {
  return `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

/** A Python string literal (JSON's escapes are valid Python escapes). */
export function pyString(s: string): string {
  return JSON.stringify(s);
}

// Python's str.isprintable(): everything but Other (Cc, Cf, Cs, Co, Cn) and Separator (Zl, Zp, Zs)
// except the ASCII space.
const PY_NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `repr()` of a str. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x7f) out += ch;
    else if (ch !== ' ' && PY_NOT_PRINTABLE.test(ch)) {
      if (cp < 0x100) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
      else out += `\\U${cp.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** What `print(user)` shows in Python (a dict's repr; the integer exactly as typed). */
export function pythonUserRepr(v: LessonValues): string {
  return `{'user_id': ${BigInt(v.userId).toString()}, 'username': ${pyStrRepr(v.username)}, 'role': ${pyStrRepr(v.role)}}`;
}

// Node's util.inspect for the lesson's flat object of a number and two strings (the subset it needs):
// quotes chosen like Node ('' unless the text has a quote), control characters escaped, one line while
// it fits in 72 columns, one member per line after that.
const NODE_META: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
function nodeString(s: string): string {
  let quote = "'";
  if (s.includes("'")) {
    if (!s.includes('"')) quote = '"';
    else if (!s.includes('`') && !s.includes('${')) quote = '`';
  }
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (Object.hasOwn(NODE_META, ch)) out += NODE_META[ch];
    else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
      out += `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += `\\u${cp.toString(16).toUpperCase()}`;
    else out += ch;
  }
  return quote + out + quote;
}

/** What `console.log(user)` prints in Node. */
export function nodeUserInspect(v: LessonValues): string {
  const entries = [
    `user_id: ${String(Number(v.userId))}`,
    `username: ${nodeString(v.username)}`,
    `role: ${nodeString(v.role)}`,
  ];
  const total = entries.reduce((n, e) => n + e.length, 0) + entries.length;
  if (total + entries.length + 14 <= 80 && !entries.some((e) => e.includes('\n')))
    return `{ ${entries.join(', ')} }`;
  return `{\n  ${entries.join(',\n  ')}\n}`;
}

// ---------------------------------------------------------------------------------------------------
// What PyJWT would do differently

/** PyJWT 2.15.1's warning for a short HMAC key (printed on stderr by `jwt.encode` and `jwt.decode`). */
export function pyjwtWarnings(v: LessonValues, ctx: LessonContext): string[] {
  const n = utf8Length(v.secret);
  if (n === 0 || n >= ctx.hashBytes) return [];
  const hash = `SHA${ctx.hashBytes * 8}`;
  return [
    `InsecureKeyLengthWarning: The HMAC key is ${n} bytes long, which is below the minimum recommended length of ${ctx.hashBytes} bytes for ${hash}. See RFC 7518 Section 3.2.`,
  ];
}

export interface PyjwtDifference {
  /** PyJWT's token is different bytes, or PyJWT does something jwtkit does not. */
  kind: 'token' | 'accepts' | 'refuses';
  /** One sentence; the row of docs/pyjwt.md it comes from is named. */
  why: string;
}

/** Where PyJWT would not print what jwtkit prints for these values (empty: byte-identical). */
export function pyjwtDifferences(v: LessonValues, ctx: LessonContext): PyjwtDifference[] {
  const out: PyjwtDifference[] = [];
  if (INTEGER.test(v.userId) && !Number.isSafeInteger(Number(v.userId))) {
    out.push({
      kind: 'token',
      why: `user_id ${v.userId} is beyond 2^53: Python keeps the exact integer, a JavaScript number becomes ${String(Number(v.userId))}, so the payloads differ (docs/pyjwt.md, "Integers beyond 2^53"; carry big ids as strings)`,
    });
  }
  const n = utf8Length(v.secret);
  if (n === 0)
    out.push({
      kind: 'refuses',
      why: 'both refuse an empty key (PyJWT: InvalidKeyError: HMAC key must not be empty.)',
    });
  else if (n < ctx.minSecretBytes)
    out.push({
      kind: 'accepts',
      why: `PyJWT signs with a ${n}-byte key after a warning; jwtkit refuses secrets under ${ctx.minSecretBytes} bytes (docs/pyjwt.md, "Short HMAC secrets")`,
    });
  return out;
}

/** The token PyJWT prints for these values: jwtkit's, except for a big user_id (exact digits). */
export function pyjwtSigningInput(v: LessonValues, header: string): { header: string; payload: string } {
  // PyJWT: json.dumps(payload, separators=(",", ":")) with ensure_ascii, in insertion order.
  const payload = `{"user_id":${BigInt(v.userId).toString()},"username":${pyEscape(v.username)},"role":${pyEscape(v.role)}}`;
  return { header, payload };
}

function pyEscape(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// ---------------------------------------------------------------------------------------------------
// The steps

export interface LessonStep {
  id: 'user' | 'secret' | 'encode' | 'print';
  n: number;
  title: string;
  /** A short paragraph, plain text. */
  explain: string;
  ts: string;
  py: string;
}

/** The four steps, with code for the current values. */
export function lessonSteps(v: LessonValues, ctx: LessonContext): LessonStep[] {
  const userTs = `const user = { user_id: ${String(Number(v.userId))}, username: ${tsString(v.username)}, role: ${tsString(v.role)} };`;
  const userPy = `user = {"user_id": ${INTEGER.test(v.userId) ? BigInt(v.userId).toString() : v.userId}, "username": ${pyString(v.username)}, "role": ${pyString(v.role)}}`;
  return [
    {
      id: 'user',
      n: 1,
      title: 'Make the user data',
      explain:
        'The payload of a JWT is a JSON object of claims: facts about the user that the server wants back on every request. user_id, username and role are private claims (names the two sides agree on); registered ones such as exp (expiry) and iss (issuer) come later.',
      ts: `${userTs}\nconsole.log(user);`,
      py: `${userPy}\nprint(user)`,
    },
    {
      id: 'secret',
      n: 2,
      title: 'Define a secret',
      explain: `${ctx.alg} is an HMAC: the same secret signs and verifies, so only the server may know it. Whoever has it can mint any token, for any user and any role. RFC 7518 §3.2 asks for at least ${ctx.hashBytes} bytes for ${ctx.alg}; a short secret can be guessed offline from a single token.`,
      ts: `const secret = ${tsString(v.secret)};`,
      py: `secret = ${pyString(v.secret)}`,
    },
    {
      id: 'encode',
      n: 3,
      title: `Encode with ${ctx.alg}`,
      explain: `encode writes the header {"alg":"${ctx.alg}","typ":"JWT"} and the payload as compact JSON, base64url-encodes each, and signs "header.payload" with HMAC-SHA-${ctx.hashBytes * 8} using the secret. jwtkit and PyJWT write the same JSON (sorted header keys, no spaces, \\uXXXX escapes), so they produce the same bytes.`,
      ts: `import { encode } from 'jwtkit';\n\nconst token = encode(user, secret, { algorithm: '${ctx.alg}' });`,
      py: `import jwt\n\ntoken = jwt.encode(user, secret, algorithm="${ctx.alg}")`,
    },
    {
      id: 'print',
      n: 4,
      title: 'Print the token',
      explain:
        'Three base64url parts joined by dots: header.payload.signature. It is text you can put in an Authorization: Bearer header. Anyone can read the first two parts; only the holder of the secret can make a signature that verifies.',
      ts: 'console.log(token);',
      py: 'print(token)',
    },
  ];
}

/** The whole program, in one language, for the current values (what you would paste in a file). */
export function program(v: LessonValues, ctx: LessonContext, lang: 'ts' | 'py'): string {
  const steps = lessonSteps(v, ctx);
  const imports = lang === 'ts' ? "import { encode } from 'jwtkit';" : 'import jwt';
  const body = steps.map((s) => {
    const code = lang === 'ts' ? s.ts : s.py;
    return code
      .split('\n')
      .filter((l) => l !== imports && l !== '')
      .join('\n');
  });
  return `${imports}\n\n${body.join('\n')}\n`;
}

/** "What just happened", after step 4: the texts around the bytes the page and the CLI compute. */
export const WHAT_HAPPENED = Object.freeze({
  title: 'What just happened',
  parts:
    'The token is three parts. The first two are only base64url-encoded JSON: decode them and you read the header and the claims.',
  signature: (alg: string, hashBytes: number) =>
    `The signature is HMAC-SHA-${hashBytes * 8}(secret, ASCII bytes of "header.payload"): ${hashBytes} bytes, then base64url. ${alg} names this recipe in the header, and the verifier must not let the header choose it: it accepts only the algorithms it was told to.`,
  readable:
    'Anyone who holds the token can read everything but the signature, without the secret: a JWT is signed, not encrypted. Never put a password or anything private in it.',
  shortSecret: (n: number, need: number) =>
    `This secret is ${n} bytes. RFC 7518 §3.2 asks for at least ${need}: a short or guessable secret can be brute-forced offline from any one token (hashcat does billions of guesses a second). Generate a random one instead.`,
  next: 'Now use it in a REST API: log in, call a protected route, refresh and log out with this service.',
});
