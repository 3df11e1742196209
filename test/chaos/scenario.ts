/**
 * Shared body of the chaos scenarios (test/chaos/*.test.ts): start a ChaosRun with the printed
 * seed, run the nemesis `rounds` times with seeded load in between, check the history, print the
 * report (one JSON line; PADO_CHAOS_REPORT=<file> also appends it there) and assert the promises:
 * nothing acknowledged lost, no duplicate, no reordering, the consumer group read everything, and
 * (where the nemesis kills the group's coordinator) no committed offset went back.
 * Figures (unavailability windows, ISR rejoin times) are reported, never asserted (bench/ and the
 * issue note hold the targets).
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import {
  ChaosRun, chaosRounds, chaosScale, chaosSeed, formatReport, type ChaosOptions, type Scale,
} from '../support/chaos.js';

export async function runScenario(name: string, rounds: Readonly<Record<Scale, number>>,
  nemesis: (run: ChaosRun, round: number) => Promise<void>,
  opts: ChaosOptions = {},
  /** More checks once the history passed, before the cluster is stopped. */
  then?: (run: ChaosRun) => Promise<void>): Promise<void> {
  const seed = chaosSeed();
  const scale = chaosScale();
  const count = chaosRounds() ?? rounds[scale];
  const replay = `replay: PADO_SEED=${seed}${count === rounds[scale] ? '' : ` PADO_CHAOS_ROUNDS=${count}`}` +
    ' npm run test:chaos' +
    (scale === 'short' ? ' (or PADO_TEST_FILTER=chaos npm test for the short run)' : '');
  console.log(`chaos ${name}: seed=${seed} scale=${scale} rounds=${count} ${replay}`);
  const run = await ChaosRun.start(name, seed, opts);
  try {
    for (let round = 0; round < count; round++) {
      await run.load();
      await nemesis(run, round);
    }
    const report = await run.finish();
    const line = formatReport(report);
    console.log(`chaos report ${line}`);
    if (process.env.PADO_CHAOS_REPORT) appendFileSync(process.env.PADO_CHAOS_REPORT, `${line}\n`);
    const wentBack = report.offsetsWentBack ?? [];
    const failed = report.lost.length + report.duplicates.length + report.reorders.length +
      report.consumerMissing + wentBack.length + report.fatal.length +
      report.brokerSequenceErrors.length > 0;
    // PADO_CHAOS_KEEP_LOGS=1 keeps the broker logs of a passing run too (to study its figures).
    const keep = failed || process.env.PADO_CHAOS_KEEP_LOGS === '1';
    const where = keep ? ` broker logs: ${run.dumpLogs()}` : '';
    if (keep && !failed) console.log(`chaos ${name}:${where}`);
    const context = `seed=${seed} ${replay}${where}`;
    assert.deepEqual(report.lost, [], `acknowledged records lost; ${context}`);
    assert.deepEqual(report.duplicates, [], `duplicates; ${context}`);
    assert.deepEqual(report.reorders, [], `reordered records; ${context}`);
    assert.equal(report.consumerMissing, 0, `the consumer group missed records; ${context}`);
    assert.deepEqual(report.fatal, [], `librdkafka producer fatal errors; ${context}`);
    assert.deepEqual(report.brokerSequenceErrors, [],
      `sequence errors answered to librdkafka that it did not cause; ${context}`);
    assert.deepEqual(wentBack, [],
      `committed offsets went back after a coordinator kill; ${context}`);
    assert.ok(report.acked > 0, `nothing was acknowledged; ${context}`);
    assert.ok(report.rdkafkaAcked > 0, `librdkafka had nothing acknowledged; ${context}`);
    await then?.(run);
  } catch (e) {
    console.log(`chaos ${name} failed: seed=${seed} ${replay} broker logs: ${run.dumpLogs()}`);
    throw e;
  } finally {
    await run.stop();
  }
}
