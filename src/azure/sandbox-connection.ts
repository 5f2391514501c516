// What the product needs to talk to the sandbox: its cloud profile, a static credential and its agent.
// These go into the same createClients as production, so the two paths differ only in endpoint,
// agent and credential. This module does not import src/sandbox (the CLI wires the two together).
import type { TokenCredential } from '@azure/core-auth';
import type { Agent } from '@azure/core-rest-pipeline';
import { sandboxCloud, type CloudProfile } from './cloud.ts';
import { staticCredential } from './credential.ts';

/** The part of a running sandbox this module uses. */
export interface SandboxEndpoint {
  endpoint: string;
  agent: Agent;
  token(principalId?: string): string;
}

/** Inputs for createClients, minus the options a caller may add (retry, events, LRO interval). */
export interface SandboxLink {
  profile: CloudProfile;
  credential: TokenCredential;
  agent: Agent;
  subscriptionId: string;
}

export function connectToSandbox(sb: SandboxEndpoint, subscriptionId: string, principalId?: string): SandboxLink {
  return {
    profile: sandboxCloud(sb.endpoint),
    // Asked on every call so a sandbox that rotates its token (or a test acting as another principal) just works.
    credential: staticCredential(() => sb.token(principalId)),
    agent: sb.agent,
    subscriptionId,
  };
}
