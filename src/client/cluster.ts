/**
 * The cluster behind a list of bootstrap addresses, for callers that must reach partition leaders
 * (the CLI's producer and consumers): the first bootstrap broker that answers, Metadata from any
 * broker that answers, the brokers and partition leaders it names, and one connection per broker
 * opened on first use. A request that failed on a connection drops it (`dropBroker`), so the next
 * use reconnects, and the caller refreshes metadata to learn where the leader went. The routing
 * and the retries are the caller's (producer.ts, cli/consume.ts); this only knows who leads.
 */
import { assert, PadoError, PadoErrorCode, type Clock } from '../common/index.js';
import type { MetadataResponse } from '../protocol/index.js';
import type { KafkaClient } from './client.js';

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

/** Opens one connection (the CLI's `ctx.connect`: KafkaClient.connect, or a fake in tests). */
export type ConnectBroker = (address: BrokerAddress) => Promise<KafkaClient>;

/** A partition whose leader is not known (none elected, or no metadata yet). */
export const noLeader = -1;

const key = (a: BrokerAddress): string => `${a.host}:${a.port}`;

/**
 * The short reason of a failed connect or request, for messages that name the broker themselves:
 * the socket's own error when there is one, without connection.ts's hint about `pado start`.
 */
export function shortReason(e: unknown): string {
  if (e instanceof Error && e.cause instanceof Error) return e.cause.message;
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/^broker [^ ]+: /, '').replace(/; is `pado start` running there\?.*$/, '');
}

/**
 * Connects to the first address that answers, trying them in order. With one address its own
 * error is thrown unchanged; with several, one error naming each address and why it failed.
 */
export async function connectAny(
  addresses: readonly BrokerAddress[], connect: ConnectBroker,
): Promise<KafkaClient> {
  assert(addresses.length > 0, 'connectAny needs an address');
  const failures: string[] = [];
  let last: unknown;
  for (const address of addresses) {
    try {
      return await connect(address);
    } catch (e) {
      last = e;
      failures.push(`${key(address)} (${shortReason(e)})`);
    }
  }
  if (addresses.length === 1) throw last;
  throw new PadoError(PadoErrorCode.connection,
    `none of the ${addresses.length} bootstrap brokers answered: ${failures.join(', ')}; is ` +
    '`pado start` running there? (set the addresses with --bootstrap host:port,host:port)',
    { cause: last });
}

export class ClusterClient {
  private readonly bootstrap: readonly BrokerAddress[];
  private readonly connect: ConnectBroker;
  /** Broker id → address, from the latest Metadata answer. */
  private readonly brokers = new Map<number, BrokerAddress>();
  /** Open or opening connections by host:port. Invariant: at most one per address. */
  private readonly connections = new Map<string, Promise<KafkaClient>>();
  /** The connections of `connections` that are open, by the same key. */
  private readonly opened = new Map<string, KafkaClient>();
  /** Topic → partition → leader id (noLeader when none), from the latest Metadata answer. */
  private readonly leaders = new Map<string, Map<number, number>>();
  /** The address whose broker answered Metadata last: asked first next time. */
  private lastAnswered: BrokerAddress | undefined;

  /** Time for the clients built on this one (Producer, TopicReader): retries, waits. */
  readonly clock: Clock;

  constructor(bootstrap: readonly BrokerAddress[], connect: ConnectBroker, clock: Clock) {
    this.clock = clock;
    assert(bootstrap.length > 0, 'a cluster client needs a bootstrap address');
    this.bootstrap = bootstrap;
    this.connect = connect;
  }

  /** A connection to any broker: the one that answered last, else the bootstrap list in turn. */
  async any(): Promise<KafkaClient> {
    if (this.lastAnswered !== undefined) {
      const client = await this.connection(this.lastAnswered).catch(() => undefined);
      if (client !== undefined) return client;
    }
    return connectAny(this.bootstrap, (a) => this.connection(a));
  }

  /**
   * Metadata for `topics` (null: all) from the first broker that answers: the one that answered
   * last, the brokers the cluster named, then the bootstrap list. Learns brokers and leaders.
   */
  async metadata(topics: readonly string[] | null): Promise<MetadataResponse> {
    const candidates = this.candidates([
      ...(this.lastAnswered === undefined ? [] : [this.lastAnswered]), ...this.brokers.values(),
    ]);
    const failures: string[] = [];
    let last: unknown;
    for (const address of candidates) {
      try {
        const client = await this.connection(address);
        const response = await client.metadata(topics);
        this.learn(response);
        this.lastAnswered = address;
        return response;
      } catch (e) {
        this.drop(address);
        last = e;
        failures.push(`${key(address)} (${shortReason(e)})`);
      }
    }
    if (candidates.length === 1) throw last;
    throw new PadoError(PadoErrorCode.connection,
      `no broker answered a metadata request: ${failures.join(', ')}; check that the cluster ` +
      'is running (`pado cluster health`) and the --bootstrap addresses', { cause: last });
  }

  /** The leader of a partition per the latest metadata; noLeader when unknown. */
  leaderOf(topic: string, partition: number): number {
    return this.leaders.get(topic)?.get(partition) ?? noLeader;
  }

  /** Partitions of `topic` grouped by leader (noLeader for those without one), ascending. */
  byLeader(topic: string, partitions: readonly number[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const partition of [...partitions].sort((a, b) => a - b)) {
      const leader = this.leaderOf(topic, partition);
      const list = out.get(leader);
      if (list === undefined) out.set(leader, [partition]);
      else list.push(partition);
    }
    return out;
  }

  /** A connection to broker `id`, opened on first use; rejects when its address is unknown. */
  broker(id: number): Promise<KafkaClient> {
    const address = this.brokers.get(id);
    if (address === undefined) {
      return Promise.reject(new PadoError(PadoErrorCode.connection,
        `broker ${id} is not in the cluster's metadata; it may have been removed`));
    }
    return this.connection(address);
  }

  /** Closes the connection to broker `id` (after a failed request): the next use reconnects. */
  dropBroker(id: number): void {
    const address = this.brokers.get(id);
    if (address !== undefined) this.drop(address);
  }

  /** Closes a connection this client handed out (after a failed request). */
  dropConnection(client: KafkaClient): void {
    const k = key(client.address);
    if (this.opened.get(k) === client) {
      this.connections.delete(k);
      this.opened.delete(k);
    }
    void client.close();
  }

  async close(): Promise<void> {
    const open = [...this.connections.values()];
    this.connections.clear();
    this.opened.clear();
    await Promise.all(open.map(async (pending) => {
      const client = await pending.catch(() => undefined);
      await client?.close();
    }));
  }

  /** `first`, then the bootstrap addresses, each once. */
  private candidates(first: readonly BrokerAddress[]): BrokerAddress[] {
    const out: BrokerAddress[] = [];
    for (const address of [...first, ...this.bootstrap]) {
      if (!out.some((a) => key(a) === key(address))) out.push(address);
    }
    return out;
  }

  private connection(address: BrokerAddress): Promise<KafkaClient> {
    const k = key(address);
    const known = this.connections.get(k);
    if (known !== undefined) return known;
    const opening: Promise<KafkaClient> = this.connect(address).then((client) => {
      if (this.connections.get(k) === opening) this.opened.set(k, client);
      return client;
    }, (e: unknown) => {
      // A failed connect is forgotten at once, so the next use tries again.
      if (this.connections.get(k) === opening) this.connections.delete(k);
      throw e;
    });
    this.connections.set(k, opening);
    return opening;
  }

  private drop(address: BrokerAddress): void {
    const k = key(address);
    const pending = this.connections.get(k);
    this.connections.delete(k);
    this.opened.delete(k);
    void pending?.then((client) => client.close(), () => undefined);
  }

  private learn(response: MetadataResponse): void {
    if (response.brokers.length > 0) {
      this.brokers.clear();
      for (const b of response.brokers) this.brokers.set(b.nodeId, { host: b.host, port: b.port });
    }
    for (const topic of response.topics) {
      if (topic.name === null || topic.errorCode !== 0) continue;
      const leaders = new Map<number, number>();
      for (const p of topic.partitions) {
        // A leader the broker list does not name (fenced, not yet registered) is no leader.
        const known = p.errorCode === 0 && this.brokers.has(p.leaderId);
        leaders.set(p.partitionIndex, known ? p.leaderId : noLeader);
      }
      this.leaders.set(topic.name, leaders);
    }
  }
}
