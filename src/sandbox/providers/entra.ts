// The sandbox as Microsoft Entra ID for the device code flow, so the real DeviceCodeCredential (MSAL) can
// sign in against it: OpenID metadata, /devicecode, /token (device code and refresh token grants), and the
// page where "the user enters the code": POST /devicelogin { code } plays the browser on the other machine.
// Tokens are unsigned JWTs for the world's operator, like every sandbox token.
import { randomBytes, randomInt } from 'node:crypto';
import type { Reply } from '../http.ts';
import type { SandboxState } from '../state.ts';

const METADATA = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/i;
const OAUTH = /^\/([^/]+)\/oauth2\/v2\.0\/(devicecode|token)$/i;
// RFC 8628's name, and the short one MSAL sends (Entra accepts both).
const DEVICE_GRANTS = new Set(['urn:ietf:params:oauth:grant-type:device_code', 'device_code']);
/** Lifetime of a code, as Entra issues them (15 minutes). */
const CODE_SECONDS = 900;

interface PendingSignIn {
  userCode: string;
  clientId: string;
  expiresAt: number;
  outcome: 'pending' | 'approved' | 'declined';
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.sandbox`;

/** Entra's OAuth error shape (MSAL reads `error`; people read the AADSTS description). */
const oauthError = (error: string, description: string): Reply => ({
  status: 400,
  body: {
    error,
    error_description: description,
    error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)],
    timestamp: new Date().toISOString(),
  },
});

export class Entra {
  private readonly pending = new Map<string, PendingSignIn>();
  private readonly refreshTokens = new Set<string>();

  constructor(
    private readonly state: SandboxState,
    private readonly endpoint: () => string,
    private readonly clock: () => number,
  ) {}

  /** True for the paths this emulates (checked before the body is parsed as JSON: OAuth bodies are forms). */
  serves(path: string): boolean {
    return METADATA.test(path) || OAUTH.test(path) || path === '/devicelogin';
  }

  /** The codes waiting for someone to enter them (for `sandbox serve` output and tests). */
  pendingCodes(): string[] {
    return [...this.pending.values()].filter((p) => p.outcome === 'pending' && p.expiresAt > this.clock()).map((p) => p.userCode);
  }

  handle(method: string, path: string, raw: string, contentType: string, host: string): Reply {
    // Links name the host the caller used (127.0.0.1:port, or login.chinacloudapi.cn routed here), so a
    // client of a sovereign cloud's authority stays on it.
    const origin = host ? `https://${host}` : this.endpoint();
    const form = contentType.includes('json')
      ? new URLSearchParams(Object.entries(safeJson(raw)).map(([k, v]): [string, string] => [k, String(v)]))
      : new URLSearchParams(raw);
    const metadata = METADATA.exec(path);
    if (metadata && method === 'GET') return { status: 200, body: this.metadata(metadata[1]!, origin) };
    const oauth = OAUTH.exec(path);
    if (oauth && method === 'POST')
      return oauth[2]!.toLowerCase() === 'devicecode' ? this.deviceCode(form, origin) : this.token(form, origin);
    if (path === '/devicelogin')
      return method === 'POST'
        ? this.enterCode(form)
        : {
            status: 200,
            body: {
              message: `Enter the code shown by apimkv: POST ${origin}/devicelogin with code=<the code> (add action=decline to refuse).`,
            },
          };
    return oauthError(
      'invalid_request',
      `AADSTS900561: The endpoint only accepts ${path === '/devicelogin' ? 'GET or POST' : metadata ? 'GET' : 'POST'} requests.`,
    );
  }

  private metadata(tenant: string, origin: string) {
    const base = `${origin}/${tenant}`;
    return {
      issuer: `${origin}/${this.state.world.tenantId}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      tenant_region_scope: 'EU',
    };
  }

  private deviceCode(form: URLSearchParams, origin: string): Reply {
    const clientId = form.get('client_id');
    if (!clientId)
      return oauthError('invalid_request', "AADSTS900144: The request body must contain the following parameter: 'client_id'.");
    // Entra's codes are 9 characters of capitals and digits, without look-alikes.
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    const userCode = Array.from({ length: 9 }, () => alphabet[randomInt(alphabet.length)]).join('');
    const deviceCode = randomBytes(24).toString('base64url');
    this.pending.set(deviceCode, { userCode, clientId, expiresAt: this.clock() + CODE_SECONDS * 1000, outcome: 'pending' });
    const uri = `${origin}/devicelogin`;
    return {
      status: 200,
      body: {
        user_code: userCode,
        device_code: deviceCode,
        verification_uri: uri,
        expires_in: CODE_SECONDS,
        // Entra says 5 s; the sandbox keeps onboarding and tests brisk.
        interval: 1,
        message: `To sign in, use a web browser to open the page ${uri} and enter the code ${userCode} to authenticate.`,
      },
    };
  }

  private enterCode(form: URLSearchParams): Reply {
    const code = (form.get('code') ?? '').trim().toUpperCase();
    const found = [...this.pending.values()].find((p) => p.userCode === code && p.outcome === 'pending' && p.expiresAt > this.clock());
    if (!found)
      return {
        status: 404,
        body: { error: { code: 'CodeNotFound', message: `No sign-in is waiting for the code "${code}" (wrong, used or expired).` } },
      };
    found.outcome = form.get('action') === 'decline' ? 'declined' : 'approved';
    return {
      status: 200,
      body: { code, outcome: found.outcome, user: this.state.world.operator.upn ?? this.state.world.operator.principalId },
    };
  }

  private token(form: URLSearchParams, origin: string): Reply {
    const grant = form.get('grant_type');
    const scope = form.get('scope') ?? '';
    if (DEVICE_GRANTS.has(grant ?? '')) {
      const deviceCode = form.get('device_code') ?? '';
      const sign = this.pending.get(deviceCode);
      if (!sign) return oauthError('invalid_grant', "AADSTS70000: The provided value for the input parameter 'device_code' is not valid.");
      if (sign.expiresAt <= this.clock())
        return oauthError(
          'expired_token',
          "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
        );
      if (sign.outcome === 'pending')
        return oauthError('authorization_pending', 'AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.');
      this.pending.delete(deviceCode);
      if (sign.outcome === 'declined')
        return oauthError('authorization_declined', 'AADSTS70000: The user declined to authorize the sign-in.');
      return this.tokens(scope, sign.clientId, origin);
    }
    if (grant === 'refresh_token') {
      if (!this.refreshTokens.has(form.get('refresh_token') ?? ''))
        return oauthError('invalid_grant', 'AADSTS9002313: Invalid request. The refresh token is unknown or was revoked.');
      return this.tokens(scope, form.get('client_id') ?? '', origin);
    }
    return oauthError('unsupported_grant_type', `AADSTS70003: The app requested an unsupported grant type '${grant ?? ''}'.`);
  }

  private tokens(scope: string, clientId: string, origin: string): Reply {
    const { tenantId, operator } = this.state.world;
    const now = Math.floor(this.clock() / 1000);
    // The audience is the resource of the ".default" scope asked for (ARM, or a vault's data plane).
    const resource =
      scope
        .split(/\s+/)
        .find((s) => s.endsWith('/.default'))
        ?.slice(0, -'/.default'.length) ?? '';
    const refresh = randomBytes(24).toString('base64url');
    this.refreshTokens.add(refresh);
    const who = {
      oid: operator.principalId,
      tid: tenantId,
      ...(operator.upn ? { upn: operator.upn, preferred_username: operator.upn } : {}),
      ...(operator.name ? { name: operator.name } : {}),
    };
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        scope,
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: jwt({
          ...who,
          aud: resource,
          iss: `${origin}/${tenantId}/v2.0`,
          appid: clientId,
          iat: now,
          nbf: now,
          exp: now + 3599,
        }),
        refresh_token: refresh,
        id_token: jwt({
          ...who,
          sub: operator.principalId,
          aud: clientId,
          iss: `${origin}/${tenantId}/v2.0`,
          name: operator.name ?? operator.upn ?? 'Sandbox operator',
          iat: now,
          nbf: now,
          exp: now + 3599,
          ver: '2.0',
        }),
        client_info: b64url({ uid: operator.principalId, utid: tenantId }),
      },
    };
  }
}

function safeJson(raw: string): Record<string, unknown> {
  try {
    const v = JSON.parse(raw || '{}') as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
