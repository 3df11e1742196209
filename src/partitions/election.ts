/**
 * Which replicas may lead a partition without losing acknowledged records (DESIGN.md: "a
 * replica is never elected if its log may be missing acknowledged data"). Pure; the controller
 * calls it when a leader must be chosen.
 *
 * The rule. A record is acknowledged only once the HW passes it, and the leader computes the HW
 * over its maximal ISR (committed ISR ∪ proposed one), so the committed ISR is always a subset of
 * the replicas that hold every acknowledged record. The controller never empties the ISR: when
 * its last member is fenced it stays there ("last replica standing", KIP-966). So a replica is a
 * safe leader iff it is live and in the last committed ISR — and, when copies count before fsync
 * (a topic that relaxed durability), it has not restarted after an unclean shutdown since, as
 * that may have cost it acknowledged records still in its page cache (KIP-966's case: the last
 * ISR member crashed and came back shorter). Under Pado's durable default a crash loses only
 * unsynced records, which were never counted, so the last ISR member stays safe across crashes.
 * If no replica is safe the partition stays offline; only an explicit unclean election (topic
 * config) takes `uncleanChoice`.
 */

export interface LeaderCandidate {
  readonly brokerId: number;
  /** Registered and not fenced. */
  readonly live: boolean;
  /** The epoch of its last record and its log end offset, as it reported them. */
  readonly lastEpoch: number;
  readonly logEndOffset: number;
  /** Restarted after an unclean shutdown since it was last in the ISR. */
  readonly uncleanShutdown?: boolean;
}

/**
 * The safe leaders, best first: the longest log by (last epoch, log end offset) — it keeps the
 * most written-but-unacknowledged records — then the order of `candidates` (the preferred
 * replica first).
 */
export function safeLeaders(candidates: readonly LeaderCandidate[], isr: readonly number[],
  durable = true): number[] {
  const safe = candidates.filter((c) =>
    c.live && isr.includes(c.brokerId) && (durable || c.uncleanShutdown !== true));
  return byLongestLog(safe).map((c) => c.brokerId);
}

/**
 * Unclean election (only with unclean.leader.election.enable): no safe replica exists, so take
 * the live one with the longest log, which loses the fewest records. Undefined if none is live.
 */
export function uncleanChoice(candidates: readonly LeaderCandidate[]): number | undefined {
  return byLongestLog(candidates.filter((c) => c.live))[0]?.brokerId;
}

function byLongestLog(candidates: readonly LeaderCandidate[]): LeaderCandidate[] {
  return candidates
    .map((c, order) => ({ c, order }))
    .sort((a, b) => b.c.lastEpoch - a.c.lastEpoch || b.c.logEndOffset - a.c.logEndOffset ||
      a.order - b.order)
    .map(({ c }) => c);
}
