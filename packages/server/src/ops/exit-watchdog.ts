/**
 * A hard exit deadline that holds whatever the main thread is doing.
 *
 * A `setTimeout(...).unref()` on the main thread cannot fire while that thread is blocked (a
 * synchronous write to a stdout nobody reads, a runaway loop, a stuck native call). The watchdog is a
 * worker thread with its own event loop, started at boot (a worker's start-up needs the main thread's
 * event loop, so it cannot be started once that loop may be stuck). `arm(ms)` only posts a message:
 * the worker then kills the process with SIGKILL when the deadline passes. The worker is unref'd, so it
 * never keeps a process alive that is exiting anyway.
 */
import { Worker } from 'node:worker_threads';

const WATCHDOG = `
const { parentPort, workerData } = require('node:worker_threads');
// No message before the kill: a write to a stuck stderr could block this thread too.
parentPort.on('message', (ms) => setTimeout(() => process.kill(workerData.pid, 'SIGKILL'), ms));
`;

export interface ExitWatchdog {
  /** From now on, the process is gone at the latest `ms` later. Never blocks. */
  arm(ms: number): void;
}

/** Starts the (idle) watchdog thread; call at boot. */
export function createExitWatchdog(): ExitWatchdog {
  // execArgv []: the thread runs plain CommonJS whatever flags the process has (--import, --input-type).
  const worker = new Worker(WATCHDOG, { eval: true, execArgv: [], workerData: { pid: process.pid } });
  worker.on('error', () => {}); // a watchdog that failed to start must not take the service down
  worker.unref();
  return { arm: (ms) => worker.postMessage(ms) };
}
