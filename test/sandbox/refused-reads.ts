/**
 * Resources a world's operator may not read by design (the world's situation is that refusal). Readers leave them
 * out and expect ARM's AuthorizationFailed instead: the sandbox's conformance GETs, and az 2.45 in the interop run,
 * so a client not written here confirms the premise.
 * unreadable-other-vault: the operator has no role in the "Contoso Shared Services" subscription.
 */
export const REFUSED_READS: Readonly<Record<string, RegExp>> = {
  'unreadable-other-vault': /^\/subscriptions\/6d4a9e2f-1b3c-4e5d-8f7a-9c0b1d2e3f45\//i,
};
