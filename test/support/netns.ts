/**
 * A test network of its own (issue 13's network partitions): one Linux network namespace per node,
 * each with a veth pair whose other end sits on a bridge in this (the test's) namespace. Nodes are
 * 10.213.<subnet>.<10 + id>, the bridge (where the test's clients live) is .1, so clients reach
 * every node directly and node-to-node traffic crosses the bridge. Everything stays inside
 * namespaces this test creates; nothing is routed anywhere else.
 *
 * Faults: each node's eth0 has an htb root whose class 1:2 is `pfifo limit 0` (drops every packet
 * put in it); a u32 filter on the destination address steers a cut's packets into it. This kernel
 * has no netem and no iptables; htb, pfifo and u32 are what it offers. `cut(a, b)` drops a's
 * packets to b (one way: a TCP connection between them stalls, it is not reset); `isolate(id)` cuts
 * both ways between id and every other node, while the clients on the bridge still reach it.
 *
 * Needs root (the test skips otherwise). `destroy()` removes the namespaces, veths and bridge. The
 * subnet is the first free one from a pid-derived start (the bridge's name is the lock), so tests
 * running side by side get networks of their own.
 */
import { execFileSync } from 'node:child_process';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function tryIp(...args: string[]): void {
  try {
    ip(...args);
  } catch {
    // Already gone (cleanup of a previous run).
  }
}

function inNs(ns: string, cmd: string, ...args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function canCreateNetns(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    execFileSync('tc', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export class TestNetwork {
  readonly ids: readonly number[];
  private readonly subnet: number;
  /** Current one-way cuts: from → set of to. */
  private readonly cuts = new Map<number, Set<number>>();
  private destroyed = false;

  private constructor(ids: readonly number[], subnet: number) {
    this.ids = ids;
    this.subnet = subnet;
  }

  /** Namespaces for nodes 1..count on 10.213.<subnet>.0/24, subnet 100–249. */
  static create(count: number): TestNetwork {
    const ids = Array.from({ length: count }, (_, i) => i + 1);
    let net: TestNetwork | undefined;
    for (let attempt = 0; attempt < 150 && net === undefined; attempt++) {
      const candidate = new TestNetwork(ids, 100 + ((process.pid + attempt) % 150));
      try {
        ip('link', 'add', candidate.bridge, 'type', 'bridge');
        net = candidate;
      } catch {
        // Taken by another run (or a crashed one's leftover): try the next subnet.
      }
    }
    if (net === undefined) throw new Error('no free test subnet (150 bridges exist?)');
    try {
      for (const id of ids) {
        tryIp('link', 'del', net.hostVeth(id));
        tryIp('netns', 'del', net.nsOf(id));
      }
      ip('addr', 'add', `${net.bridgeHost}/24`, 'dev', net.bridge);
      ip('link', 'set', net.bridge, 'up');
      for (const id of net.ids) net.addNode(id);
    } catch (e) {
      net.destroy();
      throw e;
    }
    return net;
  }

  get bridgeHost(): string {
    return `10.213.${this.subnet}.1`;
  }

  hostOf(id: number): string {
    return `10.213.${this.subnet}.${10 + id}`;
  }

  nsOf(id: number): string {
    return `pado${this.subnet}n${id}`;
  }

  /** Drops `from`'s packets to `to` (one way). */
  cut(from: number, to: number): void {
    const set = this.cuts.get(from) ?? new Set<number>();
    set.add(to);
    this.cuts.set(from, set);
    this.applyCuts(from);
  }

  /** Cuts both ways between `id` and every other node; the bridge (clients) still reaches it. */
  isolate(id: number): void {
    for (const other of this.ids) {
      if (other === id) continue;
      this.cut(id, other);
      this.cut(other, id);
    }
  }

  /** Removes every cut. */
  heal(): void {
    const touched = [...this.cuts.keys()];
    this.cuts.clear();
    for (const id of touched) this.applyCuts(id);
  }

  /** The cuts now in force, as "a>b" strings (for reports). */
  describe(): string[] {
    return [...this.cuts].flatMap(([from, tos]) => [...tos].map((to) => `${from}>${to}`));
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const id of this.ids) {
      tryIp('link', 'del', this.hostVeth(id));
      tryIp('netns', 'del', this.nsOf(id));
    }
    tryIp('link', 'del', this.bridge);
  }

  private get bridge(): string {
    return `pado${this.subnet}br`;
  }

  private hostVeth(id: number): string {
    return `pado${this.subnet}v${id}`;
  }

  private addNode(id: number): void {
    const ns = this.nsOf(id);
    ip('netns', 'add', ns);
    ip('link', 'add', this.hostVeth(id), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('link', 'set', this.hostVeth(id), 'master', this.bridge);
    ip('link', 'set', this.hostVeth(id), 'up');
    inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    inNs(ns, 'ip', 'addr', 'add', `${this.hostOf(id)}/24`, 'dev', 'eth0');
    inNs(ns, 'ip', 'link', 'set', 'eth0', 'up');
    // htb: class 1:1 passes everything (default), class 1:2 drops what a filter puts in it.
    inNs(ns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'handle', '1:', 'htb', 'default', '1',
      'r2q', '100000');
    inNs(ns, 'tc', 'class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:1', 'htb',
      'rate', '10gbit');
    inNs(ns, 'tc', 'class', 'add', 'dev', 'eth0', 'parent', '1:', 'classid', '1:2', 'htb',
      'rate', '10gbit');
    inNs(ns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'parent', '1:2', 'handle', '20:', 'pfifo',
      'limit', '0');
  }

  /** Rewrites node `from`'s filters to its current cuts. */
  private applyCuts(from: number): void {
    const ns = this.nsOf(from);
    try {
      inNs(ns, 'tc', 'filter', 'del', 'dev', 'eth0', 'parent', '1:');
    } catch {
      // No filter yet.
    }
    for (const to of this.cuts.get(from) ?? []) {
      inNs(ns, 'tc', 'filter', 'add', 'dev', 'eth0', 'parent', '1:', 'protocol', 'ip', 'prio',
        '1', 'u32', 'match', 'ip', 'dst', `${this.hostOf(to)}/32`, 'flowid', '1:2');
    }
  }
}
