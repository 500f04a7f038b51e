/**
 * `jwtkit learn`: the first-token lesson in the terminal, with the same texts as the page's Learn tab
 * (both render `src/learn/lesson.ts`). Each step prints its explanation, the TypeScript (jwtkit) and
 * Python (PyJWT) code, and what each prints; then "what just happened" with the HMAC bytes.
 */
import { ALGORITHMS, algorithmInfo, MIN_HMAC_SECRET_BYTES } from '../_lib/algorithms.js';
// The library's one node:crypto boundary: the lesson shows raw HMAC bytes, also for secrets encode refuses.
import { hmacBase64url, hmacBytes } from '../_lib/crypto.js';
import { encode, generateSecret, JwtError } from '../index.js';
import {
  checkValues,
  type LessonContext,
  type LessonValues,
  lessonSteps,
  nodeUserInspect,
  pyjwtDifferences,
  pyjwtSigningInput,
  pyjwtWarnings,
  pythonUserRepr,
  SEED_VALUES,
  userObject,
  utf8Length,
  WHAT_HAPPENED,
} from '../learn/index.js';
import { type CommandDef, EXIT, type Painter, usageError } from './_command.js';

const HS = ALGORITHMS.find((a) => algorithmInfo(a)?.family === 'hmac') as (typeof ALGORITHMS)[number];

export function lessonContext(): LessonContext {
  return { alg: HS, hashBytes: algorithmInfo(HS)?.hashBytes ?? 0, minSecretBytes: MIN_HMAC_SECRET_BYTES };
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** jwtkit's token (or its refusal) and PyJWT's token for the values. */
export function lessonTokens(
  v: LessonValues,
  ctx: LessonContext,
): { ts: string | JwtError; py: string | null } {
  let ts: string | JwtError;
  const emit = process.emitWarning;
  process.emitWarning = () => {}; // the lesson says it itself, next to the code
  try {
    ts = encode(userObject(v), v.secret, { algorithm: HS });
  } catch (e) {
    if (!(e instanceof JwtError)) throw e;
    ts = e;
  } finally {
    process.emitWarning = emit;
  }
  if (utf8Length(v.secret) === 0) return { ts, py: null };
  const input = pyjwtSigningInput(v, `{"alg":"${ctx.alg}","typ":"JWT"}`);
  const signing = `${b64(input.header)}.${b64(input.payload)}`;
  const sig = hmacBase64url(`sha${ctx.hashBytes * 8}`, Buffer.from(v.secret, 'utf8'), signing);
  return { ts, py: `${signing}.${sig}` };
}

function indent(text: string, c: (s: string) => string = (s) => s): string {
  return text
    .split('\n')
    .map((l) => `    ${c(l)}`)
    .join('\n');
}

/** The whole lesson as terminal text. */
export function renderLesson(v: LessonValues, c: Painter): string {
  const ctx = lessonContext();
  const lines: string[] = [];
  const problems = checkValues(v, ctx);
  const tokens = problems.some((p) => p.field === 'userId') ? null : lessonTokens(v, ctx);
  const tsToken = tokens && typeof tokens.ts === 'string' ? tokens.ts : null;
  const outputs: Record<string, { ts: string; py: string }> = {
    user: { ts: nodeUserInspect(v), py: pythonUserRepr(v) },
    secret: { ts: '', py: '' },
    encode: {
      ts: '',
      py: pyjwtWarnings(v, ctx)
        .map((w) => `(stderr) ${w}`)
        .join('\n'),
    },
    print: {
      ts:
        tsToken ??
        `${tokens?.ts instanceof JwtError ? `${tokens.ts.name} [${tokens.ts.code}]: ${tokens.ts.message}` : ''}`,
      py: tokens?.py ?? 'InvalidKeyError: HMAC key must not be empty.',
    },
  };
  lines.push(c.bold('Your first JWT, in four steps'), '');
  for (const s of lessonSteps(v, ctx)) {
    lines.push(c.bold(`Step ${s.n}. ${s.title}`), s.explain, '');
    lines.push(c.dim('  TypeScript (jwtkit)'), indent(s.ts, c.green));
    const out = outputs[s.id];
    if (out?.ts) lines.push(c.dim('  prints'), indent(out.ts));
    lines.push('', c.dim('  Python (PyJWT)'), indent(s.py, c.yellow));
    if (out?.py) lines.push(c.dim('  prints'), indent(out.py));
    lines.push('');
  }
  for (const p of problems) lines.push(c.red(`! ${p.message}`));
  for (const d of pyjwtDifferences(v, ctx)) lines.push(c.yellow(`PyJWT differs: ${d.why}`));
  if (tsToken) {
    const [h, p, s] = tsToken.split('.') as [string, string, string];
    const mac = hmacBytes(`sha${ctx.hashBytes * 8}`, Buffer.from(v.secret, 'utf8'), `${h}.${p}`);
    lines.push(
      '',
      c.bold(WHAT_HAPPENED.title),
      `${c.red(h)}.${c.purple(p)}.${c.cyan(s)}`,
      '',
      WHAT_HAPPENED.parts,
      `  header   ${c.red(Buffer.from(h, 'base64url').toString('utf8'))}`,
      `  payload  ${c.purple(Buffer.from(p, 'base64url').toString('utf8'))}`,
      '',
      WHAT_HAPPENED.signature(ctx.alg, ctx.hashBytes),
      `  HMAC-SHA-${ctx.hashBytes * 8}(secret, "${h}.${p}")`,
      `  = ${mac.toString('hex').replace(/(..)(?!$)/g, '$1 ')}`,
      `  = ${c.cyan(mac.toString('base64url'))} (base64url)`,
      '',
      WHAT_HAPPENED.readable,
    );
    const n = utf8Length(v.secret);
    if (n < ctx.hashBytes) {
      lines.push(
        '',
        c.yellow(WHAT_HAPPENED.shortSecret(n, ctx.hashBytes)),
        `  a proper secret: ${generateSecret(HS).toString('base64url')}  (jwtkit keygen ${ctx.alg} --format base64url)`,
      );
    }
  }
  lines.push(
    '',
    WHAT_HAPPENED.next,
    '  jwtkit serves it: npm start -w packages/server, then open the Flow tab.',
    '',
  );
  return lines.join('\n');
}

export const command: CommandDef = {
  meta: {
    name: 'learn',
    summary: 'the four steps of a first JWT, in TypeScript and Python side by side',
    description: [
      'Walks the classic first exercise: make the user data, define a secret, encode with HMAC, print',
      'the token; each step with its jwtkit and PyJWT code and what they print (the Python output is what',
      'PyJWT 2.15.1 prints, or the lesson says why it differs), then how the signature was computed.',
      "The same lesson as the page's Learn tab. Change the values with the options.",
    ].join('\n'),
    examples: [
      'jwtkit learn',
      'jwtkit learn --username bob --role user',
      `jwtkit learn --secret "$(jwtkit keygen ${HS} --format base64url)"`,
    ],
  },
  positionals: [],
  options: {
    'user-id': {
      type: 'string',
      valueName: 'N',
      description: `user_id of the user object (default ${SEED_VALUES.userId})`,
    },
    username: {
      type: 'string',
      valueName: 'NAME',
      description: `username (default ${SEED_VALUES.username})`,
    },
    role: { type: 'string', valueName: 'ROLE', description: `role (default ${SEED_VALUES.role})` },
    secret: {
      type: 'string',
      valueName: 'SECRET',
      description: `the HMAC secret (default ${SEED_VALUES.secret})`,
    },
  },
  run({ values, color, out }) {
    const v: LessonValues = {
      userId: (values['user-id'] as string | undefined) ?? SEED_VALUES.userId,
      username: (values.username as string | undefined) ?? SEED_VALUES.username,
      role: (values.role as string | undefined) ?? SEED_VALUES.role,
      secret: (values.secret as string | undefined) ?? SEED_VALUES.secret,
    };
    const problems = checkValues(v, lessonContext());
    const bad = problems.find((p) => p.field === 'userId');
    if (bad) throw usageError(`--user-id: ${bad.message}`);
    out(renderLesson(v, color));
    return EXIT.ok;
  },
};
