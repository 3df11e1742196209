/**
 * Proves the client gate of a starting broker (issue 13, break 10): which requests are peer
 * traffic (served at once) — the private and controller APIs, ApiVersions, and a follower's Fetch
 * or OffsetForLeaderEpoch by its replica id, whatever the version carries it in — and that a
 * client request is held until the gate opens, then answered by the real handler; that a request
 * whose connection closes while held gets no answer and never reaches the handler; and that the
 * gated table keeps every key and version range (so ApiVersions is unchanged).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import {
  closeConnection, gateClientRequests, handlerTable, isPeerRequest, leaseWaitMs, ReadyGate,
  type Handler, type RequestContext,
} from '../../../src/server/index.js';
import {
  ApiKey, defaultFetchRequest, defaultOffsetForLeaderEpochRequest,
} from '../../../src/protocol/index.js';

test('peer requests: private and controller APIs, ApiVersions, follower fetches by replica id',
  () => {
    for (const key of [ApiKey.apiVersions, ApiKey.raftMessage, ApiKey.brokerRegistration,
      ApiKey.brokerHeartbeat, ApiKey.alterPartition, ApiKey.allocateProducerIds,
      ApiKey.describeQuorum, ApiKey.addRaftVoter, ApiKey.removeRaftVoter, ApiKey.connectCheck]) {
      assert.equal(isPeerRequest(key, 0, {}), true, `api ${key}`);
    }
    for (const key of [ApiKey.metadata, ApiKey.produce, ApiKey.listOffsets, ApiKey.findCoordinator,
      ApiKey.joinGroup, ApiKey.offsetCommit, ApiKey.createTopics, ApiKey.describeCluster,
      ApiKey.initProducerId, ApiKey.unregisterBroker, ApiKey.describeConfigs]) {
      assert.equal(isPeerRequest(key, 0, {}), false, `api ${key}`);
    }
    const fetch = defaultFetchRequest();
    assert.equal(isPeerRequest(ApiKey.fetch, 12, fetch), false, 'a consumer (replica id -1)');
    assert.equal(isPeerRequest(ApiKey.fetch, 12, { ...fetch, replicaId: 2 }), true);
    const v15 = { ...fetch, replicaState: { replicaId: 2, replicaEpoch: -1 } };
    assert.equal(isPeerRequest(ApiKey.fetch, 15, v15), true, 'v15+: in replicaState');
    assert.equal(isPeerRequest(ApiKey.fetch, 15, { ...fetch, replicaId: 2 }), false);
    const epochs = defaultOffsetForLeaderEpochRequest();
    assert.equal(isPeerRequest(ApiKey.offsetForLeaderEpoch, 4, { ...epochs, replicaId: 3 }), true);
    assert.equal(isPeerRequest(ApiKey.offsetForLeaderEpoch, 4, { ...epochs, replicaId: -1 }),
      false);
    assert.equal(isPeerRequest(ApiKey.offsetForLeaderEpoch, 2, epochs), false, 'no id before v3');
  });

function ctx(signal: AbortSignal): RequestContext {
  return { apiVersion: 5, correlationId: 1, clientId: 'c', clientHost: '/127.0.0.1',
    connectionId: 1, log: pino({ level: 'silent' }), signal };
}

test('client requests wait for the gate; peers do not; a closed connection gets no answer',
  async () => {
    const calls: number[] = [];
    const handler = (apiKey: number): Handler<never, unknown> => ({ apiKey, minVersion: 0,
      maxVersion: 9, handle: () => {
        calls.push(apiKey);
        return { answeredBy: apiKey };
      } });
    const gate = new ReadyGate();
    const table = gateClientRequests(handlerTable([handler(ApiKey.metadata),
      handler(ApiKey.brokerHeartbeat), handler(ApiKey.produce)]), gate);
    assert.deepEqual([...table].map(([k, h]) => [k, h.minVersion, h.maxVersion]),
      [[ApiKey.metadata, 0, 9], [ApiKey.brokerHeartbeat, 0, 9], [ApiKey.produce, 0, 9]]);

    const open = new AbortController();
    assert.deepEqual(table.get(ApiKey.brokerHeartbeat)?.handle(ctx(open.signal), {}),
      { answeredBy: ApiKey.brokerHeartbeat }, 'a peer request is served before ready');
    const held = table.get(ApiKey.metadata)?.handle(ctx(open.signal), {});
    const closing = new AbortController();
    const dropped = table.get(ApiKey.produce)?.handle(ctx(closing.signal), {});
    let settled = false;
    void Promise.resolve(held).then(() => {
      settled = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false, 'Metadata waits');
    assert.deepEqual(calls, [ApiKey.brokerHeartbeat]);

    closing.abort();
    assert.equal(await dropped, null, 'its connection closed: nothing to answer');
    gate.open();
    assert.deepEqual(await held, { answeredBy: ApiKey.metadata });
    assert.deepEqual(calls, [ApiKey.brokerHeartbeat, ApiKey.metadata], 'the dropped one never ran');
    assert.deepEqual(table.get(ApiKey.produce)?.handle(ctx(open.signal), {}),
      { answeredBy: ApiKey.produce }, 'once open, at once');
  });

test('once open, a client request on a broker without its lease waits for it, else the ' +
  'connection is closed (issue 13: clients of an isolated leader go elsewhere)', async () => {
  const calls: number[] = [];
  const metadata: Handler = { apiKey: ApiKey.metadata, minVersion: 0, maxVersion: 12,
    handle: () => { calls.push(ApiKey.metadata); return { ok: true }; } };
  const heartbeat: Handler = { apiKey: ApiKey.brokerHeartbeat, minVersion: 0, maxVersion: 0,
    handle: () => { calls.push(ApiKey.brokerHeartbeat); return { ok: true }; } };
  let held = false;
  let lapsedForMs = 0;
  const waits: number[] = [];
  const lease = {
    holds: () => held,
    lapsedForMs: () => (held ? 0 : lapsedForMs),
    wait: async (timeoutMs: number) => {
      waits.push(timeoutMs);
      return held;
    },
  };
  const gate = new ReadyGate();
  gate.open();
  const table = gateClientRequests(handlerTable([metadata, heartbeat]), gate, lease);
  const signal = new AbortController().signal;
  assert.equal(await table.get(ApiKey.metadata)!.handle(ctx(signal), {}), closeConnection);
  assert.deepEqual(calls, [], 'never answered from a view that may be stale');
  assert.deepEqual(waits, [leaseWaitMs]);
  assert.deepEqual(await table.get(ApiKey.brokerHeartbeat)!.handle(ctx(signal), {}), { ok: true },
    'peer traffic is served without a lease (it is how the lease comes back)');
  held = true;
  assert.deepEqual(await table.get(ApiKey.metadata)!.handle(ctx(signal), {}), { ok: true });
  // A lease that comes back while the request waits: answered.
  held = false;
  lease.wait = async () => {
    held = true;
    return true;
  };
  assert.deepEqual(await table.get(ApiKey.metadata)!.handle(ctx(signal), {}), { ok: true });
  // The wait counts from the lapse: 300 ms into it, 200 ms are left; once it is older than
  // leaseWaitMs (or the broker is fenced: Infinity), the connection closes at once, no wait.
  held = false;
  waits.length = 0;
  lease.wait = async (timeoutMs: number) => {
    waits.push(timeoutMs);
    return false;
  };
  lapsedForMs = 300;
  assert.equal(await table.get(ApiKey.metadata)!.handle(ctx(signal), {}), closeConnection);
  assert.deepEqual(waits, [leaseWaitMs - 300]);
  for (const lapsed of [leaseWaitMs, leaseWaitMs + 1, Number.POSITIVE_INFINITY]) {
    lapsedForMs = lapsed;
    assert.equal(await table.get(ApiKey.metadata)!.handle(ctx(signal), {}), closeConnection);
  }
  assert.deepEqual(waits, [leaseWaitMs - 300], 'no wait once the lease is out for leaseWaitMs');
});

test('a request held for the lease reaches its handler before a later one of its connection ' +
  'that finds the lease back (issue 13: a produce overtaking the one ahead was refused as out ' +
  'of order)', async () => {
  const calls: string[] = [];
  const produce: Handler = { apiKey: ApiKey.produce, minVersion: 0, maxVersion: 11,
    handle: (_ctx, request) => { calls.push((request as { name: string }).name); return { ok: true }; } };
  let held = false;
  let wake: (held: boolean) => void = () => undefined;
  const lease = {
    holds: () => held,
    lapsedForMs: () => (held ? 0 : 10),
    // Like the broker's, it notices the lease's return a moment after holds() does.
    wait: () => new Promise<boolean>((resolve) => { wake = resolve; }),
  };
  const gate = new ReadyGate();
  gate.open();
  const table = gateClientRequests(handlerTable([produce]), gate, lease);
  const signal = new AbortController().signal;
  const other = { ...ctx(signal), connectionId: 2 };
  const first = table.get(ApiKey.produce)!.handle(ctx(signal), { name: 'first' });
  held = true;
  const second = table.get(ApiKey.produce)!.handle(ctx(signal), { name: 'second' });
  assert.deepEqual(table.get(ApiKey.produce)!.handle(other, { name: 'elsewhere' }), { ok: true },
    'another connection is not held back');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls, ['elsewhere'], 'the second waits its turn behind the first');
  wake(true);
  assert.deepEqual([await first, await second], [{ ok: true }, { ok: true }]);
  assert.deepEqual(calls, ['elsewhere', 'first', 'second']);
  assert.deepEqual(table.get(ApiKey.produce)!.handle(ctx(signal), { name: 'third' }), { ok: true },
    'nothing held: at once again');
});
