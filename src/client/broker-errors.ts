/**
 * Kafka error codes as the CLI and the web console report them: what happened, to what, and the
 * next step (STYLE.md §5). Codes are Kafka's (protocol guide, "Error Codes").
 */
import { PadoError, PadoErrorCode } from '../common/index.js';

export interface ErrorContext {
  topic?: string;
  partition?: number;
  /** A SASL user (the `pado user` verbs). */
  user?: string;
}

type Describe = (c: ErrorContext) => string;

const t = (c: ErrorContext): string =>
  c.user !== undefined ? `user '${c.user}'` : `topic '${c.topic ?? '?'}'`;
const tp = (c: ErrorContext): string =>
  c.partition === undefined ? t(c) : `${t(c)} partition ${c.partition}`;

const messages: Readonly<Record<number, Describe>> = {
  1: (c) => `${tp(c)}: offset out of range; start from --from-beginning or --latest`,
  2: (c) => `${tp(c)}: a stored batch failed its CRC check; report it and check the disk`,
  3: (c) => `${t(c)} does not exist: create it with \`pado topic create ${c.topic ?? '<name>'}\``,
  5: (c) => `${tp(c)} has no leader right now; retry shortly or check \`pado topic describe ` +
    `${c.topic ?? '<name>'}\``,
  6: (c) => `${tp(c)}: the broker asked does not lead it (leadership moved); check ` +
    `\`pado topic describe ${c.topic ?? '<name>'}\`, then retry`,
  7: () => 'the broker did not answer in time; retry, or check the broker logs',
  10: (c) => `${t(c)}: the batch is larger than max.message.bytes; send fewer lines per batch ` +
    'or raise it with `pado topic alter-config <name> --set max.message.bytes=<n>`',
  17: (c) => `${t(c)}: invalid topic name; use letters, digits, '.', '_' and '-' (at most 249)`,
  19: (c) => `${tp(c)}: not enough in-sync replicas for acks=-1; check \`pado topic describe ` +
    `${c.topic ?? '<name>'}\` or use --acks 1`,
  20: (c) => `${tp(c)}: written, but not enough replicas confirmed it; check replica health`,
  29: (c) => `not authorized for ${t(c)}: an ACL must allow it (an administrator runs e.g. ` +
    `\`pado acl add --allow-principal User:<you> --operation read --topic ${c.topic ?? '<name>'}\`)`,
  30: () => 'not authorized for this consumer group: an ACL must allow it (`pado acl add ' +
    '--allow-principal User:<you> --operation read --group <group>`)',
  31: () => 'not authorized for this cluster operation: an ACL on the cluster must allow it ' +
    '(`pado acl list` shows what is allowed)',
  35: () => 'the broker does not support this request version; upgrade the broker or the CLI',
  36: (c) => `${t(c)} already exists; see it with \`pado topic describe ${c.topic ?? '<name>'}\``,
  37: (c) => `${t(c)}: invalid partition count; partitions can only be added, never removed`,
  38: () => 'invalid replication factor: it must be between 1 and the number of brokers',
  40: () => 'invalid topic config; see `pado topic describe <name>` for the accepted names',
  41: () => 'the request reached a node that is not the controller; retry',
  42: () => 'the broker refused the request as malformed; report it with the command you ran',
  56: (c) => `${tp(c)}: the broker cannot write (disk full or failing); free disk space on it`,
};

/** The message for a Kafka error code, with the broker's own message appended when it has one. */
export function describeBrokerError(
  code: number, context: ErrorContext, brokerMessage?: string | null,
): string {
  const describe = messages[code];
  const base = describe === undefined
    ? `${tp(context)}: broker error code ${code}` : describe(context);
  return brokerMessage ? `${base} (broker says: ${brokerMessage})` : base;
}

/** Throws a PadoError for a non-zero Kafka error code. */
export function checkBrokerError(
  code: number, context: ErrorContext, brokerMessage?: string | null,
): void {
  if (code === 0) return;
  const pado = code === 3 ? PadoErrorCode.notFound : PadoErrorCode.invalidArgument;
  throw new PadoError(pado, describeBrokerError(code, context, brokerMessage));
}
