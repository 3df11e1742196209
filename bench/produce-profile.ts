/**
 * produce-profile: one produce-consume run (1 KiB records, acks=-1, the issue's target case) with
 * the broker under `node --cpu-prof`, then the profile summarised: how busy the main thread was
 * (non-idle share of samples) and the top frames by self time, with src/ paths and 1-based lines.
 *
 * V8's profile covers the main JS thread only; fsync and file writes run on libuv's thread pool and
 * show up as `(idle)` here but in the broker's CPU time (/proc), which the JSON line also carries.
 * Frames are mapped to .ts lines through tsc's source maps.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configsFor, runOnce, type ProduceConsumeOptions } from './produce-consume.js';
import { round, tempDir, writeLinesFile } from './support.js';

const framesShownMax = 20;

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FrameShare {
  readonly frame: string;
  readonly selfPercent: number;
}

export async function produceProfile(opts: ProduceConsumeOptions): Promise<object> {
  const config = configsFor(opts).find((c) => c.valueBytes === 1024 && c.acks === -1)!;
  const dir = tempDir('pado-bench-profile-');
  try {
    const input = join(dir, 'records.txt');
    await writeLinesFile(input, config.records, config.valueBytes);
    const sample = await runOnce(config, input, opts.probeCount,
      { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error('broker wrote no .cpuprofile (did it exit cleanly?)');
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const mib = (config.records * config.valueBytes) / (1024 * 1024);
    return {
      measure: 'produce-profile', valueBytes: config.valueBytes, acks: config.acks,
      records: config.records,
      produceMiBPerS: round(mib / (sample.produceMs / 1000)),
      brokerCpuProducePercent: round((100 * sample.brokerCpuProduceMs) / sample.produceMs),
      brokerSystemCpuProducePercent:
        round((100 * sample.brokerSystemCpuProduceMs) / sample.produceMs),
      ...summarizeProfile(profile),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Self time per frame over the whole broker lifetime (startup and consume included), and the same
 * samples charged to the nearest caller in our own src/ ("who asked for this copy or GC?").
 */
export function summarizeProfile(profile: CpuProfile): object {
  const byId = new Map<number, ProfileNode>();
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  }
  const selfUs = new Map<string, number>();
  const ownUs = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    const node = byId.get(id);
    if (node === undefined) continue;
    const deltaUs = Math.max(0, profile.timeDeltas[i] ?? 0);
    totalUs += deltaUs;
    add(selfUs, frameName(node), deltaUs);
    const own = nearestOwnFrame(id, byId, parentOf);
    if (own !== undefined) add(ownUs, own, deltaUs);
  }
  const idleUs = selfUs.get('(idle)') ?? 0;
  selfUs.delete('(idle)');
  return {
    profiledMs: round(totalUs / 1000),
    mainThreadBusyPercent: round((100 * (totalUs - idleUs)) / totalUs),
    topSelfFrames: top(selfUs, totalUs),
    topOwnFrames: top(ownUs, totalUs),
  };
}

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}

function top(map: ReadonlyMap<string, number>, totalUs: number): FrameShare[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, framesShownMax)
    .map(([frame, us]) => ({ frame, selfPercent: round((100 * us) / totalUs) }));
}

/** The first frame from src/ walking up from `id`; the walk is bounded by the tree's depth. */
function nearestOwnFrame(
  id: number, byId: ReadonlyMap<number, ProfileNode>, parentOf: ReadonlyMap<number, number>,
): string | undefined {
  for (let at: number | undefined = id, steps = 0; at !== undefined && steps < byId.size;
    at = parentOf.get(at), steps++) {
    const node = byId.get(at);
    if (node === undefined) return undefined;
    const name = frameName(node);
    if (name.includes(' src/')) return name;
  }
  return undefined;
}

const repoRoot = resolve('.');
/** Parsed source maps of compiled files, so frames name .ts lines; one per file, loaded once. */
const sourceMaps = new Map<string, SourceMap | null>();

/** `name file:line`, with our own files relative to the repo and mapped back to their .ts line. */
function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const name = functionName === '' ? '(anonymous)' : functionName;
  if (url === '') return name;
  if (!url.startsWith('file://')) return `${name} ${url}:${lineNumber + 1}`;
  const path = fileURLToPath(url);
  const entry = sourceMapFor(path)?.findEntry(lineNumber, columnNumber);
  if (entry !== undefined && 'originalSource' in entry) {
    const source = relative(repoRoot, resolve(dirname(path), entry.originalSource));
    return `${name} ${source}:${entry.originalLine + 1}`;
  }
  return `${name} ${relative(repoRoot, path)}:${lineNumber + 1}`;
}

function sourceMapFor(path: string): SourceMap | null {
  let map = sourceMaps.get(path);
  if (map !== undefined) return map;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')) as SourceMapPayload);
  } catch {
    map = null; // node_modules and node: internals ship no map; keep the JS location
  }
  sourceMaps.set(path, map);
  return map;
}
