/**
 * Pure leaves of the classic protocol: which protocol a group uses, and which topics a consumer
 * subscribes to (needed by OffsetDelete). Kafka: GroupMetadata.selectProtocol / candidateProtocols,
 * ConsumerProtocol subscription format (int16 version, then array of int16-length strings).
 */

export interface ProtocolOffer {
  readonly name: string;
  readonly metadata: Buffer;
}

/** Names every member supports, in the first member's order of preference. */
export function candidateProtocols(members: Iterable<readonly ProtocolOffer[]>): string[] {
  let candidates: string[] | null = null;
  for (const offers of members) {
    const names = new Set(offers.map((p) => p.name));
    candidates = candidates === null
      ? offers.map((p) => p.name)
      : candidates.filter((n) => names.has(n));
  }
  return candidates ?? [];
}

/**
 * Each member votes for its most preferred candidate; the most-voted wins (as Kafka does). Ties go
 * to the candidate earlier in the candidates order, so the choice is deterministic.
 */
export function selectProtocol(members: readonly (readonly ProtocolOffer[])[]): string | null {
  const candidates = candidateProtocols(members);
  if (candidates.length === 0) return null;
  const allowed = new Set(candidates);
  const votes = new Map<string, number>();
  for (const offers of members) {
    const vote = offers.find((p) => allowed.has(p.name));
    if (vote !== undefined) votes.set(vote.name, (votes.get(vote.name) ?? 0) + 1);
  }
  let best = candidates[0] ?? null;
  let bestVotes = -1;
  for (const name of candidates) {
    const n = votes.get(name) ?? 0;
    if (n > bestVotes) {
      best = name;
      bestVotes = n;
    }
  }
  return best;
}

/** Same protocol names in the same order with byte-equal metadata. */
export function sameProtocols(a: readonly ProtocolOffer[], b: readonly ProtocolOffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return false;
    if (x.name !== y.name || !x.metadata.equals(y.metadata)) return false;
  }
  return true;
}

/** Subscribed topics bounded like any decoded array: a larger count means a corrupt buffer. */
const subscribedTopicsMax = 100_000;

/**
 * Topics of a "consumer" protocol subscription, or null when the bytes are not one (then the
 * caller must assume the member may consume any topic).
 */
export function subscribedTopics(metadata: Buffer): string[] | null {
  if (metadata.length < 6) return null;
  let at = 2; // int16 version: every version starts with the topic array.
  const count = metadata.readInt32BE(at);
  at += 4;
  if (count < 0 || count > subscribedTopicsMax) return null;
  const topics: string[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 2 > metadata.length) return null;
    const length = metadata.readInt16BE(at);
    at += 2;
    if (length < 0 || at + length > metadata.length) return null;
    topics.push(metadata.toString('utf8', at, at + length));
    at += length;
  }
  return topics;
}
