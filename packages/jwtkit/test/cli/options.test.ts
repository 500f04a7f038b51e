// Option errors, for every option of every command: an unknown option names itself and the nearest
// known one, a missing value shows the expected form, a flag given a value says so. Never Node's raw
// parseArgs text ("To specify a positional argument starting with a '-' ..."), never a stack trace.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CommandDef } from '../../src/cli/_command.js';
import { COMMANDS, suggestions } from '../../src/cli/main.js';
import { run } from './_helpers.js';

const RAW_PARSEARGS =
  /To specify a positional|Unknown option '|argument missing|does not take an argument|ambiguous/;

/** Typical typos of a name: one letter dropped, two neighbours swapped, one letter doubled. */
function typos(name: string): string[] {
  const out = new Set<string>();
  const mid = Math.floor(name.length / 2);
  out.add(name.slice(0, mid) + name.slice(mid + 1));
  if (name.length > 3) out.add(name.slice(0, mid - 1) + name[mid] + name[mid - 1] + name.slice(mid + 1));
  out.add(name.slice(0, mid) + name[mid] + name.slice(mid));
  out.delete(name);
  return [...out];
}

const commands: Array<[string, CommandDef]> = [];
for (const name of Object.keys(COMMANDS)) commands.push([name, await COMMANDS[name]!.load()]);

describe('option errors', () => {
  test('the issue example: encode --secrt x', async () => {
    const r = await run(['encode', '--secrt', 'x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^jwtkit encode: error: unknown option --secrt \(did you mean --secret\?\)\n/);
    assert.match(r.stderr, /Usage: jwtkit encode/);
    assert.doesNotMatch(r.stderr, RAW_PARSEARGS);
  });

  for (const [name, cmd] of commands) {
    const all = { ...cmd.options, help: { type: 'boolean' }, 'no-color': { type: 'boolean' } };
    const longNames = Object.keys(all).map((n) => `--${n}`);
    test(`${name}: a typo of each option (${Object.keys(cmd.options).length} options) suggests that option`, async () => {
      let checked = 0;
      for (const opt of Object.keys(cmd.options)) {
        for (const typo of typos(opt)) {
          if (Object.hasOwn(all, typo)) continue;
          const s = suggestions(`--${typo}`, longNames);
          // A typo that is a prefix of several options lists them all, including the intended one.
          assert.ok(s.includes(`--${opt}`), `--${typo} should suggest --${opt}, got ${JSON.stringify(s)}`);
          const r = await run([name, `--${typo}`, ...(cmd.positionals.some((p) => p.required) ? ['x'] : [])]);
          assert.equal(r.code, 2, `${name} --${typo}: ${r.stderr}`);
          assert.ok(
            r.stderr.startsWith(`jwtkit ${name}: error: unknown option --${typo} (did you mean `),
            `${name} --${typo}: ${r.stderr}`,
          );
          assert.ok(r.stderr.includes(`--${opt}`), `${name} --${typo} must name --${opt}: ${r.stderr}`);
          assert.doesNotMatch(r.stderr, RAW_PARSEARGS);
          checked++;
        }
      }
      assert.ok(checked >= Object.keys(cmd.options).length, `only ${checked} typos checked`);
    });

    test(`${name}: a string option without its value shows the expected form`, async () => {
      for (const [opt, d] of Object.entries(cmd.options)) {
        if (d.type !== 'string') continue;
        const r = await run([name, `--${opt}`]);
        assert.equal(r.code, 2);
        assert.ok(
          r.stderr.startsWith(
            `jwtkit ${name}: error: --${opt} needs a value: --${opt} ${d.valueName ?? 'VALUE'}\n`,
          ),
          r.stderr,
        );
        assert.doesNotMatch(r.stderr, RAW_PARSEARGS);
      }
    });

    test(`${name}: a flag given a value is refused by name`, async () => {
      for (const [opt, d] of Object.entries(all)) {
        if (d.type !== 'boolean') continue;
        const r = await run([name, `--${opt}=yes`]);
        assert.equal(r.code, 2);
        assert.ok(
          r.stderr.startsWith(`jwtkit ${name}: error: --${opt} is a flag and takes no value`),
          r.stderr,
        );
      }
    });

    test(`${name}: an unknown short option lists the short ones`, async () => {
      const r = await run([name, '-Z']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /unknown option -Z \(short options: .*-h \(--help\)\)/);
    });
  }

  test('an option followed by another option instead of its value', async () => {
    const r = await run(['encode', '--secret', '--exp', '15m', 'a=1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--secret needs a value but is followed by "--exp": --secret SECRET/);
    const n = await run(['encode', '--nbf', '-5m', 'a=1']);
    assert.equal(n.code, 2);
    assert.match(n.stderr, /a value that starts with '-' is written --nbf=-5m/);
  });

  test('a value that starts with - is fine after =, and "-" alone is stdin', async () => {
    const r = await run(['encode', '--secret', 'a-32-byte-secret-for-hs256-tests!', '--nbf=-5m', 'a=1']);
    assert.equal(r.code, 0, r.stderr);
    const s = await run(['encode', '--secret-file', '-', 'a=1'], {
      stdin: 'a-32-byte-secret-for-hs256-tests!\n',
    });
    assert.equal(s.code, 0, s.stderr);
  });

  test('a short prefix lists every option it starts', async () => {
    const r = await run(['verify', '--sec', 'x']);
    assert.match(
      r.stderr,
      /unknown option --sec \(did you mean one of --secret, --secret-file, --secret-encoding\?\)/,
    );
  });

  test('a name far from every option gets no guess', async () => {
    const r = await run(['encode', '--zzzzzz', 'a=1']);
    assert.match(r.stderr, /error: unknown option --zzzzzz\n/);
  });

  test('top level: an option before the command', async () => {
    const r = await run(['--hlep']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option --hlep \(did you mean --help\?\); a command comes first/);
    const c = await run(['--secret', 'x', 'encode']);
    assert.match(c.stderr, /unknown option --secret; a command comes first/);
  });
});

describe('help examples paste cleanly', () => {
  test('every example line in jwtkit --help and each command --help is valid shell with no placeholder', async () => {
    const { spawnSync } = await import('node:child_process');
    const top = await run(['--help']);
    const lines = top.stdout
      .split('\n')
      .filter((l) => l.startsWith('  $ '))
      .map((l) => l.slice(4));
    for (const [, cmd] of commands) lines.push(...cmd.meta.examples);
    assert.ok(lines.length > 20, `only ${lines.length} examples`);
    for (const line of lines) {
      const r = spawnSync('bash', ['-n'], { input: line, encoding: 'utf8' });
      assert.equal(r.status, 0, `not valid shell: ${line}\n${r.stderr}`);
      // `...` or `<token>` where a value should be: the reader cannot paste it.
      assert.doesNotMatch(line.replace(/#.*$/, ''), /\w\.\.\.|=\.\.\.|<[a-z]+>/, line);
    }
  });
});
