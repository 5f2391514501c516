// The audit's findings: pure functions of the fleet facts. One finding per instance and reference (or per
// instance and vault for vault-level risks), worst first, so an SRE reads the broken things before the risky.
import { EXPIRY_WARNING_DAYS } from '../dates.ts';
import { bypassInForce, firewalled, referenceVerdicts, splitIdentifier, type VaultPosture } from '../reference-rules.ts';
import { lineOfSight as sharedLineOfSight, publicIpv4Sources } from '../line-of-sight.ts';
import { DOCS, STEPS } from '../steps.ts';
import { workspacesNote } from '../workspaces.ts';
import type {
  AuditFinding,
  AuditKind,
  AuditSeverity,
  FleetFacts,
  FleetInstance,
  FleetInstanceFacts,
  FleetReference,
  FleetVault,
} from './types.ts';

export interface AuditOptions {
  /** Warn about certificates expiring within this many days. */
  days?: number;
  /** "Now" for expiry (ISO); default facts.readAt. */
  now?: string;
}

export const SEVERITY_ORDER: Record<AuditSeverity, number> = { fail: 0, unknown: 1, warn: 2, info: 3 };

const SEVERITY: Record<AuditKind, AuditSeverity> = {
  'refresh-failed': 'fail',
  expired: 'fail',
  'uai-behind-firewall': 'fail',
  'no-identity': 'fail',
  expiring: 'warn',
  'versioned-identifier': 'warn',
  'soft-delete-off': 'warn',
  'purge-protection-off': 'warn',
  // The retirement concerns the gateway only (policies, backends): references keep the exception, and the audit reads no
  // policies, so this is a note to check Azure Advisor, never a warning.
  'gateway-bypass': 'info',
  'hostname-bypass-only': 'warn',
  'vault-not-visible': 'unknown',
  unreadable: 'unknown',
  workspaces: 'info',
  'fleet-truncated': 'warn',
};

const docFor = (step: string) => STEPS.find((s) => s.id === step)?.docLink;
const DOC: Partial<Record<AuditKind, string>> = {
  'refresh-failed': docFor('prerequisites'),
  'versioned-identifier': docFor('certificate'),
  'uai-behind-firewall': DOCS.identity,
  'no-identity': DOCS.identity,
  'soft-delete-off': DOCS.softDelete,
  'purge-protection-off': DOCS.softDelete,
  'gateway-bypass': DOCS.retirement,
  'hostname-bypass-only': DOCS.customDomain,
  workspaces: DOCS.workspaces,
};

export { splitIdentifier } from '../reference-rules.ts';

function hostOf(vaultUri: string): string {
  try {
    return new URL(vaultUri).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** The audit's Resource Graph row as the shared rules read a vault's posture. */
const postureOf = (v: FleetVault): VaultPosture => ({
  ...(v.pna !== undefined ? { publicNetworkAccess: v.pna } : {}),
  ...(v.defaultAction !== undefined ? { defaultAction: v.defaultAction } : {}),
  ...(v.bypass !== undefined ? { bypass: v.bypass } : {}),
});

/** Firewall on: public access off (or perimeter), or the ACL denies by default. */
export function vaultFirewalled(v: FleetVault): boolean {
  return firewalled(postureOf(v));
}

/** Trusted-services bypass in force (ARM's default is AzureServices; a perimeter overrides it). */
export function vaultBypass(v: FleetVault): boolean {
  return bypassInForce(postureOf(v));
}

const hasSystemIdentity = (i: FleetInstance) => /systemassigned/i.test(i.identityType.replace(/\s/g, ''));

/**
 * A network path from the gateway to the vault that does not need the bypass, by the runbook's own rule
 * (line-of-sight.ts). Resource Graph shows neither the subnet's service endpoint nor whether a private endpoint is
 * approved, so a path that depends on those counts here: the finding it gates is a note, and the runbook tells.
 */
export function lineOfSight(i: FleetInstance, v: FleetVault): boolean {
  const inVnet = ['external', 'internal'].includes((i.vnetType ?? '').toLowerCase()) && !!i.subnetId;
  const reading = sharedLineOfSight(
    {
      inVnet,
      ...(i.subnetId ? { subnetId: i.subnetId } : {}),
      consumption: i.sku.toLowerCase() === 'consumption',
      sourceIps: publicIpv4Sources(i.publicIPs ?? []),
      endpointGap: "Resource Graph does not show the subnet's service endpoints",
    },
    {
      ...postureOf(v),
      ipRules: (v.ipRules ?? []).flatMap((r) => (r.value ? [r.value] : [])),
      vnetRuleIds: (v.vnetRules ?? []).flatMap((r) => (r.id ? [r.id] : [])),
      privateEndpoints: [],
      unconfirmedPrivateEndpoints: v.peCount ?? 0,
    },
  );
  return reading.paths.length + reading.possible.length > 0;
}

const refLabel = (r: FleetReference) => `${r.kind} ${r.name}`;
const firstLine = (text: string | undefined) => (text ?? '').split(/\r?\n/)[0]!.trim();

function auditInstance(facts: FleetInstanceFacts, vaultsByHost: Map<string, FleetVault>, days: number, now: string): AuditFinding[] {
  const { instance } = facts;
  const out: AuditFinding[] = [];
  const seen = new Set<string>();
  const add = (
    kind: AuditKind,
    reference: string,
    vault: string,
    message: string,
    extra: { date?: string; once?: string; severity?: AuditSeverity } = {},
  ) => {
    if (extra.once) {
      if (seen.has(`${kind} ${extra.once}`)) return;
      seen.add(`${kind} ${extra.once}`);
    }
    out.push({
      kind,
      severity: extra.severity ?? SEVERITY[kind],
      instanceId: instance.id,
      instance: instance.name,
      subscriptionId: instance.subscriptionId,
      resourceGroup: instance.resourceGroup,
      reference,
      vault,
      message,
      ...(extra.date ? { date: extra.date } : {}),
      ...(DOC[kind] ? { docs: DOC[kind] } : {}),
    });
  };
  for (const { what, error } of facts.errors) {
    add(
      'unreadable',
      '',
      '',
      `Could not list ${what}: ${error.message}${error.missingAction ? ` (needs ${error.missingAction})` : ''}. ${what === 'workspaces' ? 'Whether it has workspaces (which apimkv does not audit) is unknown.' : 'Its Key Vault references were not audited.'}`,
    );
  }
  const note = workspacesNote(facts.workspaces ?? []);
  if (note) add('workspaces', '', '', note);
  const uais = Object.values(instance.uais ?? {});
  for (const ref of facts.references) {
    const label = refLabel(ref);
    const id = splitIdentifier(ref.secretIdentifier);
    const vault = id ? vaultsByHost.get(id.host) : undefined;
    const vaultName = vault?.name ?? id?.host.split('.')[0] ?? '';

    const identities = {
      hasSystemIdentity: hasSystemIdentity(instance),
      userAssignedClientIds: uais.flatMap((u) => (u.clientId ? [u.clientId] : [])),
    };
    const verdicts = referenceVerdicts(ref, identities, vault ? postureOf(vault) : undefined, now, days);
    for (const v of verdicts) {
      switch (v.rule) {
        case 'refresh-failed':
          add(
            'refresh-failed',
            label,
            vaultName,
            `The last refresh from Key Vault failed (${ref.kind === 'hostname' ? 'the certificate status is Failed' : `${ref.lastStatus!.code}${ref.lastStatus!.message ? `: ${firstLine(ref.lastStatus!.message)}` : ''}`}); API Management keeps serving the cached value until it expires. Open the runbook for this instance to find the step that explains it.`,
            { date: ref.lastStatus?.timeStampUtc },
          );
          break;
        case 'versioned-identifier':
          add(
            'versioned-identifier',
            label,
            vaultName,
            `Pinned to version ${v.version!.slice(0, 8)}…: it will not pick up a renewed certificate. Use https://${id!.host}/secrets/${id!.name}.`,
          );
          break;
        case 'expired':
          add(
            'expired',
            label,
            vaultName,
            `The certificate API Management holds expired on ${ref.expirationDate!.slice(0, 10)} (${-v.days!} day${v.days === -1 ? '' : 's'} ago).`,
            { date: ref.expirationDate },
          );
          break;
        case 'expiring':
          add(
            'expiring',
            label,
            vaultName,
            `The certificate API Management holds expires on ${ref.expirationDate!.slice(0, 10)} (in ${v.days} day${v.days === 1 ? '' : 's'}).`,
            { date: ref.expirationDate },
          );
          break;
        case 'no-identity': {
          const system = !ref.identityClientId;
          add(
            'no-identity',
            system ? '' : label,
            vaultName,
            system
              ? `References Key Vault but has no system-assigned identity (identity: ${instance.identityType || 'None'}); API Management cannot read the vault.`
              : `Uses identity client id ${ref.identityClientId}, which is not attached to the instance.`,
            { once: system ? 'system' : ref.identityClientId },
          );
          break;
        }
        case 'vault-not-visible':
          add(
            'vault-not-visible',
            label,
            vaultName,
            `The vault ${id ? id.host : `"${ref.secretIdentifier}"`} is not among the vaults visible in this scope (deleted, in another tenant or subscription, or no read access), so its firewall and settings were not audited.`,
            { once: id?.host ?? ref.secretIdentifier },
          );
          break;
        case 'uai-behind-firewall':
          add(
            'uai-behind-firewall',
            label,
            vault!.name,
            `Uses a user-assigned identity, but ${vault!.name} has its firewall on: only the system-assigned identity is admitted there. Switch the reference to the system-assigned identity.`,
          );
          break;
        case 'hostname-bypass-only':
          add(
            'hostname-bypass-only',
            label,
            vault!.name,
            v.bypass
              ? `${vault!.name} is reachable for this custom domain only through the trusted-services bypass (a line of sight does not count for custom hostnames): removing the bypass breaks certificate renewal.`
              : `${vault!.name} has its firewall on without the trusted-services bypass: custom hostname certificates need the vault public or the bypass, even with a line of sight.`,
            { severity: v.severity },
          );
          break;
      }
    }
    if (!vault) continue;
    const system = !ref.identityClientId;
    if (vault.softDelete === false)
      add('soft-delete-off', '', vault.name, `${vault.name} has soft delete off: a deleted certificate cannot be recovered.`, {
        once: vault.id,
      });
    if (vault.purgeProtection !== true)
      add(
        'purge-protection-off',
        '',
        vault.name,
        `${vault.name} has purge protection off: a deleted certificate can be purged before anyone notices.`,
        { once: vault.id },
      );
    if (
      system &&
      vaultFirewalled(vault) &&
      vaultBypass(vault) &&
      (instance.noTrusted ?? '').toLowerCase() !== 'true' &&
      !lineOfSight(instance, vault)
    ) {
      add(
        'gateway-bypass',
        '',
        vault.name,
        `${vault.name} admits this instance only through the trusted-services bypass. Its certificates, named values and custom domains are not affected by the March 2026 retirement; only gateway calls (policies, backends, send-request) to this vault would be. If Azure Advisor lists "Disable trusted service connectivity in API Management" for this instance, give the gateway a line of sight, then set DisableOverPrivilegedAccess.`,
        { once: vault.id },
      );
    }
  }
  return out;
}

export function compareFindings(a: AuditFinding, b: AuditFinding): number {
  return (
    SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
    a.kind.localeCompare(b.kind) ||
    a.instanceId.localeCompare(b.instanceId) ||
    a.reference.localeCompare(b.reference)
  );
}

/** Every finding of the fleet, worst first. */
export function auditFleet(facts: FleetFacts, options: AuditOptions = {}): AuditFinding[] {
  const days = options.days ?? EXPIRY_WARNING_DAYS;
  const now = options.now ?? facts.readAt;
  const vaultsByHost = new Map(facts.vaults.map((v) => [hostOf(v.vaultUri), v] as const));
  const findings = facts.instances.flatMap((i) => auditInstance(i, vaultsByHost, days, now));
  for (const what of facts.truncated) {
    findings.push({
      kind: 'fleet-truncated',
      severity: 'warn',
      instanceId: '',
      instance: '',
      subscriptionId: '',
      resourceGroup: '',
      reference: '',
      vault: '',
      message: `Resource Graph truncated the ${what} list: the audit covers only part of the fleet. Narrow it with --subscription or --management-group.`,
    });
  }
  return findings.sort(compareFindings);
}

/** 0 clean (info only), 1 something broken or unreadable, 3 only at-risk warnings. */
export function auditExitCode(findings: AuditFinding[]): number {
  if (findings.some((f) => f.severity === 'fail' || f.severity === 'unknown')) return 1;
  if (findings.some((f) => f.severity === 'warn')) return 3;
  return 0;
}

/** Per instance: its worst severity and finding count (instances without findings included). */
export function instanceSummaries(
  facts: FleetFacts,
  findings: AuditFinding[],
): { instance: FleetInstance; references: number; worst?: AuditSeverity; findings: number }[] {
  const byInstance = new Map<string, AuditFinding[]>();
  for (const f of findings) if (f.instanceId) (byInstance.get(f.instanceId) ?? byInstance.set(f.instanceId, []).get(f.instanceId)!).push(f);
  return facts.instances.map(({ instance, references }) => {
    const own = byInstance.get(instance.id) ?? [];
    const worst = own.reduce<AuditSeverity | undefined>(
      (w, f) => (w === undefined || SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[w] ? f.severity : w),
      undefined,
    );
    return { instance, references: references.length, worst, findings: own.length };
  });
}
