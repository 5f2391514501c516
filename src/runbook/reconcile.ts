// Writes whose outcome nobody saw (a crash, a kill, a lost connection) are settled by reading: is the
// operation's effect in the resource now? Pure over the gathered facts, like the checks.
import type { Facts } from '../checks/facts.ts';
import { sameIpRule } from '../checks/ipv4.ts';
import type { Operation } from '../checks/types.ts';

const same = (a: string | undefined, b: string | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();
const value = <T>(fact: { ok: true; value: T } | { ok: false } | undefined): T | undefined => (fact?.ok ? fact.value : undefined);

/** true: the effect is there; false: it is not; undefined: the facts cannot tell (not read, or not observable). */
export function effectPresent(op: Operation, facts: Facts): boolean | undefined {
  const apim = value(facts.apim);
  const vault = value(facts.vault);
  switch (op.kind) {
    case 'apim.enableSystemIdentity':
      return apim && same(apim.id, op.apimId) ? /SystemAssigned/i.test(apim.identity.type) : undefined;
    case 'apim.setCustomProperty':
      return apim && same(apim.id, op.apimId) ? apim.customProperties[op.key]?.toLowerCase() === op.value.toLowerCase() : undefined;
    case 'apim.putKeyVaultCertificate': {
      const certs = value(facts.apimCertificates);
      return certs ? certs.some((c) => same(c.name, op.certificateId) && same(c.keyVault?.secretIdentifier, op.secretIdentifier)) : undefined;
    }
    case 'apim.uploadCertificate': {
      const certs = value(facts.apimCertificates);
      // The uploaded bytes cannot be compared; an uploaded (non-Key Vault) certificate of that id is the sign.
      return certs ? certs.some((c) => same(c.name, op.certificateId) && !c.keyVault) : undefined;
    }
    case 'apim.refreshCertificate':
      // A refresh leaves no trace but a newer lastStatus: harmless either way, and repeatable.
      return undefined;
    case 'vault.recover':
      return vault ? same(vault.id, op.vaultId) : undefined;
    case 'vault.addAccessPolicy':
      return vault && same(vault.id, op.vaultId) ? vault.accessPolicies.some((p) => same(p.objectId, op.objectId)) : undefined;
    case 'vault.setBypass':
      return vault && same(vault.id, op.vaultId) ? vault.networkAcls.bypass.includes(op.bypass) : undefined;
    case 'vault.addIpRule':
      return vault && same(vault.id, op.vaultId) ? vault.networkAcls.ipRules.some((r) => sameIpRule(r, op.value)) : undefined;
    case 'vault.removeIpRule':
      return vault && same(vault.id, op.vaultId) ? !vault.networkAcls.ipRules.some((r) => sameIpRule(r, op.value)) : undefined;
    case 'vault.addVirtualNetworkRule':
      return vault && same(vault.id, op.vaultId) ? vault.networkAcls.virtualNetworkRules.some((r) => same(r.id, op.subnetId)) : undefined;
    case 'roleAssignment.create': {
      const assignments = value(facts.vaultRoleAssignments);
      // Only the API Management identities' assignments are read; the operator's own are not listed there.
      const listed = assignments?.some((a) => same(a.principalId, op.principalId)) || (apim && [apim.identity.principalId, ...apim.identity.userAssigned.map((u) => u.principalId)].some((p) => same(p, op.principalId)));
      return assignments && listed ? assignments.some((a) => same(a.name, op.name)) : undefined;
    }
    case 'subnet.addServiceEndpoint': {
      const subnet = value(facts.subnet);
      return subnet && same(subnet.id, op.subnetId) ? subnet.serviceEndpoints.some((e) => same(e.service, op.service)) : undefined;
    }
    case 'nsg.putRule': {
      const nsg = value(facts.nsg);
      return nsg && same(nsg.id, op.nsgId) ? nsg.rules.some((r) => same(r.name, op.ruleName)) : undefined;
    }
  }
}
