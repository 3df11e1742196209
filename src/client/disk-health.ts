/**
 * Disk health for `pado cluster health`, `pado doctor` and the console (issue 16 item 4: "full
 * disks"). Each broker measures its data disk every 5 s and reports a change of state as a cluster
 * event (`disk-low`, `disk-full`, `disk-ok`; node/event-reporter.ts), so the newest disk event of
 * a broker is its disk's state as the broker itself judged it against its own reserve
 * (`diskReserveBytes`, which no client knows). `latestDiskStates` and `diskProblems` are pure;
 * `fetchDiskStates` asks one broker for the events (DescribeClusterEvents, key 1003).
 */
import { ApiKey } from '../protocol/index.js';
import type { KafkaClient } from './client.js';
import { describeClusterEvents, type ClusterEventView } from './cluster-requests.js';
import type { HealthProblem } from './cluster-health.js';

/** A broker whose newest disk event says its disk is low or full. */
export interface BrokerDiskState {
  brokerId: number;
  state: 'low' | 'full';
  /** The broker's own words: free MiB and its reserve. */
  message: string;
  timeMs: number;
}

const diskKinds: Readonly<Record<string, 'ok' | 'low' | 'full'>> = {
  'disk-ok': 'ok', 'disk-low': 'low', 'disk-full': 'full',
};

/** Pure: per broker, its newest disk event, kept when it says low or full; by broker id. */
export function latestDiskStates(events: readonly ClusterEventView[]): BrokerDiskState[] {
  const newest = new Map<number, ClusterEventView>();
  for (const e of events) {
    if (diskKinds[e.kind] === undefined || e.brokerId < 0) continue;
    const seen = newest.get(e.brokerId);
    if (seen === undefined || e.id > seen.id) newest.set(e.brokerId, e);
  }
  const out: BrokerDiskState[] = [];
  for (const [brokerId, e] of [...newest].sort(([a], [b]) => a - b)) {
    const state = diskKinds[e.kind];
    if (state === 'low' || state === 'full') {
      // The controller records a report as "broker <id>: <what it said>": keep what it said.
      const said = e.message.startsWith(`broker ${brokerId}: `) ? e.message.slice(`broker ${brokerId}: `.length)
        : e.message;
      out.push({ brokerId, state, message: said, timeMs: e.timeMs });
    }
  }
  return out;
}

const freeSpace = 'free space on it: lower `retention.ms` or `retention.bytes` of its largest ' +
  'topics (`pado topic alter-config <topic> --set retention.bytes=…`), delete topics or records ' +
  'no one needs (`pado topic trim-prefix`), or give its data directory a larger disk';

/**
 * Pure: one problem per live broker whose disk is low or full (`pado cluster events` shows
 * when it was reported). A broker that is down is reported as missing instead (its last disk
 * event may be stale).
 */
export function diskProblems(states: readonly BrokerDiskState[],
  live: ReadonlySet<number>): HealthProblem[] {
  const problems: HealthProblem[] = [];
  for (const s of states) {
    if (!live.has(s.brokerId)) continue;
    if (s.state === 'full') {
      problems.push({ kind: 'disk-full', subject: `broker ${s.brokerId}`, message: `broker ` +
        `${s.brokerId}'s data disk is full (it reported: ${s.message}): produces to the ` +
        `partitions it leads are refused with KAFKA_STORAGE_ERROR and its follower copies fall ` +
        `out of the ISR; ${freeSpace}` });
    } else {
      problems.push({ kind: 'disk-low', subject: `broker ${s.brokerId}`, message: `broker ` +
        `${s.brokerId}'s data disk is low (it reported: ${s.message}); ${freeSpace}, before ` +
        'produces are refused' });
    }
  }
  return problems;
}

/** Pages of events read at most (the metadata keeps the newest 256 events, one page). */
const eventPagesMax = 4;

/**
 * The brokers whose newest disk event says low or full, from the cluster's events. Empty when
 * the broker does not serve DescribeClusterEvents, refuses it (no DESCRIBE on the cluster) or
 * fails: the other checks do not depend on it.
 */
export async function fetchDiskStates(client: KafkaClient): Promise<BrokerDiskState[]> {
  if (!client.supports(ApiKey.describeClusterEvents)) return [];
  const events: ClusterEventView[] = [];
  let afterId = 0;
  try {
    for (let page = 0; page < eventPagesMax; page++) {
      const answer = await describeClusterEvents(client, { afterId });
      if (answer.errorCode !== 0) return [];
      events.push(...answer.events);
      const last = answer.events.at(-1)?.id ?? afterId;
      if (answer.events.length === 0 || last >= answer.lastId) break;
      afterId = last;
    }
  } catch {
    return [];
  }
  return latestDiskStates(events);
}
