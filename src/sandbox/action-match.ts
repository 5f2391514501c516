// ARM action patterns as Azure RBAC matches them (roles and deny assignments alike).

const patterns = new Map<string, RegExp>();

/** ARM wildcard match, case-insensitive; `*` matches any run of characters. */
export function actionMatches(pattern: string, action: string): boolean {
  let re = patterns.get(pattern);
  if (!re) {
    re = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
      'i',
    );
    patterns.set(pattern, re);
  }
  return re.test(action);
}
