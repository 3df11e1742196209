/**
 * Controller timing and sizes. Kept here rather than in common/limits.ts (a shared file); node/
 * reads them to drive heartbeats and the session check.
 *
 * Heartbeats and sessions. Kafka's defaults (broker.heartbeat.interval.ms 2 s,
 * broker.session.timeout.ms 9 s) are tuned for data centres with large JVM heaps and make a
 * broker's death visible only after ~9 s. Issue 6 targets a client-visible failover p99 ≤ 2 s,
 * which must fit: detection (≤ session timeout after the last heartbeat) + the session check
 * period + one Raft commit (a LAN round trip, milliseconds) + the client's metadata refresh
 * (kafkajs retries after ~100–300 ms). So the session must stay near 1.2 s.
 *
 * The session must still outlast a healthy broker's worst stall: on a Raspberry Pi 4 a Node
 * major GC of a few hundred MB heap pauses ~100–300 ms, rarely ~500 ms; a busy event loop adds
 * tens of ms. A 200 ms heartbeat gives 6 heartbeats per 1.2 s session, so a broker is fenced only
 * after missing 5 in a row (≥ 1 s of silence) — twice the worst pause we expect — while a dead
 * broker is fenced 1.2–1.3 s after its last heartbeat. 5 heartbeats/s/broker to the controller is
 * negligible (a few dozen bytes each). Measured failover figures belong in bench/README.md.
 */
export const heartbeatIntervalMsDefault = 200;
export const sessionTimeoutMsDefault = 1200;
/** How often the active controller runs expireSessions: a small slice of the session. */
export const sessionCheckIntervalMsDefault = 100;
/**
 * A broker whose heartbeat connection closed is fenced this long after, unless it heartbeats
 * again first. A killed process's connections close at once (the kernel ends them), so this
 * replaces most of the session wait in the common failure; a live broker whose connection merely
 * broke reconnects and heartbeats within one or two heartbeat intervals.
 */
export const closedConnectionGraceMsDefault = 500;

/** Producer ids per AllocateProducerIds block (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
export const producerIdBlockSize = 1000;

/** Topic config that allows electing a replica outside the ISR (may lose acknowledged data). */
export const uncleanLeaderElectionConfig = 'unclean.leader.election.enable';
