/**
 * Where the service's log lines go: a bounded, never-blocking sink in front of stdout.
 *
 * pino's default destination writes synchronously and, on a pipe whose reader has stopped reading,
 * retries EAGAIN in a sleep loop on the main thread, also from its exit handler: a process whose stdout
 * reader is gone can then neither serve nor exit. This sink never waits on the target:
 * - the lines of one event-loop turn are joined and handed to the stream as one write, after the turn's
 *   I/O callbacks (`setImmediate`), or at once when they reach `FLUSH_BYTES`: one write call (one
 *   syscall on a pipe) per turn instead of one per line, which under load is most of what a request
 *   line costs (bench/FINDINGS.md S5e). A line waits in memory for at most that one turn;
 * - when what the stream still holds plus what waits would exceed `maxBufferedBytes`, the line is
 *   dropped and counted instead;
 * - a target that errors (EPIPE: the reader is gone) or closes is abandoned: later lines are counted
 *   as dropped, the process keeps running;
 * - at exit (`process.exit`, an uncaught exception, the end of the loop) what waits is handed to the
 *   stream once, like any write (stdout on a file or a TTY writes it synchronously; on a pipe, as much
 *   as the pipe takes without waiting): `process.exit` never waits on log I/O. A process killed by a
 *   signal it does not handle (SIGKILL, the watchdog's) loses the lines of its last turn.
 */

export interface LogSinkTarget {
  write(chunk: string): boolean;
  readonly writableLength: number;
  on(event: 'error' | 'close', listener: (...args: unknown[]) => void): unknown;
}

export interface LogSinkStats {
  written: number;
  dropped: number;
  droppedBytes: number;
  /** The target failed or closed; everything since is dropped. */
  abandoned: boolean;
}

const LEVELS = new Map([
  [10, 'TRACE'],
  [20, 'DEBUG'],
  [30, 'INFO'],
  [40, 'WARN'],
  [50, 'ERROR'],
  [60, 'FATAL'],
]);
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/**
 * LOG_FORMAT=pretty: one pino JSON line as one readable line,
 * `12:00:01.234 INFO  request reqId=req-1 method=GET route=/me status=200 ms=1.2 userId=101`.
 * Anything that is not a JSON object passes through unchanged.
 */
export function prettyLine(json: string): string {
  let o: unknown;
  try {
    o = JSON.parse(json);
  } catch {
    return json;
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return json;
  const entry = o as Record<string, unknown>;
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const level = (LEVELS.get(entry.level as number) ?? String(entry.level ?? '')).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return `${[time, level, String(entry.msg ?? ''), ...fields].join(' ').trimEnd()}\n`;
}

/** A turn's lines are handed to the target at once when they reach this many characters. */
export const FLUSH_BYTES = 16 * 1024;

/** Sinks holding lines that wait for their turn's end; the exit handler hands them over. */
const waiting = new Set<LogSink>();
let exitHookInstalled = false;
const flushWaiting = () => {
  for (const sink of waiting) sink.flush();
};

export class LogSink {
  readonly #target: LogSinkTarget;
  readonly #max: number;
  readonly #pretty: boolean;
  #abandoned = false;
  #pending = '';
  #pendingLines = 0;
  #scheduled = false;
  readonly #onTurnEnd = () => {
    this.#scheduled = false;
    this.flush();
  };
  readonly stats: LogSinkStats = { written: 0, dropped: 0, droppedBytes: 0, abandoned: false };

  constructor(
    target: LogSinkTarget,
    options: { maxBufferedBytes?: number; format?: 'json' | 'pretty' } = {},
  ) {
    this.#target = target;
    this.#max = options.maxBufferedBytes ?? 1024 * 1024;
    this.#pretty = options.format === 'pretty';
    const abandon = () => {
      this.#abandoned = true;
      this.stats.abandoned = true;
    };
    target.on('error', abandon);
    target.on('close', abandon);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', flushWaiting);
    }
  }

  /**
   * pino's destination interface: one serialized line per call. Never throws, never blocks. The line
   * reaches the target at the end of this event-loop turn (or on `flush()`).
   */
  write(json: string): boolean {
    const line = this.#pretty ? prettyLine(json) : json;
    if (this.#abandoned || this.#target.writableLength + this.#pending.length + line.length > this.#max) {
      this.#drop(1, line.length);
      return true;
    }
    this.#pending += line;
    if (++this.#pendingLines === 1) waiting.add(this);
    if (this.#pending.length >= FLUSH_BYTES) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#onTurnEnd);
    }
    return true;
  }

  /** Hands the waiting lines to the target now, as one write. Never throws. */
  flush(): void {
    waiting.delete(this);
    const chunk = this.#pending;
    const lines = this.#pendingLines;
    if (lines === 0) return;
    this.#pending = '';
    this.#pendingLines = 0;
    if (this.#abandoned) {
      this.#drop(lines, chunk.length);
      return;
    }
    try {
      this.#target.write(chunk);
      this.stats.written += lines;
    } catch {
      this.#abandoned = true;
      this.stats.abandoned = true;
      this.#drop(lines, chunk.length);
    }
  }

  #drop(lines: number, bytes: number): void {
    this.stats.dropped += lines;
    this.stats.droppedBytes += bytes;
  }
}
