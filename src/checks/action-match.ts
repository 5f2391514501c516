// ARM action matching: patterns are case-insensitive and `*` matches any run of characters (including
// "/"), so "Microsoft.KeyVault/vaults/*" covers ".../secrets/getSecret/action". notActions subtract.
import type { PermissionFacts } from './facts.ts';

const cache = new Map<string, RegExp>();

/** Does one ARM action pattern match an action? */
export function actionMatches(pattern: string, action: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, 'i');
    cache.set(pattern, re);
  }
  return re.test(action);
}

/** Is `action` granted by (allowed, denied) pattern lists? */
export function grants(allowed: readonly string[], denied: readonly string[], action: string): boolean {
  return allowed.some((p) => actionMatches(p, action)) && !denied.some((p) => actionMatches(p, action));
}

/**
 * Is `action` permitted by the caller's effective permissions? Each entry is one role's grant: ARM applies
 * a role's notActions to that role only, so an action is allowed when any single entry allows it.
 * `plane` says which lists apply: control-plane actions or data actions (Key Vault's data plane).
 */
export function permitted(perms: readonly PermissionFacts[], action: string, plane: 'control' | 'data' = 'control'): boolean {
  return perms.some((p) => (plane === 'data' ? grants(p.dataActions, p.notDataActions, action) : grants(p.actions, p.notActions, action)));
}
