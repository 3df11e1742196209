// The console's pages: overview, topics, consumer groups, message browser, event feed. Each
// reads the console's JSON API (lib.js) and renders text only.
import { useState } from 'preact/hooks';
import {
  api, bytes, Bytes, enc, ErrorLine, html, list, show, time, usePoll,
} from './lib.js';

const refreshMs = 3000;

export function Overview() {
  const { data, error } = usePoll(() => api('GET', 'overview'), refreshMs, []);
  return html`<section id="overview">
    <h2>Cluster overview</h2>
    <${ErrorLine} error=${error} />
    ${data === null ? html`<p class="muted">Loading…</p>` : html`
      <p>Cluster <code>${show(data.clusterId)}</code>, controller:${' '}<strong id="controller">${data.controllerId < 0 ? 'none' : `broker ${data.controllerId}`}</strong></p>
      <${Health} health=${data.health} />
      <h3>Brokers</h3>
      <table id="brokers"><thead><tr><th>Broker</th><th>Address</th><th>Rack</th><th>State</th></tr></thead>
      <tbody>${data.brokers.map((b) => html`<tr class=${b.state}>
        <td>${b.id}${b.controller ? ' (controller)' : ''}</td>
        <td>${b.host === null ? '—' : `${b.host}:${b.port}`}</td><td>${show(b.rack)}</td>
        <td class=${`state-${b.state}`}>${b.state}</td></tr>`)}</tbody></table>
      <${Quorum} quorum=${data.quorum} />`}
  </section>`;
}

function Health({ health }) {
  if (health.healthy) {
    return html`<p id="health" class="ok">Healthy: every partition has a leader and a full ISR.</p>`;
  }
  return html`<div id="health" class="problems">
    <h3>Health: ${health.problems.length} problem(s)</h3>
    <ul>${health.problems.map((p) => html`<li class="problem">
      <strong>${p.kind}</strong> <code>${p.subject}</code>: ${p.message}</li>`)}</ul>
  </div>`;
}

function Quorum({ quorum }) {
  if (quorum === null) return html`<p class="muted">Metadata quorum: not described by this broker.</p>`;
  const rows = [...quorum.voters.map((v) => ({ ...v, role: 'voter' })),
    ...quorum.observers.map((v) => ({ ...v, role: 'observer' }))];
  return html`<h3>Metadata quorum</h3>
    <p>${`Leader: ${quorum.leaderId < 0 ? 'none' : `node ${quorum.leaderId}`}, epoch ` +
      `${quorum.leaderEpoch}, high watermark ${quorum.highWatermark}`}</p>
    <table id="quorum"><thead><tr><th>Node</th><th>Role</th><th>Log end</th><th>Lag</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr><td>${r.id}${r.id === quorum.leaderId ? ' (leader)' : ''}</td>
      <td>${r.role}</td><td>${r.logEndOffset < 0 ? '—' : r.logEndOffset}</td>
      <td>${show(r.lag)}</td></tr>`)}</tbody></table>`;
}

export function Topics() {
  const { data, error, reload } = usePoll(() => api('GET', 'topics'), refreshMs, []);
  return html`<section id="topics">
    <h2>Topics</h2>
    <${CreateTopic} created=${reload} />
    <${ErrorLine} error=${error} />
    ${data !== null && html`<table id="topic-list">
      <thead><tr><th>Topic</th><th>Partitions</th><th>Replicas</th><th>Under-replicated</th>
        <th>Offline</th></tr></thead>
      <tbody>${data.topics.map((t) => html`<tr>
        <td><a href=${`#/topics/${enc(t.name)}`}>${t.name}</a>${t.internal ? ' (internal)' : ''}</td>
        <td>${t.partitions}</td><td>${t.replicationFactor}</td><td>${t.underReplicated}</td>
        <td>${t.offline}</td></tr>`)}</tbody></table>
      ${data.truncated && html`<p class="muted">More topics than shown.</p>`}`}
  </section>`;
}

function CreateTopic({ created }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('3');
  const [replicas, setReplicas] = useState('');
  const [status, setStatus] = useState({ error: null, done: null });
  const submit = async (e) => {
    e.preventDefault();
    const body = { name, partitions: Number(partitions) };
    if (replicas !== '') body.replicationFactor = Number(replicas);
    try {
      await api('POST', 'topics', body);
      setStatus({ error: null, done: `Created topic ${name}.` });
      setName('');
      created();
    } catch (err) {
      setStatus({ error: err.message, done: null });
    }
  };
  return html`<form id="create-topic" class="inline" onSubmit=${submit}>
    <label>New topic <input id="topic-name" value=${name} required
      onInput=${(e) => setName(e.currentTarget.value)} /></label>
    <label>Partitions <input id="topic-partitions" type="number" min="1" value=${partitions}
      onInput=${(e) => setPartitions(e.currentTarget.value)} /></label>
    <label>Replicas <input id="topic-replicas" type="number" min="1" placeholder="default"
      value=${replicas} onInput=${(e) => setReplicas(e.currentTarget.value)} /></label>
    <button id="topic-create" type="submit">Create</button>
    ${status.done && html`<span class="ok">${status.done}</span>`}
    <${ErrorLine} error=${status.error} />
  </form>`;
}

export function TopicDetail({ name }) {
  const { data, error } = usePoll(() => api('GET', `topics/${enc(name)}`), refreshMs, [name]);
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState(null);
  const remove = async () => {
    try {
      await api('DELETE', `topics/${enc(name)}`);
      location.hash = '#/topics';
    } catch (e) {
      setDeleteError(e.message);
    }
  };
  return html`<section id="topic">
    <h2>Topic <code>${name}</code></h2>
    <p><a href=${`#/messages?topic=${enc(name)}&partition=0`}>Browse messages</a>
      ${' '}${confirming
        ? html`<button id="topic-delete-confirm" class="danger" onClick=${remove}>Really delete ${name}</button>
          <button onClick=${() => setConfirming(false)}>Keep it</button>`
        : html`<button id="topic-delete" onClick=${() => setConfirming(true)}>Delete…</button>`}</p>
    <${ErrorLine} error=${error ?? deleteError} />
    ${data !== null && html`
      <h3>Partitions</h3>
      <table id="partitions"><thead><tr><th>Partition</th><th>Leader</th><th>Replicas</th><th>ISR</th>
        <th>Offline</th><th>Log start</th><th>Log end</th><th>Size (this node)</th></tr></thead>
      <tbody>${data.partitions.map((p) => html`<tr>
        <td>${p.partition}</td><td>${p.leader === null ? 'none' : p.leader}</td>
        <td>${list(p.replicas)}</td><td>${list(p.isr)}</td><td>${list(p.offline)}</td>
        <td>${show(p.logStartOffset)}</td><td>${show(p.logEndOffset)}</td>
        <td>${bytes(p.sizeBytes)}</td></tr>`)}</tbody></table>
      <h3>Configs</h3>
      <table id="configs"><thead><tr><th>Name</th><th>Value</th><th>Source</th></tr></thead>
      <tbody>${data.configs.map((c) => html`<tr class=${c.isDefault ? 'muted' : ''}>
        <td>${c.name}</td><td>${c.sensitive ? '(hidden)' : show(c.value)}</td>
        <td>${c.isDefault ? 'default' : 'set'}</td></tr>`)}</tbody></table>`}
  </section>`;
}

export function Groups() {
  const { data, error } = usePoll(() => api('GET', 'groups'), refreshMs, []);
  return html`<section id="groups">
    <h2>Consumer groups</h2>
    <${ErrorLine} error=${error} />
    ${data !== null && (data.groups.length === 0 ? html`<p class="muted">No groups.</p>` : html`
      <table id="group-list"><thead><tr><th>Group</th><th>State</th><th>Protocol</th>
        <th>Coordinator</th></tr></thead>
      <tbody>${data.groups.map((g) => html`<tr>
        <td><a href=${`#/groups/${enc(g.group)}`}>${g.group}</a></td><td>${show(g.state)}</td>
        <td>${g.protocolType}</td><td>${g.coordinator}</td></tr>`)}</tbody></table>`)}
  </section>`;
}

export function GroupDetail({ id }) {
  const { data, error, reload } = usePoll(() => api('GET', `groups/${enc(id)}`), refreshMs, [id]);
  return html`<section id="group">
    <h2>Group <code>${id}</code></h2>
    <${ErrorLine} error=${error} />
    ${data !== null && html`
      <p>State: <strong id="group-state">${data.state}</strong>${data.protocol === '' ? ''
        : `, assignor ${data.protocol}`}, ${data.members.length} member(s)</p>
      <h3>Members</h3>
      ${data.members.length === 0 ? html`<p class="muted">No active members.</p>` : html`
        <table id="members"><thead><tr><th>Member</th><th>Client</th><th>Host</th><th>Assignment</th></tr></thead>
        <tbody>${data.members.map((m) => html`<tr><td>${m.memberId}</td><td>${m.clientId}</td>
          <td>${m.clientHost}</td><td>${m.assignment === null ? '—' : m.assignment
            .map((a) => `${a.topic}: ${a.partitions.join(', ')}`).join('; ')}</td></tr>`)}</tbody></table>`}
      <h3>Offsets and lag</h3>
      <table id="lag"><thead><tr><th>Topic</th><th>Partition</th><th>Committed</th><th>Log end</th>
        <th>Lag</th><th>Member</th></tr></thead>
      <tbody>${data.offsets.map((o) => html`<tr><td>${o.topic}</td><td>${o.partition}</td>
        <td>${show(o.committedOffset)}</td><td>${o.logEndOffset}</td>
        <td class="lag">${show(o.lag)}</td><td>${show(o.memberId)}</td></tr>`)}</tbody></table>
      <${ResetOffsets} id=${id} topics=${[...new Set(data.offsets.map((o) => o.topic))]}
        done=${reload} />`}
  </section>`;
}

function ResetOffsets({ id, topics, done }) {
  const [topic, setTopic] = useState(topics[0] ?? '');
  const [to, setTo] = useState('start');
  const [offset, setOffset] = useState('0');
  const [status, setStatus] = useState({ error: null, done: null });
  const submit = async (e) => {
    e.preventDefault();
    const body = { topic: topic || topics[0], to, ...(to === 'offset' ? { offset: Number(offset) } : {}) };
    try {
      const r = await api('POST', `groups/${enc(id)}/reset`, body);
      setStatus({ error: null, done: `Reset ${r.reset.length} partition(s) of ${body.topic}.` });
      done();
    } catch (err) {
      setStatus({ error: err.message, done: null });
    }
  };
  return html`<h3>Reset offsets</h3>
    <form id="reset-offsets" class="inline" onSubmit=${submit}>
      <label>Topic <input id="reset-topic" value=${topic || topics[0] || ''}
        onInput=${(e) => setTopic(e.currentTarget.value)} /></label>
      <label>To <select id="reset-to" value=${to} onChange=${(e) => setTo(e.currentTarget.value)}>
        <option value="start">start</option><option value="end">end</option>
        <option value="offset">offset</option></select></label>
      ${to === 'offset' && html`<input id="reset-offset" type="number" min="0" value=${offset}
        onInput=${(e) => setOffset(e.currentTarget.value)} />`}
      <button id="reset-go" type="submit">Reset (group must be empty)</button>
      ${status.done && html`<span class="ok">${status.done}</span>`}
      <${ErrorLine} error=${status.error} />
    </form>`;
}

export function Messages({ params }) {
  const [form, setForm] = useState({ topic: params.get('topic') ?? '',
    partition: params.get('partition') ?? '0', from: 'start', at: '', limit: '50' });
  const [result, setResult] = useState({ data: null, error: null });
  const browse = async (offset) => {
    const q = new URLSearchParams({ topic: form.topic, partition: form.partition, limit: form.limit });
    if (offset !== undefined) q.set('offset', String(offset));
    else if (form.from === 'offset') q.set('offset', form.at);
    else if (form.from === 'timestamp') q.set('timestamp', form.at);
    try {
      setResult({ data: await api('GET', `messages?${q}`), error: null });
    } catch (e) {
      setResult({ data: null, error: e.message });
    }
  };
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const data = result.data;
  return html`<section id="messages">
    <h2>Message browser</h2>
    <form class="inline" onSubmit=${(e) => { e.preventDefault(); browse(); }}>
      <label>Topic <input id="browse-topic" value=${form.topic} required onInput=${set('topic')} /></label>
      <label>Partition <input id="browse-partition" type="number" min="0" value=${form.partition}
        onInput=${set('partition')} /></label>
      <label>From <select id="browse-from" value=${form.from} onChange=${set('from')}>
        <option value="start">the start</option><option value="offset">offset</option>
        <option value="timestamp">time (ISO 8601 or unix ms)</option></select></label>
      ${form.from !== 'start' && html`<input id="browse-at" value=${form.at} onInput=${set('at')} />`}
      <label>Max <input id="browse-limit" type="number" min="1" max="200" value=${form.limit}
        onInput=${set('limit')} /></label>
      <button id="browse-go" type="submit">Browse</button>
    </form>
    <${ErrorLine} error=${result.error} />
    ${data !== null && html`
      <p id="browse-summary">${`${data.records.length} record(s) of ${data.topic}-${data.partition} ` +
        `from offset ${data.startOffset}; high watermark ${show(data.highWatermark)}.`}
        ${data.more && html` <button id="browse-next" onClick=${() => browse(data.nextOffset)}>Next page</button>`}</p>
      <table id="records"><thead><tr><th>Offset</th><th>Timestamp</th><th>Key</th><th>Value</th>
        <th>Headers</th></tr></thead>
      <tbody>${data.records.map((r) => html`<tr><td>${r.offset}</td><td>${time(r.timestampMs)}</td>
        <td><${Bytes} value=${r.key} /></td><td class="value"><${Bytes} value=${r.value} /></td>
        <td>${r.headers.map((hd) => html`<div><${Bytes} value=${hd.key} />: <${Bytes} value=${hd.value} /></div>`)}</td>
      </tr>`)}</tbody></table>`}
  </section>`;
}

/** The event feed: GET /events?since=<id> polled; a 404 means this node has no feed. */
export function Events() {
  const [state, setState] = useState({ events: [], next: null, missing: false });
  const poll = usePoll(async () => {
    const since = state.next === null ? '' : `?since=${enc(state.next)}`;
    const res = await fetch(`/events${since}`, { credentials: 'same-origin' });
    if (res.status === 404) {
      setState((s) => ({ ...s, missing: true }));
      return null;
    }
    if (!res.ok) throw new Error(`the event feed answered HTTP ${res.status}`);
    const body = await res.json();
    setState((s) => ({ events: [...s.events, ...(body.events ?? [])].slice(-500),
      next: body.next ?? s.next, missing: false }));
    return null;
  }, 2000, [state.next]);
  const events = [...state.events].reverse();
  return html`<section id="events">
    <h2>Live event feed</h2>
    <${ErrorLine} error=${poll.error} />
    ${state.missing || events.length === 0 ? html`<p id="no-events" class="muted">no events</p>` : html`
      <table id="event-list"><thead><tr><th>Time</th><th>Severity</th><th>Kind</th><th>Broker</th>
        <th>Topic</th><th>What happened</th></tr></thead>
      <tbody>${events.map((e) => html`<tr class=${`severity-${e.severity}`}>
        <td>${time(e.timeMs)}</td><td>${e.severity}</td><td>${e.kind}</td><td>${show(e.brokerId < 0 ? null : e.brokerId)}</td>
        <td>${show(e.topic)}</td><td>${e.message}</td></tr>`)}</tbody></table>`}
  </section>`;
}
