/**
 * Every limit in one place, with the relations between them asserted at load (STYLE.md §2,
 * tigerbeetle src/constants.zig). Config may lower or raise the user-facing ones within bounds.
 */
import { assert } from './assert.js';

/** socket.request.max.bytes: a frame larger than this closes the connection. */
export const requestBytesMax = 100 * 1024 * 1024;
/**
 * The largest frame a connection may send before it has authenticated (Kafka's
 * sasl.server.max.receive.size): ApiVersions, SaslHandshake and SASL tokens are small, and a
 * client nobody knows yet must not make the broker buffer 100 MiB per connection.
 */
export const unauthenticatedFrameBytesMax = 512 * 1024;
/**
 * A SASL connection that has not authenticated by then is closed: a client logs in at once, and
 * connections that never do would otherwise hold the listener's connection slots for ever.
 */
export const authenticationMsMax = 30_000;
/** Requests decoded but not yet answered, per connection; beyond it we stop reading the socket. */
export const inFlightRequestsPerConnectionMax = 64;
/** Open client connections per broker. */
export const connectionsMax = 4096;
/** message.max.bytes default: the largest record batch a topic accepts. */
export const messageBytesMaxDefault = 1024 * 1024 + 12;
/** segment.bytes default. */
export const segmentBytesDefault = 1024 * 1024 * 1024;
/** Bytes between two offset-index entries (log.index.interval.bytes). */
export const indexIntervalBytes = 4096;
/** Maximum index file size before a segment rolls (log.index.size.max.bytes). */
export const indexBytesMax = 10 * 1024 * 1024;
/** Producer state: batch sequences remembered per producer and partition (Kafka keeps 5). */
export const producerBatchesRememberedMax = 5;
/** Fetch long-poll cap, whatever the client asks. */
export const fetchWaitMsMax = 30_000;
/** Produce requests waiting for their fsync or replication, per broker. */
export const waitingProducesMax = 10_000;
/**
 * Bytes a partition leader's log may run ahead of its high watermark before acks=all produces
 * are held before their append (partitions/append-gate.ts). One follower fetch response (8 MiB),
 * so a follower of a lone busy partition can reach our log end in one fetch. Measured against 4
 * and 16 MiB (bench/README.md "replication", 3 runs each): the same throughput, but at 4 MiB the
 * gate is full most of the time and a light producer beside a bulk one waits a fetch round per
 * turn (p50 ~70 ms vs 8–33 ms), while the worst wait grows with the bytes ahead of it (p99 ~170,
 * ~220, ~340 ms for 4, 8, 16 MiB).
 */
export const acksAllBacklogBytesMax = 8 * 1024 * 1024;
/** Partitions per request we will look at; larger requests are refused as malformed. */
export const partitionsPerRequestMax = 100_000;
/** Bytes one fetch response may carry, whatever the client asks. */
export const fetchResponseBytesMax = 64 * 1024 * 1024;
/** Free disk below which produce is refused (log.disk.reserve.bytes default). */
export const diskReserveBytesDefault = 64 * 1024 * 1024;
/**
 * High-watermark checkpoint writes in flight per node (node/replica-manager.ts): each replaces a
 * small file durably (three fsyncs); a few at a time keep a round short without crowding the
 * group-commit fsyncs that share the disk.
 */
export const highWatermarkCheckpointsInFlightMax = 4;
/** Shutdown deadline after the first signal. */
export const shutdownMsMax = 5_000;

assert(messageBytesMaxDefault < requestBytesMax, 'a batch must fit in a request');
assert(indexIntervalBytes < messageBytesMaxDefault, 'index interval below batch size');
assert(fetchResponseBytesMax <= requestBytesMax, 'responses no larger than requests');

// ---- Raft transport and driver (node/raft-transport.ts, node/raft-driver.ts) ----
/** Raft messages queued for one peer; beyond it the oldest is dropped (Raft retransmits). */
export const raftPeerQueueMessagesMax = 4096;
/** Messages per RaftMessage request (one batch per peer per turn, split beyond this). */
export const raftBatchMessagesMax = 512;
/** Entry bytes per RaftMessage request (a single larger append still goes alone). */
export const raftBatchBytesMax = 8 * 1024 * 1024;
/** RaftMessage requests awaiting their ack per peer: pipelining without unbounded buffering. */
export const raftPeerInFlightMax = 8;
/** Reconnect backoff to a peer: doubles from min to max (bounded, so a restarted peer is found). */
export const raftReconnectBackoffMsMin = 50;
export const raftReconnectBackoffMsMax = 1_000;
/** Proposals and reads waiting for their outcome, per node; more are refused. */
export const raftWaitersMax = 10_000;
/** Ready iterations per driver turn before it yields to the event loop. */
export const raftReadiesPerTurnMax = 64;

assert(raftPeerInFlightMax <= inFlightRequestsPerConnectionMax, 'peer pipeline fits a connection');
assert(raftBatchBytesMax < requestBytesMax, 'a raft batch must fit in a request');
assert(raftReconnectBackoffMsMin <= raftReconnectBackoffMsMax, 'backoff range');

// ---- Peer input (server/raft-wire.ts, storage/raft-store.ts, controller/brokers.ts) ----
/**
 * Raft terms and indexes as stored: the raft store keeps both as u48 in an entry header
 * (storage/raft-store.ts), so every stored term and index is below this. It asserts before a
 * write and checks after a read (STYLE.md §7, pair assertions).
 */
export const raftStoredNumberMax = 2 ** 48;
/**
 * Terms, indexes and commit values a peer may send are below this; a RaftMessage carrying more is
 * refused whole (issue 13). Raft's own arithmetic on them is small steps: a term grows by one per
 * election (term + 1 in a pre-vote or campaign), an index by the entries appended. Half the
 * store's range leaves 2^47 ≈ 1.4e14 elections or entries of headroom after the largest term a
 * peer can make us adopt — over 4,000 years at one election per millisecond — so no accepted
 * value can push a node to a term or index it cannot store (2^48) or compute exactly (2^53). Real
 * clusters stay far below: a term is the number of elections ever held. A lagging node is never
 * refused for its distance from the others: the bound is on the value, not on a jump.
 */
export const raftPeerNumberMax = 2 ** 47;
/** Longest host name a broker may register (a DNS name is at most 253 characters). */
export const brokerHostLengthMax = 253;
/** Longest rack name a broker may register (the broker.rack config allows 1–64 characters). */
export const brokerRackLengthMax = 64;

assert(raftPeerNumberMax * 2 <= raftStoredNumberMax, 'headroom between peer and stored numbers');
assert(raftStoredNumberMax < Number.MAX_SAFE_INTEGER, 'stored raft numbers are safe integers');

// ---- SCRAM credentials and ACLs (metadata/codec.ts refuses records beyond these) ----
/**
 * SCRAM user names: 1 to this many UTF-8 bytes. Kafka refuses only an empty name
 * (ScramControlManager); the upper bound is Pado's: PLAIN's 255 (RFC 4616 §2), so every user with
 * a credential can also log in with PLAIN. Equal to security/'s saslNameBytesMax.
 */
export const scramUserNameBytesMax = 255;
/**
 * SCRAM salt bytes: 1 to this many. Kafka does not bound the salt a client sends
 * (AlterUserScramCredentials); its own tools make at most 26 (ScramFormatter: 130 random bits in
 * base 36). Pado's cap, equal to security/'s scramSaltBytesMax: the decoder must accept every salt
 * the controller accepts.
 */
export const scramSaltBytesMax = 128;
/** SCRAM iteration counts Kafka accepts (ScramMechanism's minimum; ScramControlManager's max). */
export const scramIterationsMin = 4096;
export const scramIterationsMax = 16384;
/**
 * ACL resource names, principals and hosts: Kafka's longest string (an int16 length; its readers
 * refuse longer compact strings too), so every version of DescribeAcls can return the ACL.
 */
export const aclStringBytesMax = 0x7fff;

assert(scramIterationsMin <= scramIterationsMax, 'SCRAM iteration range');

/**
 * Cluster events the metadata image keeps (issue 16: the newest; older ones drop out). Each is
 * well under a kilobyte, so the image carries at most a few hundred KiB of them.
 */
export const clusterEventsKept = 256;
/** A cluster event's message, in UTF-16 code units (the controller writes one sentence). */
export const clusterEventMessageMax = 1_000;

// ---- The web console (console/, served by the HTTP admin listener) ----
/** Records one message-browser answer shows at most. */
export const consoleBrowseRecordsMax = 200;
/** Bytes one message-browser fetch asks for (and so the most it decodes). */
export const consoleBrowseBytesMax = 1024 * 1024;
/** Bytes of one key, value or header value shown; the rest is cut and marked as cut. */
export const consoleFieldBytesMax = 4 * 1024;
/** Logged-in console sessions kept; a login beyond it ends the least recently used one. */
export const consoleSessionsMax = 64;
/** A console session ends after this long without a request… */
export const consoleSessionIdleMsMax = 30 * 60_000;
/** …and this long after its login, however busy. */
export const consoleSessionMsMax = 8 * 60 * 60_000;
/** Every console API call answers within this (504 after it); its broker requests are cut too. */
export const consoleCallMsMax = 8_000;
/** Console API calls being answered at once (all sessions); more are answered 503. */
export const consoleCallsInFlightMax = 32;
/** Console logins being checked against the broker at once; more are answered 503. */
export const consoleLoginsInFlightMax = 4;
/** Topics, partitions or groups one console list shows at most. */
export const consoleListRowsMax = 2_000;

assert(consoleBrowseBytesMax <= fetchResponseBytesMax, 'a browse fits in one fetch response');
assert(consoleFieldBytesMax * 2 <= consoleBrowseBytesMax, 'a shown field fits in a browse');
assert(consoleSessionIdleMsMax <= consoleSessionMsMax, 'idle expiry within the session');
assert(consoleLoginsInFlightMax <= consoleCallsInFlightMax, 'logins are calls too');
