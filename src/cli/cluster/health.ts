/**
 * `pado cluster health`: problems found in one broker's view of the cluster, each with the next
 * step to take; exit 0 when there are none, 1 otherwise (so scripts and probes can use it).
 * The evaluation itself is client/cluster-health.ts.
 */
import { fetchHealth, quorumUnavailable, type HealthReport } from '../../client/index.js';
import { choiceOption, parseBootstrap, type Bootstrap } from '../args.js';
import { outputFormats, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withClient, type CliContext } from '../verb.js';

export interface ClusterHealthArgs {
  bootstrap: Bootstrap;
  format: OutputFormat;
}

export const clusterHealth = defineVerb<ClusterHealthArgs>({
  command: 'cluster health',
  description: 'Check partitions, brokers, their disks and the metadata quorum; exit 1 when unhealthy',
  options: [bootstrapOption, formatOption],
  examples: ['pado cluster health --bootstrap 127.0.0.1:9092'],
  parse(_positionals, options, env) {
    return {
      bootstrap: parseBootstrap(options, env),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
    };
  },
  async run(args, ctx) {
    const { report } = await withClient(ctx, args.bootstrap, fetchHealth);
    printHealth(ctx, args.format, report);
    return report.healthy ? ExitCode.ok : ExitCode.failure;
  },
});

function printHealth(ctx: CliContext, format: OutputFormat, report: HealthReport): void {
  if (format === 'json') {
    ctx.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  if (!report.quorumChecked) ctx.stdout.write(`${quorumUnavailable}\n`);
  if (report.healthy) {
    ctx.stdout.write('healthy: every partition has a leader and a full ISR\n');
    return;
  }
  ctx.stdout.write(`unhealthy: ${report.problems.length} problem(s)\n`);
  for (const problem of report.problems) ctx.stdout.write(`- ${problem.message}\n`);
}
