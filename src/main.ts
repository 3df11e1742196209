#!/usr/bin/env node
/**
 * `pado` entry: argv → cli/. The only place that touches process-wide state: exit codes,
 * signal handlers, the real stdio and network.
 */
import { KafkaClient, type ClientIo } from './client/index.js';
// The adapters themselves, not node/io/index.ts: a client verb must not load storage or LevelDB.
import { systemClock } from './node/io/system-clock.js';
import { systemNet } from './node/io/system-net.js';
import { systemRandom } from './node/io/system-random.js';
import {
  runCli, signalExitCode, type CliContext, type Signal, type SignalSource,
} from './cli/index.js';

/**
 * Signals are queued to waiters in order. A signal with no waiter exits at once: that is the
 * "second signal" case of `pado start`, and any signal before start waits for one.
 */
function processSignals(): SignalSource {
  const waiters: ((signal: Signal) => void)[] = [];
  let installed = false;
  const onSignal = (signal: Signal): void => {
    const waiter = waiters.shift();
    if (waiter === undefined) process.exit(signalExitCode(signal));
    waiter(signal);
  };
  return {
    next() {
      if (!installed) {
        installed = true;
        process.on('SIGINT', () => onSignal('SIGINT'));
        process.on('SIGTERM', () => onSignal('SIGTERM'));
      }
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

const clientIo: ClientIo = { net: systemNet, clock: systemClock, random: systemRandom };

const ctx: CliContext = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  stdoutIsTty: process.stdout.isTTY === true,
  connect: (address) => KafkaClient.connect({ host: address.host, port: address.port, io: clientIo }),
  clientIo,
  signals: processSignals(),
  exitNow: (code) => process.exit(code),
};

const code = await runCli(process.argv.slice(2), ctx);
// Let stdout drain before exiting: process.exit would cut a piped consumer's output short. A
// reader that went away (EPIPE) or never drains must not keep the process alive, hence the error
// handler and the deadline.
const exit = (): never => process.exit(code);
process.stdout.once('error', exit);
setTimeout(exit, 2_000);
process.stdout.write('', exit);
