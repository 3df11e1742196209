/**
 * What a world's outcome must satisfy (issue 14), checked on what was read back from every
 * partition after the cluster healed:
 * - lost: a record acknowledged with acks=all is missing;
 * - duplicate: a record appears twice (every value is unique; the acks=all producers are
 *   idempotent, and the acks=1 one only retries answers that prove nothing was written);
 * - reordered: a session's records in a partition are not in the order it sent them;
 * - misplaced: a record that no producer sent to this partition.
 * While the run goes on, a watcher (workload.ts) reports stale metadata: a node answering clients
 * with an older view than it gave before, or naming a leader it does not list.
 */
import type { FaultKind } from './faults.js';
import type { Session } from './workload.js';

/**
 * How long acks=all sends may go unacknowledged after a fault begins (ms; after it ends for the
 * whole cluster's power loss and a full disk). A killed or isolated leader: the session expires
 * (1.2 s), the controller elects, clients back off at most 500 ms — Pado's failover target with
 * margin. A machine that lost power says nothing: a client's request to it waits out its request
 * timeout (5 s here) first. A one-way cut or bridge may leave the leader waiting for a follower
 * it cannot hear until replica.lag.time.max.ms (5 s) drops it from the ISR. Judged only for a
 * fault that began on a cluster left alone for `settledGapMs` since the one before (else the
 * window also holds the recovery from that one: restarts, leases, clients' reconnections).
 */
export const failoverBoundMs: Readonly<Record<FaultKind, number>> = {
  kill: 3_500, isolate: 3_500, power: 8_500, 'one-way': 7_500, bridge: 7_500, 'power-all': 10_000,
  'disk-full': 7_500, 'bit-flip': 3_500, forge: 3_500,
  'slow-disk': 7_500, replace: 8_500,
  // Planned by an operator: leaderships move in order (no session to expire), clients follow.
  move: 3_500, maintenance: 3_500,
};

export const settledGapMs = 4_000;

export function checkWindows(windows: readonly { kind: FaultKind; ms: number }[]): Finding[] {
  const slow = windows.filter((w) => w.ms > failoverBoundMs[w.kind]);
  return slow.length === 0 ? [] : [{ kind: 'slow-failover',
    detail: slow.map((w) => `${w.kind} ${w.ms} ms > ${failoverBoundMs[w.kind]} ms`).join(', ') }];
}

export interface Finding {
  readonly kind: 'lost' | 'duplicate' | 'reordered' | 'misplaced' | 'not-healed' | 'stuck' | 'escaped'
    | 'diverged' | 'slow-failover' | 'stale-metadata' | 'epoch-bump' | 'corrupt-served'
    | 'offset-regressed' | 'hw-backwards' | 'two-writers' | 'admin-lost' | 'operator'
    | 'under-replicated-ack';
  readonly detail: string;
}

/** At most this many findings of one kind are listed (the count is always given). */
const listedMax = 5;

export function checkRecords(sessions: readonly Session[], logs: ReadonlyMap<number, readonly string[]>): Finding[] {
  const findings: Finding[] = [];
  const add = (kind: Finding['kind'], items: string[]): void => {
    if (items.length === 0) return;
    findings.push({ kind, detail: `${items.length}: ${items.slice(0, listedMax).join(', ')}` });
  };
  const sentTo = new Map<string, number>();
  for (const s of sessions) for (const [p, values] of s.sent) for (const v of values) sentTo.set(v, p);
  const lost: string[] = [];
  const duplicates: string[] = [];
  const reordered: string[] = [];
  const misplaced: string[] = [];
  for (const [partition, log] of logs) {
    const seen = new Set<string>();
    /** The last n read per session, `producer/session`. */
    const lastOf = new Map<string, number>();
    for (const v of log) {
      if (seen.has(v)) duplicates.push(`${v} in p${partition}`);
      seen.add(v);
      if (sentTo.get(v) !== partition) {
        misplaced.push(`${JSON.stringify(v.slice(0, 40))} in p${partition}`);
        continue;
      }
      const cut = v.lastIndexOf('/');
      const key = v.slice(0, cut);
      const n = Number(v.slice(cut + 1));
      const last = lastOf.get(key);
      if (last !== undefined && n <= last) reordered.push(`${v} after n=${last} in p${partition}`);
      lastOf.set(key, n);
    }
    for (const s of sessions) {
      if (s.acks !== -1) continue;
      const values = s.sent.get(partition) ?? [];
      const acked = s.acked.get(partition) ?? 0;
      for (let i = 0; i < acked; i++) if (!seen.has(values[i]!)) lost.push(`${values[i]} in p${partition}`);
    }
  }
  add('lost', lost);
  add('duplicate', duplicates);
  add('reordered', reordered);
  add('misplaced', misplaced);
  return findings;
}
