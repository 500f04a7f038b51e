/**
 * JSON Schemas shared by routes (validation, and their request types through `SchemaTypes`) and the OpenAPI
 * document (documentation).
 */
import type { FastifyTypeProvider } from 'fastify';

export const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details',
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
  },
  required: ['type', 'title', 'status', 'code'],
} as const;

export const tokenResponseSchema = {
  type: 'object',
  properties: {
    access_token: { type: 'string', description: 'RFC 9068 JWT access token' },
    token_type: { type: 'string', enum: ['Bearer', 'DPoP'] },
    expires_in: { type: 'integer', description: 'seconds' },
    refresh_token: { type: 'string', description: 'opaque, single use' },
  },
  required: ['access_token', 'token_type', 'expires_in', 'refresh_token'],
} as const;

export const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'user'] },
    disabled: { type: 'boolean' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const sessionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    client_id: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    last_used_at: { type: 'string', format: 'date-time' },
    expires_at: { type: 'string', format: 'date-time' },
    ip: { type: ['string', 'null'] },
    user_agent: { type: ['string', 'null'] },
    current: { type: 'boolean' },
  },
} as const;

export const credentialsBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 4096 },
  },
} as const;

export const uuidParam = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' } },
} as const;

export const userIdParam = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: 9007199254740991 } },
} as const;

export const noBody = { type: 'null' } as const;

export const problems = (...statuses: number[]): Record<string, { description: string; schema: unknown }> =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      { description: PROBLEM_DESCRIPTIONS[s] ?? 'Problem', schema: problemSchema },
    ]),
  );

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (problem+json)',
  401: 'Missing, invalid or expired token / credentials (problem+json, WWW-Authenticate)',
  403: 'Insufficient role (problem+json, WWW-Authenticate: error="insufficient_scope")',
  404: 'Not found (problem+json)',
  409: 'Conflict (problem+json)',
  413: 'Body too large (problem+json)',
  415: 'Unsupported content type (problem+json)',
  429: 'Rate limited (problem+json, Retry-After)',
  503: 'Not ready (problem+json)',
};

/**
 * `SchemaTypes`, a Fastify type provider of our own: a route's request types are read from its JSON schemas, so a body,
 * querystring or params shape is written once (the schema) and the handler's `req.body` follows it.
 * It covers the JSON Schema subset the routes use (object/properties/required/default, enum, const,
 * array/items, string/integer/number/boolean/null and type unions); anything else is `unknown`, which
 * fails typecheck where a handler relies on it rather than guessing. No dependency: the subset is small,
 * and a provider package (json-schema-to-ts) would add a large type-level library for these ~30 lines.
 * Route schemas must be `as const` (or constants declared `as const`) for their literals to survive.
 */

type Primitive<T> = T extends 'string'
  ? string
  : T extends 'integer' | 'number'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'null'
        ? null
        : unknown;

/** Property names present after validation: `required`, plus those with a `default` (Ajv fills them). */
type PresentKeys<S, P> =
  | (S extends { required: readonly (infer R)[] } ? R & keyof P : never)
  | { [K in keyof P]: P[K] extends { default: unknown } ? K : never }[keyof P];

type Flatten<T> = { [K in keyof T]: T[K] };

type ObjectOf<S, P> = Flatten<
  { [K in keyof P as K extends PresentKeys<S, P> ? K : never]: FromSchema<P[K]> } & {
    [K in keyof P as K extends PresentKeys<S, P> ? never : K]?: FromSchema<P[K]>;
  }
>;

/** The TypeScript type of a value that validates against the JSON schema `S`. */
export type FromSchema<S> = S extends { const: infer C }
  ? C
  : S extends { enum: readonly (infer E)[] }
    ? E
    : S extends { type: 'object'; properties: infer P }
      ? ObjectOf<S, P>
      : S extends { type: 'array'; items: infer I }
        ? FromSchema<I>[]
        : S extends { type: readonly (infer T)[] }
          ? Primitive<T>
          : S extends { type: infer T }
            ? Primitive<T>
            : unknown;

/** `app.withTypeProvider<SchemaTypes>()`: request types from the route's `schema`. */
export interface SchemaTypes extends FastifyTypeProvider {
  readonly validator: FromSchema<this['schema']>;
  readonly serializer: FromSchema<this['schema']>;
}
