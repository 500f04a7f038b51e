// The Markdown block reader behind the docs-commands test: fences, directives, console transcripts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assignedNames, consoleCommands, extractBlocks, parseDirectives } from './_blocks.js';

describe('docs blocks', () => {
  test('fences with their language, line and the directive right above', () => {
    const md = [
      'text',
      '<!-- docs-test: needs=a.pem,b.json; cwd=repo -->',
      '```sh',
      'echo one',
      '```',
      '',
      '<!-- docs-test: not-run: a reason; with a semicolon -->',
      '',
      '```bash',
      'echo two',
      '```',
      '~~~console',
      '$ echo three',
      'three',
      '~~~',
      '```',
      'plain',
      '```',
    ].join('\n');
    const b = extractBlocks('x.md', md);
    assert.deepEqual(
      b.map((x) => [x.line, x.lang, x.body]),
      [
        [3, 'sh', 'echo one'],
        [9, 'bash', 'echo two'],
        [12, 'console', '$ echo three\nthree'],
        [16, '', 'plain'],
      ],
    );
    assert.deepEqual(b[0]!.directives, {
      needs: ['a.pem', 'b.json'],
      cwd: 'repo',
      notRun: undefined,
      exactOutput: false,
    });
    // A directive must be on the line right above the fence: a blank line in between detaches it.
    assert.equal(b[1]!.directives.notRun, undefined);
  });

  test('not-run takes the rest of the comment; unknown directives are errors', () => {
    assert.equal(parseDirectives('output=exact; not-run: x; y', 'w').notRun, 'x; y');
    assert.equal(parseDirectives('output=exact; not-run: x; y', 'w').exactOutput, true);
    assert.throws(
      () => parseDirectives('not_run: x', 'f.md:3'),
      /f\.md:3: unknown docs-test directive "not_run: x"/,
    );
    assert.throws(() => parseDirectives('cwd=home', 'w'), /unknown docs-test directive/);
  });

  test('console transcripts: $ commands with continuations and their output', () => {
    assert.deepEqual(consoleCommands('$ a \\\n  b\nout1\nout2\n$ c\n'), [
      { command: 'a \\\n  b', output: ['out1', 'out2'] },
      { command: 'c', output: [''] },
    ]);
  });

  test('variables a block assigns (not per-command prefixes of key=value arguments)', () => {
    assert.deepEqual(
      assignedNames(
        'TOKEN=x\nexport JWT_SECRET=$(y)\nA=$(a); REFRESH=$(b)\njwtkit encode user_id=101 --nbf=-5m\nJWT_SECRET=z jwtkit verify',
      ).sort(),
      ['A', 'JWT_SECRET', 'REFRESH', 'TOKEN'],
    );
  });
});
