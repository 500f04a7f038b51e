/**
 * What every registered JWT claim and JWS header parameter means, with the section of the RFC (or
 * OpenID spec) that defines it, and every JWS algorithm in words (derived from the one table of algorithm
 * facts, `algorithms.ts`, never listed here). Pure data, no Node API: the CLI
 * (`jwtkit decode`) and the browser page both read it through `explainToken` (src/explain.ts).
 */

import { ALGORITHMS as ALGORITHM_NAMES, type AlgorithmInfo, algorithmInfo } from './algorithms.js';

export interface ParamInfo {
  readonly label: string;
  readonly description: string;
  /** Where it is defined, e.g. 'RFC 7519 §4.1.4'. */
  readonly rfc: string;
  readonly url: string;
  /** NumericDate (seconds since the epoch): shown as a date and relative time. */
  readonly time?: boolean;
}

export type AlgorithmFamily = 'hmac' | 'rsa' | 'rsa-pss' | 'ecdsa' | 'eddsa' | 'none' | 'unknown';

export interface AlgorithmDescription {
  readonly name: string;
  readonly description: string;
  readonly family: AlgorithmFamily;
  readonly rfc: string;
  readonly url: string;
}

const RFC = (n: number, section: string): { rfc: string; url: string } => ({
  rfc: `RFC ${n} §${section}`,
  url: `https://www.rfc-editor.org/rfc/rfc${n}#section-${section}`,
});
const OIDC = (section: string, anchor: string): { rfc: string; url: string } => ({
  rfc: `OpenID Connect Core 1.0 §${section}`,
  url: `https://openid.net/specs/openid-connect-core-1_0.html#${anchor}`,
});

const p = (label: string, description: string, ref: { rfc: string; url: string }, time = false): ParamInfo =>
  time ? { label, description, ...ref, time: true } : { label, description, ...ref };

/** Registered claim names (IANA "JSON Web Token Claims" registry, the ones met in practice). */
export const CLAIMS: Readonly<Record<string, ParamInfo>> = Object.freeze({
  iss: p(
    'Issuer',
    'Who issued the token (a case-sensitive string or URI). Check it against the issuer you trust.',
    RFC(7519, '4.1.1'),
  ),
  sub: p(
    'Subject',
    'Whom the token is about, usually a user id; unique in the context of the issuer.',
    RFC(7519, '4.1.2'),
  ),
  aud: p(
    'Audience',
    'Who the token is meant for (a string or an array). A recipient must reject a token whose audience does not include it.',
    RFC(7519, '4.1.3'),
  ),
  exp: p(
    'Expiration time',
    'The token must not be accepted on or after this time (seconds since 1970-01-01 UTC).',
    RFC(7519, '4.1.4'),
    true,
  ),
  nbf: p(
    'Not before',
    'The token must not be accepted before this time (seconds since 1970-01-01 UTC).',
    RFC(7519, '4.1.5'),
    true,
  ),
  iat: p(
    'Issued at',
    'When the token was issued (seconds since 1970-01-01 UTC); tells its age.',
    RFC(7519, '4.1.6'),
    true,
  ),
  jti: p(
    'JWT ID',
    'A unique identifier for this token; lets a server detect replay or deny-list a single token.',
    RFC(7519, '4.1.7'),
  ),
  // OAuth 2.0 Token Exchange (RFC 8693) and JWT access tokens (RFC 9068)
  scope: p('Scope', 'Space-separated list of OAuth 2.0 scopes granted to the token.', RFC(8693, '4.2')),
  client_id: p('Client identifier', 'The OAuth 2.0 client the token was issued to.', RFC(8693, '4.3')),
  act: p(
    'Actor',
    'The party acting on behalf of the subject (delegation), possibly nested.',
    RFC(8693, '4.1'),
  ),
  may_act: p('Authorized actor', 'The party allowed to act on behalf of the subject.', RFC(8693, '4.4')),
  roles: p(
    'Roles',
    'Roles of the subject (SCIM attribute carried in JWT access tokens).',
    RFC(9068, '2.2.3.1'),
  ),
  groups: p(
    'Groups',
    'Groups the subject belongs to (SCIM attribute carried in JWT access tokens).',
    RFC(9068, '2.2.3.1'),
  ),
  entitlements: p(
    'Entitlements',
    'Entitlements of the subject (SCIM attribute carried in JWT access tokens).',
    RFC(9068, '2.2.3.1'),
  ),
  cnf: p(
    'Confirmation',
    'Proof-of-possession key the presenter must prove it holds (e.g. a JWK or its thumbprint).',
    RFC(7800, '3.1'),
  ),
  // DPoP proofs (RFC 9449)
  htm: p(
    'HTTP method',
    'DPoP proof: the HTTP method of the request the proof is bound to.',
    RFC(9449, '4.2'),
  ),
  htu: p(
    'HTTP URI',
    'DPoP proof: the HTTP URI (without query and fragment) of the request.',
    RFC(9449, '4.2'),
  ),
  ath: p(
    'Access token hash',
    'DPoP proof: base64url SHA-256 hash of the access token it accompanies.',
    RFC(9449, '4.2'),
  ),
  // Security Event Tokens (RFC 8417)
  events: p(
    'Security events',
    'Security Event Token: the events this token reports, keyed by event type URI.',
    RFC(8417, '2.2'),
  ),
  txn: p('Transaction id', 'Security Event Token: identifier shared by related events.', RFC(8417, '2.2')),
  toe: p('Time of event', 'Security Event Token: when the event happened.', RFC(8417, '2.2'), true),
  // OpenID Connect ID tokens
  auth_time: p('Authentication time', 'When the end user last authenticated.', OIDC('2', 'IDToken'), true),
  nonce: p(
    'Nonce',
    'Value from the authentication request, echoed to bind the ID token to the client session and stop replay.',
    OIDC('2', 'IDToken'),
  ),
  acr: p(
    'Authentication context class',
    'How strong the authentication was (e.g. a level of assurance).',
    OIDC('2', 'IDToken'),
  ),
  amr: p(
    'Authentication methods',
    'Methods used to authenticate, e.g. ["pwd", "otp"] (values in RFC 8176).',
    OIDC('2', 'IDToken'),
  ),
  azp: p(
    'Authorized party',
    'The client the ID token was issued to, when it differs from the audience.',
    OIDC('2', 'IDToken'),
  ),
  at_hash: p(
    'Access token hash',
    'Left half of the hash of the access token issued with this ID token.',
    OIDC('3.1.3.6', 'CodeIDToken'),
  ),
  c_hash: p(
    'Code hash',
    'Left half of the hash of the authorization code issued with this ID token.',
    OIDC('3.3.2.11', 'HybridIDToken'),
  ),
  sid: p('Session id', 'Identifier of the OpenID Provider session (front- and back-channel logout).', {
    rfc: 'OpenID Connect Front-Channel Logout 1.0 §3',
    url: 'https://openid.net/specs/openid-connect-frontchannel-1_0.html#ClaimsContents',
  }),
  name: p('Full name', "The end user's full name.", OIDC('5.1', 'StandardClaims')),
  given_name: p('Given name', "The end user's given (first) name.", OIDC('5.1', 'StandardClaims')),
  family_name: p('Family name', "The end user's family (last) name.", OIDC('5.1', 'StandardClaims')),
  middle_name: p('Middle name', "The end user's middle name.", OIDC('5.1', 'StandardClaims')),
  nickname: p('Nickname', 'Casual name of the end user.', OIDC('5.1', 'StandardClaims')),
  preferred_username: p(
    'Preferred username',
    'Shorthand name the end user wishes to be referred to by; not guaranteed unique.',
    OIDC('5.1', 'StandardClaims'),
  ),
  profile: p('Profile URL', "URL of the end user's profile page.", OIDC('5.1', 'StandardClaims')),
  picture: p('Picture URL', "URL of the end user's profile picture.", OIDC('5.1', 'StandardClaims')),
  website: p('Website', "URL of the end user's web page or blog.", OIDC('5.1', 'StandardClaims')),
  email: p('Email', "The end user's preferred email address.", OIDC('5.1', 'StandardClaims')),
  email_verified: p(
    'Email verified',
    'Whether the provider verified the email address.',
    OIDC('5.1', 'StandardClaims'),
  ),
  gender: p('Gender', "The end user's gender.", OIDC('5.1', 'StandardClaims')),
  birthdate: p('Birthdate', "The end user's birthday (YYYY-MM-DD or YYYY).", OIDC('5.1', 'StandardClaims')),
  zoneinfo: p('Time zone', "The end user's time zone, e.g. Europe/Paris.", OIDC('5.1', 'StandardClaims')),
  locale: p('Locale', "The end user's locale, e.g. en-US.", OIDC('5.1', 'StandardClaims')),
  phone_number: p(
    'Phone number',
    "The end user's preferred telephone number.",
    OIDC('5.1', 'StandardClaims'),
  ),
  phone_number_verified: p(
    'Phone number verified',
    'Whether the provider verified the phone number.',
    OIDC('5.1', 'StandardClaims'),
  ),
  address: p('Address', "The end user's postal address (a JSON object).", OIDC('5.1', 'StandardClaims')),
  updated_at: p(
    'Updated at',
    "When the end user's information was last updated.",
    OIDC('5.1', 'StandardClaims'),
    true,
  ),
});

/** Description used for a claim name that is not registered (a private claim). */
export const PRIVATE_CLAIM: ParamInfo = Object.freeze(
  p(
    'Private claim',
    'Not a registered claim name: its meaning is agreed between the issuer and the consumer of the token.',
    RFC(7519, '4.3'),
  ),
);

/** Registered JOSE header parameter names (RFC 7515 JWS, RFC 7516/7518 JWE, RFC 7797). */
export const HEADER_PARAMS: Readonly<Record<string, ParamInfo>> = Object.freeze({
  alg: p(
    'Algorithm',
    'The algorithm used to sign (or MAC) the token. A verifier must only accept algorithms it expects, never the one the token asks for.',
    RFC(7515, '4.1.1'),
  ),
  jku: p(
    'JWK Set URL',
    'URL of a JWK Set holding the signing key. Trusting it lets an attacker pick the key: ignore it unless the URL is allow-listed.',
    RFC(7515, '4.1.2'),
  ),
  jwk: p(
    'JSON Web Key',
    'The public key embedded in the header. Verifying with it proves nothing unless that key is already trusted.',
    RFC(7515, '4.1.3'),
  ),
  kid: p(
    'Key ID',
    'Hint saying which key signed the token; used to pick a key from a JWK Set.',
    RFC(7515, '4.1.4'),
  ),
  x5u: p(
    'X.509 URL',
    'URL of the X.509 certificate chain of the signing key. Same risk as jku.',
    RFC(7515, '4.1.5'),
  ),
  x5c: p(
    'X.509 certificate chain',
    'The certificate chain of the signing key, base64 DER, signer first.',
    RFC(7515, '4.1.6'),
  ),
  x5t: p(
    'X.509 SHA-1 thumbprint',
    'base64url SHA-1 thumbprint of the signing certificate.',
    RFC(7515, '4.1.7'),
  ),
  'x5t#S256': p(
    'X.509 SHA-256 thumbprint',
    'base64url SHA-256 thumbprint of the signing certificate.',
    RFC(7515, '4.1.8'),
  ),
  typ: p(
    'Type',
    'Media type of the whole token, e.g. "JWT", or "at+jwt" for an OAuth access token (RFC 9068).',
    RFC(7515, '4.1.9'),
  ),
  cty: p(
    'Content type',
    'Media type of the payload; "JWT" means the payload is itself a nested JWT.',
    RFC(7515, '4.1.10'),
  ),
  crit: p(
    'Critical',
    'Header parameters the recipient must understand; a recipient that does not must reject the token.',
    RFC(7515, '4.1.11'),
  ),
  b64: p(
    'Base64url-encode payload',
    'false means the payload is not base64url-encoded (unencoded payload option); must be listed in crit.',
    RFC(7797, '3'),
  ),
  enc: p(
    'Encryption algorithm',
    'JWE: content encryption algorithm (this token is encrypted).',
    RFC(7516, '4.1.2'),
  ),
  zip: p(
    'Compression',
    'JWE: compression applied to the plaintext before encryption ("DEF").',
    RFC(7516, '4.1.3'),
  ),
  epk: p('Ephemeral public key', "JWE ECDH-ES: the sender's ephemeral public key.", RFC(7518, '4.6.1.1')),
  apu: p('Agreement PartyUInfo', 'JWE ECDH-ES: information about the producer.', RFC(7518, '4.6.1.2')),
  apv: p('Agreement PartyVInfo', 'JWE ECDH-ES: information about the recipient.', RFC(7518, '4.6.1.3')),
  iv: p('Initialization vector', 'JWE AES-GCM key wrap: the IV used to wrap the key.', RFC(7518, '4.7.1.1')),
  tag: p('Authentication tag', 'JWE AES-GCM key wrap: the tag of the key wrapping.', RFC(7518, '4.7.1.2')),
  p2s: p('PBES2 salt input', 'JWE PBES2: salt for the password-based key derivation.', RFC(7518, '4.8.1.1')),
  p2c: p(
    'PBES2 count',
    'JWE PBES2: iteration count for the password-based key derivation.',
    RFC(7518, '4.8.1.2'),
  ),
});

/** Description used for a header parameter that is not registered. */
export const PRIVATE_HEADER_PARAM: ParamInfo = Object.freeze(
  p(
    'Private header parameter',
    'Not a registered header parameter: its meaning is agreed between producer and consumer.',
    RFC(7515, '4.3'),
  ),
);

/** One algorithm in words: its description, spec and spec address from the one table (`_lib/algorithms.ts`). */
function describe(info: AlgorithmInfo): AlgorithmDescription {
  return {
    name: info.name,
    description: info.description,
    family: info.family,
    rfc: info.spec,
    url: info.specUrl,
  };
}

/** Every JWS "alg" value in words: the library's algorithms (derived from the table), and "none". */
export const ALGORITHMS: Readonly<Record<string, AlgorithmDescription>> = Object.freeze({
  ...Object.fromEntries(
    ALGORITHM_NAMES.map((name) => [name, describe(algorithmInfo(name) as AlgorithmInfo)]),
  ),
  none: {
    name: 'none',
    description: 'No signature at all (unsecured JWS): anyone can forge this token',
    family: 'none',
    ...RFC(7518, '3.6'),
  },
});

/** Own-property lookup (a payload key such as "constructor" or "__proto__" must not hit Object.prototype). */
export function lookup<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
