/**
 * Test harness for the pure group coordinator: a fake clock, tokens, and a record of every output
 * and record the coordinator produced (checked for "answered exactly once").
 */
import assert from 'node:assert/strict';
import { Prng } from '../../../src/common/index.js';
import {
  GroupCoordinator, type GroupConfig, type GroupRecord, type JoinInput, type JoinResult,
  type SyncInput, type SyncResult,
} from '../../../src/groups/index.js';

export const base: Omit<JoinInput, 'groupId' | 'memberId'> = {
  groupInstanceId: null,
  sessionTimeoutMs: 10_000,
  rebalanceTimeoutMs: 30_000,
  protocolType: 'consumer',
  protocols: [{ name: 'range', metadata: subscription(['t']) }],
  requireKnownMemberId: false,
  clientId: 'c',
  clientHost: '',
};

/** ConsumerProtocol subscription v0: int16 version, topics, null user data. */
export function subscription(topics: readonly string[]): Buffer {
  const parts = [Buffer.from([0, 0]), int32(topics.length)];
  for (const t of topics) {
    const b = Buffer.from(t);
    parts.push(Buffer.from([b.length >> 8, b.length & 0xff]), b);
  }
  parts.push(int32(-1));
  return Buffer.concat(parts);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export interface Transition {
  groupId: string;
  from: string;
  to: string;
  generationId: number;
}

export class Harness {
  nowMs = 1_000;
  readonly core: GroupCoordinator;
  readonly joins = new Map<number, JoinResult>();
  readonly syncs = new Map<number, SyncResult>();
  readonly records: GroupRecord[] = [];
  readonly transitions: Transition[] = [];
  private nextToken = 1;

  constructor(config: Partial<GroupConfig> = {}, seed = 1) {
    this.core = new GroupCoordinator({
      prng: new Prng(seed),
      config: { initialRebalanceDelayMs: 0, ...config },
      observer: { transition: (groupId, from, to, generationId) => {
        this.transitions.push({ groupId, from, to, generationId });
      } },
    });
  }

  join(groupId: string, memberId: string, extra: Partial<JoinInput> = {}): number {
    const token = this.nextToken++;
    this.core.join(token, { ...base, groupId, memberId, ...extra }, this.nowMs);
    this.collect();
    return token;
  }

  sync(req: Omit<SyncInput, 'protocolType' | 'protocolName' | 'groupInstanceId'>
    & Partial<SyncInput>): number {
    const token = this.nextToken++;
    this.core.sync(token, { protocolType: null, protocolName: null, groupInstanceId: null, ...req },
      this.nowMs);
    this.collect();
    return token;
  }

  advance(ms: number): void {
    this.nowMs += ms;
    this.core.tick(this.nowMs);
    this.collect();
  }

  collect(): void {
    for (const o of this.core.takeOutputs()) {
      const seen = o.kind === 'join' ? this.joins : this.syncs;
      assert.ok(!seen.has(o.token), `token ${o.token} answered twice`);
      if (o.kind === 'join') this.joins.set(o.token, o.result);
      else this.syncs.set(o.token, o.result);
    }
    // As the driver does once they are durable: OffsetFetch answers from persisted records only.
    const records = this.core.takeRecords();
    this.records.push(...records);
    this.core.persisted(records);
  }

  joined(token: number): JoinResult {
    const r = this.joins.get(token);
    assert.ok(r !== undefined, `join ${token} not answered yet`);
    return r;
  }

  synced(token: number): SyncResult {
    const r = this.syncs.get(token);
    assert.ok(r !== undefined, `sync ${token} not answered yet`);
    return r;
  }
}
