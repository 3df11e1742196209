/**
 * `pado dev kill <id>` and `pado dev restart <id>`: ask the `pado dev` running on `--data-dir`
 * (through its control channel, dev-control.ts) to SIGKILL node <id>, or to start it again on
 * the same ports and data directory (a running node is stopped first). Exit 0 once done: killed,
 * or restarted and serving clients; 1 with the supervisor's reason otherwise.
 */
import { argumentError, stringOption } from './args.js';
import { devDataDirDefault, devNodesMax } from './dev.js';
import { sendDevControl, type DevControlAction } from './dev-control.js';
import { defineVerb, ExitCode, type Verb } from './verb.js';

export interface DevNodeArgs {
  nodeId: number;
  dataDir: string;
}

function devNodeVerb(action: DevControlAction, description: string): Verb<DevNodeArgs> {
  return defineVerb<DevNodeArgs>({
    command: `dev ${action} <id>`,
    description,
    options: [{ flags: '--data-dir <dir>', description: 'The --data-dir the running pado dev ' +
      `was given (default ${devDataDirDefault})` }],
    examples: [`pado dev ${action} 2`, `pado dev ${action} 2 --data-dir /tmp/pado`],
    parse(positionals, options) {
      const text = positionals[0] ?? '';
      const nodeId = Number(text);
      if (!/^\d+$/.test(text) || nodeId < 1 || nodeId > devNodesMax) {
        throw argumentError(`node id: '${text}' is not an integer in 1–${devNodesMax}; write ` +
          `e.g. pado dev ${action} 2`);
      }
      const dataDir = stringOption(options, 'dataDir') ?? devDataDirDefault;
      if (dataDir === '') throw argumentError('--data-dir: empty; write e.g. --data-dir ./data');
      return { nodeId, dataDir };
    },
    async run(args, ctx) {
      const answer = await sendDevControl(args.dataDir, action, args.nodeId);
      if (answer.status === 200) {
        ctx.stdout.write(`${answer.message}\n`);
        return ExitCode.ok;
      }
      ctx.stderr.write(`pado dev ${action}: ${answer.message}\n`);
      return ExitCode.failure;
    },
  });
}

export const devKill = devNodeVerb('kill',
  'SIGKILL one node of the running `pado dev` (it reports the death; the others keep running)');
export const devRestart = devNodeVerb('restart',
  'Start a node of the running `pado dev` again on its ports and data (stopping it first if it runs)');
