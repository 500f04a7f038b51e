/**
 * The attack lab's cards (issue 21): what each forged token tries, which jwtkit error refuses it, the
 * section of RFC 8725 (JWT Best Current Practices) or the RFC that asks for the refusal, and the real
 * incident it prevents. Data only: the page forges each token itself and runs the library's own
 * `decode` on it (or the running service, for the refresh replay), so the error shown is the library's.
 */

export interface LabCard {
  id:
    | 'alg-none'
    | 'alg-confusion'
    | 'tampered'
    | 'expired'
    | 'audience'
    | 'kid-injection'
    | 'embedded-jwk'
    | 'psychic-ecdsa'
    | 'crit'
    | 'refresh-replay';
  title: string;
  /** What the forger does, one sentence. */
  attack: string;
  /** The `code` of the JwtError jwtkit throws (or the service's error code). */
  code: string;
  /** Why jwtkit refuses, one line. */
  reason: string;
  /** Where the rule is written down. */
  rfc: string;
  url: string;
  /** The real-world incident (advisory, CVE) the rule prevents. */
  incident: string;
}

const BCP = (section: string, title: string) => ({
  rfc: `RFC 8725 §${section} (${title})`,
  url: `https://www.rfc-editor.org/rfc/rfc8725#section-${section}`,
});

export const LAB_CARDS: readonly LabCard[] = Object.freeze([
  {
    id: 'alg-none',
    title: 'alg: none',
    attack:
      'Take the seed token, set the header to {"alg":"none"}, change role to admin and drop the signature.',
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
    reason:
      '"none" is not an algorithm decode knows: an unsigned token is never verified, whatever the options say.',
    ...BCP('3.1', 'Perform Algorithm Verification'),
    incident:
      'The 2015 JWT library disclosures (Tim McLean, Auth0): many libraries accepted alg "none" as a valid signature.',
  },
  {
    id: 'alg-confusion',
    title: 'HS256 signed with the RSA public key',
    attack:
      "The server verifies RS256 with its public key. Sign a token with HS256 using that public key's PEM text as the HMAC secret.",
    code: 'ERR_JWS_ALG_NOT_ALLOWED',
    reason:
      'The verifier allows only RS256, and an RSA key never becomes an HMAC secret: the algorithm comes from the allowlist, never from the token.',
    ...BCP('3.1', 'Perform Algorithm Verification'),
    incident: 'CVE-2015-9235 (jsonwebtoken), CVE-2016-10555 (jwt-simple), CVE-2022-29217 (PyJWT).',
  },
  {
    id: 'tampered',
    title: 'Tampered payload',
    attack: 'Change role from "user" to "admin" in the payload and keep the original signature.',
    code: 'ERR_JWS_SIGNATURE_INVALID',
    reason: 'The signature covers header.payload byte for byte: one changed claim and it no longer verifies.',
    ...BCP('3.3', 'Validate All Cryptographic Operations'),
    incident:
      'Services that read claims with decode-without-verify (jwt.decode with verification off) and trusted them.',
  },
  {
    id: 'expired',
    title: 'Expired token, and leeway',
    attack:
      'Present a correctly signed token whose exp passed 5 minutes ago; the verifier allows 60 s of leeway.',
    code: 'ERR_JWT_EXPIRED',
    reason:
      'exp is checked on every decode; leeway forgives clock skew (seconds), not a token 5 minutes past its end.',
    rfc: 'RFC 7519 §4.1.4 (exp), RFC 8725 §3.10 (Do Not Trust Received Claims)',
    url: 'https://www.rfc-editor.org/rfc/rfc7519#section-4.1.4',
    incident:
      'Stolen tokens that never stopped working because the verifier did not check exp (or had it switched off).',
  },
  {
    id: 'audience',
    title: 'A token for another audience',
    attack:
      'Replay a token the same issuer minted for "https://billing.example" against "https://api.example".',
    code: 'ERR_JWT_AUDIENCE_INVALID',
    reason:
      'The verifier names its audience; a token for anyone else is refused, even with a valid signature.',
    ...BCP('3.9', 'Use and Validate Audience'),
    incident:
      'Cross-service token substitution: one issuer, many APIs, and a token for one accepted by the others (RFC 8725 §2.7).',
  },
  {
    id: 'kid-injection',
    title: 'kid pointing at a file path or SQL',
    attack: `Set kid to "../../../../dev/null" (or "x' UNION SELECT 'secret") and sign with an empty or chosen key.`,
    code: 'ERR_JWKS_NO_MATCHING_KEY',
    reason:
      'kid is only compared, as an exact string, with the kids of the key set the verifier holds: it is never a path or a query.',
    ...BCP('3.10', 'Do Not Trust Received Claims'),
    incident: 'kid path traversal to /dev/null (an empty HMAC key) and kid SQL injection in key lookups.',
  },
  {
    id: 'embedded-jwk',
    title: 'An embedded jwk header',
    attack: 'Make your own EC key, sign with it, and put its public half in the header as "jwk".',
    code: 'ERR_JWS_SIGNATURE_INVALID',
    reason:
      "The header's jwk is never used to verify: the key comes from the verifier, so the forged signature fails.",
    ...BCP('3.10', 'Do Not Trust Received Claims'),
    incident: 'CVE-2018-0114 (node-jose): a token verified with the key it carried itself.',
  },
  {
    id: 'psychic-ecdsa',
    title: 'Psychic ECDSA signature (r = s = 0)',
    attack: 'Send an ES256 token whose signature is 64 zero bytes.',
    code: 'ERR_JWS_SIGNATURE_INVALID',
    reason: 'r and s must lie in [1, n-1]: an all-zero signature never verifies.',
    ...BCP('3.4', 'Validate Cryptographic Inputs'),
    incident:
      'CVE-2022-21449 ("psychic signatures", Java 15-18): r = s = 0 verified for any message and key.',
  },
  {
    id: 'crit',
    title: 'A crit extension nobody understands',
    attack: 'Add "crit": ["exp-policy"] and an "exp-policy" header parameter, then sign correctly.',
    code: 'ERR_JWT_MALFORMED',
    reason: 'A critical header parameter the verifier does not understand must make it reject the token.',
    rfc: 'RFC 7515 §4.1.11 (crit)',
    url: 'https://www.rfc-editor.org/rfc/rfc7515#section-4.1.11',
    incident: 'Verifiers that ignored crit and so skipped a check the issuer made mandatory.',
  },
  {
    id: 'refresh-replay',
    title: 'Refresh token replayed after rotation',
    attack:
      'Log in, refresh once (the service rotates the refresh token), then present the old refresh token again.',
    code: 'invalid_grant',
    reason:
      'A rotated refresh token is single-use: its reuse is taken as theft and the whole token family is revoked.',
    rfc: 'RFC 9700 §4.14.2 (refresh token rotation)',
    url: 'https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2',
    incident:
      'A stolen refresh token that keeps minting access tokens long after the user logged in elsewhere.',
  },
]);
