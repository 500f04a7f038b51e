// Minimal local typings for jsonwebtoken 9 (the bench does not pull @types/jsonwebtoken).
declare module 'jsonwebtoken' {
  import type { KeyObject } from 'node:crypto';

  type Key = string | Buffer | KeyObject;
  const jsonwebtoken: {
    sign(payload: object, key: Key, options?: Record<string, unknown>): string;
    verify(token: string, key: Key, options?: Record<string, unknown>): unknown;
  };
  export default jsonwebtoken;
}

// Minimal typings for the parts of autocannon 8 the HTTP bench uses.
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    headers?: Record<string, string>;
  }
  interface Histogram {
    average: number;
    p50: number;
    p99: number;
    /** On `requests`: the responses received in the run. */
    total: number;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
