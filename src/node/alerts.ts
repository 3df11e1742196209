/**
 * Alert hooks (issue 16 item 2): so that a person hears about a failure without watching. The
 * active controller calls the configured webhook and/or command for each new cluster event of
 * the configured kinds (default: every warn and error kind) that was recorded while it was the
 * controller — one node fires, not three — at most once per kind and subject (broker, topic) per
 * cool-down; what the cool-down swallowed is counted in the next alert of that subject.
 *
 * Deliveries run in the background, at most `inFlightMax` at once, from a queue of at most
 * `queueMax` (the oldest is dropped, and logged, past it); a webhook is tried up to 3 times
 * (1 s, then 3 s apart); a command has 10 s. Nothing here ever blocks or fails the node.
 */
import type { Logger } from 'pino';
import { isoUtc, PadoError, PadoErrorCode, type Clock } from '../common/index.js';
import type { AlertsConfig } from '../config/index.js';
import { clusterEventKinds, type ClusterEvent, type MetadataImage } from '../metadata/index.js';
import type { AlertIo } from './io/index.js';

/** The kinds that alert unless the config names others: the warn and error ones. */
export const defaultAlertKinds: readonly string[] = [
  'broker-fenced', 'partition-offline', 'isr-below-min', 'disk-low', 'corrupt-data',
];

export const alertCooldownMsDefault = 60_000;
const inFlightMax = 4;
const queueMax = 64;
const webhookTimeoutMs = 5_000;
const webhookRetryMs = [1_000, 3_000];
const commandTimeoutMs = 10_000;
/** Subjects whose cool-down is remembered at most (expired ones are dropped first). */
const cooldownsMax = 1_000;

const severityNames = ['info', 'warn', 'error'] as const;

/** The alert a hook receives (the webhook's JSON body, the command's stdin). */
export interface AlertPayload {
  /** For chat webhooks that show one field (Slack's and Mattermost's `text`, Discord's `content`). */
  readonly text: string;
  readonly content: string;
  readonly clusterId: string;
  /** The controller that sent it. */
  readonly nodeId: number;
  readonly event: Omit<ClusterEvent, 'severity'> & { readonly severity: string; readonly time: string };
  /** Events of the same kind and subject the cool-down held back since the last alert. */
  readonly suppressed: number;
}

/** Refuses kinds no event has (a typo would silently never alert). */
export function checkAlertsConfig(config: AlertsConfig): void {
  const known = new Set<string>(clusterEventKinds);
  for (const kind of config.events ?? []) {
    if (!known.has(kind)) {
      throw new PadoError(PadoErrorCode.configInvalid, `config alerts.events: '${kind}' is not an ` +
        `event kind; use some of ${clusterEventKinds.join(', ')}`);
    }
  }
}

/** Which events alert: the configured kinds, and one per kind and subject per cool-down. */
export class AlertGate {
  private readonly kinds: ReadonlySet<string>;
  private readonly cooldownMs: number;
  private readonly quiet = new Map<string, { untilMs: number; suppressed: number }>();

  constructor(config: AlertsConfig) {
    this.kinds = new Set(config.events ?? defaultAlertKinds);
    this.cooldownMs = config.cooldownMs ?? alertCooldownMsDefault;
  }

  /** Null: no alert (another kind, or in its cool-down); else how many the cool-down held back. */
  admit(event: ClusterEvent, nowMs: number): number | null {
    if (!this.kinds.has(event.kind)) return null;
    const key = `${event.kind}/${event.brokerId}/${event.topic ?? ''}`;
    const quiet = this.quiet.get(key);
    if (quiet !== undefined && nowMs < quiet.untilMs) {
      quiet.suppressed++;
      return null;
    }
    this.quiet.delete(key);
    if (this.quiet.size >= cooldownsMax) this.prune(nowMs);
    if (this.cooldownMs > 0 && this.quiet.size < cooldownsMax) {
      this.quiet.set(key, { untilMs: nowMs + this.cooldownMs, suppressed: 0 });
    }
    return quiet?.suppressed ?? 0;
  }

  private prune(nowMs: number): void {
    for (const [key, q] of this.quiet) if (q.untilMs <= nowMs) this.quiet.delete(key);
  }
}

export function alertPayload(event: ClusterEvent, clusterId: string, nodeId: number,
  suppressed: number): AlertPayload {
  const severity = severityNames[event.severity] ?? 'info';
  const more = suppressed > 0 ? ` (+${suppressed} more like it held back by the cool-down)` : '';
  const text = `[pado ${severity.toUpperCase()}] ${event.message}${more}`;
  return { text, content: text, clusterId, nodeId, suppressed,
    event: { ...event, severity, time: isoUtc(event.timeMs) } };
}

/** The command's view of an alert: PADO_EVENT_* variables (its stdin has the JSON). */
export function alertEnv(p: AlertPayload): Record<string, string> {
  return {
    PADO_EVENT_ID: String(p.event.id), PADO_EVENT_KIND: p.event.kind, PADO_EVENT_SEVERITY: p.event.severity,
    PADO_EVENT_TIME: p.event.time, PADO_EVENT_BROKER: String(p.event.brokerId),
    PADO_EVENT_TOPIC: p.event.topic ?? '', PADO_EVENT_MESSAGE: p.event.message,
    PADO_EVENT_SUPPRESSED: String(p.suppressed), PADO_CLUSTER_ID: p.clusterId,
  };
}

export interface AlertHooksOptions {
  readonly config: AlertsConfig;
  readonly io: AlertIo;
  readonly clock: Clock;
  readonly log: Logger;
  readonly nodeId: number;
}

export class AlertHooks {
  private readonly o: AlertHooksOptions;
  private readonly gate: AlertGate;
  /** When this node became the controller; null while it is not. */
  private controllerSinceMs: number | null = null;
  private readonly queue: AlertPayload[] = [];
  private inFlight = 0;
  private closed = false;

  constructor(o: AlertHooksOptions) {
    checkAlertsConfig(o.config);
    this.o = o;
    this.gate = new AlertGate(o.config);
  }

  onLeaderChange(isController: boolean): void {
    if (!isController) this.controllerSinceMs = null;
    else this.controllerSinceMs ??= this.o.clock.now();
  }

  /**
   * An image was applied: alert on its new events recorded since this node became the
   * controller (earlier ones were the previous controller's to send).
   */
  onImage(previous: MetadataImage, next: MetadataImage): void {
    const since = this.controllerSinceMs;
    if (since === null || next.eventSeq <= previous.eventSeq || this.closed) return;
    for (const event of next.events) {
      if (event.id <= previous.eventSeq || event.timeMs < since) continue;
      const suppressed = this.gate.admit(event, this.o.clock.now());
      if (suppressed === null) continue;
      this.enqueue(alertPayload(event, next.clusterId, this.o.nodeId, suppressed));
    }
  }

  /** Stops sending (deliveries under way finish on their own, each bounded). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private enqueue(payload: AlertPayload): void {
    if (this.queue.length >= queueMax) {
      const dropped = this.queue.shift();
      this.o.log.warn({ eventId: dropped?.event.id }, 'alert queue full: oldest alert dropped');
    }
    this.queue.push(payload);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < inFlightMax && this.queue.length > 0 && !this.closed) {
      const payload = this.queue.shift() as AlertPayload;
      this.inFlight++;
      void this.deliver(payload).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async deliver(p: AlertPayload): Promise<void> {
    const body = JSON.stringify(p);
    const tasks: Promise<void>[] = [];
    const { webhook, command } = this.o.config;
    if (webhook !== undefined) tasks.push(this.post(webhook, body, p));
    if (command !== undefined) tasks.push(this.run(command, body, p));
    await Promise.all(tasks);
  }

  private async post(url: string, body: string, p: AlertPayload): Promise<void> {
    const log = this.o.log;
    for (let attempt = 0; ; attempt++) {
      let problem: string;
      try {
        const status = await this.o.io.post(url, body, webhookTimeoutMs);
        if (status >= 200 && status < 300) {
          log.info({ eventId: p.event.id, kind: p.event.kind, status }, 'alert webhook called');
          return;
        }
        problem = `HTTP ${status}`;
      } catch (err) {
        problem = (err as Error).message;
      }
      const retryMs = webhookRetryMs[attempt];
      if (retryMs === undefined || this.closed) {
        log.warn({ eventId: p.event.id, kind: p.event.kind, problem, attempts: attempt + 1 },
          'alert webhook failed: check alerts.webhook (the URL must accept a JSON POST)');
        return;
      }
      await new Promise<void>((resolve) => this.o.clock.after(retryMs, resolve));
    }
  }

  private async run(command: string, body: string, p: AlertPayload): Promise<void> {
    const log = this.o.log;
    try {
      const r = await this.o.io.run(command, alertEnv(p), body, commandTimeoutMs);
      if (r.code === 0) {
        log.info({ eventId: p.event.id, kind: p.event.kind }, 'alert command ran');
        return;
      }
      log.warn({ eventId: p.event.id, kind: p.event.kind, code: r.code, signal: r.signal,
        stderr: r.stderr }, 'alert command failed (alerts.command)');
    } catch (err) {
      log.warn({ err, eventId: p.event.id }, 'alert command could not start (alerts.command)');
    }
  }
}

