/**
 * Joining a cluster without IP lists (issue 5 item 4; Kafka's KIP-853 shape).
 *
 * The joining node (`pado start --node-id 2 --join host:port`, first start only: its Raft log is
 * empty and was opened without bootstrap voters) detects the address it advertises (address-
 * check.ts), learns the brokers of the node it joins (so it can answer the leader's first append),
 * and sends AddRaftVoter there; a node that is not the controller forwards it to the controller.
 *
 * The controller (RaftMembership) verifies the address by connecting back to it (ConnectCheck:
 * the right node id must answer), refuses a loopback address when it is not itself on loopback,
 * replicates the endpoint, adds the node as a learner, waits until it has caught up, then promotes
 * it to voter — while the quorum has fewer than votersMax voters; later nodes stay observers.
 * Every step is one single-server membership change, and one admission runs at a time.
 *
 * Endpoints are replicated as broker-level config records named `raft.endpoint.<id>` with value
 * `host:port` (no new metadata record type: the image keeps them, snapshots carry them). Every
 * node feeds them to its transport's address book (`learnPeers`, on each new image), and they
 * give the broker registration of a joined node its address (`raftEndpoints`).
 */
import type { Logger } from 'pino';
import { delay, PadoError, PadoErrorCode, type Clock, type Net } from '../common/index.js';
import type { HostPort } from '../config/index.js';
import { describeQuorum, KafkaClient, type ClientIo } from '../client/index.js';
import type { MetadataImage, MetadataRecord } from '../metadata/index.js';
import {
  ApiKey, KafkaError, type AddRaftVoterRequest, type AddRaftVoterResponse, type ConnectCheckRequest,
  type ConnectCheckResponse, type RemoveRaftVoterRequest, zeroUuid
} from '../protocol/index.js';
import type { ConfState, NodeId } from '../raft/index.js';
import type { MembershipResult, MembershipService } from '../server/index.js';
import {
  chooseAdvertised, formatHostPort, localAddressTo, loopbackProblem, nodeIdAt, unreachableMessage,
  wrongNodeMessage,
} from './address-check.js';
import type { RaftDriver } from './raft-driver.js';
import type { RaftMetadata } from './raft-metadata.js';
import type { RaftPeer, RaftPeers } from './raft-peers.js';

// ---- replicated endpoints --------------------------------------------------------------------

export const raftEndpointConfigPrefix = 'raft.endpoint.';

/** The broker config record that replicates node `peer.id`'s address. */
export function raftEndpointRecord(peer: RaftPeer): MetadataRecord {
  return {
    type: 'config', resourceType: 'broker', resourceName: '',
    name: `${raftEndpointConfigPrefix}${peer.id}`, value: formatHostPort(peer),
  };
}

/** `host:port` or `[v6]:port` → HostPort; undefined for anything else. */
export function parseEndpoint(text: string): HostPort | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return host === '' ? undefined : { host, port };
}

/**
 * Each member's directory id (AddRaftVoter's voterDirectoryId: made once per Raft store) is
 * replicated the same way, as `raft.directory.<id>`. A node that lost its disk asks to join with
 * another id; while the member it was is still in the quorum, it is refused (replacedMemberProblem).
 */
export const raftDirectoryConfigPrefix = 'raft.directory.';

/** The broker config record that replicates node `id`'s directory id (none for the zero id). */
export function raftDirectoryRecords(image: MetadataImage, id: NodeId,
  directoryId: string | null | undefined): MetadataRecord[] {
  if (directoryId === null || directoryId === undefined || directoryId === zeroUuid) return [];
  const name = `${raftDirectoryConfigPrefix}${id}`;
  if (image.brokerConfigs.get(name) === directoryId) return [];
  return [{ type: 'config', resourceType: 'broker', resourceName: '', name, value: directoryId }];
}

/** Every replicated quorum endpoint in `image`. */
export function raftEndpoints(image: MetadataImage): RaftPeer[] {
  const out: RaftPeer[] = [];
  for (const [name, value] of image.brokerConfigs) {
    if (!name.startsWith(raftEndpointConfigPrefix)) continue;
    const id = Number(name.slice(raftEndpointConfigPrefix.length));
    const address = parseEndpoint(value);
    if (Number.isInteger(id) && id > 0 && address !== undefined) out.push({ id, ...address });
  }
  return out;
}

/** Records that make `image` hold these endpoints (none when it already does). */
export function endpointRecords(
  image: MetadataImage,
  peers: readonly RaftPeer[],
): MetadataRecord[] {
  return peers.map(raftEndpointRecord).filter((r) =>
    r.type === 'config' && image.brokerConfigs.get(r.name) !== r.value);
}

/** Feeds an image to the address book: replicated endpoints first, registered brokers fill gaps. */
export function learnPeers(peers: RaftPeers, image: MetadataImage, selfId: NodeId): void {
  for (const p of raftEndpoints(image)) if (p.id !== selfId) peers.set(p);
  for (const b of image.brokers.values()) {
    if (b.brokerId !== selfId) peers.fill({ id: b.brokerId, host: b.host, port: b.port });
  }
}

// ---- the pure rules --------------------------------------------------------------------------

/**
 * A learner may become a voter once it is within `lagEntriesMax` entries of the leader's log:
 * promoting a node far behind would make commits wait for it (a new voter counts in the majority
 * at once — thesis §4.2.1 "catching up new servers"). Metadata entries are small, so a bound in
 * entries is a bound in bytes too.
 */
export function learnerCaughtUp(
  match: number,
  leaderLastIndex: number,
  lagEntriesMax: number,
): boolean {
  return match > 0 && leaderLastIndex - match <= lagEntriesMax;
}

export type MembershipStep = 'addLearner' | 'waitCatchUp' | 'addVoter' | 'voter' | 'observer';

/** What admitting `id` needs next: one change at a time, learner first, voters up to votersMax. */
export function nextMembershipStep(
  conf: ConfState,
  id: NodeId,
  votersMax: number,
  caughtUp: boolean,
): MembershipStep {
  if (conf.voters.includes(id)) return 'voter';
  if (!conf.learners.includes(id)) return 'addLearner';
  if (conf.voters.length >= votersMax) return 'observer';
  return caughtUp ? 'addVoter' : 'waitCatchUp';
}

/**
 * Why node `id` asking to join with `directoryId` must be refused, or undefined: it is still a
 * member (voter or observer) that joined with another directory — the same id on a new or wiped
 * disk. Letting it in would make the quorum count on a log it no longer has: a voter's vote and
 * entries are gone (Raft's safety rests on them), and the leader would go on sending an observer
 * only what comes after the entries it thinks it holds. A retry by the same node (same directory),
 * a node that joined before directory ids (none recorded), and a zero id are let through.
 */
export function replacedMemberProblem(conf: ConfState, id: NodeId, recorded: string | undefined,
  directoryId: string): string | undefined {
  const role = conf.voters.includes(id) ? 'voter' : conf.learners.includes(id) ? 'observer' : undefined;
  if (role === undefined || recorded === undefined || directoryId === zeroUuid || recorded === directoryId) {
    return undefined;
  }
  return `node ${id} is already ${role === 'voter' ? 'a voter' : 'an observer'} of the metadata quorum with another data directory ` +
    `(${recorded}, this one is ${directoryId}): its disk was replaced or wiped. Take the old ` +
    `member out first — stop this node, run \`pado cluster decommission ${id}\` against a running ` +
    'node — then start this one again';
}

/** Why `id` cannot be demoted now, or undefined. */
export function removalProblem(
  conf: ConfState,
  id: NodeId,
  controllerId: NodeId,
): string | undefined {
  if (!conf.voters.includes(id)) {
    return `node ${id} is not a voter (voters: ${conf.voters.join(', ')}); nothing to remove`;
  }
  if (conf.voters.length === 1) return `node ${id} is the last voter; add another voter first`;
  if (id === controllerId) {
    return `node ${id} is the active controller; stop it (another voter takes over), then ` +
      'remove it';
  }
  return undefined;
}

// ---- the controller side ---------------------------------------------------------------------

export interface RaftMembershipOptions {
  readonly nodeId: NodeId;
  /** This node's advertised address (recorded as its endpoint with the first admission). */
  readonly advertised: HostPort;
  /** This node's Raft store directory id (recorded with the first admission, as the address). */
  readonly directoryId?: string | null;
  readonly driver: RaftDriver;
  readonly metadata: RaftMetadata;
  readonly peers: RaftPeers;
  readonly votersMax: number;
  /** Sends a request to the controller (ControllerLink.forward). */
  readonly forward: (apiKey: number, version: number, request: unknown) => Promise<unknown>;
  readonly log: Logger;
  readonly clock: Clock;
  readonly net: Net;
  /** Called after a node was admitted (e.g. to register it as a broker). */
  readonly onAdmitted?: (peer: RaftPeer) => Promise<void>;
  readonly lagEntriesMax?: number;
  readonly catchUpMsMax?: number;
  readonly connectTimeoutMs?: number;
}

export const membershipDefaults = {
  lagEntriesMax: 64,
  /** A snapshot install over a LAN plus replay: seconds. The joiner retries after a timeout. */
  catchUpMsMax: 20_000,
  connectTimeoutMs: 2_000,
  pollMs: 50,
} as const;

const ok: MembershipResult = { errorCode: 0, errorMessage: null };

function failure(code: number, message: string): MembershipResult {
  return { errorCode: code, errorMessage: message };
}

function refused(code: number, change: string, id: NodeId): MembershipResult {
  return failure(code, `${change} for node ${id} was refused (error ${code}); retry`);
}

export class RaftMembership implements MembershipService {
  private readonly o: RaftMembershipOptions;
  private readonly lagEntriesMax: number;
  private readonly catchUpMsMax: number;
  private readonly connectTimeoutMs: number;
  /** Admissions and removals run one at a time (each is a sequence of single changes). */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: RaftMembershipOptions) {
    this.o = options;
    this.lagEntriesMax = options.lagEntriesMax ?? membershipDefaults.lagEntriesMax;
    this.catchUpMsMax = options.catchUpMsMax ?? membershipDefaults.catchUpMsMax;
    this.connectTimeoutMs = options.connectTimeoutMs ?? membershipDefaults.connectTimeoutMs;
  }

  addVoter(req: AddRaftVoterRequest, signal: AbortSignal): Promise<MembershipResult> {
    if (!this.o.metadata.isController()) return this.forwarded(ApiKey.addRaftVoter, req);
    const listener = req.listeners[0];
    if (req.voterId <= 0 || listener === undefined) {
      return Promise.resolve(failure(KafkaError.invalidRequest.code,
        'AddRaftVoter needs a voter id > 0 and at least one listener'));
    }
    const clusterId = this.o.metadata.image().clusterId;
    if (req.clusterId !== null && req.clusterId !== '' && req.clusterId !== clusterId) {
      return Promise.resolve(failure(KafkaError.inconsistentClusterId.code,
        `node ${req.voterId} belongs to cluster ${req.clusterId}, this is ${clusterId}; ` +
        'give it an empty data directory to join this cluster'));
    }
    const peer = { id: req.voterId, host: listener.host, port: listener.port };
    return this.serially(() => this.admit(peer, req.voterDirectoryId, signal));
  }

  /**
   * A broker was unregistered while fenced (`pado cluster decommission`: the node is gone): it
   * leaves the quorum's observers too, so that the same id can join again on a new disk. Voters
   * are left alone (RemoveRaftVoter demotes them to observers first).
   */
  forget(id: NodeId): Promise<void> {
    return this.serially(async () => {
      if (!this.o.metadata.isController() || !this.o.driver.status().conf.learners.includes(id)) return ok;
      const outcome = await this.o.driver.proposeConfChange({ type: 'removeNode', nodeId: id });
      if (outcome.ok) this.o.log.info({ nodeId: id }, 'decommissioned node removed from the observers');
      else this.o.log.warn({ nodeId: id, errorCode: outcome.errorCode }, 'removing a decommissioned observer failed');
      return ok;
    }).then(() => undefined);
  }

  removeVoter(req: RemoveRaftVoterRequest, signal: AbortSignal): Promise<MembershipResult> {
    if (!this.o.metadata.isController()) return this.forwarded(ApiKey.removeRaftVoter, req);
    return this.serially(() => this.demote(req.voterId, signal));
  }

  async connectCheck(req: ConnectCheckRequest): Promise<ConnectCheckResponse> {
    const self = { errorCode: 0, errorMessage: null, nodeId: this.o.nodeId, reachedNodeId: -1 };
    if (req.host === '') return self;
    const timeoutMs = Math.min(Math.max(req.timeoutMs, 100), 10_000);
    const reached = await nodeIdAt(this.o, { host: req.host, port: req.port }, timeoutMs);
    if (reached instanceof Error) {
      const errorCode = KafkaError.brokerNotAvailable.code;
      return { ...self, errorCode, errorMessage: reached.message };
    }
    return { ...self, reachedNodeId: reached };
  }

  private serially(run: () => Promise<MembershipResult>): Promise<MembershipResult> {
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async forwarded(apiKey: number, req: unknown): Promise<MembershipResult> {
    try {
      const response = await this.o.forward(apiKey, 0, req) as AddRaftVoterResponse;
      return { errorCode: response.errorCode, errorMessage: response.errorMessage };
    } catch (err) {
      return failure(KafkaError.notController.code,
        `no controller could be reached (${(err as Error).message}); retry shortly`);
    }
  }

  /** Verify → record the endpoint → learner → caught up → voter (or observer). */
  private async admit(peer: RaftPeer, directoryId: string, signal: AbortSignal): Promise<MembershipResult> {
    const image = this.o.metadata.image();
    const replaced = replacedMemberProblem(this.o.driver.status().conf, peer.id,
      image.brokerConfigs.get(`${raftDirectoryConfigPrefix}${peer.id}`), directoryId);
    if (replaced !== undefined) {
      this.o.log.warn({ nodeId: peer.id, directoryId }, 'join refused: a member with another disk');
      return failure(KafkaError.invalidRequest.code, replaced);
    }
    const problem = await this.verify(peer);
    if (problem !== undefined) {
      this.o.log.warn({ nodeId: peer.id, host: peer.host, port: peer.port, problem },
        'join refused');
      return failure(KafkaError.invalidRequest.code, problem);
    }
    try {
      await this.o.metadata.propose((now) => ({
        records: [...endpointRecords(now, [{ id: this.o.nodeId, ...this.o.advertised }, peer]),
          ...raftDirectoryRecords(now, this.o.nodeId, this.o.directoryId),
          ...raftDirectoryRecords(now, peer.id, directoryId)],
        result: undefined,
      }));
    } catch (err) {
      return failure(KafkaError.notController.code, (err as Error).message);
    }
    // Before the learner exists, so that the leader's first append to it has an address.
    this.o.peers.set(peer);
    const result = await this.promote(peer.id, signal);
    if (result.errorCode === 0) await this.o.onAdmitted?.(peer).catch(() => undefined);
    return result;
  }

  private async verify(peer: RaftPeer): Promise<string | undefined> {
    const loopback = loopbackProblem(peer.id, peer, this.o.advertised.host);
    if (loopback !== undefined) return loopback;
    const reached = await nodeIdAt(this.o, peer, this.connectTimeoutMs);
    if (reached instanceof Error) return unreachableMessage(peer.id, peer, reached.message);
    return reached === peer.id ? undefined : wrongNodeMessage(peer.id, peer, reached);
  }

  /** Steps through nextMembershipStep; bounded by catchUpMsMax of waiting. */
  private async promote(id: NodeId, signal: AbortSignal): Promise<MembershipResult> {
    const { driver, log, votersMax } = { ...this.o, log: this.o.log.child({ joining: id }) };
    const deadlineMs = this.o.clock.now() + this.catchUpMsMax;
    const stepsMax = Math.ceil(this.catchUpMsMax / membershipDefaults.pollMs) + 8;
    for (let i = 0; i < stepsMax; i++) {
      if (!this.o.metadata.isController()) {
        return failure(KafkaError.notController.code, 'leadership moved during the change; retry');
      }
      const status = driver.status();
      const match = status.progress.get(id)?.match ?? 0;
      const caughtUp = learnerCaughtUp(match, status.lastIndex, this.lagEntriesMax);
      const step = nextMembershipStep(status.conf, id, votersMax, caughtUp);
      if (step === 'voter' || step === 'observer') {
        log.info({ role: step, voters: status.conf.voters }, 'node admitted to the quorum');
        return ok;
      }
      if (step === 'waitCatchUp') {
        if (this.o.clock.now() > deadlineMs || signal.aborted) break;
        await delay(this.o.clock, membershipDefaults.pollMs);
        continue;
      }
      log.info({ step, match, lastIndex: status.lastIndex }, 'proposing a membership change');
      const outcome = await driver.proposeConfChange({ type: step, nodeId: id });
      if (!outcome.ok) return refused(outcome.errorCode, step, id);
    }
    return failure(KafkaError.requestTimedOut.code, `node ${id} did not catch up with the ` +
      `metadata log within ${this.catchUpMsMax} ms; it stays a learner — check its log and ` +
      'network');
  }

  /** Remove from the voters, then add back as a learner: it keeps following the metadata log. */
  private async demote(id: NodeId, _signal: AbortSignal): Promise<MembershipResult> {
    const problem = removalProblem(this.o.driver.status().conf, id, this.o.nodeId);
    if (problem !== undefined) return failure(KafkaError.invalidRequest.code, problem);
    for (const type of ['removeNode', 'addLearner'] as const) {
      const outcome = await this.o.driver.proposeConfChange({ type, nodeId: id });
      if (!outcome.ok) return refused(outcome.errorCode, type, id);
      this.o.log.info({ nodeId: id, change: type }, 'voter demoted step applied');
    }
    return ok;
  }
}

// ---- the joining side ------------------------------------------------------------------------

export interface JoinOptions {
  readonly nodeId: NodeId;
  /** The running node given with --join. */
  readonly target: HostPort;
  /** This node's Raft store directory id (sent as AddRaftVoter's voterDirectoryId). */
  readonly directoryId?: string | null;
  /**
   * The metadata leader this node's Raft follows (0: none known) and its term. A join waiting on
   * a controller that is replaced meanwhile is asked again at once, not after its 60 s timeout.
   */
  readonly raftLeader?: () => { readonly leaderId: NodeId; readonly term: number };
  /** The bound Kafka listener of this node. */
  readonly listener: HostPort;
  /** `advertised` from the config, if set (then not detected). */
  readonly configured?: HostPort | undefined;
  readonly peers: RaftPeers;
  readonly log: Logger;
  readonly clock: Clock;
  readonly net: Net;
  /** Aborted on a signal during start-up. */
  readonly signal?: AbortSignal;
  readonly attemptsMax?: number;
}

const joinAttemptsMax = 30;
const joinRetryMs = 1_000;
/** The controller waits up to catchUpMsMax, and a forwarded request that long again. */
const joinRequestTimeoutMs = 60_000;
const retriable = new Set([KafkaError.notController.code, KafkaError.requestTimedOut.code,
  KafkaError.brokerNotAvailable.code, KafkaError.throttlingQuotaExceeded.code]);

/** The address to advertise: configured, else detected from a connection to `target`. */
export async function detectAdvertised(
  io: ClientIo,
  configured: HostPort | undefined,
  listener: HostPort,
  target: HostPort,
): Promise<HostPort> {
  if (configured !== undefined) return configured;
  const local = await localAddressTo(io, target, membershipDefaults.connectTimeoutMs)
    .catch(() => undefined);
  return chooseAdvertised(undefined, listener, local);
}

/**
 * Asks the cluster at `target` to add this node; resolves with the advertised address once the
 * controller has admitted it (voter or observer). Stops start-up (throws a PadoError saying what
 * to set) when the address is refused; retries while there is no controller or it is busy.
 */
export async function joinCluster(o: JoinOptions): Promise<HostPort> {
  const attemptsMax = o.attemptsMax ?? joinAttemptsMax;
  let last = 'not tried';
  for (let attempt = 1; attempt <= attemptsMax && o.signal?.aborted !== true; attempt++) {
    try {
      const result = await joinOnce(o);
      if (result.advertised !== undefined) return result.advertised;
      if (!retriable.has(result.errorCode)) {
        throw new PadoError(PadoErrorCode.configInvalid, `cannot join the cluster at ` +
          `${formatHostPort(o.target)}: ${result.message}`);
      }
      last = result.message;
    } catch (err) {
      if (err instanceof PadoError && err.code === PadoErrorCode.configInvalid) throw err;
      last = (err as Error).message;
    }
    o.log.warn({ attempt, attemptsMax, why: last }, 'join not done yet; retrying');
    await delay(o.clock, joinRetryMs);
  }
  throw new PadoError(PadoErrorCode.connection, `cannot join the cluster at ` +
    `${formatHostPort(o.target)} after ${attemptsMax} attempts (last: ${last}); check that a ` +
    'node runs there and that --join names its Kafka listener');
}

type JoinAttempt =
  | { readonly advertised: HostPort }
  | { readonly advertised?: undefined; readonly errorCode: number; readonly message: string };

async function joinOnce(o: JoinOptions): Promise<JoinAttempt> {
  const local = o.configured === undefined ? await localAddressTo(o, o.target, 2_000) : undefined;
  const advertised = chooseAdvertised(o.configured, o.listener, local);
  const loopback = loopbackProblem(o.nodeId, advertised, o.target.host);
  if (loopback !== undefined) throw new PadoError(PadoErrorCode.configInvalid, loopback);
  const client = await KafkaClient.connect({
    host: o.target.host, port: o.target.port, clientId: `pado-join-${o.nodeId}`,
    requestTimeoutMs: joinRequestTimeoutMs, io: o,
  });
  try {
    // The leader's first append must be answerable: learn every broker's address now.
    const metadata = await client.metadata([]);
    for (const b of metadata.brokers) {
      if (b.nodeId !== o.nodeId) o.peers.fill({ id: b.nodeId, host: b.host, port: b.port });
    }
    // The term of the leader that will admit us, as the target knows it: a leader of a later
    // term is another controller, even on the same node (it rebooted), and ours is lost.
    const quorum = await describeQuorum(client).catch(() => null);
    const askedInTerm = quorum === null || quorum.errorCode !== 0 ? undefined : quorum.leaderEpoch;
    o.log.info({ advertised, target: o.target, brokers: metadata.brokers.length, askedInTerm },
      'asking to join the metadata quorum');
    const answer = client.request<AddRaftVoterResponse>(ApiKey.addRaftVoter, {
      clusterId: metadata.clusterId, timeoutMs: joinRequestTimeoutMs, voterId: o.nodeId,
      voterDirectoryId: o.directoryId ?? zeroUuid,
      listeners: [{ name: 'PLAINTEXT', host: advertised.host, port: advertised.port }],
    }, 0);
    const response = await untilLeaderMoves(o, answer, askedInTerm);
    if (response === 'leader moved') {
      return { errorCode: KafkaError.notController.code,
        message: 'the metadata leader changed while this node was being admitted' };
    }
    if (response.errorCode === 0) return { advertised };
    const message = response.errorMessage ?? `error ${response.errorCode}`;
    return { errorCode: response.errorCode, message };
  } finally {
    await client.close();
  }
}

/** How often a waiting join looks at which leader its Raft follows. */
const leaderCheckMs = 250;

/**
 * `answer`, or 'leader moved' once this node's Raft follows another metadata leader than the one
 * asked: a leader of a later term than `askedInTerm` (the leader's term when we asked, if the
 * target said), or, having followed one leader, another id. The controller admitting us is gone:
 * a machine that lost power answers nothing, and the request would wait out its whole timeout
 * (found by the whole-cluster simulation, seed 237 — twice: the second time the controller's own
 * node won the next election after its reboot, and this node had not yet followed it before it
 * lost power, so no other id was ever seen). Asking again is safe: an admission is idempotent for
 * the same node and directory.
 */
export async function untilLeaderMoves<T>(o: JoinOptions, answer: Promise<T>,
  askedInTerm?: number): Promise<T | 'leader moved'> {
  const leader = o.raftLeader;
  if (leader === undefined) return answer;
  let settled = false;
  const watch = (async (): Promise<'leader moved'> => {
    let followed = 0;
    for (;;) {
      await delay(o.clock, leaderCheckMs);
      if (settled) return 'leader moved';
      const now = leader();
      if (now.leaderId === 0) continue;
      if (askedInTerm !== undefined && now.term > askedInTerm) return 'leader moved';
      if (followed === 0) followed = now.leaderId;
      else if (now.leaderId !== followed) return 'leader moved';
    }
  })();
  try {
    return await Promise.race([answer, watch]);
  } finally {
    settled = true;
    answer.catch(() => undefined);
  }
}
