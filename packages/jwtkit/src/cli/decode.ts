import { type ClaimExplanation, type Explanation, explainToken } from '../explain.js';
import { type CommandDef, EXIT, type Painter } from './_command.js';
import { parseNow, readToken } from './_input.js';
import { explainJwe, renderJwe } from './_jwe-cli.js';

/** Pretty JSON, one colour for the whole block (the jwt.io section colour). */
function block(value: unknown, paint: (s: string) => string): string {
  return JSON.stringify(value, null, 2)
    .split('\n')
    .map((l) => paint(l))
    .join('\n');
}

function short(value: unknown, max = 48): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** The coloured token line: header red, payload purple, signature cyan (as on jwt.io). */
export function colorToken(e: Explanation, c: Painter): string {
  if (e.kind === 'jwe') return `${c.red(e.segments.header)}.${c.cyan(e.segments.signature)}`;
  return `${c.red(e.segments.header)}.${c.purple(e.segments.payload)}.${c.cyan(e.segments.signature)}`;
}

export function renderExplanation(e: Explanation, c: Painter, verbose: boolean): string {
  const lines: string[] = [];
  const annotate = (items: ReadonlyArray<ClaimExplanation>): void => {
    const width = Math.min(16, Math.max(0, ...items.map((i) => i.name.length)));
    for (const i of items) {
      let text: string;
      if (i.time) text = `${i.label}: ${i.time.iso} (${i.time.relative})`;
      else if (i.name === 'alg' && e.algorithm) text = `${i.label}: ${e.algorithm.description}`;
      else if (i.registered) text = `${i.label}: ${short(i.value)}`;
      else text = c.dim('private (unregistered) name');
      const ref = i.registered ? c.dim(` [${i.rfc}]`) : '';
      lines.push(`  ${c.bold(i.name.padEnd(width))}  ${text}${ref}`);
      if (verbose) {
        lines.push(`  ${' '.repeat(width)}  ${c.dim(i.description)}`);
        if (i.registered && i.url) lines.push(`  ${' '.repeat(width)}  ${c.dim(i.url)}`);
      }
    }
  };

  lines.push(colorToken(e, c), '');

  lines.push(c.red(c.bold('HEADER')) + c.dim(`  ${e.segments.header || '(empty)'}`));
  if (e.header) {
    lines.push(block(e.header, c.red));
    annotate(e.headerParams);
  } else lines.push(c.dim('  (cannot be decoded)'));
  lines.push('');

  if (e.kind === 'jwe') {
    lines.push(
      c.purple(c.bold('PAYLOAD')),
      c.dim('  (encrypted: a JWE payload cannot be read without the key)'),
      '',
    );
  } else {
    lines.push(c.purple(c.bold('PAYLOAD')) + c.dim(`  ${e.segments.payload || '(empty)'}`));
    if (e.payload !== null) {
      lines.push(block(e.payload, c.purple));
      annotate(e.claims);
    } else lines.push(c.dim('  (cannot be decoded)'));
    lines.push('');
  }

  if (e.kind === 'jwe') {
    lines.push(c.cyan(c.bold('ENCRYPTED KEY . IV . CIPHERTEXT . TAG')));
    lines.push(`  ${c.cyan(e.segments.signature || '(empty)')}`);
    lines.push(
      `  ${c.yellow(c.bold('NOT decrypted and NOT verified'))}: jwtkit reads only the header of a JWE`,
    );
  } else {
    lines.push(c.cyan(c.bold('SIGNATURE')));
    lines.push(`  ${c.cyan(e.segments.signature || '(empty)')}`);
    if (e.algorithm) {
      const size = e.signatureBytes !== null ? `, ${e.signatureBytes} bytes` : '';
      lines.push(`  ${e.algorithm.name}: ${e.algorithm.description}${size}`);
    }
    lines.push(
      `  ${c.yellow(c.bold('signature NOT verified'))}: decoding only reads the token; check it with \`jwtkit verify\` and the key`,
    );
  }

  if (e.warnings.length > 0) {
    lines.push('', c.yellow(c.bold('WARNINGS')));
    for (const w of e.warnings) lines.push(`  ${c.yellow('!')} ${w.message} ${c.dim(`(${w.code})`)}`);
  }
  if (e.errors.length > 0) {
    lines.push('', c.red(c.bold('ERRORS')));
    for (const err of e.errors) lines.push(`  ${c.red('x')} ${err}`);
  }
  return lines.join('\n');
}

export const command: CommandDef = {
  meta: {
    name: 'decode',
    summary: "show a token's parts, claims and warnings (no verification)",
    description: [
      'Prints the three parts coloured as on jwt.io (header red, payload purple, signature cyan), the',
      'header and payload pretty-printed, each registered claim in words (times as ISO dates and',
      '"expires in 14 min"), and warnings for risky tokens (alg none, no exp, long lifetime, jku/x5u/jwk).',
      'The signature is NOT verified: use `jwtkit verify` for that. TOKEN may be `-` or piped on stdin;',
      'a leading "Bearer " is ignored. Exit 1 when the token is not a well-formed JWT.',
    ].join('\n'),
    examples: [
      'jwtkit decode eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoxMDF9.sig',
      'pbpaste | jwtkit decode',
      'jwtkit decode --json "$TOKEN" | jq .payload',
      'jwtkit decode --now 2026-01-01T00:00:00Z --verbose "$TOKEN"',
    ],
  },
  positionals: [{ name: 'TOKEN', description: 'the token, or - to read stdin (default when piped)' }],
  options: {
    json: {
      type: 'boolean',
      short: 'j',
      description: 'machine output: the explanation as JSON (with "verified": false)',
    },
    verbose: {
      type: 'boolean',
      short: 'v',
      description: 'describe every header parameter and claim, with links',
    },
    now: {
      type: 'string',
      valueName: 'TIME',
      description: 'judge times against this moment (epoch seconds or ISO date)',
    },
  },
  async run({ values, positionals, io, color, out }) {
    const token = await readToken(positionals[0], io);
    const now = parseNow(values.now as string | undefined);
    const e = explainToken(token, { now });
    // A JWE (5 parts): what each part is and whether it fits its algorithms, without decrypting.
    const jwe = e.kind === 'jwe' ? explainJwe(token) : null;
    if (values.json) {
      out(JSON.stringify({ verified: false, ...e, ...(jwe ? { jwe } : {}) }, null, 2));
    } else {
      out(renderExplanation(e, color, Boolean(values.verbose)) + (jwe ? renderJwe(jwe, color) : ''));
    }
    return e.errors.length > 0 ? EXIT.invalidToken : EXIT.ok;
  },
};
