// The two pieces that keep the process stoppable: the log sink (bounded, never blocks, counts drops) and
// the exit watchdog (kills a process whose main thread is blocked).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FLUSH_BYTES, LogSink } from '../src/ops/log-sink.js';

class FakeTarget extends EventEmitter {
  writableLength = 0;
  lines: string[] = [];
  write(chunk: string): boolean {
    this.lines.push(chunk);
    this.writableLength += chunk.length; // nobody drains it: a reader that stopped reading
    return false;
  }
}

const sinkModule = fileURLToPath(new URL('../src/ops/log-sink.ts', import.meta.url));

/** Runs `code` (an ES module, `LogSink` and `FLUSH_BYTES` in scope) in a child; answers its stdout and exit. */
function runChild(code: string): Promise<{ stdout: string; code: number | null }> {
  const program = `const { LogSink, FLUSH_BYTES } = await import(${JSON.stringify(sinkModule)});\n${code}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  return new Promise((resolve) => child.once('close', (c) => resolve({ stdout, code: c })));
}

describe('LogSink', () => {
  test('passes lines through until the target holds the byte budget, then drops and counts', () => {
    const target = new FakeTarget();
    const sink = new LogSink(target, { maxBufferedBytes: 100 });
    for (let i = 0; i < 10; i++) sink.write(`${'x'.repeat(29)}\n`); // 30 bytes each
    // The lines waiting for the turn's end count against the budget like the target's own.
    assert.equal(sink.stats.dropped, 7);
    assert.equal(sink.stats.droppedBytes, 210);
    sink.flush();
    assert.deepEqual(target.lines, [`${'x'.repeat(29)}\n`.repeat(3)]);
    assert.equal(sink.stats.written, 3);
    for (let i = 0; i < 3; i++) sink.write(`${'z'.repeat(29)}\n`); // the target holds 90: none fits
    assert.equal(sink.stats.dropped, 10);
    target.writableLength = 0; // the reader caught up
    sink.write('y\n');
    sink.flush();
    assert.equal(target.lines.at(-1), 'y\n');
    assert.equal(sink.stats.written, 4);
  });

  test("one turn's lines reach the target as one write when the turn ends, in order", async () => {
    const target = new FakeTarget();
    const sink = new LogSink(target);
    sink.write('a\n');
    sink.write('b\n');
    assert.deepEqual(target.lines, [], 'nothing is written before the turn ends');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(target.lines, ['a\nb\n']);
    sink.write('c\n');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(target.lines, ['a\nb\n', 'c\n']);
    assert.equal(sink.stats.written, 3);
    sink.flush(); // nothing waits: no empty write
    assert.equal(target.lines.length, 2);
  });

  test('lines that reach FLUSH_BYTES within a turn are handed over at once', () => {
    const target = new FakeTarget();
    const sink = new LogSink(target, { maxBufferedBytes: 4 * FLUSH_BYTES });
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < FLUSH_BYTES / 1024 - 1; i++) sink.write(line);
    assert.equal(target.lines.length, 0);
    sink.write(line);
    assert.deepEqual(
      target.lines.map((l) => l.length),
      [FLUSH_BYTES],
    );
    sink.write('after\n');
    assert.equal(target.lines.length, 1);
  });

  test('a target that errors (EPIPE) or closes is abandoned; writing never throws', () => {
    for (const event of ['error', 'close'] as const) {
      const target = new FakeTarget();
      const sink = new LogSink(target, { maxBufferedBytes: 1000 });
      sink.write('a\n');
      sink.flush();
      sink.write('w\n'); // waiting when the target fails: dropped at the turn's end, counted
      target.emit(event, Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      sink.write('b\n');
      sink.flush();
      assert.deepEqual(target.lines, ['a\n']);
      assert.equal(sink.stats.abandoned, true);
      assert.equal(sink.stats.dropped, 2);
      assert.equal(sink.stats.written, 1);
    }
    const throwing = Object.assign(new FakeTarget(), {
      write(): boolean {
        throw new Error('boom');
      },
    });
    const sink = new LogSink(throwing, { maxBufferedBytes: 1000 });
    sink.write('c\n');
    assert.doesNotThrow(() => sink.flush());
    assert.equal(sink.stats.abandoned, true);
    assert.equal(sink.stats.dropped, 1);
  });

  test('what waits is handed over at exit: process.exit, an uncaught exception', async () => {
    const exit = await runChild(`
      const sink = new LogSink(process.stdout);
      sink.write('one\\n');
      sink.write('two\\n');
      process.exit(3);
    `);
    assert.deepEqual(exit, { stdout: 'one\ntwo\n', code: 3 });
    const thrown = await runChild(`
      const sink = new LogSink(process.stdout);
      sink.write('fatal line\\n');
      throw new Error('crash');
    `);
    assert.equal(thrown.stdout, 'fatal line\n');
    assert.equal(thrown.code, 1);
    const two = await runChild(`
      const a = new LogSink(process.stdout);
      const b = new LogSink(process.stdout);
      a.write('a1\\n');
      b.write('b1\\n');
      a.flush();
      a.write('a2\\n');
      process.exit(0);
    `);
    assert.deepEqual(two, { stdout: 'a1\nb1\na2\n', code: 0 });
  });
});

describe('exit watchdog', () => {
  test('kills a process whose main thread is blocked forever, at the deadline', async () => {
    const watchdog = fileURLToPath(new URL('../src/ops/exit-watchdog.ts', import.meta.url));
    const code = `
      const { createExitWatchdog } = await import(${JSON.stringify(watchdog)});
      const w = createExitWatchdog(); // at boot
      await new Promise((r) => setTimeout(r, 300));
      w.arm(500);
      for (;;) {} // a main thread that never yields again: no timer of its own could fire
    `;
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: 'ignore',
    });
    const result = await Promise.race([
      new Promise<{ signal: NodeJS.Signals | null }>((r) =>
        child.once('exit', (_c, signal) => r({ signal })),
      ),
      new Promise<null>((r) => setTimeout(() => r(null), 15_000)),
    ]);
    child.kill('SIGKILL');
    assert.ok(result, 'the blocked process was not killed within 15 s');
    assert.equal(result.signal, 'SIGKILL');
    assert.ok(Date.now() - t0 >= 800, 'not before the deadline');
  });

  test('an idle (unarmed) watchdog never keeps a process alive', async () => {
    const watchdog = fileURLToPath(new URL('../src/ops/exit-watchdog.ts', import.meta.url));
    const code = `
      const { createExitWatchdog } = await import(${JSON.stringify(watchdog)});
      createExitWatchdog();
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: 'ignore',
    });
    const exit = await Promise.race([
      new Promise<number | null>((r) => child.once('exit', (c) => r(c))),
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000)),
    ]);
    child.kill('SIGKILL');
    assert.equal(exit, 0);
  });
});
