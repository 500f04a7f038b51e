/**
 * Where the service's log lines go: a bounded, never-blocking sink in front of stdout.
 *
 * pino's default destination writes synchronously and, on a pipe whose reader has stopped reading,
 * retries EAGAIN in a sleep loop on the main thread, also from its exit handler: a process whose stdout
 * reader is gone can then neither serve nor exit. This sink never waits on the target:
 * - lines are handed to the stream (async for pipes and sockets on POSIX); when what the stream still
 *   holds would exceed `maxBufferedBytes`, the line is dropped and counted instead;
 * - a target that errors (EPIPE: the reader is gone) or closes is abandoned: later lines are counted
 *   as dropped, the process keeps running;
 * - nothing is flushed at exit: `process.exit` never waits on log I/O.
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

export class LogSink {
  readonly #target: LogSinkTarget;
  readonly #max: number;
  readonly #pretty: boolean;
  #abandoned = false;
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
  }

  /** pino's destination interface: one serialized line per call. Never throws, never blocks. */
  write(json: string): boolean {
    const line = this.#pretty ? prettyLine(json) : json;
    if (this.#abandoned || this.#target.writableLength + line.length > this.#max) {
      this.stats.dropped++;
      this.stats.droppedBytes += line.length;
      return true;
    }
    try {
      this.#target.write(line);
      this.stats.written++;
    } catch {
      this.#abandoned = true;
      this.stats.abandoned = true;
      this.stats.dropped++;
      this.stats.droppedBytes += line.length;
    }
    return true;
  }
}
