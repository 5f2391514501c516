// The innermost stages: ARM's error replies, ARM's throttling, and the hand-off to the data plane
// (providers/kvdata.ts) or to the ARM router with the request context and the presenter registry.
import type { Ctx } from '../http.ts';
import { ArmError } from '../http.ts';
import type { LroRegistry } from '../lro.ts';
import { presenterRegistry } from '../presenters.ts';
import { apimPresenters } from '../providers/apim.ts';
import { keyVaultPresenters } from '../providers/keyvault.ts';
import { dataPlane } from '../providers/kvdata.ts';
import { networkPresenters } from '../providers/network.ts';
import { route } from '../router.ts';
import type { SandboxState } from '../state.ts';
import type { ArmThrottle } from '../throttle.ts';
import type { Site, Stage } from './exchange.ts';

const PRESENTERS = presenterRegistry(apimPresenters, keyVaultPresenters, networkPresenters);

/** What a handler throws becomes its reply: ARM's own error, or a 500 naming the request. */
export const armErrorStage: Stage = async (x, next) => {
  try {
    return await next();
  } catch (e) {
    if (e instanceof ArmError) return e.reply();
    return new ArmError(500, 'InternalServerError', `The sandbox failed to handle ${x.method} ${x.path}: ${(e as Error).message}`).reply();
  }
};

/** ARM's per-subscription read/write buckets (off unless enabled); the data plane is not throttled here. */
export function throttleStage(throttle: ArmThrottle | undefined): Stage {
  return async (x, next) => {
    const sub = /^\/subscriptions\/([^/]+)/i.exec(x.path)?.[1];
    if (x.vault || !throttle || !sub) return next();
    const limits = throttle.take(sub, x.principalId, x.method);
    const out = await next();
    return typeof out === 'symbol' ? out : { ...out, headers: { ...(out.headers ?? {}), ...limits } };
  };
}

export function dispatchStage(state: SandboxState, lros: LroRegistry, site: Site): Stage {
  return async (x) => {
    const ctx: Ctx = {
      method: x.method,
      path: x.path,
      query: new URLSearchParams(x.queryText),
      host: x.host,
      headers: x.req.headers,
      body: x.body,
      principalId: x.principalId,
      state,
      // Links (nextLink, Azure-AsyncOperation) name the cloud's ARM host, so a client keeps talking to the cloud it chose.
      endpoint: x.cloud.armHost ? `https://${x.cloud.armHost}` : site.endpoint,
      port: site.port,
      presenters: PRESENTERS,
    };
    return x.vault ? dataPlane(ctx, x.vault) : route(ctx, lros);
  };
}
