/** JSON Schemas shared by routes (validation) and the OpenAPI document (documentation). */

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
