// API Management writes: the instance's identity and custom properties, and its certificates.
import type { ApimFacts, Facts } from '../facts.ts';
import { parseResourceId, sameId } from '../resource-id.ts';
import { OPERATOR_ROLES } from '../roles.ts';
import { redacted } from '../secret.ts';
import type { PreviewRequest } from '../types.ts';
import { API_VERSIONS, at, azRest, cmd, same, shellQuote, valueOf } from './shared.ts';
import { bodyOf, pathAndVersion, pick, type TemplateChange } from '../templates/change.ts';
import type { OperationFamily, OperationOf, Observed } from './types.ts';

function apimOf(facts: Observed, apimId: string): ApimFacts | undefined {
  const apim = valueOf(facts.apim);
  return apim && sameId(apim.id, apimId) ? apim : undefined;
}

function existingCertificate(facts: Facts, certificateId: string) {
  return facts.apimCertificates.ok
    ? facts.apimCertificates.value.find((c) => c.name.toLowerCase() === certificateId.toLowerCase())
    : undefined;
}

function certificatePath(apimId: string, certificateId: string): string {
  return at(`${apimId}/certificates/${encodeURIComponent(certificateId)}`, API_VERSIONS.apim);
}

const onApim = (op: { apimId: string }) => ({ resource: 'apim' as const, id: op.apimId });
const apimRole = (op: { apimId: string }) => [{ role: OPERATOR_ROLES.apim, scope: op.apimId }];
const serviceWrite = () => [{ action: 'Microsoft.ApiManagement/service/write', target: 'apim' as const }];
const certificateWrite = () => [{ action: 'Microsoft.ApiManagement/service/certificates/write', target: 'apim' as const }];

function identityPreview(op: OperationOf<'apim.enableSystemIdentity'>, facts: Facts): PreviewRequest {
  const apim = apimOf(facts, op.apimId);
  const uais = apim?.identity.userAssigned ?? [];
  const type = uais.length ? 'SystemAssigned, UserAssigned' : 'SystemAssigned';
  // Each user-assigned identity is sent as an empty object: echoing principalId/clientId back is rejected (InvalidIdentityValues).
  const identity = uais.length ? { type, userAssignedIdentities: Object.fromEntries(uais.map((u) => [u.id, {}])) } : { type };
  const before = apim?.identity.type ?? 'None';
  return {
    method: 'PATCH',
    path: at(op.apimId, API_VERSIONS.apim),
    body: { identity },
    diff: [
      ...(before === type ? [`  identity.type: ${type}`] : [`- identity.type: ${before}`, `+ identity.type: ${type}`]),
      ...uais.map((u) => `  userAssignedIdentity: ${u.id}`),
    ],
  };
}

function customPropertyPreview(op: OperationOf<'apim.setCustomProperty'>, facts: Facts): PreviewRequest {
  const current = apimOf(facts, op.apimId)?.customProperties ?? {};
  // customProperties is sent whole: a partial map would reset the TLS/cipher settings it also holds.
  const after = { ...current, [op.key]: op.value };
  const diff: string[] = [];
  for (const [k, v] of Object.entries(current)) {
    if (k === op.key && v !== op.value) diff.push(`- ${k}: ${v}`, `+ ${k}: ${op.value}`);
    else diff.push(`  ${k}: ${v}`);
  }
  if (!(op.key in current)) diff.push(`+ ${op.key}: ${op.value}`);
  return { method: 'PATCH', path: at(op.apimId, API_VERSIONS.apim), body: { properties: { customProperties: after } }, diff };
}

function putKeyVaultPreview(op: OperationOf<'apim.putKeyVaultCertificate'>, facts: Facts): PreviewRequest {
  const existing = existingCertificate(facts, op.certificateId);
  const keyVault = { secretIdentifier: op.secretIdentifier, ...(op.identityClientId ? { identityClientId: op.identityClientId } : {}) };
  const identity = op.identityClientId ? `user-assigned (client ${op.identityClientId})` : 'system-assigned';
  const diff: string[] = [];
  if (!existing) {
    diff.push(`+ certificate: ${op.certificateId}`, `+ keyVault.secretIdentifier: ${op.secretIdentifier}`, `+ identity: ${identity}`);
  } else {
    const was = existing.keyVault?.secretIdentifier;
    if (was === op.secretIdentifier) diff.push(`  keyVault.secretIdentifier: ${was}`);
    else
      diff.push(
        was
          ? `- keyVault.secretIdentifier: ${was}`
          : `- uploaded certificate: ${existing.thumbprint ?? existing.subject ?? op.certificateId}`,
        `+ keyVault.secretIdentifier: ${op.secretIdentifier}`,
      );
    const wasIdentity = existing.keyVault
      ? existing.keyVault.identityClientId
        ? `user-assigned (client ${existing.keyVault.identityClientId})`
        : 'system-assigned'
      : undefined;
    if (wasIdentity === identity) diff.push(`  identity: ${identity}`);
    else diff.push(...(wasIdentity ? [`- identity: ${wasIdentity}`] : []), `+ identity: ${identity}`);
  }
  if (op.ifMatch) diff.push(`  If-Match: ${op.ifMatch}`);
  return { method: 'PUT', path: certificatePath(op.apimId, op.certificateId), body: { properties: { keyVault } }, diff };
}

function uploadPreview(op: OperationOf<'apim.uploadCertificate'>, facts: Facts): PreviewRequest {
  const existing = existingCertificate(facts, op.certificateId);
  const diff = existing
    ? [
        existing.keyVault
          ? `- keyVault.secretIdentifier: ${existing.keyVault.secretIdentifier}`
          : `- uploaded certificate: ${existing.thumbprint ?? op.certificateId}`,
        `+ data: ${redacted}`,
        `+ password: ${redacted}`,
      ]
    : [`+ certificate: ${op.certificateId}`, `+ data: ${redacted}`, `+ password: ${redacted}`];
  if (op.ifMatch) diff.push(`  If-Match: ${op.ifMatch}`);
  return {
    method: 'PUT',
    path: certificatePath(op.apimId, op.certificateId),
    body: { properties: { data: redacted, password: redacted } },
    diff,
  };
}

function refreshPreview(op: OperationOf<'apim.refreshCertificate'>, facts: Facts): PreviewRequest {
  const existing = existingCertificate(facts, op.certificateId);
  const status = existing?.keyVault?.lastStatus?.code;
  return {
    method: 'POST',
    path: at(`${op.apimId}/certificates/${encodeURIComponent(op.certificateId)}/refreshSecret`, API_VERSIONS.apim),
    diff: [
      ...(existing?.keyVault ? [`  keyVault.secretIdentifier: ${existing.keyVault.secretIdentifier}`] : []),
      ...(status ? [`- keyVault.lastStatus: ${status}`] : []),
      '+ keyVault.lastStatus: (from a fresh read of the secret)',
    ],
  };
}

/**
 * az rest does not follow a long-running operation: API Management answers the PATCH with 202 and applies it
 * minutes later (the system identity's principal id appears only then). apimkv waits for the operation; so does
 * the script (found by test/interop/plan-script.interop.ts: the next line read no principal id yet).
 */
function waitForService(apimId: string): string {
  const { name, resourceGroup } = parseResourceId(apimId);
  return cmd(
    'az',
    'apim',
    'wait',
    '--resource-group',
    resourceGroup ?? '<resource-group>',
    '--name',
    name,
    '--updated',
    '--interval',
    '10',
  );
}

const ifMatchHeader = (op: { ifMatch?: string }) => (op.ifMatch ? `If-Match=${op.ifMatch}` : undefined);

/** apim.enableSystemIdentity as a template change (the properties it writes, from its request's body). */
function enableSystemIdentityTemplate(_op: OperationOf<'apim.enableSystemIdentity'>, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  const body = pick(bodyOf(request), ['identity']);
  const userAssigned = Object.keys(((body.identity ?? {}) as { userAssignedIdentities?: object }).userAssignedIdentities ?? {});
  return {
    type: 'Microsoft.ApiManagement/service',
    apiVersion,
    id,
    mode: 'update',
    body,
    azurerm: {
      resource: 'azurerm_api_management',
      attributes: [
        { path: 'identity.type', from: { body: 'identity.type' } },
        ...(userAssigned.length
          ? [{ path: 'identity.identity_ids', from: { body: 'identity.userAssignedIdentities', keys: true as const } }]
          : []),
      ],
    },
  };
}

/** apim.setCustomProperty as a template change (the properties it writes, from its request's body). */
function setCustomPropertyTemplate(op: OperationOf<'apim.setCustomProperty'>, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  return {
    type: 'Microsoft.ApiManagement/service',
    apiVersion,
    id,
    mode: 'update',
    // The request sends the whole map (ARM replaces it); the template change is the one key.
    body: { properties: { customProperties: { [op.key]: op.value } } },
    note: 'Add this key to the customProperties your template already declares (a declared map replaces the whole map on deployment). azurerm_api_management does not model this property: azapi does.',
  };
}

/** azurerm_api_management_certificate's attributes that name the certificate and its service. */
const CERTIFICATE_IN_SERVICE = [
  { path: 'name', from: { id: 'name' } },
  { path: 'api_management_name', from: { id: 'parentName' } },
  { path: 'resource_group_name', from: { id: 'resourceGroup' } },
] as const;

/** apim.putKeyVaultCertificate as a template change (the properties it writes, from its request's body). */
function putKeyVaultCertificateTemplate(_op: OperationOf<'apim.putKeyVaultCertificate'>, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  return {
    type: 'Microsoft.ApiManagement/service/certificates',
    apiVersion,
    id,
    mode: 'create',
    body: pick(bodyOf(request), ['properties.keyVault']),
    azurerm: {
      resource: 'azurerm_api_management_certificate',
      attributes: [
        ...CERTIFICATE_IN_SERVICE,
        { path: 'key_vault_secret_id', from: { body: 'properties.keyVault.secretIdentifier' } },
        { path: 'key_vault_identity_client_id', from: { body: 'properties.keyVault.identityClientId' } },
      ],
    },
  };
}

/** apim.uploadCertificate as a template change (the properties it writes, from its request's body). */
function uploadCertificateTemplate(_op: OperationOf<'apim.uploadCertificate'>, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  const expressions = {
    'properties.data': { expression: { bicep: "loadFileAsBase64('certificate.pfx')", terraform: 'filebase64("certificate.pfx")' } },
    'properties.password': { expression: { bicep: 'pfxPassword', terraform: 'var.pfx_password' } },
  };
  return {
    type: 'Microsoft.ApiManagement/service/certificates',
    apiVersion,
    id,
    mode: 'create',
    body: pick(bodyOf(request), ['properties.data', 'properties.password']),
    expressions,
    note: 'The .pfx and its password never go into the template: load the file and pass the password as a secure parameter (Bicep: @secure() param pfxPassword string).',
    azurerm: {
      resource: 'azurerm_api_management_certificate',
      attributes: [
        ...CERTIFICATE_IN_SERVICE,
        { path: 'data', from: { literal: expressions['properties.data'].expression } },
        { path: 'password', from: { literal: expressions['properties.password'].expression } },
      ],
    },
  };
}

/** A refresh (certificate or named value) as a template change: an action, which no template declares. */
function refreshTemplate(type: string) {
  return (_op: unknown, request: PreviewRequest): TemplateChange => {
    const { id, apiVersion } = pathAndVersion(request);
    return {
      type,
      apiVersion,
      id: id.replace(/\/refreshSecret$/i, ''),
      mode: 'action',
      action: 'refreshSecret',
      body: {},
      note: 'A refresh is an action, not a property: a template cannot declare it, and a deployment does not undo it.',
    };
  };
}
const refreshCertificateTemplate = refreshTemplate('Microsoft.ApiManagement/service/certificates');
const refreshNamedValueTemplate = refreshTemplate('Microsoft.ApiManagement/service/namedValues');

const sameHost = (h: { hostName: string; type: string }, op: { hostName: string; hostType: string }) =>
  same(h.hostName, op.hostName) && same(h.type, op.hostType);

/**
 * hostnameConfigurations is a list ARM replaces whole: every other hostname goes back as it is, only this one loses
 * identityClientId (absent means the system identity, configure-custom-domain). The executor re-reads the service
 * right before the write; this body, from the gathered facts, is what the preview shows.
 */
function hostnamePreview(op: OperationOf<'apim.hostnameToSystemIdentity'>, facts: Facts): PreviewRequest {
  const hosts = apimOf(facts, op.apimId)?.hostnameConfigurations ?? [];
  // Only the fields that were read: an absent field is not sent as null.
  const body = hosts.map((h) =>
    Object.fromEntries(
      Object.entries({
        ...h,
        certificateStatus: undefined,
        expiry: undefined,
        ...(sameHost(h, op) ? { identityClientId: undefined } : {}),
      }).filter(([, v]) => v !== undefined),
    ),
  );
  const diff = hosts.flatMap((h) =>
    sameHost(h, op)
      ? [
          `- hostname ${h.hostName} (${h.type}): ${h.keyVaultId ?? ''}, identity user-assigned (client ${h.identityClientId ?? 'none'})`,
          `+ hostname ${h.hostName} (${h.type}): ${h.keyVaultId ?? op.keyVaultId}, identity system-assigned`,
        ]
      : [`  hostname ${h.hostName} (${h.type}): kept as it is`],
  );
  return { method: 'PATCH', path: at(op.apimId, API_VERSIONS.apim), body: { properties: { hostnameConfigurations: body } }, diff };
}

/** apim.hostnameToSystemIdentity as a template change: the hostname entry without identityClientId. */
function hostnameToSystemIdentityTemplate(op: OperationOf<'apim.hostnameToSystemIdentity'>, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  return {
    type: 'Microsoft.ApiManagement/service',
    apiVersion,
    id,
    mode: 'update',
    body: pick(bodyOf(request), ['properties.hostnameConfigurations']),
    note: `Remove identityClientId from the ${op.hostName} entry of the hostnameConfigurations your template already declares (the list replaces the whole list on deployment; azurerm: drop key_vault_identity_client_id / ssl_keyvault_identity_client_id of that hostname block).`,
  };
}

const namedValuePath = (op: { apimId: string; namedValueId: string }) =>
  at(`${op.apimId}/namedValues/${encodeURIComponent(op.namedValueId)}`, API_VERSIONS.apim);

/**
 * A PUT of the named value as read (display name, secret flag, tags kept) with keyVault.secretIdentifier alone: no
 * identityClientId means the system identity (api-management-howto-properties). The executor re-reads it right before
 * the write and sends If-Match; a refresh follows, whose lastStatus is the verification.
 */
function namedValuePreview(op: OperationOf<'apim.namedValueToSystemIdentity'>, facts: Facts): PreviewRequest {
  const nv = facts.namedValues?.ok ? facts.namedValues.value.find((v) => same(v.name, op.namedValueId)) : undefined;
  return {
    method: 'PUT',
    path: namedValuePath(op),
    body: {
      properties: { displayName: nv?.displayName ?? op.namedValueId, secret: true, keyVault: { secretIdentifier: op.secretIdentifier } },
    },
    diff: [
      `  keyVault.secretIdentifier: ${op.secretIdentifier}`,
      `- keyVault.identityClientId: ${nv?.keyVault?.identityClientId ?? '(none)'}`,
      '+ identity: system-assigned',
      '  displayName, secret, tags: kept as read',
      '+ then refreshSecret (keyVault.lastStatus from a fetch with the system identity)',
    ],
  };
}

/** apim.namedValueToSystemIdentity as a template change: the keyVault block without identityClientId. */
function namedValueToSystemIdentityTemplate(op: OperationOf<'apim.namedValueToSystemIdentity'>, request: PreviewRequest): TemplateChange {
  const { id, apiVersion } = pathAndVersion(request);
  return {
    type: 'Microsoft.ApiManagement/service/namedValues',
    apiVersion,
    id,
    mode: 'create',
    body: pick(bodyOf(request), ['properties.displayName', 'properties.secret', 'properties.keyVault']),
    note: `Remove identityClientId from the keyVault block of named value ${op.namedValueId} (azurerm_api_management_named_value: drop value_from_key_vault.identity_client_id).`,
  };
}

export const apimOperations: OperationFamily<'apim.'> = {
  'apim.enableSystemIdentity': {
    enablesIdentity: true,
    summary: () => 'Enabling the system-assigned identity on API Management',
    target: onApim,
    requirements: serviceWrite,
    roles: apimRole,
    preview: identityPreview,
    template: enableSystemIdentityTemplate,
    // az apim update sends the whole resource back and drops user-assigned identities unless told to keep them:
    // the same PATCH apimkv sends (UAIs as empty objects) keeps them.
    az(op, facts) {
      const uais = facts.apim.ok ? facts.apim.value.identity.userAssigned.map((u) => u.id) : [];
      const identity = uais.length
        ? { type: 'SystemAssigned, UserAssigned', userAssignedIdentities: Object.fromEntries(uais.map((id) => [id, {}])) }
        : { type: 'SystemAssigned' };
      return [azRest(facts, 'patch', at(op.apimId, API_VERSIONS.apim), { identity }), waitForService(op.apimId)];
    },
    // Azure fills in the principal id when the identity exists; the type alone may be a request not yet honoured.
    isDone(op, observed) {
      const apim = apimOf(observed, op.apimId);
      return apim ? /SystemAssigned/i.test(apim.identity.type) && !!apim.identity.principalId : undefined;
    },
  },
  'apim.setCustomProperty': {
    summary: (op) => `Setting ${op.key} = ${op.value} on API Management`,
    target: onApim,
    requirements: serviceWrite,
    roles: apimRole,
    preview: customPropertyPreview,
    template: setCustomPropertyTemplate,
    az(op, facts) {
      // az apim update --set cannot address the dotted key; send the whole map with az rest.
      const current = facts.apim.ok ? facts.apim.value.customProperties : {};
      return [
        azRest(facts, 'patch', `${op.apimId}?api-version=${API_VERSIONS.apim}`, {
          properties: { customProperties: { ...current, [op.key]: op.value } },
        }),
        waitForService(op.apimId),
      ];
    },
    // APIM answers "True" for "true": the boolean settings compare without case.
    isDone(op, observed) {
      const apim = apimOf(observed, op.apimId);
      return apim ? apim.customProperties[op.key]?.toLowerCase() === op.value.toLowerCase() : undefined;
    },
  },
  'apim.putKeyVaultCertificate': {
    summary: (op) => `Adding certificate "${op.certificateId}" from Key Vault`,
    target: onApim,
    requirements: certificateWrite,
    roles: apimRole,
    preview: putKeyVaultPreview,
    template: putKeyVaultCertificateTemplate,
    az(op, facts) {
      const keyVault = { secretIdentifier: op.secretIdentifier, ...(op.identityClientId ? { identityClientId: op.identityClientId } : {}) };
      return [azRest(facts, 'put', certificatePath(op.apimId, op.certificateId), { properties: { keyVault } }, ifMatchHeader(op))];
    },
    isDone(op, observed) {
      const certs = valueOf(observed.apimCertificates);
      return certs
        ? certs.some(
            (c) =>
              same(c.name, op.certificateId) &&
              c.keyVault?.secretIdentifier === op.secretIdentifier &&
              (c.keyVault.identityClientId ?? '').toLowerCase() === (op.identityClientId ?? '').toLowerCase(),
          )
        : undefined;
    },
  },
  'apim.uploadCertificate': {
    summary: (op) => `Uploading certificate "${op.certificateId}"`,
    target: onApim,
    requirements: certificateWrite,
    roles: apimRole,
    preview: uploadPreview,
    template: uploadCertificateTemplate,
    // The password never goes on a command line: the body is written from PFX_FILE and PFX_PASSWORD (environment,
    // not argv) to a private file that az rest reads, then removed.
    az: (op, facts) => [
      `body=$(mktemp) && chmod 600 "$body" && python3 -c 'import base64,json,os,sys; json.dump({"properties": {"data": base64.b64encode(open(os.environ["PFX_FILE"], "rb").read()).decode(), "password": os.environ["PFX_PASSWORD"]}}, sys.stdout)' > "$body"`,
      `${azRest(facts, 'put', certificatePath(op.apimId, op.certificateId), undefined, ifMatchHeader(op))} --body @"$body"; rm -f "$body"`,
    ],
    // The uploaded bytes cannot be compared; an uploaded (non-Key Vault) certificate of that id with a thumbprint is the sign.
    isDone(op, observed) {
      const certs = valueOf(observed.apimCertificates);
      return certs ? certs.some((c) => same(c.name, op.certificateId) && !c.keyVault && !!c.thumbprint) : undefined;
    },
  },
  'apim.refreshCertificate': {
    refetchesSecret: true,
    summary: (op) => `Refreshing certificate "${op.certificateId}" from Key Vault`,
    target: onApim,
    requirements: () => [{ action: 'Microsoft.ApiManagement/service/certificates/refreshSecret/action', target: 'apim' }],
    roles: apimRole,
    preview: refreshPreview,
    template: refreshCertificateTemplate,
    az: (op, facts) => [
      azRest(facts, 'post', at(`${op.apimId}/certificates/${encodeURIComponent(op.certificateId)}/refreshSecret`, API_VERSIONS.apim)),
    ],
    // A refresh leaves no trace but a newer lastStatus: harmless either way, and repeatable. The executor
    // judges its own refresh by the status the refresh answers with.
    isDone: () => undefined,
  },
  'apim.hostnameToSystemIdentity': {
    summary: (op) => `Switching hostname ${op.hostName} to the system-assigned identity`,
    target: onApim,
    requirements: serviceWrite,
    roles: apimRole,
    preview: hostnamePreview,
    template: hostnameToSystemIdentityTemplate,
    // Read-modify-write in the script too: the list is read back as Azure holds it (fields apimkv does not model
    // included) and only this hostname's identityClientId is removed, so the line is never more destructive than ours.
    az(op, facts) {
      const url = `${facts.context.armEndpoint.replace(/\/+$/, '')}${at(op.apimId, API_VERSIONS.apim)}`;
      return [
        `body=$(mktemp) && ${cmd('az', 'rest', '--method', 'get', '--url', url, '--query', 'properties.hostnameConfigurations', '--output', 'json')} | HOST_NAME=${shellQuote(op.hostName)} HOST_TYPE=${shellQuote(op.hostType)} python3 -c 'import json,os,sys; h=json.load(sys.stdin); [c.pop("identityClientId",None) for c in h if c["hostName"].lower()==os.environ["HOST_NAME"].lower() and c["type"].lower()==os.environ["HOST_TYPE"].lower()]; json.dump({"properties": {"hostnameConfigurations": h}}, sys.stdout)' > "$body"`,
        `${cmd('az', 'rest', '--method', 'patch', '--url', url)} --body @"$body"; rm -f "$body"`,
        waitForService(op.apimId),
      ];
    },
    isDone(op, observed) {
      const host = apimOf(observed, op.apimId)?.hostnameConfigurations.find((h) => sameHost(h, op));
      return host ? !host.identityClientId && same(host.keyVaultId, op.keyVaultId) : undefined;
    },
  },
  'apim.namedValueToSystemIdentity': {
    summary: (op) => `Switching named value ${op.namedValueId} to the system-assigned identity`,
    target: onApim,
    requirements: () => [
      { action: 'Microsoft.ApiManagement/service/namedValues/write', target: 'apim' },
      { action: 'Microsoft.ApiManagement/service/namedValues/refreshSecret/action', target: 'apim' },
    ],
    roles: apimRole,
    preview: namedValuePreview,
    template: namedValueToSystemIdentityTemplate,
    // Read back as Azure holds it; only identityClientId (and the read-only lastStatus) go.
    az(op, facts) {
      const url = `${facts.context.armEndpoint.replace(/\/+$/, '')}${namedValuePath(op)}`;
      return [
        `body=$(mktemp) && ${cmd('az', 'rest', '--method', 'get', '--url', url, '--output', 'json')} | python3 -c 'import json,sys; p=json.load(sys.stdin)["properties"]; kv=p.get("keyVault") or {}; json.dump({"properties": {k: v for k, v in {"displayName": p.get("displayName"), "secret": p.get("secret"), "tags": p.get("tags"), "keyVault": {"secretIdentifier": kv.get("secretIdentifier")}}.items() if v is not None}}, sys.stdout)' > "$body"`,
        `${cmd('az', 'rest', '--method', 'put', '--url', url)} --body @"$body"; rm -f "$body"`,
        azRest(facts, 'post', at(`${op.apimId}/namedValues/${encodeURIComponent(op.namedValueId)}/refreshSecret`, API_VERSIONS.apim)),
      ];
    },
    isDone(op, observed) {
      const nv = valueOf(observed.namedValues)?.find((v) => same(v.name, op.namedValueId));
      return nv ? !!nv.keyVault && !nv.keyVault.identityClientId && nv.keyVault.secretIdentifier === op.secretIdentifier : undefined;
    },
  },
  'apim.refreshNamedValue': {
    refetchesSecret: true,
    summary: (op) => `Refreshing named value "${op.namedValueId}" from Key Vault`,
    target: onApim,
    requirements: () => [{ action: 'Microsoft.ApiManagement/service/namedValues/refreshSecret/action', target: 'apim' }],
    roles: apimRole,
    template: refreshNamedValueTemplate,
    preview: (op, facts) => {
      const nv = facts.namedValues?.ok ? facts.namedValues.value.find((v) => same(v.name, op.namedValueId)) : undefined;
      const status = nv?.keyVault?.lastStatus?.code;
      return {
        method: 'POST',
        path: at(`${op.apimId}/namedValues/${op.namedValueId}/refreshSecret`, API_VERSIONS.apim),
        diff: [
          ...(nv?.keyVault ? [`  keyVault.secretIdentifier: ${nv.keyVault.secretIdentifier}`] : []),
          ...(status ? [`- keyVault.lastStatus: ${status}`] : []),
          '+ keyVault.lastStatus: (from a fresh read of the secret)',
        ],
      };
    },
    az: (op, facts) => [azRest(facts, 'post', at(`${op.apimId}/namedValues/${op.namedValueId}/refreshSecret`, API_VERSIONS.apim))],
    // As for certificates: only the refresh's own answer tells.
    isDone: () => undefined,
  },
};
