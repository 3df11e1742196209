/**
 * The node config: its TypeScript shape, defaults, JSON Schema, the Kafka-style keys accepted in
 * a file, and the per-field wording used in error messages.
 */
import { limits } from '../common/index.js';
import {
  listenerNamePattern, saslMechanismNames, securityProtocols, sslClientAuths, type ListenerConfig,
  type SaslMechanismName, type SslConfig,
} from './listeners.js';
import {
  minInsyncReplicasFor, topicConfigDefaults, topicConfigDefs, type TopicConfigDef,
  type TopicDefaults,
} from './topic-config.js';

export interface HostPort {
  host: string;
  port: number;
}

/** A first member of the Raft group: its node id and Kafka listener address. */
export interface RaftVoterAddress {
  id: number;
  host: string;
  port: number;
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface NodeConfig {
  nodeId: number;
  /** Kafka listener. Port 0 picks a free port (tests); the bound one is reported by startNode. */
  listen: HostPort;
  /** What other nodes and clients are told to connect to; defaults to the bound listener. */
  advertised?: HostPort;
  dataDir: string;
  /** HTTP health and metrics. */
  httpListen: HostPort;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  defaultReplicationFactor: number;
  /**
   * Partitions of the internal `__consumer_offsets` topic, fixed when it is first created
   * (offsets.topic.num.partitions). Kafka's 50 spreads coordinators over large clusters; 10 is
   * plenty for a few nodes and keeps open files and recovery work small on a Pi.
   */
  offsetsTopicPartitions: number;
  /**
   * Replicas of each `__consumer_offsets` partition (offsets.topic.replication.factor, Kafka: 3),
   * capped at the brokers alive when the topic is created, so a cluster of one still starts.
   */
  offsetsTopicReplicationFactor: number;
  logLevel: LogLevel;
  /** Free disk below which produce is refused with KAFKA_STORAGE_ERROR. */
  diskReserveBytes: number;
  /** A request frame larger than this closes the connection (socket.request.max.bytes). */
  socketRequestMaxBytes: number;
  /** Every topic's configs unless it sets its own; see TopicDefaults for min.insync.replicas. */
  topicDefaults: TopicDefaults;
  /**
   * The first voters of the Raft group (`--initial-voters 1@host:port,2@host:port,…`). Set on
   * every first member, with the same list: the node then runs Raft over the Kafka listener.
   * Absent: a single node without Raft, as before. Joining later without a list is issue 5.
   */
  initialVoters?: RaftVoterAddress[];
  /**
   * Any running node of the cluster to join (`--join host:port`), used only on the first start
   * (an empty Raft log): the node asks it to be added to the metadata quorum, first as a learner,
   * then as a voter while the quorum has fewer than votersMax voters. Absent, and without
   * initialVoters: the node starts a new cluster of one.
   */
  join?: HostPort;
  /** Voters the quorum grows to by joins (3 or 5); nodes beyond it join as observers. */
  votersMax: 3 | 5;
  /**
   * The rack (or room, or shelf) this node is in (broker.rack). When brokers name racks, the
   * controller puts the replicas of a partition on distinct racks where it can.
   */
  rack?: string;
  /**
   * How long a follower may go without catching up with its leader's log before the leader drops
   * it from the ISR (replica.lag.time.max.ms). Absent: 5000 (src/partitions/leader-replica.ts says
   * why, against Kafka's 30 s). Above the followers' 500 ms long poll, so an idle follower stays in.
   */
  replicaLagTimeMaxMs?: number;
  /**
   * How long the controller waits for a broker's heartbeat before fencing it and moving its
   * leaderships (broker.session.timeout.ms). Absent: 1200 (src/controller/config.ts says why,
   * against Kafka's 9 s). At least 3 heartbeats (200 ms each).
   */
  brokerSessionTimeoutMs?: number;
  /**
   * How many bytes of sealed segments the background scrubber reads and CRC-checks per second,
   * over every partition in turn, to find bit rot in data nobody reads (log.scrub.bytes.per.second,
   * Pado's: Kafka has no scrubber). Absent: 4 MiB/s (src/node/replica-manager.ts says why); 0 stops
   * it (reads, and recovery after an unclean stop, still check what they touch).
   */
  logScrubBytesPerSecond?: number;
  /**
   * Every Kafka listener, with its security protocol (listeners + listener.security.protocol.map,
   * config/listeners.ts). Absent: one PLAINTEXT listener at `listen`. Present: `listen` and
   * `advertised` are the inter-broker listener's (the loader sets them from it).
   */
  listeners?: ListenerConfig[];
  /** The listener peers use (inter.broker.listener.name); absent: the first listener. */
  interBrokerListenerName?: string;
  /** TLS identity and trust of the SSL and SASL_SSL listeners (ssl.*). */
  ssl?: SslConfig;
  /** SASL mechanisms offered on SASL listeners (sasl.enabled.mechanisms). */
  saslEnabledMechanisms: SaslMechanismName[];
  /**
   * A SASL session's lifetime (connections.max.reauth.ms, KIP-368): a client re-authenticates on
   * its connection before it ends, or the connection is closed. 0: sessions never end (Kafka's).
   */
  connectionsMaxReauthMs: number;
  /**
   * ACLs are enforced (authorizer.class.name: Kafka's StandardAuthorizer or "acl"): a request is
   * served only if an ACL allows it, or its principal is a super user. Absent: no checks.
   */
  authorizer?: 'acl';
  /** Principals allowed everything (super.users, "User:admin;User:CN=ops"). */
  superUsers: string[];
  /** allow.everyone.if.no.acl.found: a resource no ACL names is open to all (Kafka: false). */
  allowEveryoneIfNoAclFound: boolean;
  /**
   * The master key file of encryption at rest (encryption.master.key.file, Pado's; or the
   * PADO_MASTER_KEY_FILE / PADO_MASTER_KEY variables): segments, the Raft log and group
   * snapshots are then encrypted (security/at-rest.ts). Absent (and no variable): plaintext.
   */
  masterKeyFile?: string;
  /**
   * Alert hooks (issue 16): the active controller calls them for new cluster events of the kinds
   * named (default: every warn and error kind), at most once per kind and subject per cool-down.
   * Put the same hooks on every node: whichever is the controller fires them.
   */
  alerts?: AlertsConfig;
}

export interface AlertsConfig {
  /** POSTed a JSON body per alert (alert.webhook.url; env PADO_ALERT_WEBHOOK). */
  webhook?: string;
  /** Run by the shell per alert, the event in PADO_EVENT_* variables and JSON on stdin. */
  command?: string;
  /** Event kinds that alert (`pado cluster events` shows them); absent: the warn and error ones. */
  events?: string[];
  /** Quiet time per kind and subject after an alert (default 60000 ms). */
  cooldownMs?: number;
}

/** Listeners per node: clients, brokers, and one or two more for a move between them. */
export const listenersMax = 8;

/** Voters a group may be bootstrapped with (Raft groups keep 3 or 5 voters; 7 is plenty). */
export const initialVotersMax = 7;

/** Above the replica fetcher's 500 ms long poll, with room for a round trip (Kafka's rule too). */
export const replicaLagTimeMsMin = 1000;
/** Three heartbeats of 200 ms: one lost heartbeat must not fence a broker. */
export const brokerSessionTimeoutMsMin = 600;
/** Ten minutes: beyond it a dead broker or follower would go unnoticed for too long. */
const durationMsMax = 600_000;
/** 1 GiB/s: beyond any disk a scrubber should compete with. */
export const scrubBytesPerSecondMax = 1024 * 1024 * 1024;

export const defaultListenPort = 9092;
export const defaultHost = '127.0.0.1';

export function nodeConfigDefaults(): NodeConfig {
  return {
    nodeId: 1,
    listen: { host: defaultHost, port: defaultListenPort },
    dataDir: './data',
    httpListen: { host: defaultHost, port: 9644 },
    autoCreateTopics: true,
    defaultPartitions: 1,
    defaultReplicationFactor: 1,
    offsetsTopicPartitions: 10,
    offsetsTopicReplicationFactor: 3,
    logLevel: 'info',
    diskReserveBytes: limits.diskReserveBytesDefault,
    socketRequestMaxBytes: limits.requestBytesMax,
    topicDefaults: { ...topicConfigDefaults },
    votersMax: 3,
    saslEnabledMechanisms: [...saslMechanismNames],
    connectionsMaxReauthMs: 0,
    superUsers: [],
    allowEveryoneIfNoAclFound: false,
  };
}

/** Kafka broker keys accepted at the top of a config file, and where they go. */
export const kafkaKeyAliases: Readonly<Record<string, readonly string[]>> = {
  'node.id': ['nodeId'],
  'broker.rack': ['rack'],
  'broker.id': ['nodeId'],
  'log.dirs': ['dataDir'],
  'log.dir': ['dataDir'],
  'auto.create.topics.enable': ['autoCreateTopics'],
  'num.partitions': ['defaultPartitions'],
  'default.replication.factor': ['defaultReplicationFactor'],
  'offsets.topic.num.partitions': ['offsetsTopicPartitions'],
  'offsets.topic.replication.factor': ['offsetsTopicReplicationFactor'],
  'socket.request.max.bytes': ['socketRequestMaxBytes'],
  'log.segment.bytes': ['topicDefaults', 'segment.bytes'],
  'log.roll.ms': ['topicDefaults', 'segment.ms'],
  'log.retention.ms': ['topicDefaults', 'retention.ms'],
  'log.retention.bytes': ['topicDefaults', 'retention.bytes'],
  'message.max.bytes': ['topicDefaults', 'max.message.bytes'],
  'min.insync.replicas': ['topicDefaults', 'min.insync.replicas'],
  'log.cleanup.policy': ['topicDefaults', 'cleanup.policy'],
  'replica.lag.time.max.ms': ['replicaLagTimeMaxMs'],
  'broker.session.timeout.ms': ['brokerSessionTimeoutMs'],
  'log.scrub.bytes.per.second': ['logScrubBytesPerSecond'],
  'advertised.listeners': ['advertisedListeners'],
  'listener.security.protocol.map': ['listenerSecurityProtocolMap'],
  'inter.broker.listener.name': ['interBrokerListenerName'],
  'ssl.keystore.location': ['ssl', 'keystoreLocation'],
  'ssl.keystore.type': ['ssl', 'keystoreType'],
  'ssl.key.password': ['ssl', 'keyPassword'],
  'ssl.keystore.password': ['ssl', 'keyPassword'],
  'ssl.truststore.location': ['ssl', 'truststoreLocation'],
  'ssl.truststore.type': ['ssl', 'truststoreType'],
  'ssl.client.auth': ['ssl', 'clientAuth'],
  'ssl.endpoint.identification.algorithm': ['ssl', 'endpointIdentificationAlgorithm'],
  'sasl.enabled.mechanisms': ['saslEnabledMechanisms'],
  'connections.max.reauth.ms': ['connectionsMaxReauthMs'],
  'authorizer.class.name': ['authorizer'],
  'super.users': ['superUsers'],
  'allow.everyone.if.no.acl.found': ['allowEveryoneIfNoAclFound'],
  'encryption.master.key.file': ['masterKeyFile'],
  'alert.webhook.url': ['alerts', 'webhook'],
  'alert.command': ['alerts', 'command'],
  'alert.events': ['alerts', 'events'],
  'alert.cooldown.ms': ['alerts', 'cooldownMs'],
};

/** How to describe a field in an error: "<value> is not <what>; write e.g. <example>". */
export interface FieldHint {
  what: string;
  example: string;
}

const portHint = (flag: string): FieldHint => ({
  what: 'a port (0–65535; 0 picks a free port)', example: flag,
});
const listenExample = '--listen 127.0.0.1:9092';
const httpExample = '"httpListen": "127.0.0.1:9644"';
const advertisedExample = '"advertised": "broker1.example.com:9092"';

export const fieldHints: Readonly<Record<string, FieldHint>> = {
  nodeId: { what: 'a node id (integer 1–2147483647; Pado keeps 0 for "no node", so a Kafka ' +
    'broker.id=0 becomes e.g. 1)', example: '--node-id 1' },
  listen: { what: 'a host:port', example: listenExample },
  'listen.host': { what: 'a host name or IP address', example: listenExample },
  'listen.port': portHint(listenExample),
  advertised: { what: 'a host:port', example: advertisedExample },
  'advertised.host': { what: 'a host name or IP address', example: advertisedExample },
  'advertised.port': { what: 'a port (1–65535)', example: advertisedExample },
  httpListen: { what: 'a host:port', example: httpExample },
  'httpListen.host': { what: 'a host name or IP address', example: httpExample },
  'httpListen.port': portHint(httpExample),
  dataDir: { what: 'a directory path', example: '--data-dir ./data' },
  autoCreateTopics: { what: 'true or false', example: '"autoCreateTopics": false' },
  defaultPartitions: { what: 'a partition count (1–100000)', example: '"defaultPartitions": 3' },
  defaultReplicationFactor: {
    what: 'a replication factor (1–32767)', example: '"defaultReplicationFactor": 3',
  },
  offsetsTopicPartitions: {
    what: 'a partition count (1–1000)', example: '"offsetsTopicPartitions": 10',
  },
  offsetsTopicReplicationFactor: {
    what: 'a replication factor (1–32767)', example: '"offsetsTopicReplicationFactor": 3',
  },
  logLevel: { what: `a log level (${logLevels.join(', ')})`, example: '--log-level info' },
  diskReserveBytes: {
    what: 'a byte count (≥ 0)', example: '"diskReserveBytes": 67108864',
  },
  socketRequestMaxBytes: {
    what: `a byte count (1024–${limits.requestBytesMax})`,
    example: `"socketRequestMaxBytes": ${limits.requestBytesMax}`,
  },
  initialVoters: {
    what: `a list of 1–${initialVotersMax} voters, each id@host:port with a distinct id`,
    example: '--initial-voters 1@127.0.0.1:9092,2@127.0.0.1:9093,3@127.0.0.1:9094',
  },
  join: { what: 'a host:port of a running node', example: '--join 192.168.1.10:9092' },
  'join.host': { what: 'a host name or IP address', example: '--join 192.168.1.10:9092' },
  'join.port': { what: 'a port (1–65535)', example: '--join 192.168.1.10:9092' },
  votersMax: { what: 'a voter count: 3 or 5', example: '"votersMax": 5' },
  rack: { what: 'a rack name (1–64 characters)', example: '--rack shelf-1' },
  topicDefaults: { what: 'an object of topic configs', example: '"topicDefaults": {}' },
  replicaLagTimeMaxMs: {
    what: `a duration in ms (${replicaLagTimeMsMin}–${durationMsMax})`,
    example: '"replica.lag.time.max.ms": 5000',
  },
  brokerSessionTimeoutMs: {
    what: `a duration in ms (${brokerSessionTimeoutMsMin}–${durationMsMax})`,
    example: '"broker.session.timeout.ms": 1200',
  },
  logScrubBytesPerSecond: {
    what: `a byte rate (0 stops the scrubber; at most ${scrubBytesPerSecondMax})`,
    example: '"log.scrub.bytes.per.second": 4194304',
  },
  listeners: {
    what: 'a list of NAME://host:port listeners',
    example: '"listeners": "CLIENT://0.0.0.0:9093,BROKER://127.0.0.1:9092"',
  },
  interBrokerListenerName: {
    what: 'the name of one of the listeners', example: '"inter.broker.listener.name": "BROKER"',
  },
  'ssl.keystoreLocation': {
    what: 'a file path', example: '"ssl.keystore.location": "/etc/pado/node1.pem"',
  },
  'ssl.keystoreType': { what: 'PEM or PKCS12', example: '"ssl.keystore.type": "PEM"' },
  'ssl.keyPassword': { what: 'a password', example: '"ssl.key.password": "…"' },
  'ssl.truststoreLocation': {
    what: 'a PEM file path', example: '"ssl.truststore.location": "/etc/pado/ca.pem"',
  },
  'ssl.endpointIdentificationAlgorithm': {
    what: '"https" (check peer names) or "" (trust the CA alone)',
    example: '"ssl.endpoint.identification.algorithm": ""',
  },
  'ssl.clientAuth': {
    what: `one of ${sslClientAuths.join(', ')}`, example: '"ssl.client.auth": "required"',
  },
  saslEnabledMechanisms: {
    what: `a list of SASL mechanisms (${saslMechanismNames.join(', ')})`,
    example: '"sasl.enabled.mechanisms": "SCRAM-SHA-512"',
  },
  authorizer: {
    what: 'an authorizer: "acl" (or Kafka\'s org.apache.kafka.metadata.authorizer.StandardAuthorizer)',
    example: '"authorizer.class.name": "acl"',
  },
  superUsers: {
    what: 'principals as Type:name, separated by ;',
    example: '"super.users": "User:admin;User:CN=node1"',
  },
  allowEveryoneIfNoAclFound: { what: 'true or false',
    example: '"allow.everyone.if.no.acl.found": false' },
  masterKeyFile: { what: 'a file path',
    example: '"encryption.master.key.file": "/etc/pado/master.key"' },
  alerts: { what: 'an object with webhook, command, events and cooldownMs',
    example: '"alerts": { "webhook": "http://127.0.0.1:8080/pado", "cooldownMs": 60000 }' },
  'alerts.webhook': { what: 'an http:// or https:// URL',
    example: '--alert-webhook http://127.0.0.1:8080/pado' },
  'alerts.command': { what: 'a shell command', example: '--alert-command "logger -t pado"' },
  'alerts.events': { what: 'a list of event kinds (pado cluster events shows them)',
    example: '"alerts": { "events": ["broker-fenced", "partition-offline"] }' },
  'alerts.cooldownMs': { what: 'a duration in ms (0–86400000)', example: '"alerts": { "cooldownMs": 60000 }' },
  connectionsMaxReauthMs: {
    what: `a duration in ms (0: never; at most ${durationMsMax * 1000})`,
    example: '"connections.max.reauth.ms": 3600000',
  },
  ...Object.fromEntries(topicConfigDefs.map((d) => [`topicDefaults.${d.name}`, topicHint(d)])),
};

function topicHint(def: TopicConfigDef): FieldHint {
  if (def.kind === 'boolean' && def.topicOnly === true) {
    return { what: 'allowed here: it is set per topic, never for every topic',
      example: `pado topic alter-config orders --set ${def.name}=true` };
  }
  const sample = def.kind === 'boolean' ? 'true'
    : def.kind === 'policy' ? '"delete"'
    : String(topicConfigDefaults[def.name] ?? minInsyncReplicasFor(3));
  return { what: def.what, example: `"topicDefaults": { "${def.name}": ${sample} }` };
}

const hostSchema = { type: 'string', minLength: 1, maxLength: 253, pattern: '^[^\\s/]+$' };

function hostPortSchema(portMin: number): object {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['host', 'port'],
    properties: {
      host: hostSchema,
      port: { type: 'integer', minimum: portMin, maximum: 65535 },
    },
  };
}

function topicDefaultsSchema(): object {
  const properties: Record<string, object> = {};
  for (const def of topicConfigDefs) {
    // A topicOnly config keeps its default here (false): only the topic itself may turn it on.
    properties[def.name] = def.kind === 'boolean' && def.topicOnly === true
      ? { type: 'boolean', const: topicConfigDefaults[def.name] }
      : def.kind === 'boolean' ? { type: 'boolean' }
      : def.kind === 'policy' ? { type: 'string', enum: ['delete'] }
      : { type: 'integer', minimum: def.min, maximum: def.max };
  }
  return { type: 'object', additionalProperties: false, properties };
}

/** JSON Schema of a fully merged NodeConfig (defaults already applied). */
export const nodeConfigSchema = {
  type: 'object',
  additionalProperties: false,
  required: Object.keys(nodeConfigDefaults()),
  properties: {
    // 0 is Raft's "no node" in Pado (raft/): a node id starts at 1.
    nodeId: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 },
    listen: hostPortSchema(0),
    advertised: hostPortSchema(1),
    dataDir: { type: 'string', minLength: 1 },
    httpListen: hostPortSchema(0),
    autoCreateTopics: { type: 'boolean' },
    defaultPartitions: { type: 'integer', minimum: 1, maximum: limits.partitionsPerRequestMax },
    defaultReplicationFactor: { type: 'integer', minimum: 1, maximum: 32767 },
    offsetsTopicPartitions: { type: 'integer', minimum: 1, maximum: 1000 },
    offsetsTopicReplicationFactor: { type: 'integer', minimum: 1, maximum: 32767 },
    logLevel: { type: 'string', enum: [...logLevels] },
    diskReserveBytes: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    socketRequestMaxBytes: { type: 'integer', minimum: 1024, maximum: limits.requestBytesMax },
    topicDefaults: topicDefaultsSchema(),
    join: hostPortSchema(1),
    votersMax: { type: 'integer', enum: [3, 5] },
    rack: { type: 'string', minLength: 1, maxLength: 64 },
    replicaLagTimeMaxMs: { type: 'integer', minimum: replicaLagTimeMsMin, maximum: durationMsMax },
    brokerSessionTimeoutMs: {
      type: 'integer', minimum: brokerSessionTimeoutMsMin, maximum: durationMsMax,
    },
    logScrubBytesPerSecond: { type: 'integer', minimum: 0, maximum: scrubBytesPerSecondMax },
    listeners: {
      type: 'array', minItems: 1, maxItems: listenersMax,
      items: {
        type: 'object', additionalProperties: false,
        required: ['name', 'host', 'port', 'securityProtocol'],
        properties: {
          name: { type: 'string', pattern: listenerNamePattern },
          host: hostSchema,
          port: { type: 'integer', minimum: 0, maximum: 65535 },
          securityProtocol: { type: 'string', enum: [...securityProtocols] },
          advertised: hostPortSchema(1),
        },
      },
    },
    interBrokerListenerName: { type: 'string', pattern: listenerNamePattern },
    ssl: {
      type: 'object', additionalProperties: false,
      required: ['keystoreLocation', 'keystoreType', 'clientAuth',
        'endpointIdentificationAlgorithm'],
      properties: {
        keystoreLocation: { type: 'string', minLength: 1 },
        keystoreType: { type: 'string', enum: ['PEM', 'PKCS12'] },
        keyPassword: { type: 'string' },
        truststoreLocation: { type: 'string', minLength: 1 },
        clientAuth: { type: 'string', enum: [...sslClientAuths] },
        endpointIdentificationAlgorithm: { type: 'string', enum: ['https', ''] },
      },
    },
    saslEnabledMechanisms: {
      type: 'array', minItems: 1, uniqueItems: true,
      items: { type: 'string', enum: [...saslMechanismNames] },
    },
    connectionsMaxReauthMs: { type: 'integer', minimum: 0, maximum: durationMsMax * 1000 },
    authorizer: { type: 'string', enum: ['acl'] },
    superUsers: {
      type: 'array', maxItems: 1000,
      items: { type: 'string', minLength: 3, maxLength: 1024, pattern: '^[^:]+:.+$' },
    },
    allowEveryoneIfNoAclFound: { type: 'boolean' },
    masterKeyFile: { type: 'string', minLength: 1, maxLength: 4096 },
    alerts: {
      type: 'object', additionalProperties: false,
      properties: {
        webhook: { type: 'string', pattern: '^https?://[^\\s]+$', maxLength: 2048 },
        command: { type: 'string', minLength: 1, maxLength: 4096 },
        events: { type: 'array', maxItems: 32, uniqueItems: true,
          items: { type: 'string', pattern: '^[a-z][a-z-]{0,39}$' } },
        cooldownMs: { type: 'integer', minimum: 0, maximum: 86_400_000 },
      },
    },
    initialVoters: {
      type: 'array',
      minItems: 1,
      maxItems: initialVotersMax,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'host', 'port'],
        properties: {
          id: { type: 'integer', minimum: 1, maximum: 2 ** 31 - 1 },
          host: hostSchema,
          port: { type: 'integer', minimum: 1, maximum: 65535 },
        },
      },
    },
  },
} as const;
