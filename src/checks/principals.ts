// Principals as a person reads them. ARM and Entra name them by GUID (role assignments, access policies, deny
// assignments); a cause sentence names them the way the operator knows them, and the GUID stays in evidence.
import type { Facts, OperatorFacts } from './facts.ts';

/** "alice@contoso.com", "alice@contoso.com (Alice Smith)", "service principal deploy-bot", or a fallback. */
export function operatorName(operator: OperatorFacts): string {
  if (operator.kind === 'servicePrincipal') {
    if (operator.displayName) return `service principal ${operator.displayName}`;
    return operator.appId ? `the service principal of app ${operator.appId}` : 'a service principal';
  }
  if (operator.displayName) return operator.name ? `${operator.displayName} (${operator.name})` : operator.displayName;
  return operator.objectId ? `the account with object id ${operator.objectId}` : 'an unknown account';
}

/** The evidence line: the name with the ids an assignment or policy shows. */
export function operatorEvidence(operator: OperatorFacts): string {
  const oid = `object id ${operator.objectId ?? 'unknown'}`;
  if (operator.kind === 'servicePrincipal') {
    const ids = operator.appId ? `app id ${operator.appId}, ${oid}` : oid;
    return `operator: service principal${operator.displayName ? ` ${operator.displayName}` : ''} (${ids})`;
  }
  const who = operator.displayName ? `${operator.displayName}${operator.name ? `, ${operator.name}` : ''}` : '(no name)';
  return `operator: ${who} (${oid})`;
}

/**
 * A principal (object) id with the name the facts know for it: API Management's system identity, one of its
 * user-assigned identities, or the operator. Other principals (someone else's grant) stay bare GUIDs.
 * "apim-x (system identity 3c1d…)", "id-apim-kv (9f2e…)", "you, alice@contoso.com (dd00…)".
 */
export function principalWithName(facts: Facts, principalId: string): string {
  const id = principalId.toLowerCase();
  if (facts.apim.ok) {
    const apim = facts.apim.value;
    if (apim.identity.principalId?.toLowerCase() === id) return `${apim.name} (system identity ${principalId})`;
    const uai = apim.identity.userAssigned.find((u) => u.principalId.toLowerCase() === id);
    if (uai) return `${uai.id.split('/').pop()} (${principalId})`;
  }
  const operator = facts.context.operator;
  if (operator.objectId?.toLowerCase() === id) return `you, ${operatorName(operator)} (${principalId})`;
  return principalId;
}
