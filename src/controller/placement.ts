/**
 * Replica placement for new partitions: spread replicas and leaders evenly over the live brokers,
 * least-loaded first, counting what the cluster already holds (so topics created one after another
 * still balance), and rack-aware when racks are set: a partition's replicas go to distinct racks
 * while there are racks it does not use yet (Kafka's KIP-36 goal; our own greedy rule).
 *
 * Deterministic: ties go to the lowest broker id, so the same image and request give the same
 * placement on every controller.
 */
import type { BrokerImage, MetadataImage } from '../metadata/index.js';

/** Replicas and leaderships per broker id; the placement updates it as it assigns. */
export interface BrokerLoad {
  readonly replicas: Map<number, number>;
  readonly leaders: Map<number, number>;
}

/** Counts every partition in the image against the brokers that hold or lead it. */
export function brokerLoad(image: MetadataImage): BrokerLoad {
  const load: BrokerLoad = { replicas: new Map(), leaders: new Map() };
  for (const topic of image.topicsById.values()) {
    for (const p of topic.partitions) {
      for (const id of p.replicas) bump(load.replicas, id);
      if (p.leader >= 0) bump(load.leaders, p.leader);
    }
  }
  return load;
}

function bump(counts: Map<number, number>, id: number): void {
  counts.set(id, (counts.get(id) ?? 0) + 1);
}

/**
 * Replica lists for `partitions` new partitions of `rf` replicas each; the first replica is the
 * preferred leader. Requires 1 ≤ rf ≤ brokers.length (the caller reports the error).
 */
export function placeReplicas(brokers: readonly BrokerImage[], load: BrokerLoad, partitions: number,
  rf: number): number[][] {
  const sorted = [...brokers].sort((a, b) => a.brokerId - b.brokerId);
  const racksSet = sorted.some((b) => b.rack !== null);
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    const leader = leastLoaded(sorted, (b) => [count(load.leaders, b), count(load.replicas, b)]);
    const chosen: BrokerImage[] = [leader];
    while (chosen.length < rf) {
      const free = sorted.filter((b) => !chosen.includes(b));
      const used = new Set(chosen.map((b) => b.rack));
      const newRack = racksSet ? free.filter((b) => b.rack === null || !used.has(b.rack)) : [];
      const pool = newRack.length > 0 ? newRack : free;
      chosen.push(leastLoaded(pool, (b) => [count(load.replicas, b), count(load.leaders, b)]));
    }
    bump(load.leaders, leader.brokerId);
    for (const b of chosen) bump(load.replicas, b.brokerId);
    out.push(chosen.map((b) => b.brokerId));
  }
  return out;
}

/**
 * Up to `wanted` more replicas for a partition that has `current`: live brokers not in it, least
 * loaded (replicas, then leaderships), on a rack the partition does not use yet while there is one
 * (`rackOf` gives the racks of current replicas, live or not). Bumps `load` for each one chosen,
 * so successive calls spread. Fewer only if there are not enough brokers.
 */
export function extendReplicas(brokers: readonly BrokerImage[], load: BrokerLoad,
  current: readonly number[], rackOf: (brokerId: number) => string | null | undefined,
  wanted: number): number[] {
  const sorted = [...brokers].sort((a, b) => a.brokerId - b.brokerId);
  const racksSet = sorted.some((b) => b.rack !== null);
  const used = new Set(current.map(rackOf));
  const added: BrokerImage[] = [];
  while (added.length < wanted) {
    const free = sorted.filter((b) => !current.includes(b.brokerId) && !added.includes(b));
    if (free.length === 0) break;
    const newRack = racksSet ? free.filter((b) => b.rack === null || !used.has(b.rack)) : [];
    const pool = newRack.length > 0 ? newRack : free;
    const chosen = leastLoaded(pool, (b) => [count(load.replicas, b), count(load.leaders, b)]);
    added.push(chosen);
    used.add(chosen.rack);
    bump(load.replicas, chosen.brokerId);
  }
  return added.map((b) => b.brokerId);
}

function count(counts: ReadonlyMap<number, number>, b: BrokerImage): number {
  return counts.get(b.brokerId) ?? 0;
}

/** The broker with the smallest key (compared in order), the lowest id on a tie. */
function leastLoaded(brokers: readonly BrokerImage[],
  key: (b: BrokerImage) => readonly [number, number]): BrokerImage {
  let best = brokers[0] as BrokerImage;
  let bestKey = key(best);
  for (let i = 1; i < brokers.length; i++) {
    const b = brokers[i] as BrokerImage;
    const k = key(b);
    if (k[0] < bestKey[0] || (k[0] === bestKey[0] && k[1] < bestKey[1])) {
      best = b;
      bestKey = k;
    }
  }
  return best;
}
