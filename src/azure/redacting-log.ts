// A second line of defence for the Azure SDK's own log (AZURE_LOG_LEVEL=verbose): whatever a log line
// carries, bearer tokens, JWTs and credential-carrying header values are redacted before it reaches stderr.
// (The first line is in clients.ts: the HTTPS agent, whose sockets hold the raw Authorization header, is
// never serialised.) The bundle can hold more than one copy of the logger (ESM and CommonJS builds of the
// SDK packages), and this reaches the one @azure/logger resolves to here; clients.ts's fix covers all.
import { AzureLogger } from '@azure/logger';
import { format } from 'node:util';

/** A log line with every credential-shaped run replaced. */
export function redactLog(text: string): string {
  return text
    .replace(/\b(Bearer|Basic|PoP)\s+[\w.~+/=-]+/gi, '$1 [redacted]')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[token]')
    .replace(/((?:authorization|x-ms-authorization-auxiliary|cookie|set-cookie)['"]?\s*[:=]\s*['"]?)[^'"\r\n]+/gi, '$1[redacted]')
    .replace(/(["']?(?:access_?token|refresh_?token|id_?token|client_?secret|password)["']?\s*[:=]\s*["']?)[^"',\s}]+/gi, '$1[redacted]');
}

AzureLogger.log = (...args: unknown[]) => {
  process.stderr.write(`${redactLog(format(...args))}\n`);
};
