/**
 * Chaos with encryption at rest (issue 15): three brokers that encrypt every segment, the Raft
 * log and the group snapshots, talk to each other over mutual TLS (SSL inter-broker listener) and
 * take the chaos clients — kafkajs (idempotent, one partition per send, a committing group) and
 * librdkafka (idempotent, sends spanning the three partitions) — on a PLAINTEXT listener. The
 * nemesis alternates a SIGKILL of partition 0's leader and a whole-cluster power loss (2 rounds in
 * `npm test`, 20 in `npm run test:chaos`; PADO_CHAOS_BUSY adds CPU contention). Nothing
 * acknowledged may be lost, duplicated or reordered. Then a marker record is written with kcat
 * (acks=all: every ISR member's log has it) and read back, and no file of any data directory may
 * hold it: replication decrypts for the followers and each re-encrypts under its own keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chaosTopic } from '../support/chaos.js';
import { run as runCommand } from '../support/run.js';
import { filesContaining } from '../support/scan.js';
import { runScenario } from './scenario.js';

const marker = 'pado-chaos-at-rest-marker';


test('chaos: encryption at rest under leader kills and power loss, then no plaintext on disk',
  { timeout: 60 * 60_000 }, async () => {
    await runScenario('at-rest', { short: 2, full: 20 },
      (run, round) => round % 2 === 0 ? run.killLeader(0) : run.powerLossRound(4_000, 1_000),
      { atRest: true },
      async (run) => {
        const cluster = run.cluster;
        const produced = await runCommand('kcat', ['-b', cluster.address(1), '-P', '-t', chaosTopic,
          '-p', '0', '-X', 'acks=all', '-m', '30'], { input: `${marker}\n` });
        assert.equal(produced.code, 0, produced.stderr);
        // acks=all: every ISR member has it in its log file. Read back: decryption works.
        const read = await runCommand('kcat', ['-b', cluster.address(2), '-C', '-t', chaosTopic,
          '-p', '0', '-o', '-1', '-e', '-q', '-m', '30']);
        assert.ok(read.stdout.includes(marker), `marker read back: ${read.stdout}${read.stderr}`);
        // Scanned while the brokers run: what they wrote is in the files (a kill would change
        // nothing on disk, and would leave the chaos consumer retrying a dead cluster).
        for (const id of cluster.ids) {
          const dir = cluster.dataDir(id);
          assert.ok(readdirSync(dir).some((n) => n.startsWith(`${chaosTopic}-`)), `${dir} has data`);
          assert.deepEqual(filesContaining(dir, Buffer.from(marker)), [], `broker ${id}: no plaintext`);
        }
      });
  });
