// Who is calling: the sandbox's unsigned tokens, the managed-identity token endpoint, Entra's sign-in
// endpoints (providers/entra.ts), and ARM's 401 for a request without a bearer token.
import { ArmError, type Reply } from '../http.ts';
import type { Entra } from '../providers/entra.ts';
import type { SandboxState } from '../state.ts';
import type { Json, Operator } from '../types.ts';
import type { Exchange, Site, Stage } from './exchange.ts';

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The caller's object id and the token's audience from an unsigned (or any) JWT; empty when unreadable. */
export function tokenClaims(auth: string | undefined): { oid?: string; aud?: string } {
  const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  const payload = token?.split('.')[1];
  if (!payload) return {};
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Json;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    return { oid: str(claims.oid), aud: str(claims.aud) };
  } catch {
    return {};
  }
}

/**
 * Who the operator is, in the claims of an ARM (v1.0) access token: a user's upn, unique_name and name, or a
 * service principal's app-only idtyp, appid and app_displayname (access-token-claims-reference, optional-claims-reference).
 */
export function operatorClaims(op: Operator): Json {
  if (op.servicePrincipal) return { idtyp: 'app', appid: op.servicePrincipal.appId, app_displayname: op.servicePrincipal.displayName };
  return {
    ...(op.upn ? { upn: op.upn, unique_name: op.upn } : {}),
    ...(op.name ? { name: op.name } : {}),
    scp: 'user_impersonation',
  };
}

/** An unsigned JWT naming the caller (default: the world's operator), for the sandbox's own endpoint. */
export function tokenIssuer(state: SandboxState, site: Site, clock: () => number): (principal?: string) => string {
  return (principal) => {
    const op = state.world.operator;
    const oid = principal ?? op.principalId;
    const payload: Json = { oid, tid: state.world.tenantId, aud: site.endpoint, exp: Math.floor(clock() / 1000) + 3600 };
    if (oid === op.principalId) Object.assign(payload, operatorClaims(op));
    return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.sandbox`;
  };
}

/**
 * A Cloud Shell style managed-identity token endpoint (what az's `login --identity` calls through
 * MSI_ENDPOINT: POST form `resource=...`, or GET `?resource=`): the operator's token, times as epoch-second strings.
 */
function msiToken(raw: string, queryText: string, token: string, clientId: string, clock: () => number): Reply {
  const params = new URLSearchParams(raw);
  for (const [k, v] of new URLSearchParams(queryText)) params.set(k, v);
  const now = Math.floor(clock() / 1000);
  return {
    status: 200,
    body: {
      access_token: token,
      token_type: 'Bearer',
      resource: params.get('resource') ?? '',
      expires_on: String(now + 3600),
      expires_in: '3600',
      not_before: String(now),
      client_id: clientId,
    },
  };
}

/** The token endpoints (managed identity, Entra): answered without latency or faults. */
export function identityStage(deps: {
  entra: Entra;
  /** Logs a sign-in request without its bodies. */
  brief: (x: Exchange, status: number) => void;
  state: SandboxState;
  token: (principal?: string) => string;
  clock: () => number;
}): Stage {
  return async (x, next) => {
    if (x.path === '/msi/token') return msiToken(x.raw, x.queryText, deps.token(), deps.state.world.operator.principalId, deps.clock);
    if (!deps.entra.serves(x.path)) return next();
    const reply = deps.entra.handle(x.method, x.path, x.raw, String(x.req.headers['content-type'] ?? ''), x.host);
    deps.brief(x, reply.status);
    return reply;
  };
}

/** ARM refuses a request without a bearer token; the data plane answers its own challenge (providers/kvdata.ts). */
export function authStage(state: SandboxState): Stage {
  return async (x, next) => {
    if (x.vault || x.authorization?.startsWith('Bearer ')) return next();
    throw new ArmError(
      401,
      'AuthenticationFailed',
      "Authentication failed. The 'Authorization' header is missing.",
      {},
      {
        'WWW-Authenticate': `Bearer authorization_uri="${x.cloud.authority}/${state.world.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`,
      },
    );
  };
}
