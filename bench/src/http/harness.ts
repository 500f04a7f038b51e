// What the HTTP benches (http-bench.ts, middleware-bench.ts) share: stopping a server child, one GET /me,
// tampering a token for the correctness gate, and one autocannon load of GET /me.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface Sample {
  rps: number;
  /** Requests answered in the measured seconds. */
  requests: number;
  /** The server process's CPU time (user + system) per request, in us; undefined where /proc is not there. */
  cpuUsPerReq?: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** SIGTERM, then SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function getMe(port: number, token?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/me`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: await res.text() };
}

/** The token with one signature character changed. */
export function tamper(token: string): string {
  const i = token.lastIndexOf('.') + 3;
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

/** `seconds` of autocannon on GET /me with `connections` connections. */
export async function loadMe(
  port: number,
  token: string,
  seconds: number,
  connections: number,
): Promise<Sample> {
  const res = await autocannon({
    url: `http://127.0.0.1:${port}/me`,
    connections,
    duration: seconds,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    rps: res.requests.average,
    requests: res.requests.total,
    p50: res.latency.p50,
    p99: res.latency.p99,
    non2xx: res.non2xx,
    errors: res.errors + res.timeouts,
  };
}

let clockTicks: number | undefined;

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat (Linux); null elsewhere.
 * Steadier than req/s on a shared VM: time the hypervisor gives to others is not counted.
 */
export function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return null;
  }
}
