/**
 * produce-consume: throughput of one partition through a real `pado start` process, with
 * librdkafka (kcat) as the client so the client is not the bottleneck.
 *
 * Per configuration (record size × acks) and per run, a fresh broker and data dir:
 *   1. latency probe — Pado's own client sends one 1-record batch at a time and times each
 *      round trip (kcat 1.7.1 registers no stats callback, so librdkafka's rtt/int_latency
 *      statistics never reach us); the broker is otherwise idle, so this is fsync-bound latency;
 *   2. produce — `kcat -P -l` of a pre-generated file, whole run timed, end offset checked;
 *   3. consume — `kcat -C -e -o beginning -q` to /dev/null, minus an empty-topic run (startup,
 *      metadata, first fetch) on the same broker;
 *   4. the broker's CPU time per phase (/proc/<pid>/stat) and peak RSS (VmHWM).
 * Medians and min–max over the runs are printed as one JSON line.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaClient } from '../src/client/index.js';
import { buildBatch } from '../src/protocol/records/index.js';
import {
  percentile, round, spread, startBroker, tempDir, timedRun, writeLinesFile,
  type Broker, type BrokerOptions,
} from './support.js';
import { systemClock, systemNet } from '../src/node/io/index.js';

const clientIo = { net: systemNet, clock: systemClock };

export interface Config {
  readonly valueBytes: number;
  readonly acks: 1 | -1;
  readonly records: number;
}

export interface ProduceConsumeOptions {
  readonly runs: number;
  /** Payload per run for 1 KiB records; 100 B runs send `records100` records. */
  readonly mib1k: number;
  readonly records100: number;
  readonly probeCount: number;
}

export const defaultOptions: ProduceConsumeOptions = {
  runs: 5, mib1k: 200, records100: 1_000_000, probeCount: 500,
};

const topic = 'bench';
const kcatTimeoutMs = 300_000;
/** Fixed producer settings: big batches, deep queue, so librdkafka keeps the broker busy. */
const kcatProducerConf = [
  'linger.ms=5', 'batch.size=1000000', 'queue.buffering.max.messages=1000000',
  'queue.buffering.max.kbytes=1048576',
];

export interface RunSample {
  readonly produceMs: number;
  readonly consumeMs: number;
  readonly consumeBaselineMs: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly brokerCpuProduceMs: number;
  readonly brokerSystemCpuProduceMs: number;
  readonly brokerCpuConsumeMs: number;
  readonly brokerPeakRssKiB: number;
}

export function configsFor(opts: ProduceConsumeOptions): Config[] {
  const records1k = Math.floor((opts.mib1k * 1024 * 1024) / 1024);
  const configs: Config[] = [];
  for (const acks of [1, -1] as const) {
    configs.push({ valueBytes: 100, acks, records: opts.records100 });
    configs.push({ valueBytes: 1024, acks, records: records1k });
  }
  return configs;
}

export async function produceConsume(opts: ProduceConsumeOptions): Promise<object> {
  const dir = tempDir('pado-bench-input-');
  try {
    const results: object[] = [];
    for (const valueBytes of [100, 1024]) {
      const configs = configsFor(opts).filter((c) => c.valueBytes === valueBytes);
      const input = join(dir, `records-${valueBytes}.txt`);
      await writeLinesFile(input, configs[0]!.records, valueBytes);
      for (const config of configs) {
        const samples: RunSample[] = [];
        for (let run = 0; run < opts.runs; run++) {
          samples.push(await runOnce(config, input, opts.probeCount));
        }
        results.push(summarize(config, samples));
      }
      rmSync(input, { force: true });
    }
    return {
      measure: 'produce-consume', runs: opts.runs,
      producer: `kcat -P -l, ${kcatProducerConf.join(' ')}`,
      latencySource: 'pado client probe: sequential 1-record batches, idle broker, ' +
        `${opts.probeCount} round trips per run`,
      configs: results,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One fresh broker through probe, produce and consume; always stopped and its dir removed. */
export async function runOnce(
  config: Config, input: string, probeCount: number, brokerOpts: BrokerOptions = {},
): Promise<RunSample> {
  const broker = await startBroker(brokerOpts);
  try {
    const client = await KafkaClient.connect({ io: clientIo, host: '127.0.0.1', port: broker.port });
    try {
      await createTopics(client, [topic, 'probe', 'empty']);
      const latencies = await probeLatency(client, config, probeCount);
      const cpuStart = broker.cpuMs();
      const systemStart = broker.systemCpuMs();
      const produceMs = await kcatProduce(broker, config, input);
      const cpuProduced = broker.cpuMs();
      const systemProduced = broker.systemCpuMs();
      await expectEndOffset(client, config.records);
      const consumeBaselineMs = await kcatConsume(broker, 'empty');
      const cpuBaseline = broker.cpuMs();
      const consumeMs = await kcatConsume(broker, topic) - consumeBaselineMs;
      return {
        produceMs, consumeMs, consumeBaselineMs,
        latencyP50Ms: percentile(latencies, 50), latencyP99Ms: percentile(latencies, 99),
        brokerCpuProduceMs: cpuProduced - cpuStart,
        brokerSystemCpuProduceMs: systemProduced - systemStart,
        brokerCpuConsumeMs: broker.cpuMs() - cpuBaseline,
        brokerPeakRssKiB: broker.peakRssKiB(),
      };
    } finally {
      await client.close();
    }
  } finally {
    await broker.stop();
  }
}

async function createTopics(client: KafkaClient, names: readonly string[]): Promise<void> {
  const response = await client.createTopics(
    names.map((name) => ({ name, numPartitions: 1, replicationFactor: 1 })));
  for (const result of response.topics) {
    if (result.errorCode !== 0) {
      throw new Error(`create topic ${result.name}: error ${result.errorCode}`);
    }
  }
}

/** Sorted round-trip times (ms) of `count` sequential produces of one `valueBytes` record. */
async function probeLatency(
  client: KafkaClient, config: Config, count: number,
): Promise<number[]> {
  const value = Buffer.alloc(config.valueBytes, 0x61);
  // One batch reused: the broker copies what it receives, the client never mutates it.
  const batch = buildBatch({
    records: [{ key: null, value, timestamp: Date.now() }], compression: 'none',
  });
  const latencies = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await client.produce('probe', 0, batch, config.acks);
    latencies[i] = performance.now() - started;
    const errorCode = response?.responses[0]?.partitionResponses[0]?.errorCode;
    if (errorCode !== 0) throw new Error(`probe produce failed: error ${String(errorCode)}`);
  }
  return latencies.sort((a, b) => a - b);
}

async function kcatProduce(broker: Broker, config: Config, input: string): Promise<number> {
  const conf = [`acks=${config.acks}`, ...kcatProducerConf].flatMap((c) => ['-X', c]);
  const args = ['-P', '-b', `127.0.0.1:${broker.port}`, '-t', topic, '-p', '0', ...conf,
    '-l', input];
  const run = await timedRun('kcat', args, kcatTimeoutMs);
  if (run.code !== 0) throw new Error(`kcat -P exited ${String(run.code)}: ${run.stderr}`);
  return run.elapsedMs;
}

async function kcatConsume(broker: Broker, name: string): Promise<number> {
  const args = ['-C', '-b', `127.0.0.1:${broker.port}`, '-t', name, '-p', '0',
    '-o', 'beginning', '-e', '-q'];
  const run = await timedRun('kcat', args, kcatTimeoutMs);
  if (run.code !== 0) throw new Error(`kcat -C exited ${String(run.code)}: ${run.stderr}`);
  return run.elapsedMs;
}

/** A throughput number means nothing if records went missing: check the log end offset. */
async function expectEndOffset(client: KafkaClient, records: number): Promise<void> {
  const response = await client.listOffsets(topic, [{ partition: 0, timestamp: -1 }]);
  const offset = response.topics[0]?.partitions[0]?.offset;
  if (offset !== records) {
    throw new Error(`after produce the log ends at ${String(offset)}, expected ${records}`);
  }
}

function summarize(config: Config, samples: readonly RunSample[]): object {
  const mib = (config.records * config.valueBytes) / (1024 * 1024);
  const rates = (ms: readonly number[]) => ({
    mibPerS: spread(ms.map((m) => mib / (m / 1000))),
    msgsPerS: spread(ms.map((m) => Math.round(config.records / (m / 1000)))),
  });
  const produceMs = samples.map((s) => s.produceMs);
  const consumeMs = samples.map((s) => s.consumeMs);
  return {
    valueBytes: config.valueBytes, acks: config.acks, records: config.records,
    payloadMiB: round(mib),
    produce: rates(produceMs),
    consume: { ...rates(consumeMs), baselineMs: spread(samples.map((s) => s.consumeBaselineMs)) },
    latencyMs: {
      p50: spread(samples.map((s) => s.latencyP50Ms)),
      p99: spread(samples.map((s) => s.latencyP99Ms)),
    },
    brokerCpuPercent: {
      produce: spread(samples.map((s, i) => (100 * s.brokerCpuProduceMs) / produceMs[i]!)),
      produceSystem: spread(
        samples.map((s, i) => (100 * s.brokerSystemCpuProduceMs) / produceMs[i]!)),
      consume: spread(samples.map((s, i) => (100 * s.brokerCpuConsumeMs) / consumeMs[i]!)),
    },
    brokerPeakRssMiB: spread(samples.map((s) => s.brokerPeakRssKiB / 1024)),
  };
}
