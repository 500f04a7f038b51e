/**
 * RFC 8414 authorization server metadata, built from the same constants the endpoints use (grant types,
 * client authentication methods, algorithms), so the document cannot say what the server does not do.
 * test/oauth-metadata.test.ts derives every claim from the running routes.
 */
import type { Services } from './index.js';
import { OAuthClientService } from './oauth-clients.js';
import {
  CLIENT_ASSERTION_ALGORITHMS,
  DPOP_ALGORITHMS,
  GRANT_TYPES,
  TOKEN_ENDPOINT_AUTH_METHODS,
} from './oauth-token.js';

export async function authorizationServerMetadata(services: Services): Promise<Record<string, unknown>> {
  const { config, keys } = services;
  const base = config.issuer;
  const scopes = await new OAuthClientService(services).scopes();
  return {
    issuer: config.issuer,
    token_endpoint: `${base}/oauth/token`,
    jwks_uri: `${base}/.well-known/jwks.json`,
    // No authorization endpoint: users log in at /auth/login (no browser redirect flows).
    response_types_supported: [],
    grant_types_supported: [...GRANT_TYPES],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    ...(TOKEN_ENDPOINT_AUTH_METHODS.includes('private_key_jwt' as never)
      ? { token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS] }
      : {}),
    introspection_endpoint: `${base}/oauth/introspect`,
    // HTTP Basic for INTROSPECTION_CLIENTS; an admin bearer token is accepted too (not a registered method).
    introspection_endpoint_auth_methods_supported:
      config.introspectionClients.length > 0 ? ['client_secret_basic'] : [],
    revocation_endpoint: `${base}/oauth/revoke`,
    // Possession of the token is the authorization (RFC 7009 §2.1 for public clients).
    revocation_endpoint_auth_methods_supported: ['none'],
    scopes_supported: scopes,
    ...(DPOP_ALGORITHMS.length > 0 ? { dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS] } : {}),
    access_token_signing_alg_values_supported: [keys.algorithm],
    service_documentation: `${base}/docs`,
    'x-jwtkit-endpoints': {
      login: `${base}/auth/login`,
      refresh: `${base}/auth/refresh`,
      logout: `${base}/auth/logout`,
    },
  };
}
