// Microsoft.Resources deployments (resource-group and subscription scope), their operations, and deployment
// stacks, in the REST shape of Deployments 2025-04-01 and DeploymentStacks 2024-03-01. Deployments and stacks
// are stored as resources; a deployment's operations come from the world's `deploymentOperations`.
import { ArmError, ok, type Ctx, type Reply } from '../http.ts';
import { requireAction } from '../rbac.ts';
import { keyOf, nameOf } from '../resource-id.ts';
import { page } from './arm.ts';

/** A list at one scope holds that scope's own deployments (or stacks) only, not those of its resource groups. */
export function listAtScope(ctx: Ctx, scope: string, kind: 'deployments' | 'deploymentStacks'): Reply {
  requireScope(ctx, scope);
  requireAction(ctx, `Microsoft.Resources/${kind}/read`, scope);
  const items = ctx.state.children(`${scope}/providers/Microsoft.Resources/${kind}`);
  const top = Number(ctx.query.get('$top'));
  const bounded = Number.isInteger(top) && top > 0 ? items.slice(0, top) : items;
  return ok(
    page(
      ctx,
      bounded.map((r) => structuredClone(r)),
    ),
  );
}

/** GET …/deployments/{name}/operations: the world's operations of that deployment, paged. */
export function listDeploymentOperations(ctx: Ctx, deploymentId: string): Reply {
  const scope = deploymentId.replace(/\/providers\/Microsoft\.Resources\/deployments\/[^/]+$/i, '');
  requireScope(ctx, scope);
  requireAction(ctx, 'Microsoft.Resources/deployments/operations/read', deploymentId);
  const deployment = ctx.state.get(deploymentId);
  if (!deployment) throw new ArmError(404, 'DeploymentNotFound', `Deployment '${nameOf(deploymentId)}' could not be found.`);
  const all = ctx.state.world.deploymentOperations ?? {};
  const key = Object.keys(all).find((k) => keyOf(k) === keyOf(deploymentId));
  return ok(page(ctx, structuredClone(key ? all[key]! : [])));
}

function requireScope(ctx: Ctx, scope: string): void {
  const g = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?$/i.exec(scope);
  if (!g)
    throw new ArmError(404, 'NotFound', `The sandbox serves deployments at subscription and resource group scope only, not at '${scope}'.`);
  if (!ctx.state.subscription(g[1]!)) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${g[1]}' could not be found.`);
  if (g[2] && !ctx.state.resourceGroup(g[1]!, g[2]))
    throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${g[2]}' could not be found.`);
}
