/**
 * `at-rest`: what encryption at rest costs on the produce bench (issue 15 item 5: under 15 %).
 * The produce-consume run (kcat -P of 1 KiB or 100 B records to one partition, acks=-1, then
 * kcat -C; produce-consume.ts `runOnce`) on two brokers that differ only in the master key: both
 * have an SSL inter-broker listener (which encryption at rest requires; certificates from
 * `pado security init`) and take the clients on a PLAINTEXT listener, so the traffic is the same.
 * Runs alternate plain, encrypted, plain, …, each on a fresh broker and data directory, so a
 * machine that gets busier or quieter shifts both alike. Reported per record size: median and
 * range of produce and consume MiB/s, broker CPU ms per MiB produced and consumed, for each, and
 * the ratios of the medians (encrypted / plain).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, runOnce, type RunSample } from './produce-consume.js';
import {
  mainJs, MiB, round, type RunsMibOptions, spread, tempDir, timedRun, writeLinesFile,
} from './support.js';

export type AtRestOptions = RunsMibOptions;

export const atRestDefaults: AtRestOptions = { runs: 5, mib: 200 };


export async function atRest(opts: AtRestOptions): Promise<object> {
  const dir = tempDir('pado-bench-at-rest-');
  try {
    const certs = join(dir, 'certs');
    const init = await timedRun(process.execPath, [mainJs, 'security', 'init', '--dir', certs,
      '--node', '1=localhost', '--loopback'], 60_000);
    if (init.code !== 0) throw new Error(`pado security init: ${init.stderr}`);
    const keyFile = join(dir, 'master.key');
    const key = await timedRun(process.execPath, [mainJs, 'security', 'rotate-key',
      '--key-file', keyFile], 60_000);
    if (key.code !== 0) throw new Error(`pado security rotate-key: ${key.stderr}`);
    const base = {
      listeners: 'BROKER://127.0.0.1:0,CLIENT://127.0.0.1:0',
      'listener.security.protocol.map': 'BROKER:SSL,CLIENT:PLAINTEXT',
      'inter.broker.listener.name': 'BROKER',
      'ssl.keystore.location': join(certs, 'node1.pem'),
      'ssl.truststore.location': join(certs, 'ca.pem'),
    };
    const results: object[] = [];
    for (const valueBytes of [1024, 100]) {
      // 1 KiB: `mib` MiB; 100 B: half as many bytes (the produce bench's 1 M records at 200).
      const records = valueBytes === 1024 ? opts.mib * 1024 : Math.floor(opts.mib * MiB / 200);
      const config: Config = { valueBytes, acks: -1, records };
      const input = join(dir, `records-${valueBytes}.txt`);
      await writeLinesFile(input, records, valueBytes);
      const plain: RunSample[] = [];
      const encrypted: RunSample[] = [];
      for (let run = 0; run < opts.runs; run++) {
        plain.push(await runOnce(config, input, 50, { config: base, clientListener: 'CLIENT' }));
        encrypted.push(await runOnce(config, input, 50, {
          config: { ...base, 'encryption.master.key.file': keyFile }, clientListener: 'CLIENT' }));
        process.stderr.write(`at-rest ${valueBytes} B run ${run + 1}/${opts.runs} done\n`);
      }
      rmSync(input, { force: true });
      const mib = (records * valueBytes) / MiB;
      const sum = (s: readonly RunSample[]) => ({
        produceMiBPerS: spread(s.map((x) => mib / (x.produceMs / 1000))),
        consumeMiBPerS: spread(s.map((x) => mib / (x.consumeMs / 1000))),
        brokerCpuMsPerMiBProduce: spread(s.map((x) => x.brokerCpuProduceMs / mib)),
        brokerCpuMsPerMiBConsume: spread(s.map((x) => x.brokerCpuConsumeMs / mib)),
        brokerPeakRssMiB: spread(s.map((x) => x.brokerPeakRssKiB / 1024)),
      });
      const p = sum(plain);
      const e = sum(encrypted);
      results.push({
        valueBytes, acks: -1, records, mib: round(mib), plain: p, encrypted: e,
        ratio: {
          produceThroughput: round(e.produceMiBPerS.median / p.produceMiBPerS.median),
          consumeThroughput: round(e.consumeMiBPerS.median / p.consumeMiBPerS.median),
          produceCpuPerMiB: round(e.brokerCpuMsPerMiBProduce.median /
            p.brokerCpuMsPerMiBProduce.median),
          consumeCpuPerMiB: round(e.brokerCpuMsPerMiBConsume.median /
            p.brokerCpuMsPerMiBConsume.median),
        },
      });
    }
    return { measure: 'at-rest', runs: opts.runs, order: 'plain and encrypted alternate',
      configs: results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
