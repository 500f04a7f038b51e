/**
 * Options objects of the public API: only own, known members are read. An unknown member (a typo, or a
 * PyJWT spelling such as `require` or `options: { verify_exp: false }`) is an `InvalidOptionsError`,
 * because a check that is silently not applied is worse than an error at the call. Members inherited
 * from a prototype (a polluted `Object.prototype`) are never read.
 */
import { InvalidOptionsError } from '../errors.js';
import { quote } from './text.js';

/** PyJWT (and jsonwebtoken) spellings, pointed at the jwtkit option. */
const HINTS = new Map<string, string>([
  ['require', 'requiredClaims'],
  ['options', 'one option per check (see docs/pyjwt.md): there is no options dict'],
  ['verify_signature', 'decodeUnverified() (there is no switch to skip the signature)'],
  ['verify_exp', 'leeway (checks cannot be switched off; see docs/pyjwt.md)'],
  ['verify_nbf', 'leeway (checks cannot be switched off; see docs/pyjwt.md)'],
  ['verify_iat', 'leeway (checks cannot be switched off; see docs/pyjwt.md)'],
  ['verify_aud', 'audience'],
  ['verify_iss', 'issuer'],
  ['strict_aud', 'audience (see docs/pyjwt.md)'],
  ['algorithm', 'algorithms'],
  ['clockTolerance', 'leeway'],
  ['clockTimestamp', 'now'],
  ['maxTokenAge', 'maxAge'],
  ['json_encoder', 'toJSON() on your values'],
  ['kid', 'keyId'],
  ['expiresin', 'expiresIn'],
]);

export type Options = Record<string, unknown>;

/** Whether any enumerable member has been added to Object.prototype (normally none: the loop never runs). */
function prototypePolluted(): boolean {
  for (const _ in Object.prototype) return true;
  return false;
}

/**
 * The own members of `value` (undefined = none), checked against `known`; throws InvalidOptionsError when
 * `value` is not a plain object or has a member not in `known`. Returns `value` itself when nothing can be
 * inherited from a prototype (the hot path), else a null-prototype copy of its own members.
 */
export function ownOptions(value: unknown, known: ReadonlySet<string>, where: string): Options {
  if (value === undefined) return Object.create(null) as Options;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidOptionsError(`${where}: options must be an object`);
  const names = Object.keys(value);
  for (const k of names) {
    if (!known.has(k)) {
      const hint = HINTS.get(k);
      throw new InvalidOptionsError(
        `${where}: unknown option ${quote(k)}${hint === undefined ? '' : ` (use ${hint})`}`,
      );
    }
  }
  if (Object.getPrototypeOf(value) === Object.prototype && !prototypePolluted()) return value as Options;
  const out: Options = Object.create(null);
  for (const k of names) out[k] = (value as Options)[k];
  return out;
}
