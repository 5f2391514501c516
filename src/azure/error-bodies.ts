// Some SDK paths (the data plane's paging helper) throw a RestError whose response lost the body, so
// Key Vault's own message ("Client address: …", innererror ForbiddenByFirewall) would be gone. The events
// policy sees every raw response: it keeps the body of failed ones here, keyed by request, for toAzureError.
import type { PipelineRequest } from '@azure/core-rest-pipeline';

const bodies = new WeakMap<PipelineRequest, string>();

/** Remember the body of a failed response (error bodies carry codes and messages, never secrets). */
export function rememberErrorBody(request: PipelineRequest, bodyAsText: string | null | undefined): void {
  if (bodyAsText) bodies.set(request, bodyAsText.length > 8192 ? bodyAsText.slice(0, 8192) : bodyAsText);
}

/** The remembered body of the last failed response to this request, if any. */
export function errorBodyOf(request: PipelineRequest | undefined): string | undefined {
  return request ? bodies.get(request) : undefined;
}
