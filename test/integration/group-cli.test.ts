// Proves the group CLI end to end against a real `pado start` process, each command its own
// process: 100 records over 3 partitions; `pado consume --group g -n 100` reads them all and
// commits (describe shows lag 0 everywhere); `reset-offsets --to-earliest` prints a plan, changes
// nothing until --execute, then describe shows lag 100 in total; a kcat -G (librdkafka) member of
// the same group is described with its client id and range assignment while it runs, and its
// commits bring the lag back to 0; reset-offsets --execute and delete are refused (with the
// reason) while it is a member; after kcat leaves, `pado group delete g` deletes the group.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mainJs, startBroker, type BrokerProcess } from '../support/broker.js';
import { run, waitFor } from '../support/run.js';

let broker: BrokerProcess;
before(async () => {
  broker = await startBroker();
});
after(async () => {
  await broker?.stop();
});

function pado(args: readonly string[], input?: string) {
  const all = [mainJs, ...args, '--bootstrap', broker.bootstrap];
  return run(process.execPath, all, { timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });
}

interface Description {
  state: string;
  members: { memberId: string; clientId: string; assignment: { topic: string; partitions: number[] }[] | null }[];
  offsets: { topic: string; partition: number; committedOffset: number | null; logEndOffset: number; lag: number | null }[];
}

async function describe(group: string): Promise<Description> {
  const r = await pado(['group', 'describe', group, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Description;
}

const totalLag = (d: Description): number => d.offsets.reduce((sum, o) => sum + (o.lag ?? 0), 0);

test('consume --group, describe, reset-offsets, delete, and a kcat -G member', async (t) => {
  const topic = 'group-cli';
  assert.equal((await pado(['topic', 'create', topic, '-p', '3'])).code, 0);
  for (const [partition, count] of [[0, 40], [1, 30], [2, 30]] as const) {
    const lines = Array.from({ length: count }, (_, i) => `p${partition}-${i}`).join('\n') + '\n';
    const p = await pado(['produce', topic, '-p', String(partition)], lines);
    assert.equal(p.code, 0, p.stderr);
  }

  const consumed = await pado(['consume', topic, '--group', 'g', '-n', '100', '--from-beginning']);
  assert.equal(consumed.code, 0, consumed.stderr);
  assert.equal(consumed.stdout.split('\n').filter((l) => l !== '').length, 100);
  let d = await describe('g');
  assert.equal(d.state, 'Empty');
  assert.deepEqual(d.offsets.map((o) => [o.partition, o.committedOffset, o.logEndOffset, o.lag]),
    [[0, 40, 40, 0], [1, 30, 30, 0], [2, 30, 30, 0]]);
  const listed = await pado(['group', 'list', '--format', 'json']);
  assert.deepEqual(JSON.parse(listed.stdout), [{ group: 'g', state: 'Empty', protocolType: 'consumer' }]);

  const dry = await pado(['group', 'reset-offsets', 'g', '--topic', topic, '--to-earliest']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^group-cli\s+0\s+40\s+0$/m);
  assert.match(dry.stderr, /dry run: nothing changed/);
  assert.equal(totalLag(await describe('g')), 0);
  const reset = await pado(['group', 'reset-offsets', 'g', '--topic', topic, '--to-earliest', '--execute']);
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal(totalLag(await describe('g')), 100);

  // kcat's librdkafka member joins the same group with the range assignor and commits as it reads.
  const kcat = spawn('kcat', ['-b', broker.bootstrap, '-G', 'g', topic, '-q'], { stdio: 'ignore' });
  const kcatExited = new Promise((resolve) => kcat.once('exit', resolve));
  t.after(async () => {
    kcat.kill('SIGKILL');
    await kcatExited;
  });
  d = await waitFor('kcat to be described with its assignment and lag 0', async () => {
    const now = await describe('g');
    const assigned = now.members[0]?.assignment?.flatMap((tp) => tp.partitions).sort();
    return now.state === 'Stable' && now.members.length === 1 && totalLag(now) === 0 &&
      assigned?.join() === '0,1,2' ? now : undefined;
  }, 30_000, 250);
  assert.equal(d.members[0]?.clientId, 'rdkafka');
  const refusedReset = await pado(['group', 'reset-offsets', 'g', '--topic', topic, '--to-earliest', '--execute']);
  assert.equal(refusedReset.code, 1);
  assert.match(refusedReset.stderr, /has 1 active member\(s\).*stop its consumers first/);
  const refusedDelete = await pado(['group', 'delete', 'g']);
  assert.equal(refusedDelete.code, 1);
  assert.match(refusedDelete.stderr, /still has active members; stop its consumers/);

  kcat.kill('SIGTERM');
  await kcatExited;
  await waitFor('kcat to leave the group', async () =>
    (await describe('g')).members.length === 0 ? true : undefined, 30_000, 250);
  const deleted = await pado(['group', 'delete', 'g']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, /deleted group 'g'/);
  const gone = await pado(['group', 'describe', 'g']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /group 'g' does not exist/);
});

// A pado member and a kcat member share one group: the range split covers every partition once,
// Ctrl+C makes pado commit and leave (exit 0), and kcat then gets all partitions at once.
test('pado consume --group and kcat -G share a group; SIGINT leaves it', async (t) => {
  const topic = 'group-shared';
  assert.equal((await pado(['topic', 'create', topic, '-p', '3'])).code, 0);
  const member = spawn(process.execPath, [mainJs, 'consume', topic, '--group', 'shared',
    '--bootstrap', broker.bootstrap], { stdio: ['ignore', 'ignore', 'pipe'] });
  let memberErr = '';
  member.stderr.on('data', (c: Buffer) => { memberErr += c.toString(); });
  const memberExited = new Promise<number | null>((resolve) => member.once('exit', resolve));
  t.after(() => { member.kill('SIGKILL'); });
  await waitFor('pado to join', () => (memberErr.includes('joined group') ? true : undefined));
  const kcat = spawn('kcat', ['-b', broker.bootstrap, '-G', 'shared', topic, '-q'], { stdio: 'ignore' });
  const kcatExited = new Promise((resolve) => kcat.once('exit', resolve));
  t.after(async () => {
    kcat.kill('SIGKILL');
    await kcatExited;
  });
  const assignedTo = (d: Description, clientId: string): number[] => d.members
    .filter((m) => m.clientId === clientId)
    .flatMap((m) => m.assignment ?? []).flatMap((tp) => tp.partitions).sort();
  const shared = await waitFor('both members to be assigned', async () => {
    const d = await describe('shared');
    return d.state === 'Stable' && d.members.length === 2 ? d : undefined;
  }, 30_000, 250);
  assert.deepEqual([...assignedTo(shared, 'pado-cli'), ...assignedTo(shared, 'rdkafka')].sort(),
    [0, 1, 2]);
  assert.ok(assignedTo(shared, 'pado-cli').length > 0, JSON.stringify(shared));

  member.kill('SIGINT');
  assert.equal(await memberExited, 0, memberErr);
  await waitFor('kcat to own every partition', async () => {
    const d = await describe('shared');
    return d.state === 'Stable' && d.members.length === 1 &&
      assignedTo(d, 'rdkafka').join() === '0,1,2' ? true : undefined;
  }, 30_000, 250);
});
