/**
 * TEST ONLY: a replicated key-value store on the Raft driver, served through the RaftKv API
 * (key 1001) only by nodes started with PADO_TEST_RAFT_KV=1 in their environment. The Raft process
 * test and `npm run bench -- raft` set it (test/support/raft-cluster.ts); nothing else in Pado
 * reads the store. A production node has neither the store nor the API (issue 13: a client wrote
 * 20 MiB into a node's metadata log through it).
 *
 * Entry data: u16 key length · key (UTF-8) · value. Image: u32 count, then per key
 * u16 key length · key · u32 value length · value, in insertion order.
 */
import { EntryTag, tagged } from './replicated-state.js';
import { assert } from '../common/index.js';
import { KafkaError } from '../protocol/index.js';
import type { Entry } from '../raft/index.js';
import type { RaftKvResult } from '../server/index.js';
import type { RaftDriver, RaftOutcome, RaftStateMachine } from './raft-driver.js';

/** The environment variable that turns the test-only RaftKv API on (value `1`). */
export const testRaftKvEnv = 'PADO_TEST_RAFT_KV';

/** Whether this process serves RaftKv: only when a test set PADO_TEST_RAFT_KV=1. */
export function testRaftKvEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return env[testRaftKvEnv] === '1';
}

/** Keys the store holds; a put of a new key beyond it is refused (the store is for tests). */
export const raftKvKeysMax = 100_000;
const keyBytesMax = 0xffff;

export class RaftKvMachine implements RaftStateMachine {
  private values = new Map<string, Buffer>();

  get(key: string): Buffer | null {
    return this.values.get(key) ?? null;
  }

  get size(): number {
    return this.values.size;
  }

  apply(entry: Entry): unknown {
    const { key, value } = decodePut(entry.data);
    this.values.set(key, value);
    return undefined;
  }

  snapshot(): Buffer {
    const parts: Buffer[] = [Buffer.alloc(4)];
    (parts[0] as Buffer).writeUInt32BE(this.values.size, 0);
    for (const [key, value] of this.values) {
      const k = Buffer.from(key);
      const head = Buffer.alloc(2 + k.length + 4);
      head.writeUInt16BE(k.length, 0);
      k.copy(head, 2);
      head.writeUInt32BE(value.length, 2 + k.length);
      parts.push(head, value);
    }
    return Buffer.concat(parts);
  }

  restore(image: Buffer): void {
    const values = new Map<string, Buffer>();
    const count = image.readUInt32BE(0);
    let at = 4;
    for (let i = 0; i < count; i++) {
      const keyLength = image.readUInt16BE(at);
      const key = image.toString('utf8', at + 2, at + 2 + keyLength);
      at += 2 + keyLength;
      const valueLength = image.readUInt32BE(at);
      values.set(key, Buffer.from(image.subarray(at + 4, at + 4 + valueLength)));
      at += 4 + valueLength;
    }
    assert(at === image.length, `kv image: ${image.length - at} bytes left over`);
    this.values = values;
  }
}

export function encodePut(key: string, value: Buffer): Buffer {
  const k = Buffer.from(key);
  assert(k.length <= keyBytesMax, 'key too long');
  const buf = Buffer.allocUnsafe(2 + k.length + value.length);
  buf.writeUInt16BE(k.length, 0);
  k.copy(buf, 2);
  value.copy(buf, 2 + k.length);
  return buf;
}

function decodePut(data: Buffer): { key: string; value: Buffer } {
  const keyLength = data.readUInt16BE(0);
  assert(2 + keyLength <= data.length, 'kv entry shorter than its key');
  return {
    key: data.toString('utf8', 2, 2 + keyLength),
    // A copy: the entry's buffer may be a slice of a whole network frame.
    value: Buffer.from(data.subarray(2 + keyLength)),
  };
}

/** Implements server's RaftKvService over a driver and a RaftKvMachine. */
export class RaftKv {
  private readonly driver: RaftDriver;
  private readonly machine: RaftKvMachine;

  constructor(driver: RaftDriver, machine: RaftKvMachine) {
    this.driver = driver;
    this.machine = machine;
  }

  async get(key: string): Promise<RaftKvResult> {
    const outcome = await this.driver.read();
    if (!outcome.ok) return failed(outcome);
    return { errorCode: 0, leaderId: this.driver.status().leaderId, value: this.machine.get(key),
      index: outcome.index };
  }

  async put(key: string, value: Buffer): Promise<RaftKvResult> {
    if (Buffer.byteLength(key) > keyBytesMax) return invalid();
    if (this.machine.size >= raftKvKeysMax && this.machine.get(key) === null) return invalid();
    const outcome = await this.driver.propose(tagged(EntryTag.testKv, encodePut(key, value)));
    if (!outcome.ok) return failed(outcome);
    return { errorCode: 0, leaderId: this.driver.nodeId, value: null, index: outcome.index };
  }
}

function failed(outcome: RaftOutcome & { ok: false }): RaftKvResult {
  return { errorCode: outcome.errorCode, leaderId: outcome.leaderId || -1, value: null, index: 0 };
}

function invalid(): RaftKvResult {
  return { errorCode: KafkaError.invalidRequest.code, leaderId: -1, value: null, index: 0 };
}
