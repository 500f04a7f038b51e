// Issue #19: what handing request lines to stdout costs, a write per line (the sink before the fifth round:
// the budget check, then `target.write(line)`) against `LogSink` (the lines of one event-loop turn joined
// into one write). CPU time per line, N lines per turn, the cost of the turns themselves (measured with no
// sink) subtracted; medians of 5 interleaved rounds. stdout must be a pipe or a file, not the terminal:
//   npx tsx bench/src/micro/log-sink-turns.ts | cat > /dev/null        (a pipe)
//   npx tsx bench/src/micro/log-sink-turns.ts > /tmp/lines.ndjson      (a file)
// The results go to stderr.
import { fstatSync } from 'node:fs';

interface Sink {
  write(line: string): unknown;
  flush?(): void;
}
const { LogSink } = (await import(String('../../../packages/server/src/ops/log-sink.js'))) as {
  LogSink: new (t: NodeJS.WriteStream, o: { maxBufferedBytes: number }) => Sink;
};

const stat = fstatSync(1);
if (!stat.isFIFO() && !stat.isFile() && !stat.isSocket()) {
  process.stderr.write('stdout is a terminal: pipe it (| cat > /dev/null) or redirect it to a file\n');
  process.exit(2);
}
process.stdout.setMaxListeners(100);

const MAX = 64 * 1024 * 1024;
/** The sink as it was: every line its own write. */
const perLine = (): Sink => ({
  write(line: string) {
    if (process.stdout.writableLength + line.length > MAX) return true;
    process.stdout.write(line);
    return true;
  },
});
const none = (): Sink => ({ write() {} });
const line = `${JSON.stringify({
  level: 30,
  time: Date.now(),
  pid: process.pid,
  hostname: 'bench-host',
  reqId: 'req-1a',
  method: 'GET',
  route: '/me',
  status: 200,
  ms: 1.23,
  userId: 101,
  msg: 'request',
})}\n`;
const TURNS = 20_000;

async function nsPerLine(make: () => Sink, perTurn: number): Promise<number> {
  const sink = make();
  const c0 = process.cpuUsage();
  for (let t = 0; t < TURNS; t++) {
    for (let i = 0; i < perTurn; i++) sink.write(line);
    await new Promise((r) => setImmediate(r));
  }
  sink.flush?.();
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / (TURNS * perTurn);
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1] ?? Number.NaN;
const kind = stat.isFIFO() ? 'a pipe' : stat.isFile() ? 'a file' : 'a socket';
for (const perTurn of [1, 4, 16]) {
  const old: number[] = [];
  const batched: number[] = [];
  const turns: number[] = [];
  for (let r = 0; r < 5; r++) {
    old.push(await nsPerLine(perLine, perTurn));
    batched.push(await nsPerLine(() => new LogSink(process.stdout, { maxBufferedBytes: MAX }), perTurn));
    turns.push(await nsPerLine(none, perTurn));
  }
  const base = median(turns);
  process.stderr.write(
    `stdout on ${kind}, ${perTurn} line(s) a turn: a write per line ${(median(old) - base).toFixed(0)} ns/line, ` +
      `LogSink ${(median(batched) - base).toFixed(0)} ns/line (turns: ${base.toFixed(0)} ns/line, subtracted)\n`,
  );
}
