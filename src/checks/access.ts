// Step 2: the identity may read the certificate's secret, in the permission model the vault actually uses
// (RBAC or access policies), and the operator may list secrets to pick one.
import { grants, permitted } from './action-match.ts';
import type { Facts, PermissionFacts, RoleAssignmentFacts, RoleDefinitionFacts, VaultFacts } from './facts.ts';
import { finding, unknownFinding } from './finding.ts';
import { makePlan } from './plan.ts';
import { pickIdentity, principalName, principalOf, type PickedIdentity } from './posture.ts';
import { operatorEvidence } from './principals.ts';
import {
  builtInRole,
  GET_SECRET_ACTION,
  KEY_VAULT_READER,
  KEY_VAULT_SECRETS_USER,
  READ_SECRET_METADATA_ACTION,
  roleDefinitionId,
  roleGuid,
} from './roles.ts';
import { parseResourceId } from './resource-id.ts';
import { DOCS } from './steps.ts';
import type { Finding, FixPlan } from './types.ts';
import { roleAssignmentName } from './uuid.ts';

const STEP = 'access' as const;

/** A role assignment with what its role allows (from the facts, else the built-in table). */
interface ResolvedAssignment {
  assignment: RoleAssignmentFacts;
  roleName: string;
  definition?: Pick<RoleDefinitionFacts, 'dataActions' | 'notDataActions'>;
}

function resolve(facts: Facts, assignments: RoleAssignmentFacts[]): ResolvedAssignment[] {
  return assignments.map((assignment) => {
    const guid = roleGuid(assignment.roleDefinitionId);
    const read = facts.roleDefinitions[guid];
    const builtIn = builtInRole(guid);
    const definition = read ?? builtIn;
    return { assignment, roleName: read?.roleName ?? builtIn?.name ?? guid, ...(definition ? { definition } : {}) };
  });
}

const coversGetSecret = (r: ResolvedAssignment) =>
  !!r.definition && grants(r.definition.dataActions, r.definition.notDataActions, GET_SECRET_ACTION);
const atManagementGroup = (a: RoleAssignmentFacts) => /\/providers\/Microsoft\.Management\/managementGroups\//i.test(a.scope);

function assignmentsOf(facts: Facts, principalId: string): RoleAssignmentFacts[] {
  return facts.vaultRoleAssignments.ok
    ? facts.vaultRoleAssignments.value.filter((a) => a.principalId.toLowerCase() === principalId.toLowerCase())
    : [];
}

function hasAll(list: readonly string[], wanted: readonly string[]): boolean {
  const have = list.map((x) => x.toLowerCase());
  return have.includes('all') || wanted.every((w) => have.includes(w));
}

/** Why the access checks cannot look at a grant yet, as a failing finding (or undefined when there is an identity). */
function noIdentity(checkId: string, title: string, picked: PickedIdentity): Finding | undefined {
  const principal = principalOf(picked);
  if (principal) return undefined;
  if (picked.kind === 'unattached')
    return finding(
      checkId,
      STEP,
      'fail',
      title,
      `The identity ${picked.id.split('/').pop()} chosen in step 5 is not attached to API Management, so there is nothing to grant access to. Attach it or choose another.`,
      { evidence: [`resource id: ${picked.id}`] },
    );
  const cause =
    picked.kind === 'system' && !picked.enabled
      ? 'The system-assigned identity chosen in step 5 is not enabled yet: enable it (PRE-MI), then grant it access here.'
      : 'API Management has no managed identity yet: enable one (PRE-MI), then grant it access here.';
  return finding(checkId, STEP, 'fail', title, cause);
}

/** The identity lacks the grant in the model the vault really uses (ACC-RBAC or ACC-AP does not pass). */
function realGrantMissing(facts: Facts): boolean {
  const vault = facts.vault.ok ? facts.vault.value : undefined;
  return (vault?.enableRbacAuthorization ? checkRbac(facts) : checkAccessPolicy(facts)).status !== 'pass';
}

export function checkModel(facts: Facts): Finding {
  const title = 'Permission model of the vault';
  if (!facts.vault.ok) return unknownFinding('ACC-MODEL', STEP, title, 'the key vault', facts.vault);
  const v = facts.vault.value;
  const evidence = [`enableRbacAuthorization: ${v.enableRbacAuthorization}`, `access policies: ${v.accessPolicies.length}`];
  if (v.enableRbacAuthorization && v.accessPolicies.length > 0) {
    // The ignored policies only matter while the grant that counts is missing: they explain the confusion.
    return finding(
      'ACC-MODEL',
      STEP,
      realGrantMissing(facts) ? 'warn' : 'info',
      title,
      `The vault uses Azure RBAC, so its ${v.accessPolicies.length} access polic${v.accessPolicies.length === 1 ? 'y is' : 'ies are'} ignored: a grant there gives no access. Grant roles instead (ACC-RBAC).`,
      { evidence },
    );
  }
  return finding(
    'ACC-MODEL',
    STEP,
    'info',
    title,
    v.enableRbacAuthorization
      ? 'The vault uses Azure RBAC: access is granted with role assignments.'
      : 'The vault uses access policies: access is granted with a policy entry for the identity.',
    { evidence },
  );
}

export function checkAccessPolicy(facts: Facts): Finding {
  const title = 'Access policy for the identity (secrets get, list)';
  if (!facts.vault.ok) return unknownFinding('ACC-AP', STEP, title, 'the key vault', facts.vault);
  const v = facts.vault.value;
  if (v.enableRbacAuthorization)
    return finding('ACC-AP', STEP, 'skipped', title, 'The vault uses Azure RBAC: access policies do not apply (see ACC-RBAC).');
  if (!facts.apim.ok) return unknownFinding('ACC-AP', STEP, title, 'the API Management instance', facts.apim);
  const picked = pickIdentity(facts, facts.apim.value);
  const missingIdentity = noIdentity('ACC-AP', title, picked);
  if (missingIdentity) return missingIdentity;
  const principalId = principalOf(picked)!;
  const who = principalName(facts.apim.value, picked)!;
  const entry = v.accessPolicies.find((p) => p.objectId.toLowerCase() === principalId.toLowerCase());
  const byClientId =
    picked.kind === 'user'
      ? v.accessPolicies.find(
          (p) =>
            p.objectId.toLowerCase() === picked.clientId.toLowerCase() || p.applicationId?.toLowerCase() === picked.clientId.toLowerCase(),
        )
      : undefined;
  const evidence = [
    `identity: ${who}, principal (object) id ${principalId}`,
    entry
      ? `policy: secrets [${entry.permissions.secrets.join(', ')}], certificates [${entry.permissions.certificates.join(', ')}]`
      : 'policy: none for this principal',
  ];
  if (byClientId)
    evidence.push(
      `a policy uses the identity's client id ${picked.kind === 'user' ? picked.clientId : ''} (object id ${byClientId.objectId})`,
    );
  const canGet = !!entry && hasAll(entry.permissions.secrets, ['get']);
  if (entry && hasAll(entry.permissions.secrets, ['get', 'list'])) {
    return finding('ACC-AP', STEP, 'pass', title, `${who} may get and list secrets.`, { evidence });
  }
  // Only what API Management's fetch uses: secrets get (+ list, as the docs list it). Certificate permissions are
  // not documented as needed, and the access-policy "add" merges them into the principal's existing entry.
  const missing = ['get', 'list'].filter((p) => !entry || !hasAll(entry.permissions.secrets, [p]));
  const fix = makePlan('ACC-AP', facts, {
    title: `Add an access policy for ${who}: secrets ${missing.join(', ')}`,
    operations: [
      { kind: 'vault.addAccessPolicy', vaultId: v.id, tenantId: v.tenantId, objectId: principalId, permissions: { secrets: missing } },
    ],
    disruption: "None: other access policies and this identity's other permissions are kept.",
  });
  if (canGet) {
    // Microsoft's own "Restore" action for custom domains grants only Get, and the fetch works with it.
    return finding(
      'ACC-AP',
      STEP,
      'warn',
      title,
      `${who} may get secrets, which is what API Management's fetch needs; the documented policy also grants list. Add list to match the documented setup.`,
      { evidence, fix },
    );
  }
  let cause: string;
  if (byClientId && !entry)
    cause = `A policy exists for the client id of ${who}, but access policies match the principal (object) id: it grants nothing. Add one for the principal id.`;
  else if (entry && entry.permissions.certificates.length > 0)
    cause = `${who} has certificate permissions (${entry.permissions.certificates.join(', ')}) but no secrets get: API Management reads the certificate through the secret endpoint, so its fetch is refused.`;
  else if (entry) cause = `The policy of ${who} lacks secrets get: API Management cannot read the secret.`;
  else cause = `No access policy grants ${who} anything: API Management cannot read the certificate.`;
  return finding('ACC-AP', STEP, 'fail', title, cause, { evidence, fix });
}

export function checkRbac(facts: Facts): Finding {
  const title = 'Role assignment for the identity (getSecret)';
  if (!facts.vault.ok) return unknownFinding('ACC-RBAC', STEP, title, 'the key vault', facts.vault);
  const v = facts.vault.value;
  if (!v.enableRbacAuthorization)
    return finding(
      'ACC-RBAC',
      STEP,
      'skipped',
      title,
      'The vault uses access policies: role assignments do not grant data access (see ACC-AP).',
    );
  if (!facts.apim.ok) return unknownFinding('ACC-RBAC', STEP, title, 'the API Management instance', facts.apim);
  const picked = pickIdentity(facts, facts.apim.value);
  const missingIdentity = noIdentity('ACC-RBAC', title, picked);
  if (missingIdentity) return missingIdentity;
  if (!facts.vaultRoleAssignments.ok)
    return unknownFinding('ACC-RBAC', STEP, title, "the vault's role assignments", facts.vaultRoleAssignments);
  const principalId = principalOf(picked)!;
  const who = principalName(facts.apim.value, picked)!;
  const resolved = resolve(facts, assignmentsOf(facts, principalId));
  const evidence = [
    `identity: ${who}, principal id ${principalId}`,
    ...resolved.map((r) => `role: ${r.roleName} at ${r.assignment.scope}`),
  ];
  const covering = resolved.filter(coversGetSecret);
  const effective = covering.filter((r) => !atManagementGroup(r.assignment));
  if (effective.length) {
    return finding('ACC-RBAC', STEP, 'pass', title, `${effective[0].roleName} lets ${who} read the certificate's secret.`, {
      evidence,
      docLink: DOCS.rbacRoles,
    });
  }
  const unresolved = resolved.filter((r) => !r.definition);
  if (unresolved.length && covering.length === 0) {
    return finding(
      'ACC-RBAC',
      STEP,
      'unknown',
      title,
      `Could not check: the definition of role ${unresolved.map((r) => roleGuid(r.assignment.roleDefinitionId)).join(', ')} was not read, so whether it grants getSecret is unknown.`,
      {
        evidence,
        missingAction: 'Microsoft.Authorization/roleDefinitions/read',
      },
    );
  }
  // Key Vault Secrets User: the least-privileged role that lets API Management read the secret, the one
  // configure-custom-domain's steps and "Restore" assign, and one Key Vault Data Access Administrator may grant.
  const roleGuidToGrant = KEY_VAULT_SECRETS_USER;
  const roleName = builtInRole(roleGuidToGrant)!.name;
  const subscriptionId = parseResourceId(v.id).subscriptionId ?? facts.context.subscriptionId;
  const fix = makePlan('ACC-RBAC', facts, {
    title: `Grant ${roleName} on ${v.name} to ${who}`,
    operations: [
      {
        kind: 'roleAssignment.create',
        scope: v.id,
        name: roleAssignmentName(v.id, principalId, roleGuidToGrant),
        roleDefinitionId: roleDefinitionId(subscriptionId, roleGuidToGrant),
        principalId,
        // ServicePrincipal avoids PrincipalNotFound for identities created moments ago (directory replication).
        principalType: 'ServicePrincipal',
        description: `apimkv: API Management ${facts.apim.value.name} reads certificates from ${v.name}`,
      },
    ],
    disruption: 'None; Azure can take a few minutes to honour a new role assignment (apimkv waits and re-checks).',
    propagation: 'rbac',
  });
  let cause: string;
  if (covering.length)
    cause = `${covering[0].roleName} is granted to ${who} only at management-group scope (${covering[0].assignment.scope}), which Key Vault's data plane has been reported not to honour: grant it at the vault.`;
  else if (resolved.length)
    cause = `${who} holds ${resolved.map((r) => r.roleName).join(', ')}, which ${resolved.length === 1 ? 'does' : 'do'} not include getSecret (Key Vault Reader and Certificates Officer only see metadata and certificate objects): API Management cannot read the certificate's secret.`;
  else cause = `${who} has no role on the vault: API Management cannot read the certificate.`;
  return finding('ACC-RBAC', STEP, covering.length ? 'warn' : 'fail', title, cause, { evidence, fix, docLink: DOCS.rbacRoles });
}

export function checkWrongModel(facts: Facts): Finding {
  const title = 'Grants in the model the vault ignores';
  if (!facts.vault.ok) return unknownFinding('ACC-WRONG-MODEL', STEP, title, 'the key vault', facts.vault);
  if (!facts.apim.ok) return unknownFinding('ACC-WRONG-MODEL', STEP, title, 'the API Management instance', facts.apim);
  const v: VaultFacts = facts.vault.value;
  const picked = pickIdentity(facts, facts.apim.value);
  const principalId = principalOf(picked);
  if (!principalId) return finding('ACC-WRONG-MODEL', STEP, 'skipped', title, 'No identity to look for yet (PRE-MI).');
  const who = principalName(facts.apim.value, picked)!;
  if (v.enableRbacAuthorization) {
    const entry = v.accessPolicies.find((p) => p.objectId.toLowerCase() === principalId.toLowerCase());
    if (entry)
      return finding(
        'ACC-WRONG-MODEL',
        STEP,
        realGrantMissing(facts) ? 'warn' : 'info',
        title,
        `${who} has an access policy, but this vault uses RBAC and ignores it: the grant that counts is a role assignment (ACC-RBAC).`,
        {
          evidence: [`access policy for ${who} (${principalId}): secrets [${entry.permissions.secrets.join(', ')}]`],
        },
      );
    return finding('ACC-WRONG-MODEL', STEP, 'pass', title, `No access policy for ${who} lingers on this RBAC vault.`);
  }
  if (!facts.vaultRoleAssignments.ok)
    return unknownFinding('ACC-WRONG-MODEL', STEP, title, "the vault's role assignments", facts.vaultRoleAssignments);
  const covering = resolve(facts, assignmentsOf(facts, principalId)).filter(coversGetSecret);
  if (covering.length) {
    return finding(
      'ACC-WRONG-MODEL',
      STEP,
      realGrantMissing(facts) ? 'warn' : 'info',
      title,
      `${who} holds ${covering[0].roleName}, but this vault uses access policies and ignores data-plane roles: the grant that counts is an access policy (ACC-AP).`,
      { evidence: covering.map((r) => `role: ${r.roleName} at ${r.assignment.scope}`) },
    );
  }
  return finding('ACC-WRONG-MODEL', STEP, 'pass', title, `No data-plane role for ${who} lingers on this access-policy vault.`);
}

/**
 * The operator's own read access for the picker: metadata only (Key Vault Reader, or an access policy with
 * list), never secret values. Only when apimkv knows who the operator is.
 */
function operatorReadFix(facts: Facts, v: VaultFacts): FixPlan | undefined {
  const me = facts.context.operator.objectId;
  if (!me) return undefined;
  if (!v.enableRbacAuthorization) {
    return makePlan('ACC-OPERATOR', facts, {
      title: `Let yourself list the certificates of ${v.name} (access policy: secrets list, certificates list)`,
      operations: [
        {
          kind: 'vault.addAccessPolicy',
          vaultId: v.id,
          tenantId: v.tenantId,
          objectId: me,
          permissions: { secrets: ['list'], certificates: ['list'] },
        },
      ],
      disruption: 'None: metadata only, no secret values.',
    });
  }
  const subscriptionId = parseResourceId(v.id).subscriptionId ?? facts.context.subscriptionId;
  return makePlan('ACC-OPERATOR', facts, {
    title: `Grant yourself Key Vault Reader on ${v.name} (metadata only, for the picker)`,
    operations: [
      {
        kind: 'roleAssignment.create',
        scope: v.id,
        name: roleAssignmentName(v.id, me, KEY_VAULT_READER),
        roleDefinitionId: roleDefinitionId(subscriptionId, KEY_VAULT_READER),
        principalId: me,
        // A role assignment whose principalType does not match the directory's is refused.
        principalType: facts.context.operator.kind === 'servicePrincipal' ? 'ServicePrincipal' : 'User',
        description: 'apimkv: the operator lists certificate metadata in the picker',
      },
    ],
    disruption: 'None: Key Vault Reader reads metadata, never secret values. Azure can take a few minutes to honour it.',
    propagation: 'rbac',
  });
}

export function checkOperator(facts: Facts): Finding {
  const title = "You can list the vault's secrets (for the picker)";
  if (!facts.vault.ok) return unknownFinding('ACC-OPERATOR', STEP, title, 'the key vault', facts.vault);
  const v = facts.vault.value;
  const evidence: string[] = [operatorEvidence(facts.context.operator)];
  const probe = facts.operatorDataPlane;
  if (probe.ok) {
    const p = probe.value;
    if (p.status === 'ok') {
      evidence.push(
        `data-plane probe: list secrets ${p.canListSecrets ? 'allowed' : 'denied'}, list certificates ${p.canListCertificates ? 'allowed' : 'denied'}`,
      );
      if (p.canListSecrets) return finding('ACC-OPERATOR', STEP, 'pass', title, 'You can browse the vault in the picker.', { evidence });
      return finding(
        'ACC-OPERATOR',
        STEP,
        'info',
        title,
        'You cannot list secrets in this vault: the picker will be empty. Type the secret identifier instead, or ask for Key Vault Reader (RBAC) or a secrets list policy.',
        { evidence, missingAction: READ_SECRET_METADATA_ACTION, fix: operatorReadFix(facts, v) },
      );
    }
    if (p.status === 'forbidden') {
      evidence.push(`data-plane probe: 403 (${p.message})`);
      return finding(
        'ACC-OPERATOR',
        STEP,
        'info',
        title,
        'The vault refused to list secrets for you (403): the picker will be empty. Type the secret identifier instead, or ask for Key Vault Reader (RBAC) or a secrets list policy.',
        { evidence, missingAction: READ_SECRET_METADATA_ACTION, fix: operatorReadFix(facts, v) },
      );
    }
    // Blocked by the firewall or unreachable: fall back to what your grants say.
    evidence.push(
      p.status === 'firewall'
        ? `data-plane probe: blocked by the vault firewall${p.clientAddress ? ` (client address ${p.clientAddress})` : ''}`
        : `data-plane probe: unreachable (${p.message})`,
    );
  } else {
    evidence.push(`data-plane probe: not run (${probe.message})`);
  }
  const gate = probe.ok && probe.value.status === 'firewall' ? ' The firewall blocks you for now (FW-CLIENTIP).' : '';
  // With public access disabled the network refuses you before any permission is looked at: a grant cannot help
  // (and would only make you wait for it to propagate).
  if (probe.ok && probe.value.status === 'firewall' && (probe.value.publicAccessDisabled || v.publicNetworkAccess !== 'Enabled')) {
    return finding(
      'ACC-OPERATOR',
      STEP,
      'info',
      title,
      'The vault has public network access disabled, so it refuses you on the network before your permissions count: no role or policy would let the picker list it from here. Reach the vault through a private endpoint, or type the secret identifier in step 5.',
      { evidence },
    );
  }
  if (v.enableRbacAuthorization) {
    const perms = facts.operatorPermissions.vault;
    if (!perms.ok) return unknownFinding('ACC-OPERATOR', STEP, title, 'your permissions on the key vault', perms);
    if (permitted(perms.value, READ_SECRET_METADATA_ACTION, 'data'))
      return finding('ACC-OPERATOR', STEP, 'pass', title, `Your roles allow listing secrets.${gate}`, { evidence });
    return finding(
      'ACC-OPERATOR',
      STEP,
      'info',
      title,
      `Your roles do not allow listing secrets: the picker will be empty. Type the secret identifier instead, or grant yourself Key Vault Reader on the vault.${gate}`,
      { evidence, missingAction: READ_SECRET_METADATA_ACTION, fix: operatorReadFix(facts, v) },
    );
  }
  const me = facts.context.operator.objectId;
  if (!me)
    return finding(
      'ACC-OPERATOR',
      STEP,
      'unknown',
      title,
      'Could not check: your object id is unknown, so your access policy cannot be found.',
      { evidence },
    );
  const entry = v.accessPolicies.find((p) => p.objectId.toLowerCase() === me.toLowerCase());
  if (entry && hasAll(entry.permissions.secrets, ['list']))
    return finding('ACC-OPERATOR', STEP, 'pass', title, `Your access policy allows listing secrets.${gate}`, { evidence });
  return finding(
    'ACC-OPERATOR',
    STEP,
    'info',
    title,
    `No access policy lets you list secrets: the picker will be empty. Type the secret identifier instead, or add yourself a list policy.${gate}`,
    { evidence, fix: operatorReadFix(facts, v) },
  );
}

export function accessChecks(facts: Facts): Finding[] {
  return [checkModel(facts), checkAccessPolicy(facts), checkRbac(facts), checkWrongModel(facts), checkOperator(facts)];
}
