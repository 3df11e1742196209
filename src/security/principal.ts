/**
 * Principals as Kafka writes them (KafkaPrincipal.toString): "<type>:<name>", e.g. "User:alice".
 * SASL authenticates users, so every principal made here has type "User"; ACLs (later) also
 * match other types and the wildcard name "*", so parsing accepts any type.
 */

export interface KafkaPrincipal {
  readonly type: string;
  readonly name: string;
}

/** Kafka's KafkaPrincipal.USER_TYPE. */
export const userPrincipalType = 'User';
/** Kafka's KafkaPrincipal.ANONYMOUS: the principal of an unauthenticated (PLAINTEXT) connection. */
export const anonymousPrincipal: KafkaPrincipal = { type: userPrincipalType, name: 'ANONYMOUS' };

export function userPrincipal(name: string): KafkaPrincipal {
  return { type: userPrincipalType, name };
}

/** "User:alice". */
export function formatPrincipal(principal: KafkaPrincipal): string {
  return `${principal.type}:${principal.name}`;
}

/**
 * "User:alice" → { type: 'User', name: 'alice' }; the type ends at the first colon (a name may hold
 * colons, as in Kafka's SecurityUtils.parseKafkaPrincipal). Undefined if either part is empty.
 */
export function parsePrincipal(text: string): KafkaPrincipal | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) return undefined;
  return { type: text.slice(0, colon), name: text.slice(colon + 1) };
}

export function samePrincipal(a: KafkaPrincipal, b: KafkaPrincipal): boolean {
  return a.type === b.type && a.name === b.name;
}
