/**
 * `pado cluster maintenance enable|disable <id>` and `pado cluster maintenance status` (rpk's
 * names; three verbs sharing `parseMaintenance`): drain a broker's leaderships before a reboot (controller/maintenance.ts decides).
 * `enable` waits (up to --timeout-ms) until the broker leads nothing another in-sync replica
 * could lead, then says what it still leads and why; `disable` hands its preferred partitions
 * back; `status` lists the brokers in maintenance. The state is in the cluster's metadata: it
 * holds across the broker's restart and controller changes until disabled.
 */
import {
  alterBrokerMaintenance, describeBrokerMaintenance, describeBrokerError, type KafkaClient,
  type MaintenanceState,
} from '../../client/index.js';
import { PadoError, PadoErrorCode } from '../../common/index.js';
import {
  argumentError, choiceOption, intOption, parseBootstrap, type Bootstrap, type RawOptions,
} from '../args.js';
import { formatTable, outputFormats, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import {
  bootstrapOption, defineVerb, ExitCode, withClient, type CliContext, type OptionSpec,
} from '../verb.js';
import { parseNodeId } from './add-voter.js';
import { pollUntil, watchInterrupt } from './wait.js';

export type MaintenanceArgs =
  | { action: 'enable' | 'disable'; bootstrap: Bootstrap; id: number; timeoutMs: number }
  | { action: 'status'; bootstrap: Bootstrap; format: OutputFormat };

const actions = ['enable', 'disable', 'status'] as const;

export function parseMaintenance(positionals: readonly string[], options: RawOptions,
  bootstrap: Bootstrap): MaintenanceArgs {
  const action = positionals[0];
  if (action === 'status') {
    return { action, bootstrap,
      format: choiceOption(options, 'format', '--format', outputFormats, 'table') };
  }
  if (action !== 'enable' && action !== 'disable') {
    throw argumentError(`cluster maintenance: '${action ?? ''}' is not one of ` +
      `${actions.join(', ')}; write e.g. pado cluster maintenance enable 2`);
  }
  const timeoutMs = intOption(options, 'timeoutMs', '--timeout-ms', 0, 86_400_000, '30000')
    ?? 30_000;
  return { action, bootstrap, id: parseNodeId(positionals[1]), timeoutMs };
}

/** The line `enable` ends with, from the broker's state after the drain. */
export function drainReport(id: number, state: MaintenanceState | undefined): string {
  if (state === undefined || state.leaderCount === 0) {
    return `broker ${id} is in maintenance mode and leads no partition: it can be restarted`;
  }
  if (state.stuckLeaders === state.leaderCount) {
    return `broker ${id} is in maintenance mode but still leads ${state.leaderCount} ` +
      'partition(s): it is their only live in-sync replica, so moving them would take them ' +
      'offline (pado cluster health shows which)';
  }
  return `broker ${id} is in maintenance mode; ${state.leaderCount} leadership(s) still moving`;
}

async function enableOrDisable(client: KafkaClient, ctx: CliContext,
  args: Extract<MaintenanceArgs, { action: 'enable' | 'disable' }>): Promise<number> {
  const enabled = args.action === 'enable';
  const answer = await alterBrokerMaintenance(client, args.id, enabled);
  if (answer.errorCode !== 0) {
    ctx.stderr.write(`${describeBrokerError(answer.errorCode, {}, answer.errorMessage)}\n`);
    return ExitCode.failure;
  }
  if (!enabled) {
    ctx.stdout.write(`broker ${args.id} left maintenance mode: it leads the partitions it is ` +
      'the preferred replica of again (those in sync now; the others once they are)\n');
    return ExitCode.ok;
  }
  let state: MaintenanceState | undefined;
  const outcome = await pollUntil(ctx, watchInterrupt(ctx),
    { timeoutMs: args.timeoutMs, intervalMs: 200 }, async () => {
      const all = await describeBrokerMaintenance(client);
      if (all === null) {
        throw new PadoError(PadoErrorCode.connection, 'the broker does not serve maintenance mode');
      }
      state = all.find((s) => s.brokerId === args.id);
      return state !== undefined && state.leaderCount === state.stuckLeaders;
    });
  ctx.stdout.write(`${drainReport(args.id, state)}\n`);
  if (outcome === 'timeout') {
    ctx.stderr.write(`leaderships still moving after ${args.timeoutMs} ms: ` +
      '`pado cluster maintenance status` shows the progress\n');
    return ExitCode.failure;
  }
  return ExitCode.ok;
}

async function status(client: KafkaClient, ctx: CliContext, format: OutputFormat): Promise<number> {
  const all = await describeBrokerMaintenance(client);
  if (all === null) {
    ctx.stderr.write('this broker does not serve maintenance mode (an older version?)\n');
    return ExitCode.failure;
  }
  if (format === 'json') {
    ctx.stdout.write(`${JSON.stringify(all)}\n`);
    return ExitCode.ok;
  }
  if (all.length === 0) {
    ctx.stdout.write('no broker is in maintenance mode\n');
    return ExitCode.ok;
  }
  ctx.stdout.write(formatTable([
    { key: 'brokerId', title: 'BROKER' }, { key: 'leaderCount', title: 'LEADERS' },
    { key: 'stuckLeaders', title: 'ONLY IN-SYNC REPLICA' }, { key: 'state', title: 'STATE' },
  ], all.map((s) => ({ ...s,
    state: s.leaderCount === 0 ? 'drained'
      : s.leaderCount === s.stuckLeaders ? 'drained (rest stuck)' : 'draining' }))));
  return ExitCode.ok;
}

const run = (args: MaintenanceArgs, ctx: CliContext): Promise<number> =>
  withClient(ctx, args.bootstrap, (client) => (args.action === 'status'
    ? status(client, ctx, args.format) : enableOrDisable(client, ctx, args)));

const timeoutOption = { flags: '--timeout-ms <ms>',
  description: 'how long to wait for the drain (0: until done)', default: 30_000 };

/** One of the three verbs: `action` first, then what the command line gave. */
function maintenanceVerb(action: MaintenanceArgs['action'], command: string, description: string,
  options: OptionSpec[]) {
  return defineVerb<MaintenanceArgs>({
    command, description, options: [bootstrapOption, ...options],
    examples: [`pado ${command.replace(' <id>', ' 2')}`],
    parse: (positionals, raw, env) =>
      parseMaintenance([action, ...positionals], raw, parseBootstrap(raw, env)),
    run,
  });
}

export const clusterMaintenanceEnable = maintenanceVerb('enable', 'cluster maintenance enable <id>',
  'Drain a broker\'s leaderships before a reboot (maintenance mode, as rpk\'s)', [timeoutOption]);
export const clusterMaintenanceDisable = maintenanceVerb('disable',
  'cluster maintenance disable <id>',
  'End a broker\'s maintenance mode: it leads its preferred partitions again', []);
export const clusterMaintenanceStatus = maintenanceVerb('status', 'cluster maintenance status',
  'List the brokers in maintenance mode and what they still lead', [formatOption]);
