// Proves the control channel of `pado dev` (cli/dev-control.ts) on a real loopback socket: the
// control file is written with mode 0600 and names a port on 127.0.0.1; `sendDevControl` reaches
// the handler with the action and node id and returns its answer; requests with a wrong token, a
// foreign Host header, a body or an unknown path are refused before the handler runs; closing
// removes the file, after which a controller is told that no pado dev runs. Also the pure path
// and token checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  devControlPath, parseControlPath, readControlFile, sendDevControl, startDevControl,
  tokenMatches, type DevControlAction,
} from '../../../src/cli/dev-control.js';
import { isPadoError } from '../../../src/common/index.js';

test('dev control: paths and tokens', () => {
  assert.deepEqual(parseControlPath('/nodes/2/kill'), { action: 'kill', nodeId: 2 });
  assert.deepEqual(parseControlPath('/nodes/12/restart'), { action: 'restart', nodeId: 12 });
  for (const bad of ['/nodes/0/kill', '/nodes/2/stop', '/nodes/2/kill/', '/nodes/x/kill',
    '/nodes/2/kill?x=1', '/nodes/1234/kill']) assert.equal(parseControlPath(bad), null, bad);
  assert.ok(tokenMatches('Bearer abc', 'abc'));
  assert.ok(!tokenMatches('Bearer abd', 'abc'));
  assert.ok(!tokenMatches('Bearer abcd', 'abc'));
  assert.ok(!tokenMatches(undefined, 'abc'));
});

/** A raw request to the channel: its status. */
function raw(port: number, o: { token: string; host?: string; path?: string; body?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: o.path ?? '/nodes/1/kill',
      headers: { authorization: `Bearer ${o.token}`, ...(o.host === undefined ? {} : { host: o.host }) } },
    (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

test('dev control: a loopback channel with a 0600 token file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pado-dev-control-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const calls: [DevControlAction, number][] = [];
  const control = await startDevControl(dir, (action, nodeId) => {
    calls.push([action, nodeId]);
    return Promise.resolve(nodeId === 9 ? { status: 404, message: 'no node 9' }
      : { status: 200, message: `${action} ${nodeId} done` });
  });
  let closed = false;
  t.after(async () => {
    if (!closed) await control.close();
  });
  const file = readControlFile(dir) ?? assert.fail('control file written');
  assert.equal(file.port, control.port);
  assert.equal(file.pid, process.pid);
  assert.match(file.token, /^[0-9a-f]{64}$/);
  if (process.platform !== 'win32') assert.equal(statSync(devControlPath(dir)).mode & 0o777, 0o600);

  assert.deepEqual(await sendDevControl(dir, 'kill', 2), { status: 200, message: 'kill 2 done' });
  assert.deepEqual(await sendDevControl(dir, 'restart', 3), { status: 200, message: 'restart 3 done' });
  assert.deepEqual(await sendDevControl(dir, 'kill', 9), { status: 404, message: 'no node 9' });
  assert.equal(await raw(control.port, { token: 'f'.repeat(64) }), 401);
  assert.equal(await raw(control.port, { token: file.token, host: 'evil.example:80' }), 403);
  assert.equal(await raw(control.port, { token: file.token, body: 'x' }), 413);
  assert.equal(await raw(control.port, { token: file.token, path: '/nodes/1/stop' }), 404);
  assert.deepEqual(calls, [['kill', 2], ['restart', 3], ['kill', 9]], 'refused requests did nothing');

  await control.close();
  closed = true;
  assert.equal(readControlFile(dir), null, 'file removed');
  await assert.rejects(sendDevControl(dir, 'kill', 2), (e: unknown) =>
    isPadoError(e, 'PADO_NOT_FOUND') && /no running pado dev found for --data-dir/.test(e.message));
});
