// What the gateway's events say is happening, in a few words for the progress line: "reading vault
// kv-contoso (3 requests)", "throttled: retrying in 5 s". The URL's names come from Azure's answers
// and the operator's flags; control characters are dropped so they cannot drive the terminal.
import type { GatewayEvent } from '../checks/run-types.ts';

const KINDS: Array<[RegExp, string]> = [
  [/\/providers\/Microsoft\.KeyVault\/vaults\/([^/?]+)/i, 'vault'],
  [/\/providers\/Microsoft\.ApiManagement\/service\/([^/?]+)/i, 'API Management'],
  [/\/providers\/Microsoft\.Network\/virtualNetworks\/([^/?]+)/i, 'virtual network'],
  [/\/providers\/Microsoft\.Network\/networkSecurityGroups\/([^/?]+)/i, 'NSG'],
  [/\/providers\/Microsoft\.Authorization\/roleAssignments/i, 'role assignments'],
  [/\/providers\/Microsoft\.Authorization\/permissions/i, 'your permissions'],
  [/\/providers\/Microsoft\.Authorization\/roleDefinitions/i, 'role definitions'],
  [/\/providers\/Microsoft\.ResourceGraph/i, 'Resource Graph'],
  [/^https?:\/\/([^./]+)\.vault\.[^/]+\/(certificates|secrets)/i, 'vault data plane'],
  [/\/resourceGroups\/([^/?]+)$/i, 'resource group'],
  [/\/subscriptions\/[^/?]+$/i, 'subscription'],
];

const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, 60);

/** "vault kv-contoso", "API Management apim-dev", or the path's last segment. */
export function describeResource(url: string): string {
  const path = url.split('?')[0] ?? url;
  for (const [re, kind] of KINDS) {
    const m = re.exec(path);
    if (m) return clean(m[1] && !/^(certificates|secrets)$/i.test(m[1]) ? `${kind} ${m[1]}` : kind);
  }
  return clean(path.split('/').filter(Boolean).at(-1) ?? path);
}

/** The progress line's words for one event, and whether it is a wait the operator should see. */
export function describeEvent(e: GatewayEvent): string {
  switch (e.type) {
    case 'request':
      return `${e.method === 'GET' ? 'read' : 'wrote'} ${describeResource(e.url)}${e.status && e.status >= 400 ? ` (${e.status})` : ''}`;
    case 'throttled':
      return `throttled (${e.status}): retrying in ${Math.ceil(e.retryInMs / 1000)} s`;
    case 'retry':
      return `retrying ${describeResource(e.url)} (attempt ${e.attempt}: ${clean(e.reason)})`;
    case 'lro':
      return `waiting for Azure: ${describeResource(e.url)} is ${clean(e.status)}`;
  }
}

/** The running check's activity: requests so far and the last event in words. */
export interface LiveActivity {
  requests: number;
  detail?: string;
}

export function noteEvent(live: LiveActivity, text: string, request: boolean): LiveActivity {
  const requests = live.requests + (request ? 1 : 0);
  return { requests, detail: `${text} · ${requests} request${requests === 1 ? '' : 's'}` };
}
