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

  constructor(owners: ReadonlyMap<number, RaftStateMachine>) {
    this.owners = owners;
  }

  apply(entry: Entry): unknown {
    const owner = this.owners.get(entry.data[0] ?? -1);
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
