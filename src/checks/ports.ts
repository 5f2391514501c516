// The seam between the engine and Azure: interfaces only. src/azure implements Gateway with the real SDK
// clients; the engine only ever sees this interface and the plain types of run-types.ts.
import type { FleetFacts } from './audit/types.ts';
import type { DataPlaneProbe, Fact, Facts, VaultCertificateFacts } from './facts.ts';
import type { GatewayEvent, OperationResult, Target } from './run-types.ts';
import type { Operation } from './types.ts';

export type { AzureErrorInfo, GatewayEvent, OperationResult, Target } from './run-types.ts';

export interface CallOptions {
  signal?: AbortSignal;
  onEvent?: (event: GatewayEvent) => void;
  /** gather: secret identifiers to read metadata for besides the references' own (the step-5 intent's). */
  secretIds?: string[];
}

export interface Gateway {
  /** Read everything the checks need, concurrently along real dependencies, each resource once. */
  gather(target: Target, options?: CallOptions): Promise<Omit<Facts, 'temporaryChanges' | 'intent'>>;
  /** Execute one write, read-modify-write where the resource is shared, then verify. */
  apply(operation: Operation, options?: CallOptions): Promise<OperationResult>;
  /** The vault's certificates, for the picker (data plane, as the operator). */
  listVaultCertificates(vaultUri: string, options?: CallOptions): Promise<Fact<VaultCertificateFacts[]>>;
  /** Probe the data plane as the operator (used again after a firewall fix). */
  probeDataPlane(vaultUri: string, options?: CallOptions): Promise<Fact<DataPlaneProbe>>;
  /** Read one APIM certificate (to verify keyVault.lastStatus after a write). */
  getApimCertificate(
    apimId: string,
    certificateId: string,
    options?: CallOptions,
  ): Promise<Fact<import('./facts.ts').ApimCertificateFacts>>;
}

/** Where a device code sign-in shows "open … and enter the code …": the full-screen TUI, else stderr. */
export interface SignInHooks {
  onDeviceCode(message: string): void;
  /** The sign-in ended (code entered, declined or expired); the message can go. */
  onSignInDone?(): void;
}

export interface FleetScope {
  /** Empty with no management groups: every subscription the operator can see. */
  subscriptions: string[];
  managementGroups: string[];
}

export interface FleetReadOptions {
  /** Concurrent ARM calls (default 16). */
  concurrency?: number;
  /** Also list named values (one more call per instance; default true). */
  namedValues?: boolean;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  onEvent?: (event: GatewayEvent) => void;
}

/** The fleet around the gateway, for the audit: src/azure/fleet.ts implements it (Resource Graph, then ARM). */
export interface FleetReader {
  read(scope: FleetScope, options?: FleetReadOptions): Promise<FleetFacts>;
}
