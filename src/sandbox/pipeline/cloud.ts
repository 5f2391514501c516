// A client that reached the sandbox under a cloud's own hostnames (clouds.ts) sends and receives that cloud's
// names: the body is rewritten to the sandbox's names on the way in and back on the way out.
import { fromCloud, toCloud } from '../clouds.ts';
import { WITHHELD, type Stage } from './exchange.ts';

export const cloudRewriteStage: Stage = async (x, next) => {
  if (!x.cloud.armHost) return next();
  if (x.body !== undefined) x.body = JSON.parse(fromCloud(JSON.stringify(x.body), x.cloud));
  const out = await next();
  if (out === WITHHELD || out.body === undefined) return out;
  return { ...out, body: JSON.parse(toCloud(JSON.stringify(out.body), x.cloud)) };
};
