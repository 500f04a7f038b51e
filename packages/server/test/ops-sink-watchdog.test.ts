// The two pieces that keep the process stoppable: the log sink (bounded, never blocks, counts drops) and
// the exit watchdog (kills a process whose main thread is blocked).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LogSink } from '../src/ops/log-sink.js';

class FakeTarget extends EventEmitter {
  writableLength = 0;
  lines: string[] = [];
  write(chunk: string): boolean {
    this.lines.push(chunk);
    this.writableLength += chunk.length; // nobody drains it: a reader that stopped reading
    return false;
  }
}

describe('LogSink', () => {
  test('passes lines through until the target holds the byte budget, then drops and counts', () => {
    const target = new FakeTarget();
    const sink = new LogSink(target, { maxBufferedBytes: 100 });
    for (let i = 0; i < 10; i++) sink.write(`${'x'.repeat(29)}\n`); // 30 bytes each
    assert.equal(target.lines.length, 3);
    assert.equal(sink.stats.written, 3);
    assert.equal(sink.stats.dropped, 7);
    assert.equal(sink.stats.droppedBytes, 210);
    target.writableLength = 0; // the reader caught up
    sink.write('y\n');
    assert.equal(target.lines.at(-1), 'y\n');
  });

  test('a target that errors (EPIPE) or closes is abandoned; writing never throws', () => {
    for (const event of ['error', 'close'] as const) {
      const target = new FakeTarget();
      const sink = new LogSink(target, { maxBufferedBytes: 1000 });
      sink.write('a\n');
      target.emit(event, Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      sink.write('b\n');
      assert.deepEqual(target.lines, ['a\n']);
      assert.equal(sink.stats.abandoned, true);
      assert.equal(sink.stats.dropped, 1);
    }
    const throwing = Object.assign(new FakeTarget(), {
      write(): boolean {
        throw new Error('boom');
      },
    });
    const sink = new LogSink(throwing, { maxBufferedBytes: 1000 });
    assert.doesNotThrow(() => sink.write('c\n'));
    assert.equal(sink.stats.abandoned, true);
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
