// What the HTTP benches (http-bench.ts, middleware-bench.ts) share: stopping a server child, one GET /me,
// tampering a token for the correctness gate, and one autocannon load of GET /me.
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';

export interface Sample {
  rps: number;
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
    p50: res.latency.p50,
    p99: res.latency.p99,
    non2xx: res.non2xx,
    errors: res.errors + res.timeouts,
  };
}
