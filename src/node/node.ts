/**
 * The composition root of one `pado` process: the metadata quorum (Raft) and its image, the
 * partitions this node leads, the consumer groups it coordinates, the Kafka listener with every
 * handler, and an orderly stop (stop accepting, let in-flight requests finish within the deadline,
 * close every log with a final fsync). Start-up order: bind (the port is needed to register), serve
 * peer requests (Raft messages must flow for a controller to be elected and this node to catch up;
 * the controller APIs register and unfence it), wait until the controller has registered and
 * unfenced this broker and its own image shows that (so it holds the metadata log up to there),
 * then open the gate to client requests (held until then: server/ready-gate.ts, as Kafka opens
 * its client listener only once unfenced), then follow the leadership of the `__consumer_offsets`
 * partitions (their groups are loaded and unloaded with it).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  assert, delay, limits, randomUuid, withinMs, type Clock, type Net, type Random,
} from '../common/index.js';
import {
  effectiveTopicConfigs, withDynamicConfigs, type NodeConfig, type RaftVoterAddress, type TopicConfigs,
} from '../config/index.js';
import { createTopics, type ControllerContext } from '../controller/index.js';
import {
  liveBrokers, replicationFactorOf, type BrokerEndpoint, type MetadataImage, type MetadataRecord,
} from '../metadata/index.js';
import {
  brokerHandlers, controllerHandlers, gateClientRequests, groupHandlers,
  lifecycleHandlers, measured, membershipHandlers, raftKvHandler, raftMessageHandler, ReadyGate,
  withForwarding, type Broker, type GroupService, type Handler, type RaftService,
} from '../server/index.js';
import { ApiKey } from '../protocol/index.js';
import { atRestKvOpener, GroupSnapshotStore, RaftStore } from '../storage/index.js';
import { loadAtRest } from './at-rest-keys.js';
import { GroupPartitions } from './group-partitions.js';
import { offsetsTopicConfigs } from './offsets-topic.js';
import { offsetsTopicName } from '../groups/index.js';
import { ControllerLink } from './controller-link.js';
import { BrokerLifecycle, RemoteController } from './broker-lifecycle.js';
import { ReplicaFetchers } from './replica-fetcher.js';
import { ReplicationThrottle } from './replication-throttle.js';
import { ControllerDuties, quorumStatusOf } from './controller-duties.js';
import { ProducerIdBlocks } from './producer-ids.js';
import { RaftDriver, type RaftStateMachine } from './raft-driver.js';
import { RaftKv, RaftKvMachine, testRaftKvEnabled, testRaftKvEnv } from './raft-kv.js';
import { clusterIdConfig, MetadataMachine, minIsrOfTopic, RaftMetadata } from './raft-metadata.js';
import { eventFeed } from '../observability/index.js';
import { RaftTransport } from './raft-transport.js';
import { RaftPeers } from './raft-peers.js';
import { detectAdvertised, joinCluster, learnPeers, raftEndpoints, RaftMembership } from './join.js';
import { EntryTag, TaggedStateMachine } from './replicated-state.js';
import { flushLogger } from './io/logger.js';
import { NodeListeners, peerNet } from './listeners.js';
import { isrChangeSender } from './isr-changes.js';
import { ReplicaManager, topicOverrides, type ReplicaView } from './replica-manager.js';
import { logDirsHandler } from './log-dirs.js';
import type { PartitionReplica } from './partition-replica.js';
import type { NodeIo } from './io/index.js';
import { NodeObservability } from './observability.js';
import { AlertHooks } from './alerts.js';
import { EventReporter } from './event-reporter.js';
import { openConsole } from './console.js';
import { lockDataDir, prepareDataDir } from './data-dir.js';

export interface RunningNode {
  readonly address: { host: string; port: number };
  /** What this node holds now (diagnostics; the whole-cluster simulation checks it every step). */
  inspect(): NodeView;
  stop(): Promise<void>;
}

export interface NodeView {
  /** The metadata log applied up to here, and the image it gives. */
  readonly metadataOffset: number;
  readonly image: MetadataImage;
  readonly partitions: readonly ReplicaView[];
}


/** What a test may ask of a node while it starts (production passes none). */
export interface NodeHooks {
  /**
   * Called once the node's partitions are open, long before it is ready: a node replicates
   * (and the whole-cluster simulation checks what its disks hold) while it still catches up.
   */
  readonly starting?: (inspect: () => NodeView) => void;
}

const partitionsPerTopicMax = 10_000;

export async function startNode(config: NodeConfig, log: Logger, given: NodeIo,
  hooks: NodeHooks = {}): Promise<RunningNode> {
  const { clock, random } = given;
  await prepareDataDir(config.dataDir, given.disk);
  // Before anything under the data directory is opened: a wrong or missing key stops here.
  const atRest = await loadAtRest(config, given.disk, given.env, random);
  if (atRest !== undefined) {
    log.info({ masterKeyId: atRest.ring.current.id }, 'encryption at rest: on');
  }
  // Before any port is bound: a second pado on this data directory stops here.
  const locked = await lockDataDir(config.dataDir, atRestKvOpener(given.openKv, atRest));
  let metadataImage: (() => MetadataImage) | null = null;
  const observed = new NodeObservability(config, given, clock);
  // Checked before any port is bound: an alert kind that does not exist stops start-up.
  const alerts = config.alerts === undefined || given.alerts === undefined ? undefined
    : new AlertHooks({ config: config.alerts, io: given.alerts, clock, log: log.child({ module: 'alerts' }),
      nodeId: config.nodeId });
  let listener: NodeListeners | undefined;
  let quorum: Quorum;
  let io: NodeIo;
  let address: { host: string; port: number };
  let peers: RaftPeers;
  let voters: readonly RaftVoterAddress[];
  let advertised: { host: string; port: number };
  try {
    listener = await NodeListeners.open(config, log, given, () => metadataImage?.());
    const peerListener = listener;
    // Every connection to a peer goes to its inter-broker listener: with TLS there, with ours.
    io = { ...given, net: peerNet(given.net, () => peerListener.peerTls()), openKv: locked.openKv,
      ...(atRest === undefined ? {} : { atRest }) };
    address = await listener.listen();
    await observed.listen(given, log);
    // A joining node advertises the address it reaches its peers from (join.ts).
    advertised = config.join === undefined ? config.advertised ?? address
      : await detectAdvertised(io, config.advertised, address, config.join);
    // Without a voter list this node is a cluster of one (DESIGN.md: "the first node starts alone").
    voters = config.initialVoters ?? [{ id: config.nodeId, ...advertised }];
    peers = new RaftPeers(voters);
    quorum = await openQuorum(config, voters, peers, log, io);
  } catch (err) {
    await locked.release();
    await observed.close();
    await listener?.close(0);
    throw err;
  }
  metadataImage = () => quorum.metadata.image();
  const { replicas, fetchers } = await openReplicas(config, quorum, peers, log, io, observed);
  const inspect = (): NodeView => ({ metadataOffset: quorum.driver.status().applied,
    image: quorum.metadata.image(), partitions: replicas.view() });
  hooks.starting?.(inspect);
  const services = clusterServices({ config, quorum, replicas, peers, voters, advertised, listener, log,
    clock, random, net: io.net });
  // Until this broker is ready its image may be the pre-crash snapshot, then one where it is
  // fenced and leads nothing: clients must see neither, only peers are served.
  const clientGate = new ReadyGate();
  const { broker, handlers } = services;
  replicas.effectiveConfig = () => broker.effectiveConfig();
  const served = [...handlers, logDirsHandler(config.dataDir, io.disk, () => replicas.view())];
  const gated = gateClientRequests(withForwarding(brokerHandlers(broker, served), broker),
    clientGate, { holds: () => broker.holdsLease(),
      lapsedForMs: () => services.lifecycle.leaseLapsedForMs(),
      wait: (timeoutMs, signal) => broker.waitForLease(timeoutMs, signal) });
  listener.serve(measured(gated, observed.observer,
    (id) => quorum.metadata.image().topicsById.get(id)?.name), clock);
  countIsrChanges(replicas, observed, () => quorum.metadata.image());
  quorum.machine.onChange(async (previous, next) => {
    if (quorum.metadata.isController()) observed.metrics.leadersElected(leaderChanges(previous, next));
  });
  let stopping = false;
  // The group coordinators, once loaded (the lag metric reads their committed offsets).
  let groupsLoaded: GroupPartitions | null = null;
  observed.attach({ nodeId: config.nodeId, image: () => quorum.metadata.image(),
    raft: () => quorum.driver.status(), isController: () => quorum.metadata.isController(),
    replicas: () => replicas.view(), diskFreeBytes: () => replicas.diskFreeBytes,
    topicDefaults: () => broker.effectiveConfig().topicDefaults,
    groupOffsets: () => groupsLoaded?.committedOffsets(groupLagSeriesMax) ?? [],
    notReady: () => (stopping ? 'stopping'
      : !clientGate.isOpen ? 'starting: not yet registered, unfenced and caught up'
        : !services.lifecycle.holdsLease() ? 'no lease from the controller (fenced, or cut off from it)'
          : null) });
  observed.mount(eventFeed({ events: () => quorum.metadata.image(), wait: broker.waitForEvents }));
  // The web console: the machine's own Net (`given`), never the peer Net with this node's certificate.
  const webConsole = openConsole(config, listener, advertised, given, log, () => replicas.view());
  if (webConsole !== null) observed.mount(webConsole.mount);
  log.info({ host: address.host, port: address.port, dataDir: config.dataDir }, 'kafka listener ready');
  void flushLogger(log);
  const startedMs = clock.now();
  if (alerts !== undefined) quorum.machine.onChange(async (previous, next) => alerts.onImage(previous, next));
  quorum.start((isLeader) => {
    alerts?.onLeaderChange(isLeader);
    services.duties.onLeaderChange(isLeader, quorum.driver.previousLeader);
    if (isLeader) services.bootstrap();
  });
  if (quorum.mustJoin && config.join !== undefined) {
    await joinCluster({ nodeId: config.nodeId, target: config.join, listener: address, clock,
      net: io.net, directoryId: quorum.directoryId, raftLeader: () => {
        const { leaderId, term } = quorum.driver.status();
        return { leaderId, term };
      },
      configured: config.advertised, peers, log: log.child({ module: 'join' }) });
  }
  services.lifecycle.start();
  await services.lifecycle.registered();
  await waitForCluster(config, services.registeredAs, () => services.lifecycle.epoch(),
    quorum.metadata, log, clock);
  // The partitions follow that image (this node leads what Metadata will say it leads).
  await quorum.machine.settled();
  await replicas.dropStrays();
  clientGate.open();
  replicas.startTicking();
  log.info({ waitedMs: clock.now() - startedMs, brokerEpoch: services.lifecycle.epoch() },
    'serving clients: registered, unfenced and caught up with the metadata log');
  const groupSnapshots = await GroupSnapshotStore.open(join(config.dataDir, '__group-snapshots'),
    io.openKv);
  const groupDriver = openGroups(quorum.metadata, replicas, groupSnapshots,
    () => services.broker.effectiveConfig().topicDefaults,
    log, io);
  // Ready with the groups this node leads loaded, if they load soon: a leader whose HW waits for
  // followers that are down answers COORDINATOR_LOAD_IN_PROGRESS meanwhile, and start-up goes on.
  await withinMs(clock, groupDriver.settled(), groupsLoadMsMax);
  services.groups.resolve(groupDriver);
  groupsLoaded = groupDriver;
  replicas.startRetention();
  log.info({ clusterId: quorum.metadata.image().clusterId, controllerId: quorum.metadata.controllerId() },
    'node ready');
  void flushLogger(log);
  return {
    address,
    inspect,
    stop: stopper({ listener, services, quorum, groupDriver, groupSnapshots, replicas, fetchers, log,
      observed, webConsole, stopping: () => {
        stopping = true;
        alerts?.close();
      } }),
  };
}

/**
 * The partitions on this node, kept in line with every image the quorum applies, and the fetchers
 * that copy the partitions this node follows from their leaders (one fetcher per leader).
 */
async function openReplicas(
  config: NodeConfig, quorum: Quorum, peers: RaftPeers, log: Logger,
  { clock, disk, net, atRest }: NodeIo, observed: NodeObservability,
): Promise<{ replicas: ReplicaManager; fetchers: ReplicaFetchers }> {
  const { machine, metadata } = quorum;
  // Every node's transport learns the quorum's endpoints from the replicated metadata.
  learnPeers(peers, machine.image, config.nodeId);
  machine.onChange(async (_previous, next) => learnPeers(peers, next, config.nodeId));
  const replicas = await ReplicaManager.open(config, log.child({ module: 'partitions' }),
    { fs: disk, clock, ...(atRest === undefined ? {} : { atRest }), flushed: observed.flushed,
      monotonicMs: observed.monotonicMs });
  const fetchers = new ReplicaFetchers({
    nodeId: config.nodeId, followers: () => replicas.allFollowers(), clock, net,
    followerOf: (topic, partition) => replicas.follower(topic, partition),
    addressOf: (id) => metadata.image().brokers.get(id) ?? peers.get(id),
    log: log.child({ module: 'replica-fetcher' }),
    appended: (topic, bytes) => observed.metrics.replicated(topic, bytes),
    throttle: new ReplicationThrottle(config.nodeId, () => metadata.image()),
  });
  machine.onChange(async (previous, next) => {
    await replicas.applyImage(previous, next);
    fetchers.sync();
  });
  // Entries the driver restored from its snapshot were applied before the listener existed.
  await replicas.applyImage(emptyLike(machine.image), machine.image);
  fetchers.sync();
  return { replicas, fetchers };
}

interface ServiceInputs {
  readonly config: NodeConfig;
  readonly quorum: Quorum;
  readonly replicas: ReplicaManager;
  readonly peers: RaftPeers;
  readonly voters: readonly RaftVoterAddress[];
  readonly advertised: { host: string; port: number };
  readonly listener: NodeListeners;
  readonly log: Logger;
  readonly clock: Clock;
  readonly random: Random;
  readonly net: Net;
}

interface ClusterServices {
  readonly broker: Broker;
  readonly link: ControllerLink;
  readonly groups: ReturnType<typeof deferredGroups>;
  readonly duties: ControllerDuties;
  readonly remote: RemoteController;
  readonly lifecycle: BrokerLifecycle;
  readonly registeredAs: { host: string; port: number };
  readonly handlers: Handler<never, unknown>[];
  bootstrap(): void;
  /** The disk-state timer (cancelled on stop). */
  readonly diskWatch: { cancel(): void };
}

/**
 * What a broker does beside serving partitions: the handlers' view of the node, forwarding to the
 * controller, the controller's duties (while this node leads the quorum), this broker's own
 * registration and heartbeats, quorum membership (joins), and producer-id blocks.
 */
const withEndpoints = (endpoints: BrokerEndpoint[] | undefined) =>
  endpoints === undefined ? {} : { endpoints };

function clusterServices(inputs: ServiceInputs): ClusterServices {
  const { config, quorum, replicas, peers, voters, advertised, log, clock, random, net } = inputs;
  const { metadata, driver } = quorum;
  const link = new ControllerLink(metadata, voters, log.child({ module: 'controller-link' }),
    { clock, net });
  // The lease (broker-lifecycle.ts) decides whether this node may act as a partition leader.
  let holdsLease = (): boolean => false;
  const broker = makeBroker(config, metadata, replicas, link, () => holdsLease(), { clock, random });
  const groups = deferredGroups();
  const bootstrap = (): void => void bootstrapCluster(config, voters, metadata, log, random);
  // The membership service comes after the duties; an unregistered broker's node leaves it too.
  let forget = (_id: number): Promise<void> => Promise.resolve();
  const duties = new ControllerDuties({
    metadata, metadataOffset: () => driver.status().applied, log: log.child({ module: 'controller' }),
    clock, onBrokerUnfenced: bootstrap, onUnregistered: (id) => forget(id),
    isQuorumMember: (id) => driver.isMember(id), nodeId: config.nodeId,
    offsetsTopicReplicationFactor: config.offsetsTopicReplicationFactor,
    ...(config.brokerSessionTimeoutMs === undefined ? {}
      : { sessionTimeoutMs: config.brokerSessionTimeoutMs }),
  });
  const lifecycleLog = log.child({ module: 'broker-lifecycle' });
  const remote = new RemoteController({
    controllerId: () => metadata.controllerId(),
    addressOf: (id) => metadata.image().brokers.get(id) ?? peers.get(id),
    log: lifecycleLog, io: { clock, net },
  });
  const registeredAs = voters.find((v) => v.id === config.nodeId) ?? advertised;
  const lifecycle = new BrokerLifecycle({
    nodeId: config.nodeId, incarnationId: randomUuid(random), advertised: registeredAs, rack: config.rack ?? null,
    ...withEndpoints(inputs.listener.endpoints(registeredAs)),
    clusterId: () => metadata.image().clusterId, metadataOffset: () => driver.status().applied,
    controllerId: () => metadata.controllerId(), isController: () => metadata.isController(),
    local: duties, remote, log: lifecycleLog, clock,
    ...(config.brokerSessionTimeoutMs === undefined ? {}
      : { sessionTimeoutMs: config.brokerSessionTimeoutMs }),
  });
  holdsLease = () => lifecycle.holdsLease();
  replicas.holdsLease = holdsLease;
  replicas.onIsrChange = isrChangeSender({
    nodeId: config.nodeId, brokerEpoch: () => lifecycle.epoch(),
    isController: () => metadata.isController(), local: duties, remote,
    image: () => metadata.image(), nowMs: () => clock.now(), log: log.child({ module: 'isr' }),
  });
  const membership = new RaftMembership({
    nodeId: config.nodeId, advertised, directoryId: quorum.directoryId, driver, metadata, peers,
    votersMax: config.votersMax,
    forward: (apiKey, version, request) => link.forward(apiKey, version, request),
    log: log.child({ module: 'membership' }), clock, net,
    onAdmitted: () => bootstrapCluster(config, voters, metadata, log, random),
  });
  forget = (id) => membership.forget(id);
  const producerIds = new ProducerIdBlocks({ nodeId: config.nodeId, local: duties, remote,
    brokerEpoch: () => lifecycle.epoch(), isController: () => metadata.isController() });
  const reporter = new EventReporter({ nodeId: config.nodeId, brokerEpoch: () => lifecycle.epoch(),
    isController: () => metadata.isController(), local: duties, remote, clock,
    log: log.child({ module: 'events' }) });
  replicas.onDamageFound = (topic, partition, damage) => reporter.damageFound(topic, partition, damage);
  // The data disk's state as a cluster event (low, full, fine again), measured every few seconds
  // even when nothing is written (the disk guard measures only on appends).
  const diskWatch = clock.every(diskWatchMs, () => {
    void replicas.measureDisk().then(({ freeBytes, reserveBytes }) => {
      if (freeBytes !== undefined && lifecycle.epoch() >= 0) reporter.diskMeasured(freeBytes, reserveBytes);
    });
  });
  const handlers = [...groupHandlers(groups.service, broker), ...quorum.handlers,
    ...membershipHandlers(membership),
    ...lifecycleHandlers(duties, { quorumStatus: () => quorumStatusOf(driver.status()) }),
    ...controllerHandlers(duties, producerIds)];
  return { broker, link, groups, duties, remote, lifecycle, registeredAs, handlers, bootstrap, diskWatch };
}

/** kafka_consumergroup_lag series a node reports at most (each scrape's cost and size stay bounded). */
const groupLagSeriesMax = 10_000;

/** How often each broker measures its data disk for the disk-low/full/ok events. */
const diskWatchMs = 5_000;

/**
 * The orderly stop: controlled shutdown first (leaderships move while we still serve), then no new
 * connections, in-flight requests finish within the deadline, and every store closes with a sync.
 */
function stopper(parts: {
  listener: NodeListeners;
  services: ClusterServices;
  quorum: Quorum;
  groupDriver: GroupPartitions;
  groupSnapshots: GroupSnapshotStore;
  replicas: ReplicaManager;
  fetchers: ReplicaFetchers;
  log: Logger;
  observed: NodeObservability;
  webConsole: { close(): Promise<void> } | null;
  stopping: () => void;
}): () => Promise<void> {
  const { listener, services, quorum, groupDriver, groupSnapshots, replicas, fetchers, log, observed } = parts;
  let stopping: Promise<void> | null = null;
  return () => {
    stopping ??= (async () => {
      parts.stopping();
      const controlled = await services.lifecycle.stop(controlledShutdownMsMax);
      log.info({ controlled }, 'stopping: no new connections; finishing in-flight requests');
      services.duties.close();
      services.diskWatch.cancel();
      services.remote.close();
      const listenerClosed = listener.close(limits.shutdownMsMax - controlledShutdownMsMax - 500);
      // Waiting joins are answered (NOT_COORDINATOR) so their connections can finish.
      await groupDriver.close();
      services.link.drop();
      await quorum.close();
      await listenerClosed;
      await groupSnapshots.close();
      await fetchers.close();
      await replicas.close();
      await observed.close();
      await parts.webConsole?.close();
      log.info('stopped');
    })();
    return stopping;
  };
}

/**
 * Waits (logging now and then) until a controller is elected and this node's own image shows it
 * registered in this process's registration (`brokerEpoch`: the restored pre-crash image shows the
 * old one, unfenced), unfenced, at the address it advertises now (a restart may change it), and
 * the internal topic created. The unfence record follows the controller's check that this node
 * had caught up, and carries the elections it made possible: this image is a caught-up one.
 */
async function waitForCluster(
  config: NodeConfig,
  advertised: { host: string; port: number },
  brokerEpoch: () => number,
  metadata: RaftMetadata,
  log: Logger,
  clock: Clock,
): Promise<void> {
  let waitedMs = 0;
  for (;;) {
    const image = metadata.image();
    const self = image.brokers.get(config.nodeId);
    const registered = self !== undefined && !self.fenced && self.host === advertised.host &&
      self.port === advertised.port && self.brokerEpoch === brokerEpoch();
    const ready = registered && image.topicsByName.has(offsetsTopicName) && metadata.controllerId() > 0;
    if (ready) return;
    await delay(clock, clusterPollMs);
    waitedMs += clusterPollMs;
    if (waitedMs % 5_000 === 0) {
      log.warn({ waitedMs, controllerId: metadata.controllerId() },
        'waiting for a controller: a majority of the initial voters must be running');
      void flushLogger(log);
    }
  }
}

const clusterPollMs = 50;
/** How long start-up waits for the groups of the offsets partitions this node leads. */
const groupsLoadMsMax = 5_000;
/** Part of the shutdown budget (limits.shutdownMsMax) for moving leaderships away first. */
const controlledShutdownMsMax = 2_000;
/** A metadata read waits at most this long for the controller (then answers from what it has). */
const catchUpMsMax = 1_000;
/** How often a request waiting for this broker's lease looks again. */
const leasePollMs = 25;


/**
 * The group coordinator of the `__consumer_offsets` partitions this node leads, now and as
 * leadership moves: the partitions led already are loaded at once, later changes come from the
 * ReplicaManager.
 */
function openGroups(
  metadata: RaftMetadata,
  replicas: ReplicaManager,
  snapshots: GroupSnapshotStore,
  topicDefaults: () => NodeConfig['topicDefaults'],
  log: Logger,
  { clock, random }: Pick<NodeIo, 'clock' | 'random'>,
): GroupPartitions {
  const topic = metadata.image().topicsByName.get(offsetsTopicName);
  assert(topic !== undefined, `${offsetsTopicName} exists`);
  const groups = new GroupPartitions({
    partitionCount: topic.partitions.length, snapshots, log: log.child({ module: 'groups' }), clock,
    random,
    minInsyncReplicas: () => {
      const now = metadata.image().topicsByName.get(offsetsTopicName);
      if (now === undefined) return 1;
      return effectiveTopicConfigs(topicOverrides(now), replicationFactorOf(now),
        topicDefaults())['min.insync.replicas'];
    },
    waitForAdvance: (partition, timeoutMs, signal) => {
      const replica = replicas.get(offsetsTopicName, partition);
      if (replica !== undefined) return replicas.waitForData([replica], timeoutMs, signal);
      return delay(clock, timeoutMs, signal);
    },
  });
  const follow = (partition: number, replica: PartitionReplica | undefined): void =>
    // Named leader in an epoch its log already holds, a replica has no LeaderReplica and refuses
    // writes: not a coordinator until the next epoch (replica-manager.ts).
    groups.follow(partition, replica?.leaderReplica === undefined ? undefined : replica);
  replicas.onLeadershipChange((name, partition, replica) => {
    if (name === offsetsTopicName) follow(partition, replica);
  });
  for (const { partition } of topic.partitions) {
    follow(partition, replicas.get(offsetsTopicName, partition));
  }
  return groups;
}

function emptyLike(image: MetadataImage): MetadataImage {
  return { ...image, topicsById: new Map(), topicsByName: new Map() };
}

/**
 * Long polls for cluster events (DescribeClusterEvents, the HTTP event stream): each resolves
 * when an applied image holds a newer event, on its timeout, or on abort. Bounded by the
 * connections and their in-flight requests (common/limits.ts).
 */
export function eventWaiters(metadata: Pick<RaftMetadata, 'image' | 'onChange'>, clock: Clock):
  (afterId: number, timeoutMs: number, signal: AbortSignal) => Promise<void> {
  const waiting = new Set<() => void>();
  metadata.onChange((previous, next) => {
    if (next.eventSeq > previous.eventSeq) for (const wake of [...waiting]) wake();
    return Promise.resolve();
  });
  return (afterId, timeoutMs, signal) => new Promise<void>((resolve) => {
    if (metadata.image().eventSeq > afterId || signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      waiting.delete(done);
      timer.cancel();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = clock.after(timeoutMs, done);
    waiting.add(done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function makeBroker(
  config: NodeConfig,
  metadata: RaftMetadata,
  replicas: ReplicaManager,
  link: ControllerLink,
  holdsLease: () => boolean,
  { clock, random }: Pick<NodeIo, 'clock' | 'random'>,
): Broker {
  const effective = effectiveConfigOf(metadata, config);
  const controllerContext = controllerContextOf(effective, random);
  const overrides = (topic: string): Partial<TopicConfigs> => {
    const t = metadata.image().topicsByName.get(topic);
    return t === undefined ? {} : topicOverrides(t);
  };
  const waitForEvents = eventWaiters(metadata, clock);
  return {
    nodeId: config.nodeId,
    waitForEvents,
    get clusterId() {
      return metadata.image().clusterId;
    },
    get autoCreateTopics() {
      return effective().autoCreateTopics;
    },
    controllerContext,
    nodeConfig: config,
    effectiveConfig: effective,
    image: () => metadata.image(),
    propose: (decide) => metadata.propose(decide),
    isController: () => metadata.isController(),
    catchUp: () => withinMs(clock, metadata.catchUp().catch(() => undefined), catchUpMsMax),
    controllerId: () => metadata.controllerId(),
    forwardToController: (apiKey, version, request) => link.forward(apiKey, version, request),
    async autoCreate(names) {
      const wanted = [...new Set(names)].map((name) => ({
        name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [],
      }));
      if (!metadata.isController()) {
        // CreateTopics v4+ takes -1 for "the broker's defaults", as auto-creation wants.
        await link.forward(ApiKey.createTopics, 4, { topics: wanted, timeoutMs: 5_000, validateOnly: false })
          .catch(() => undefined);
        return;
      }
      await metadata.propose((image) => {
        const missing = wanted.filter((t) => !image.topicsByName.has(t.name));
        const { records } = createTopics(image, missing, controllerContext);
        return { records, result: undefined };
      }).catch(() => undefined);
    },
    // Without the lease the controller may already have moved our leaderships: serve none of them.
    partition: (topic, partition) => (holdsLease() ? replicas.get(topic, partition) : undefined),
    replicaDamaged: (topic, partition) => replicas.isDamaged(topic, partition),
    holdsLease,
    async waitForLease(timeoutMs, signal) {
      const untilMs = clock.now() + timeoutMs;
      while (!holdsLease() && clock.now() < untilMs && !signal.aborted) {
        await delay(clock, leasePollMs, signal);
      }
      return holdsLease();
    },
    waitForData: (partitions, timeoutMs, signal, forReplica, since) =>
      replicas.waitForData(partitions, timeoutMs, signal, forReplica === true, since),
    dataMark: () => replicas.dataMark(),
    topicConfig(topic) {
      const t = metadata.image().topicsByName.get(topic);
      if (t === undefined) return undefined;
      return effectiveTopicConfigs(topicOverrides(t), replicationFactorOf(t), effective().topicDefaults);
    },
    topicOverrides: overrides,
    nowMs: () => clock.now(),
  };
}

/** The decisions' context; the defaults follow the cluster's dynamic configs. */
function controllerContextOf(effective: () => NodeConfig, random: Random): ControllerContext {
  return {
    newTopicId: () => randomUuid(random),
    get defaultPartitions() {
      return effective().defaultPartitions;
    },
    get defaultReplicationFactor() {
      return effective().defaultReplicationFactor;
    },
    partitionsPerTopicMax,
  };
}

/**
 * The node config with the cluster's dynamic configs (config/dynamic.ts) applied, recomputed only
 * when the image's broker configs change.
 */
export function effectiveConfigOf(metadata: { image(): MetadataImage }, config: NodeConfig): () => NodeConfig {
  let from: ReadonlyMap<string, string> | null = null;
  let cached = config;
  return () => {
    const entries = metadata.image().brokerConfigs;
    if (entries !== from) {
      cached = withDynamicConfigs(config, entries);
      from = entries;
    }
    return cached;
  };
}

interface Quorum {
  readonly driver: RaftDriver;
  readonly machine: MetadataMachine;
  readonly metadata: RaftMetadata;
  readonly handlers: readonly Handler<never, unknown>[];
  /** Configured to join and the Raft log is empty: this node must ask to be added (join.ts). */
  readonly mustJoin: boolean;
  /** The Raft store's directory id (made when the store was new; join.ts). */
  readonly directoryId: string | null;
  /** Starts ticking and sending; `onLeaderChange` runs on every leader change this node sees. */
  start(onLeaderChange: (isLeader: boolean) => void): void;
  close(): Promise<void>;
}

/**
 * This node's member of the metadata quorum: the Raft log under <dataDir>/__raft (bootstrapped with
 * the voter ids on first start), the metadata state machine, the transport to the other voters,
 * and — only when a test asks with PADO_TEST_RAFT_KV=1 — the test-only replicated key-value store
 * behind the RaftKv API. A production node has no RaftKv handler (it is not in ApiVersions, and a
 * request for it closes the connection like any unknown API) and skips kv entries in its log.
 */
async function openQuorum(
  config: NodeConfig,
  voters: readonly RaftVoterAddress[],
  peers: RaftPeers,
  log: Logger,
  { clock, random, openKv, env, net }: Pick<NodeIo, 'clock' | 'random' | 'openKv' | 'env' | 'net'>,
): Promise<Quorum> {
  const raftLog = log.child({ module: 'raft' });
  // A joining node starts with an empty log and receives it from the leader.
  const store = await RaftStore.open(join(config.dataDir, '__raft'), openKv,
    { ...(config.join === undefined ? { bootstrapVoters: voters.map((v) => v.id) } : {}),
      newDirectoryId: () => randomUuid(random) });
  const mustJoin = config.join !== undefined && store.storage.lastIndex() === 0;
  const machine = new MetadataMachine(log.child({ module: 'metadata' }), clock);
  const effectiveMachineConfig = effectiveConfigOf({ image: () => machine.image }, config);
  const kv = testRaftKvEnabled(env) ? new RaftKvMachine() : undefined;
  if (kv !== undefined) {
    log.warn({ env: testRaftKvEnv }, 'test-only RaftKv API enabled: never set this in production');
  }
  const owners = new Map<number, RaftStateMachine>([[EntryTag.metadata, machine]]);
  if (kv !== undefined) owners.set(EntryTag.testKv, kv);
  let onLeader: (isLeader: boolean) => void = () => undefined;
  const driver = new RaftDriver({
    nodeId: config.nodeId,
    store,
    stateMachine: new TaggedStateMachine(owners, kv === undefined ? [EntryTag.testKv] : []),
    log: raftLog,
    clock,
    random,
    onLeaderChange: (leaderId) => onLeader(leaderId === config.nodeId),
  });
  const transport = new RaftTransport({
    self: config.nodeId,
    peers,
    log: raftLog,
    clock,
    net,
    events: {
      unreachable: (to) => driver.reportUnreachable(to),
      snapshotStatus: (to, delivered) => driver.reportSnapshot(to, delivered),
    },
  });
  return {
    driver,
    machine,
    metadata: new RaftMetadata(driver, machine, config.nodeId, clock,
      log.child({ module: 'controller' }), minIsrOfTopic(() => effectiveMachineConfig().topicDefaults)),
    handlers: [
      raftMessageHandler(raftService(driver, peers), () => clock.now()),
      ...(kv === undefined ? [] : [raftKvHandler(new RaftKv(driver, kv))]),
    ],
    mustJoin,
    directoryId: store.directoryId,
    start(leader) {
      onLeader = leader;
      driver.start(transport);
      // A cluster of one needs no election timeout to elect itself: campaign as soon as the
      // bootstrap membership is applied (a few Ready turns after start), a bounded number of times.
      if (voters.length === 1 && config.join === undefined) {
        let attempts = 0;
        const kick = (): void => {
          if (driver.leader === config.nodeId || attempts++ >= 100) return;
          driver.campaign();
          clock.after(10, kick);
        };
        kick();
      }
    },
    async close() {
      await driver.close();
      await store.close();
    },
  };
}

/**
 * What the RaftMessage handler sees of Raft. Peers it takes messages from: the members of the
 * configuration this node has applied, and every node in its address book — the nodes it could
 * answer (initial voters, replicated endpoints, registered brokers, and for a joining node the
 * brokers of the cluster it joins, learnt before it asks to be added).
 */
function raftService(driver: RaftDriver, peers: RaftPeers): RaftService {
  return {
    nodeId: driver.nodeId,
    isPeer: (id) => driver.isMember(id) || peers.get(id) !== undefined,
    receive: (messages) => driver.receive(messages),
  };
}

/**
 * What a newly active controller makes sure of, each a decision of its own (idempotent): the
 * cluster id, every voter registered at its configured address, and the internal topic
 * `__consumer_offsets`. Broker heartbeats and fencing build on this (issue 5, next step).
 */
async function bootstrapCluster(
  config: NodeConfig,
  voters: readonly RaftVoterAddress[],
  metadata: RaftMetadata,
  log: Logger,
  random: Random,
): Promise<void> {
  try {
    await metadata.propose((image) => {
      if (image.clusterId !== '') return { records: [], result: undefined };
      const records: MetadataRecord[] = [
        { type: 'config', resourceType: 'broker', resourceName: '', name: clusterIdConfig, value: randomUuid(random) },
      ];
      return { records, result: undefined };
    });
    // The offsets topic's partition count (offsets.topic.num.partitions), not num.partitions.
    const ctx = controllerContextOf(() => ({ ...config, defaultPartitions: config.offsetsTopicPartitions }),
      random);
    await metadata.propose((image) => {
      if (image.topicsByName.has(offsetsTopicName)) return { records: [], result: undefined };
      // Brokers register themselves: wait for every initial voter, so the topic is spread.
      if (liveBrokers(image).length < voters.length) return { records: [], result: undefined };
      // Kafka's offsets.topic.replication.factor, capped so a smaller cluster still gets one.
      const replicationFactor = Math.min(config.offsetsTopicReplicationFactor,
        liveBrokers(image).length);
      const topic = { name: offsetsTopicName, numPartitions: -1, replicationFactor, assignments: [],
        configs: offsetsTopicConfigs };
      const { results, records } = createTopics(image, [topic], ctx);
      if (results[0]?.errorCode !== 0) log.warn({ why: results[0]?.errorMessage }, 'cannot create the offsets topic yet');
      return { records, result: undefined };
    });
  } catch (err) {
    log.info({ err: (err as Error).message }, 'controller bootstrap interrupted; the next controller resumes it');
  }
}

/** Group requests that arrive before the groups are loaded wait for them (bounded by the client). */
function deferredGroups(): { service: GroupService; resolve: (driver: GroupService) => void } {
  let resolve: (driver: GroupService) => void = () => undefined;
  const ready = new Promise<GroupService>((r) => {
    resolve = r;
  });
  const later = <A extends unknown[], R>(f: (d: GroupService, ...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => ready.then((d) => f(d, ...args));
  const service: GroupService = {
    joinGroup: later((d, req) => d.joinGroup(req)),
    syncGroup: later((d, req) => d.syncGroup(req)),
    heartbeat: later((d, req) => d.heartbeat(req)),
    leaveGroup: later((d, req) => d.leaveGroup(req)),
    commitOffsets: later((d, req) => d.commitOffsets(req)),
    fetchOffsets: later((d, groupId, topics) => d.fetchOffsets(groupId, topics)),
    deleteOffsets: later((d, groupId, topics) => d.deleteOffsets(groupId, topics)),
    listGroups: later((d, states) => d.listGroups(states)),
    describeGroups: later((d, ids) => d.describeGroups(ids)),
    deleteGroups: later((d, ids) => d.deleteGroups(ids)),
  };
  return { service, resolve };
}

/** ISR changes this node proposes as a leader, counted as shrinks or expands. */
function countIsrChanges(replicas: ReplicaManager, observed: NodeObservability,
  image: () => MetadataImage): void {
  const send = replicas.onIsrChange;
  replicas.onIsrChange = (replica, proposal) => {
    const now = image().topicsByName.get(replica.topic)?.partitions[replica.partition]?.isr.length;
    if (now !== undefined) observed.metrics.isrChanged(now, proposal.newIsr.length);
    send(replica, proposal);
  };
}

/** Partitions whose leader changed to a live one between two images (leader elections). */
function leaderChanges(previous: MetadataImage, next: MetadataImage): number {
  let count = 0;
  for (const [name, topic] of next.topicsByName) {
    const before = previous.topicsByName.get(name);
    for (const p of topic.partitions) {
      const was = before?.partitions[p.partition];
      if (p.leader >= 0 && was !== undefined && was.leaderEpoch !== p.leaderEpoch && was.leader !== p.leader) count++;
    }
  }
  return count;
}
