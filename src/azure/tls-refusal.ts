// A refused TLS certificate is not a network hiccup: every call after it fails the same way, and the usual
// causes (a TLS-inspecting proxy, an emulator without --ca-cert, a wrong --ca-cert) are fixed by the operator.
// So the ARM endpoint's certificate is checked once at sign-in, with the trust the clients use, and a refusal
// ends the run (exit 2) naming the certificate. The check is a bare TLS handshake: no HTTP request, no token.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { ConnectError } from '../error-model.ts';

/** Node's certificate verification codes (OpenSSL X509_V_ERR_* names) and its host-name check. */
const REFUSAL_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** True for an error code that means "the peer's certificate was not trusted". */
export function isTlsRefusal(code: string | undefined): boolean {
  return code !== undefined && REFUSAL_CODES.has(code);
}

/** What to do about a refused certificate, worded for the refusal and for whether --ca-cert was given. */
export function caCertHint(caGiven: boolean, code?: string): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH')
    return "The certificate is trusted but issued for another name: use the endpoint's own name in --arm-endpoint (the one its certificate lists).";
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return "The certificate is outside its validity period: check this machine's clock, or renew the endpoint's certificate.";
  return caGiven
    ? 'The certificate does not chain to the --ca-cert file: give the PEM of the CA that issued it (for "apimkv sandbox serve", the CA file it printed).'
    : "If this endpoint is yours (a local emulator, a TLS-inspecting proxy), pass --arm-endpoint URL --ca-cert FILE with the PEM CA its certificate chains to; otherwise something between you and Azure is presenting a certificate that is not Azure's: stop and ask your network team.";
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

/**
 * Connects to the URL's host with the given trust (undefined = Node's roots plus NODE_EXTRA_CA_CERTS) and
 * throws a ConnectError naming the certificate when it is refused. Anything else (no route, a timeout, a
 * proxy in the way) is left to the first real request, which reports it in its own words.
 */
export async function requireTrustedCertificate(
  endpoint: string,
  ca?: string | Buffer | (string | Buffer)[],
  timeoutMs = 5000,
): Promise<void> {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  const refusal = await new Promise<{ code: string; reason?: string; cert?: X509Certificate } | undefined>((resolve) => {
    const socket = tls.connect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      ...(ca ? { ca } : {}),
      // Verified below, so that the refused certificate can still be read and named.
      rejectUnauthorized: false,
    });
    const done = (value: { code: string; reason?: string; cert?: X509Certificate } | undefined) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('secureConnect', () => {
      const raw = socket.getPeerX509Certificate();
      const error = socket.authorizationError as (Error & { code?: string }) | string | null;
      const forHost = raw && (isIP(host) ? raw.checkIP(host) : raw.checkHost(host));
      // Node gives the OpenSSL code here (a string, or an Error carrying it), not a sentence.
      const code = error
        ? typeof error === 'string'
          ? error
          : (error.code ?? error.message)
        : forHost
          ? undefined
          : 'ERR_TLS_CERT_ALTNAME_INVALID';
      if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') done({ code, reason: `it is not issued for ${host}`, cert: raw });
      else if (code) done({ code, cert: raw });
      else done(undefined);
    });
  });
  if (!refusal) return;
  const cert = refusal.cert;
  const named = cert
    ? `subject ${oneLine(cert.subject)}; issuer ${oneLine(cert.issuer)}; valid ${cert.validFrom} to ${cert.validTo}; SHA-256 ${cert.fingerprint256}`
    : 'no certificate';
  throw new ConnectError(
    `The TLS certificate of ${url.host} was refused (${refusal.code}${refusal.reason ? `: ${refusal.reason}` : ''}): ${named}. Nothing was sent to it.`,
    caCertHint(ca !== undefined, refusal.code),
  );
}
