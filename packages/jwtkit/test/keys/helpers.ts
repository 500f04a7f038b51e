/** Shared by the keys/JWS tests. The corpus is read through ../_vectors.ts (loadVector). */
export const b64u = (s: string | Uint8Array) => Buffer.from(s).toString('base64url');
export const fromB64u = (s: string) => Buffer.from(s, 'base64url');
