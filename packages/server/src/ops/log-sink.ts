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

export class LogSink {
  readonly #target: LogSinkTarget;
  readonly #max: number;
  #abandoned = false;
  readonly stats: LogSinkStats = { written: 0, dropped: 0, droppedBytes: 0, abandoned: false };

  constructor(target: LogSinkTarget, maxBufferedBytes = 1024 * 1024) {
    this.#target = target;
    this.#max = maxBufferedBytes;
    const abandon = () => {
      this.#abandoned = true;
      this.stats.abandoned = true;
    };
    target.on('error', abandon);
    target.on('close', abandon);
  }

  /** pino's destination interface: one serialized line per call. Never throws, never blocks. */
  write(line: string): boolean {
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
