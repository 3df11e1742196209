/**
 * This broker's way to the active controller: a Kafka client connection to whichever node leads the
 * Raft group, re-opened when leadership moves. Used to forward admin requests unchanged.
 */
import type { Logger } from 'pino';
import { KafkaClient } from '../client/index.js';
import { delay, withinMs, type Clock } from '../common/index.js';
import type { ClientIo } from '../client/index.js';
import type { RaftVoterAddress } from '../config/index.js';
import type { RaftMetadata } from './raft-metadata.js';
import { notController } from './raft-metadata.js';

const attemptsMax = 5;
const retryDelayMs = 200;
const catchUpMsMax = 1_000;


export class ControllerLink {
  private readonly metadata: RaftMetadata;
  private readonly voters: readonly RaftVoterAddress[];
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly io: ClientIo;
  private client: { readonly id: number; readonly connected: Promise<KafkaClient> } | null = null;

  constructor(
    metadata: RaftMetadata, voters: readonly RaftVoterAddress[], log: Logger, io: ClientIo,
  ) {
    this.metadata = metadata;
    this.voters = voters;
    this.log = log;
    this.io = io;
    this.clock = io.clock;
  }

  /** Sends the request to the controller; retries briefly while leadership settles. */
  async forward(apiKey: number, version: number, request: unknown): Promise<unknown> {
    for (let attempt = 0; attempt < attemptsMax; attempt++) {
      const id = this.metadata.controllerId();
      if (id > 0) {
        try {
          const client = await this.connect(id);
          const response = await client.request(apiKey, request, version);
          // Our own image must show what the controller just committed before we answer — but a
          // lost quorum must not hold the answer for the driver's 10 s read deadline.
          await withinMs(this.clock, this.metadata.catchUp().catch(() => undefined), catchUpMsMax);
          return response;
        } catch (err) {
          this.log.debug({ err, controllerId: id, attempt }, 'forwarding to the controller failed');
          this.drop();
        }
      }
      await delay(this.clock, retryDelayMs);
    }
    throw notController(this.metadata.controllerId());
  }

  private connect(id: number): Promise<KafkaClient> {
    if (this.client !== null && this.client.id === id) return this.client.connected;
    this.drop();
    const address = this.addressOf(id);
    if (address === undefined) return Promise.reject(notController(id));
    const connected = KafkaClient.connect({ host: address.host, port: address.port, clientId: 'pado-forward',
      io: this.io });
    this.client = { id, connected };
    return connected;
  }

  private addressOf(id: number): { host: string; port: number } | undefined {
    return this.metadata.image().brokers.get(id) ?? this.voters.find((v) => v.id === id);
  }

  drop(): void {
    const old = this.client;
    this.client = null;
    void old?.connected.then((c) => c.close(), () => undefined);
  }
}
