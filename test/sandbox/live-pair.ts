// One logged request/response as oav's LiveValidator takes it (wire-conformance and wire-version-shapes).
import type { LoggedRequest } from '../../src/sandbox/index.ts';

/** `url` is the path and query oav should match (by default the one sent). */
export function livePair(e: LoggedRequest, url: string = e.url ?? e.path) {
  return {
    liveRequest: { url: `https://${e.host}${url}`, method: e.method.toLowerCase(), headers: e.requestHeaders ?? {}, body: e.requestBody },
    liveResponse: { statusCode: String(e.status), headers: e.responseHeaders ?? {}, body: e.responseBody },
  };
}
