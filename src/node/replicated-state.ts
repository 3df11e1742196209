/**
 * What the Raft log of a node replicates: cluster metadata and — for tests and the Raft bench only —
 * the key-value store behind the RaftKv API. Each entry starts with a one-byte tag naming its owner;
 * a snapshot holds both owners' images.
 */
import { assert } from '../common/index.js';
import type { Entry } from '../raft/index.js';
import type { RaftStateMachine } from './raft-driver.js';

export const EntryTag = { metadata: 0x4d, testKv: 0x4b } as const;

export function tagged(tag: number, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + data.length);
  out[0] = tag;
  data.copy(out, 1);
  return out;
}

export class TaggedStateMachine implements RaftStateMachine {
  private readonly owners: ReadonlyMap<number, RaftStateMachine>;
  private readonly skipped: ReadonlySet<number>;

  /**
   * `skipped`: tags whose entries this node has no owner for and passes over. A production node
   * skips the test key-value store's (a log written by a test node, or by a client of an earlier
   * version that served RaftKv everywhere, still replays); their snapshot parts are dropped.
   */
  constructor(owners: ReadonlyMap<number, RaftStateMachine>, skipped: readonly number[] = []) {
    this.owners = owners;
    this.skipped = new Set(skipped);
  }

  apply(entry: Entry): unknown {
    const tag = entry.data[0] ?? -1;
    if (this.skipped.has(tag)) return undefined;
    const owner = this.owners.get(tag);
    // Invariant: only this node's code proposes entries, always tagged.
    assert(owner !== undefined, `raft entry ${entry.index} has no known owner tag`);
    return owner.apply({ ...entry, data: entry.data.subarray(1) });
  }

  snapshot(): Buffer {
    const parts: Record<string, string> = {};
    for (const [tag, owner] of this.owners) parts[tag] = owner.snapshot().toString('base64');
    return Buffer.from(JSON.stringify(parts));
  }

  restore(image: Buffer): void {
    const parts = JSON.parse(image.toString()) as Record<string, string>;
    for (const [tag, owner] of this.owners) {
      const part = parts[tag];
      if (part !== undefined) owner.restore(Buffer.from(part, 'base64'));
    }
  }
}
