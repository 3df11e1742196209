/**
 * The cluster's event feed on the HTTP listener (issue 16 item 2; the console's live feed):
 * `GET /events?since=<id>` answers the kept events after that id as JSON
 * (`{ events, next }`, `next` the id to ask after next time); `GET /events?follow=1` streams them
 * as server-sent events (`id:` the event id, so a browser's EventSource resumes with
 * Last-Event-ID after a reconnect), the kept ones first unless `since` says otherwise.
 */
import type { ClusterEvent } from '../metadata/index.js';
import { jsonAnswer, textAnswer, type HttpMount, type HttpRequest, type HttpResponse } from './routes.js';

/** An event as the metadata holds it. */
export type FeedEvent = ClusterEvent;

export interface EventFeedOptions {
  /** The kept events, oldest first, and the newest id. */
  readonly events: () => { readonly events: readonly FeedEvent[]; readonly eventSeq: number };
  /** Resolves once there is an event after `afterId`, after `timeoutMs`, or on abort. */
  readonly wait: (afterId: number, timeoutMs: number, signal: AbortSignal) => Promise<void>;
}

const severityNames = ['info', 'warn', 'error'];
/** Each wait of a stream; the loop checks for a closed client between them. */
const streamWaitMs = 30_000;

/** The JSON form of an event: severity as its name. */
function shown(e: FeedEvent): Record<string, unknown> {
  return { ...e, severity: severityNames[e.severity] ?? 'info' };
}

function afterIdOf(req: HttpRequest): number | null {
  const raw = req.query.get('since') ?? req.headers['last-event-id'] ?? '0';
  return /^\d{1,15}$/.test(raw) ? Number(raw) : null;
}

export function eventFeed(o: EventFeedOptions): HttpMount {
  const handle = async (req: HttpRequest): Promise<HttpResponse> => {
    if (req.path !== '/events') return textAnswer(404, `no such page: ${req.path}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return textAnswer(405, 'only GET and HEAD');
    const afterId = afterIdOf(req);
    if (afterId === null) return textAnswer(400, 'since: a non-negative event id, e.g. since=0');
    if (req.query.get('follow') !== '1') {
      const { events, eventSeq } = o.events();
      return jsonAnswer(200, { events: events.filter((e) => e.id > afterId).map(shown), next: eventSeq });
    }
    return {
      status: 200,
      contentType: 'text/event-stream; charset=utf-8',
      async stream(send, closed) {
        const stop = new AbortController();
        void closed.then(() => stop.abort());
        let last = afterId;
        while (!stop.signal.aborted) {
          for (const e of o.events().events) {
            if (e.id <= last) continue;
            send(`id: ${e.id}\nevent: cluster-event\ndata: ${JSON.stringify(shown(e))}\n\n`);
            last = e.id;
          }
          await o.wait(last, streamWaitMs, stop.signal);
        }
      },
    };
  };
  return { prefix: '/events', handle };
}
