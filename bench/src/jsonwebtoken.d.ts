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
