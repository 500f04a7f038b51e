/**
 * Password hashing (Argon2id, OWASP parameters by default) and the password policy (NIST 800-63B:
 * 15 to 1024 characters, no composition rules, a blocklist of common choices).
 */
import { hash, verify } from '@node-rs/argon2';
import type { Argon2Params } from '../config.js';
import { badRequest } from '../errors.js';

/** `Algorithm.Argon2id` (a const enum in @node-rs/argon2's typings, unusable under isolatedModules). */
const ARGON2ID = 2;

export const PASSWORD_MIN = 15;
export const PASSWORD_MAX = 1024;

const BLOCKLIST = new Set([
  'passwordpassword',
  'password1234567',
  'password12345678',
  '123456789012345',
  '1234567890123456',
  '000000000000000',
  'qwertyuiopasdfgh',
  'qwertyuiopasdfghjkl',
  'iloveyouiloveyou',
  'letmeinletmein1',
  'correcthorsebatterystaple',
  'changemechangeme',
  'administrator123',
  'adminadminadmin',
  'welcomewelcome1',
]);

/** Throws a 400 problem when the password breaks the policy. */
export function checkPasswordPolicy(password: string, username?: string): void {
  const length = [...password].length;
  if (length < PASSWORD_MIN) {
    throw badRequest('weak_password', `The password must be at least ${PASSWORD_MIN} characters long.`);
  }
  if (length > PASSWORD_MAX) {
    throw badRequest('weak_password', `The password must be at most ${PASSWORD_MAX} characters long.`);
  }
  const lower = password.toLowerCase();
  if (BLOCKLIST.has(lower) || new Set(password).size < 4) {
    throw badRequest('weak_password', 'This password is too common; choose another.');
  }
  if (username !== undefined && lower === username.toLowerCase()) {
    throw badRequest('weak_password', 'The password must not be the username.');
  }
}

export class PasswordHasher {
  readonly #options: { algorithm: number; memoryCost: number; timeCost: number; parallelism: number };
  #dummy: Promise<string> | undefined;

  constructor(params: Argon2Params) {
    this.#options = { algorithm: ARGON2ID, ...params };
  }

  hash(password: string): Promise<string> {
    // biome-ignore lint/suspicious/noExplicitAny: const-enum typing, see ARGON2ID
    return hash(password.normalize('NFC'), this.#options as any);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password.normalize('NFC'));
    } catch {
      return false;
    }
  }

  /** True when the hash was made with other parameters than the current ones (rehash on next login). */
  needsRehash(passwordHash: string): boolean {
    const o = this.#options;
    return !passwordHash.startsWith(`$argon2id$v=19$m=${o.memoryCost},t=${o.timeCost},p=${o.parallelism}$`);
  }

  /**
   * Verifies against a fixed dummy hash with the same parameters: used when the user does not exist,
   * so an unknown username costs the same time as a wrong password.
   */
  async verifyDummy(password: string): Promise<void> {
    this.#dummy ??= this.hash('jwtkit-dummy-password-for-timing');
    await this.verify(await this.#dummy, password);
  }

  /** Computes the dummy hash ahead of the first login. */
  async warmUp(): Promise<void> {
    this.#dummy ??= this.hash('jwtkit-dummy-password-for-timing');
    await this.#dummy;
  }
}
