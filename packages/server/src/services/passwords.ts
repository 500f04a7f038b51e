/**
 * Password hashing (Argon2id, OWASP parameters by default) and the password policy (NIST 800-63B:
 * 15 to 1024 characters, no composition rules, a blocklist of common choices).
 */
import { hash, verify } from '@node-rs/argon2';
import type { Argon2Params } from '../config.js';
import { InvalidInputError } from '../domain-errors.js';
import { isWellFormed } from '../text.js';

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

/**
 * The one normalisation of secret and identifier text (NIST SP 800-63B 5.1.1.2: NFKC), used by the
 * policy, the hash and the comparison alike. Text that is not well-formed Unicode has no normal form:
 * callers refuse it (otherwise distinct lone surrogates would all hash as U+FFFD).
 */
export function normalizeText(text: string): string {
  return text.normalize('NFKC');
}

export const malformedPassword = () =>
  new InvalidInputError(
    'invalid_password',
    'The password is not well-formed Unicode text (it contains a lone surrogate).',
  );

/** Throws a 400 problem when the password breaks the policy. `password` is the raw request text. */
export function checkPasswordPolicy(rawPassword: string, username?: string): void {
  if (!isWellFormed(rawPassword)) throw malformedPassword();
  const password = normalizeText(rawPassword);
  const length = [...password].length;
  if (length < PASSWORD_MIN) {
    throw new InvalidInputError(
      'weak_password',
      `The password must be at least ${PASSWORD_MIN} characters long.`,
    );
  }
  if (length > PASSWORD_MAX) {
    throw new InvalidInputError(
      'weak_password',
      `The password must be at most ${PASSWORD_MAX} characters long.`,
    );
  }
  const lower = password.toLowerCase();
  if (BLOCKLIST.has(lower) || new Set(password).size < 4) {
    throw new InvalidInputError('weak_password', 'This password is too common; choose another.');
  }
  if (username !== undefined && lower === normalizeText(username).toLowerCase()) {
    throw new InvalidInputError('weak_password', 'The password must not be the username.');
  }
}

export class PasswordHasher {
  readonly #options: { algorithm: number; memoryCost: number; timeCost: number; parallelism: number };
  #dummy: Promise<string> | undefined;

  constructor(params: Argon2Params) {
    this.#options = { algorithm: ARGON2ID, ...params };
  }

  /** Argon2id of the NFKC form; refuses text that is not well-formed Unicode. */
  hash(password: string): Promise<string> {
    if (!isWellFormed(password)) return Promise.reject(malformedPassword());
    // biome-ignore lint/suspicious/noExplicitAny: const-enum typing, see ARGON2ID
    return hash(normalizeText(password), this.#options as any);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    return (await this.verifyDetailed(passwordHash, password)).ok;
  }

  /**
   * Compares the NFKC form. Hashes made before NFKC (by earlier versions, which hashed the NFC form)
   * still verify; `legacy` then says the stored hash should be replaced by one of the NFKC form.
   */
  async verifyDetailed(passwordHash: string, password: string): Promise<{ ok: boolean; legacy: boolean }> {
    if (!isWellFormed(password)) return { ok: false, legacy: false };
    const nfkc = normalizeText(password);
    try {
      if (await verify(passwordHash, nfkc)) return { ok: true, legacy: false };
      const nfc = password.normalize('NFC');
      if (nfc !== nfkc && (await verify(passwordHash, nfc))) return { ok: true, legacy: true };
    } catch {
      // a malformed stored hash never matches
    }
    return { ok: false, legacy: false };
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
