/** Errors about algorithm names (kept out of algorithms.ts, which imports nothing). */
import { InvalidAlgorithmError, type JwtError, UnsupportedAlgorithmError } from '../errors.js';
import { quote } from './text.js';

/**
 * The error for an algorithm name that is not in the table, given in options: `none` (any case) is the
 * classic attack configuration and stays an InvalidAlgorithmError (as in PyJWT); any other unknown name is
 * a misconfiguration, UnsupportedAlgorithmError.
 */
export function unknownAlgorithm(name: unknown, what = 'Unsupported algorithm'): JwtError {
  if (typeof name === 'string' && name.toLowerCase() === 'none')
    return new InvalidAlgorithmError('alg "none" is never accepted: tokens must be signed');
  return new UnsupportedAlgorithmError(`${what}: ${quote(name, 20)}`);
}
