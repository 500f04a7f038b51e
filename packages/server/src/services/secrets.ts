/**
 * The instance secret: from SECRET_KEY (required in production), or, in demo mode only, a random value
 * generated on first start and stored in the database. Sub-keys are derived with HKDF per purpose.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Storage } from '../storage/types.js';

export async function resolveInstanceSecret(config: Config, storage: Storage): Promise<Buffer> {
  if (config.secretKey) return Buffer.from(config.secretKey, 'utf8');
  if (config.mode === 'production') throw new Error('SECRET_KEY is required in production');
  const stored = await storage.getOrSetSetting('demo_secret_key', randomBytes(32).toString('base64url'));
  return Buffer.from(stored, 'utf8');
}

export function deriveKey(secret: Buffer, purpose: string, length = 32): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `jwtkit:${purpose}`, length));
}

/** AES-256-GCM sealing of small secrets (private keys at rest): `v1.<iv>.<ciphertext+tag>` (base64url). */
export function seal(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `v1.${iv.toString('base64url')}.${ct.toString('base64url')}`;
}

export function unseal(key: Buffer, sealed: string, aad: string): string {
  const [v, ivText, ctText] = sealed.split('.');
  if (v !== 'v1' || !ivText || !ctText) throw new Error('unsupported sealed format');
  const data = Buffer.from(ctText, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText, 'base64url'));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
    'utf8',
  );
}
