// A capturing HttpClient for unit tests: answers from a script and records every request.
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';

/** One scripted answer. */
export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** The fake transport and what it saw. */
export interface FakeHttp extends HttpClient {
  requests: { method: string; url: string; headers: Record<string, string>; body?: string }[];
}

export function fakeHttp(answer: (request: PipelineRequest, index: number) => FakeAnswer | Promise<FakeAnswer>): FakeHttp {
  const requests: FakeHttp['requests'] = [];
  return {
    requests,
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const index = requests.length;
      requests.push({
        method: request.method,
        url: request.url,
        headers: request.headers.toJSON(),
        body: typeof request.body === 'string' ? request.body : undefined,
      });
      const a = await answer(request, index);
      return {
        request,
        status: a.status,
        headers: createHttpHeaders({ 'content-type': 'application/json', ...(a.headers ?? {}) }),
        bodyAsText: a.body === undefined ? '' : JSON.stringify(a.body),
      };
    },
  };
}

/** A credential that records the scopes it was asked for. */
export function recordingCredential(token = 'header.eyJvaWQiOiJvcGVyYXRvciJ9.sig') {
  const scopes: string[][] = [];
  return {
    scopes,
    async getToken(s: string | string[]) {
      scopes.push(Array.isArray(s) ? [...s] : [s]);
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}
