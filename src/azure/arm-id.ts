// Pieces of ARM resource ids, case-insensitively (ARM ids are case-insensitive; users paste both forms).
import { InputError } from '../error-model.ts';

/** The resource group and the name that follows `segment` in an ARM id. */
export interface ArmIdParts {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Parse `/subscriptions/{s}/resourceGroups/{rg}/providers/{type path}/{name}`; throws naming what was expected. */
export function parseArmId(id: string, typePath: string): ArmIdParts {
  const re = new RegExp(`^/?subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/${escape(typePath)}/([^/]+)/?$`, 'i');
  const m = re.exec(id.trim());
  if (!m) throw new InputError(`"${id}" is not a ${typePath} resource id.`);
  return { subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! };
}

/** APIM service id -> rg, name. */
export function parseApimId(id: string): ArmIdParts {
  return parseArmId(id, 'Microsoft.ApiManagement/service');
}

/** Key vault id -> rg, name. */
export function parseVaultId(id: string): ArmIdParts {
  return parseArmId(id, 'Microsoft.KeyVault/vaults');
}

/** Subnet id -> rg, vnet, subnet. */
export function parseSubnetId(id: string): ArmIdParts & { vnet: string } {
  const m =
    /^\/?subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)\/?$/i.exec(
      id.trim(),
    );
  if (!m) throw new InputError(`"${id}" is not a subnet resource id.`);
  return { subscriptionId: m[1]!, resourceGroup: m[2]!, vnet: m[3]!, name: m[4]! };
}

/** NSG id -> rg, name. */
export function parseNsgId(id: string): ArmIdParts {
  return parseArmId(id, 'Microsoft.Network/networkSecurityGroups');
}

/** Private endpoint id -> rg, name. */
export function parsePrivateEndpointId(id: string): ArmIdParts {
  return parseArmId(id, 'Microsoft.Network/privateEndpoints');
}

/** A scope without its leading slash, as @azure/arm-authorization's `/{scope}/…` URL templates want it. */
export function scopeForSdk(scope: string): string {
  return scope.replace(/^\/+/, '');
}

/** Same resource id? (case-insensitive, trailing slash ignored) */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const norm = (s: string) => `/${s.trim().replace(/^\/+|\/+$/g, '')}`.toLowerCase();
  return norm(a) === norm(b);
}
