// What apimkv covers where an instance has workspaces: one note for the runbook (PRE-WORKSPACES) and the audit.
// Workspaces hold their own APIs, named values, certificates and backends; apimkv reads the service's references only.
// Microsoft: workspaces "do not support using managed identity for features such as storing secrets in Azure Key
// Vault" (workspaces-overview, "Workspaces constraints", ms.date 06/12/2026).
import { DOCS } from './steps.ts';

/** A workspace as the note names it. */
export interface WorkspaceName {
  name: string;
  displayName?: string;
}

/** The Learn page the note follows. */
export const WORKSPACES_DOC = DOCS.workspaces;

const label = (w: WorkspaceName) => `"${w.name}"${w.displayName && w.displayName !== w.name ? ` (${w.displayName})` : ''}`;

/** The note, or undefined when there are no workspaces (then nothing is said). */
export function workspacesNote(workspaces: readonly WorkspaceName[]): string | undefined {
  if (workspaces.length === 0) return undefined;
  const sorted = [...workspaces].sort((a, b) => a.name.localeCompare(b.name));
  const n = sorted.length;
  return (
    `This instance has ${n} workspace${n === 1 ? '' : 's'}: ${sorted.map(label).join(', ')}. ` +
    "apimkv diagnoses the service-level Key Vault references (the service's certificates, named values and custom domains); " +
    "it does not read the workspaces' own named values, certificates or backends. " +
    "Microsoft: workspaces don't support the instance's managed identity for features such as Key Vault secrets."
  );
}
