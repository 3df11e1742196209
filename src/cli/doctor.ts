/**
 * `pado doctor [--bootstrap host:port]`: the cluster's health as `pado cluster health` sees it
 * (a voter or replica down, partitions under-replicated or leaderless, a broker's disk low or
 * full, an internal topic with too few replicas, the quorum incomplete), then
 * that every node can reach every other node at the address it advertises, in both directions. From the broker list (Metadata), it asks each node
 * (ConnectCheck, Pado's private API 1002) to connect to each other node's advertised address and
 * say which node answered there; it also checks that the nodes agree on loopback vs. network
 * addresses. Prints each problem with how to fix it; exit 1 when there is any.
 * `doctorFindings` is pure; the verb gathers the checks (one connection per node, bounded).
 */
import { fetchHealth, type KafkaClient } from '../client/index.js';
import { PadoError, PadoErrorCode } from '../common/index.js';
import { ApiKey, type ConnectCheckResponse } from '../protocol/index.js';
import { parseBootstrap, type Bootstrap } from './args.js';
import { bootstrapOption, defineVerb, ExitCode, withClient, type CliContext } from './verb.js';

export interface DoctorNode {
  id: number;
  host: string;
  port: number;
}

/** `from` asked to reach `to`; from 0 means this CLI itself. */
export interface PairCheck {
  from: number;
  to: number;
  /** The node id that answered at to's address, or -1. */
  reachedId: number;
  error: string | null;
}

/** Far more nodes than a doctor run should check pair by pair (n² requests). */
export const doctorNodesMax = 32;
const checkTimeoutMs = 2_000;

const advertiseFix = 'set "advertised" in its config to an address every node can reach, and ' +
  'listen on it (--listen 0.0.0.0:<port> listens on every interface); check firewalls';

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127\./.test(host);
}

export function doctorFindings(
  nodes: readonly DoctorNode[],
  checks: readonly PairCheck[],
): string[] {
  const out: string[] = [];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const loopback = nodes.filter((n) => isLoopbackHost(n.host));
  if (loopback.length > 0 && loopback.length < nodes.length) {
    out.push(`nodes ${loopback.map((n) => n.id).join(', ')} advertise a loopback address while ` +
      `others do not: nodes on other machines cannot reach them; for each, ${advertiseFix}`);
  }
  for (const c of checks) {
    const to = byId.get(c.to);
    if (to === undefined) continue;
    const where = `${to.host}:${to.port}`;
    const who = c.from === 0 ? 'this machine' : `node ${c.from}`;
    if (c.error !== null) {
      out.push(`${who} cannot reach node ${c.to} at ${where} (${c.error}); on node ${c.to}, ` +
        advertiseFix);
    } else if (c.reachedId !== c.to) {
      out.push(`${who} reached node ${c.reachedId} at ${where}, which node ${c.to} advertises; ` +
        'give each node its own host:port and node id');
    }
  }
  return out;
}

async function connectCheck(
  client: KafkaClient, about: DoctorNode | null,
): Promise<ConnectCheckResponse> {
  if (!client.supports(ApiKey.connectCheck)) {
    // A client listener does not serve the broker-only APIs (issue 15).
    throw new PadoError(PadoErrorCode.invalidArgument, 'this listener does not serve the ' +
      'node-to-node checks: point --bootstrap at the inter-broker listener (with a node ' +
      'certificate, --tls-cert/--tls-key, when it is SSL)');
  }
  return client.request<ConnectCheckResponse>(ApiKey.connectCheck, {
    host: about?.host ?? '', port: about?.port ?? 0, timeoutMs: checkTimeoutMs,
  }, 0);
}

/** Asks node `from` about every other node; a node this CLI cannot reach yields one finding. */
async function checksFrom(
  ctx: CliContext, from: DoctorNode, nodes: readonly DoctorNode[],
): Promise<PairCheck[]> {
  let client: KafkaClient;
  try {
    client = await ctx.connect({ host: from.host, port: from.port });
  } catch (err) {
    return [{ from: 0, to: from.id, reachedId: -1, error: (err as Error).message }];
  }
  try {
    const self = await connectCheck(client, null);
    const out: PairCheck[] = [{ from: 0, to: from.id, reachedId: self.nodeId, error: null }];
    for (const to of nodes) {
      if (to.id === from.id) continue;
      const r = await connectCheck(client, to);
      out.push({ from: from.id, to: to.id, reachedId: r.reachedNodeId,
        error: r.errorCode === 0 ? null : r.errorMessage ?? `error ${r.errorCode}` });
    }
    return out;
  } finally {
    await client.close();
  }
}

export interface DoctorArgs {
  bootstrap: Bootstrap;
}

export const doctor = defineVerb<DoctorArgs>({
  command: 'doctor',
  description: 'Check that every pair of nodes can reach each other at their advertised addresses',
  options: [bootstrapOption],
  examples: ['pado doctor --bootstrap 127.0.0.1:9092'],
  parse(_positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env) };
  },
  async run(args, ctx) {
    // The cluster's own view first: a voter or replica that is down never shows up in the broker
    // list below (only registered, live brokers do), so it is caught here — `pado doctor` used to
    // say "ok" with a node dead.
    const { metadata, health } = await withClient(ctx, args.bootstrap, async (c) =>
      ({ health: (await fetchHealth(c)).report, metadata: await c.metadata([]) }));
    const nodes = metadata.brokers.slice(0, doctorNodesMax)
      .map((b) => ({ id: b.nodeId, host: b.host, port: b.port }));
    const checks = (await Promise.all(nodes.map((n) => checksFrom(ctx, n, nodes)))).flat();
    const findings = [...health.problems.map((p) => p.message), ...doctorFindings(nodes, checks)];
    const pairs = checks.filter((c) => c.from !== 0).length;
    if (findings.length === 0) {
      ctx.stdout.write(`ok: ${nodes.length} nodes, ${pairs} directed pairs checked, ` +
        'all reachable; every partition led and in sync, no disk low, the quorum complete\n');
      return ExitCode.ok;
    }
    for (const f of findings) ctx.stdout.write(`problem: ${f}\n`);
    ctx.stdout.write(`${findings.length} problem(s); ${nodes.length} live nodes, ${pairs} directed pairs checked\n`);
    return ExitCode.failure;
  },
});
