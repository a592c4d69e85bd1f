import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_TOKEN, bearer, READ_TOKEN, testAgent } from './_test-agent.ts';
import { http, subscribe } from './_test-http.ts';

type Agent = Awaited<ReturnType<typeof testAgent>>;

describe('the agent over its unix socket and TCP', () => {
  let dir: string;
  let t: Agent;
  let socketPath: string;
  let url: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vgpuctl-agent-'));
    socketPath = join(dir, 'run', 'agent.sock');
    t = await testAgent('kubevirt-t4', { socket: socketPath, listen: { host: '127.0.0.1', port: 0 } });
    url = t.agent.url as string;
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the socket is a socket with mode 0660', async () => {
    const s = await stat(socketPath);
    assert.ok(s.isSocket());
    assert.equal(s.mode & 0o777, 0o660);
  });

  test('the socket needs no token; TCP needs one and tells read from admin', async () => {
    assert.equal((await http({ socketPath }, '/v1/gpus')).status, 200);
    assert.equal((await http({ url }, '/v1/gpus')).status, 401);
    assert.equal((await http({ url }, '/v1/gpus', { headers: bearer(READ_TOKEN) })).status, 200);
    const body = JSON.stringify({ type: 'nvidia-222', dryRun: true });
    const readOnly = await http({ url }, '/v1/vgpus', { method: 'POST', headers: bearer(READ_TOKEN), body });
    assert.equal(readOnly.status, 403);
    const admin = await http({ url }, '/v1/vgpus', { method: 'POST', headers: bearer(ADMIN_TOKEN), body });
    assert.equal(admin.status, 200, admin.body);
    assert.equal((await http({ socketPath }, '/v1/vgpus', { method: 'POST', body })).status, 200);
  });

  test('a second agent on the same socket is refused; the first keeps serving', async () => {
    await assert.rejects(testAgent('lab', { socket: socketPath }), /another agent is running there/);
    assert.equal((await http({ socketPath }, '/v1/health')).status, 200);
  });

  test('events: hide, show and a create arrive in order; Last-Event-ID resumes', async () => {
    const stream = subscribe({ socketPath }, '/v1/events');
    assert.equal(await stream.opened, 200);
    await stream.next((e) => e.event === 'hello');
    await t.host.write('/sys/devices/virtual/nvidia/nvidia/hotplug_control', 'hide');
    const hidden = await stream.next((e) => e.event === 'gpu.hidden');
    await t.host.write('/sys/devices/virtual/nvidia/nvidia/hotplug_control', 'show');
    await stream.next((e) => e.event === 'gpu.shown');
    const uuid = '00000000-0000-4000-8000-0000000000e2';
    await t.host.write('/sys/devices/virtual/nvidia/nvidia/mdev_supported_types/nvidia-222/create', uuid);
    const created = await stream.next((e) => e.event === 'vgpu.created');
    assert.equal(JSON.parse(created.data).event.id, uuid);
    stream.close();

    const resumed = subscribe({ socketPath }, '/v1/events', { 'last-event-id': hidden.id as string });
    await resumed.next((e) => e.event === 'vgpu.created');
    assert.equal(resumed.events[0]?.event, 'gpu.shown', 'the first event after the given id comes first');
    resumed.close();

    const tooOld = subscribe({ url }, '/v1/events', { 'last-event-id': '999999', ...bearer(READ_TOKEN) });
    assert.equal((await tooOld.next(() => true)).event, 'resync');
    tooOld.close();
  });
});
