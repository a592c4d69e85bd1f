import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Inventory } from '../discovery/inventory.ts';
import { ADMIN_TOKEN, bearer, jsonBody, READ_TOKEN, testAgent } from './_test-agent.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies of many shapes, read field by field
type Json = any;
type Agent = Awaited<ReturnType<typeof testAgent>>;
let t: Agent;
before(async () => {
  t = await testAgent('lab');
});
after(() => t.close());

const get = async (path: string, init?: RequestInit) => {
  const response = await t.unix.request(path, init);
  return { status: response.status, body: (await response.json()) as Json };
};

describe('read routes', () => {
  test('GET /v1/health', async () => {
    const { status, body } = await get('/v1/health');
    assert.equal(status, 200);
    assert.equal(body.status, 'ok');
    assert.equal(body.host, 'emulated host "lab"');
  });

  test('GET /v1/host', async () => {
    const { body } = await get('/v1/host');
    assert.equal(body.iommu.enabled, true);
  });

  test('GET /v1/gpus lists the five GPUs of lab; GET /v1/gpus/{address} one, by short address too', async () => {
    const { body } = await get('/v1/gpus');
    assert.equal(body.length, 5);
    const one = await get('/v1/gpus/3b:00.0');
    assert.deepEqual([one.status, one.body.address], [200, '0000:3b:00.0']);
    const missing = await get('/v1/gpus/0000:99:00.0');
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'DEVICE_NOT_FOUND']);
    const bad = await get('/v1/gpus/not-an-address');
    assert.deepEqual([bad.status, bad.body.error.code], [400, 'INVALID_PCI_ADDRESS']);
  });

  test('GET /v1/inventory is the host as list --json prints it', async () => {
    const { status, body } = await get('/v1/inventory');
    assert.equal(status, 200);
    assert.equal(body.schemaVersion, 1);
    assert.equal(body.host.source, 'emulated host "lab"');
    assert.equal(body.gpus.length, 5);
    assert.ok(Inventory.safeParse(body).success);
  });

  test('path-like names are refused before they reach a path', async () => {
    for (const path of ['/v1/gpus/..%2F..%2Fetc', '/v1/vgpus/..%2Fx/stop', '/v1/gpus/a%20b']) {
      const response = await t.unix.request(path, path.endsWith('stop') ? { method: 'POST' } : undefined);
      assert.equal(response.status, 400, path);
      assert.equal(((await response.json()) as Json).error.code, 'INVALID_ARGUMENT', path);
    }
  });

  test('GET /v1/iommu-groups', async () => {
    const { body } = await get('/v1/iommu-groups');
    assert.equal(body.length, 9);
  });

  test('GET /v1/types with filters', async () => {
    const all = (await get('/v1/types')).body;
    const one = (await get('/v1/types?gpu=0000:00:02.0')).body;
    assert.ok(all.length > one.length && one.length > 0);
    assert.ok(one.every((x: Json) => x.gpu === '0000:00:02.0'));
    const free = (await get('/v1/types?available=true')).body;
    assert.ok(free.every((x: Json) => x.availableInstances > 0));
    assert.equal((await get('/v1/types?available=maybe')).status, 400);
  });

  test('GET /v1/vgpus, /v1/bindings, /v1/sriov', async () => {
    assert.deepEqual((await get('/v1/vgpus')).body, []);
    const bindings = (await get('/v1/bindings')).body;
    assert.equal(bindings.length, 5);
    assert.ok(bindings.every((b: Json) => typeof b.vfio === 'boolean'));
    const sriov = (await get('/v1/sriov')).body;
    assert.ok(sriov.length > 0 && sriov.every((s: Json) => s.totalVfs > 0));
  });

  test('GET /v1/doctor, with and without an address', async () => {
    const all = (await get('/v1/doctor')).body;
    assert.ok(all.checks.length > 0);
    const one = (await get('/v1/doctor?address=0000:01:00.0')).body;
    assert.equal(one.address, '0000:01:00.0');
  });

  test('POST /v1/select plans without changing the host', async () => {
    const { status, body } = await get('/v1/select', jsonBody('POST', { mode: 'passthrough' }));
    assert.equal(status, 200);
    assert.equal(body.selected.mode, 'passthrough');
    assert.equal(body.applied, false);
    const bad = await get('/v1/select', jsonBody('POST', { mode: 'teleport' }));
    assert.equal(bad.status, 400);
  });

  test('GET /metrics exposes the host and the agent', async () => {
    const text = await (await t.unix.request('/metrics')).text();
    assert.match(text, /vgpuctl_vgpu_instances_available\{gpu="0000:3b:00.0",type="nvidia-222"\} \d+/);
    assert.match(text, /vgpuctl_framebuffer_bytes\{gpu="0000:3b:00.0",kind="physical"\} \d+/);
    assert.match(text, /vgpuctl_sriov_vfs\{gpu="[^"]+",kind="total"\}/);
    assert.match(text, /vgpuctl_agent_up 1/);
  });

  test('an unknown route is a 404 with error data', async () => {
    const { status, body } = await get('/v1/nope');
    assert.deepEqual([status, body.error.code], [404, 'INVALID_ARGUMENT']);
  });
});

describe('mutations', () => {
  test('create: dryRun plans only; then create, see it, remove it — each with its plan and audit entry', async () => {
    const gpu = '0000:3b:00.0';
    const free = async () =>
      (await get(`/v1/types?gpu=${gpu}`)).body.find((x: Json) => x.id === 'nvidia-222').availableInstances;
    const before = await free();
    const planned = await get('/v1/vgpus', jsonBody('POST', { type: 'nvidia-222', gpu, dryRun: true }));
    assert.equal(planned.status, 200);
    assert.equal(planned.body.dryRun, true);
    assert.match(planned.body.shell, /nvidia-222\/create/);
    assert.equal(await free(), before);

    const uuid = '00000000-0000-4000-8000-000000000042';
    const created = await get('/v1/vgpus', jsonBody('POST', { type: 'nvidia-222', gpu, uuids: [uuid] }));
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.dryRun, false);
    assert.equal(created.body.plan.steps[0].value, uuid);
    // The model was refreshed before the reply.
    assert.equal(await free(), before - 1);
    assert.ok((await get('/v1/vgpus')).body.some((v: Json) => v.id === uuid && v.state === 'running'));

    const again = await get('/v1/vgpus', jsonBody('POST', { type: 'nvidia-222', gpu, uuids: [uuid] }));
    assert.equal(again.status, 409, JSON.stringify(again.body));

    const removed = await get(`/v1/vgpus/${uuid}`, { method: 'DELETE' });
    assert.equal(removed.status, 200);
    assert.equal(await free(), before);
    const gone = await get(`/v1/vgpus/${uuid}`, { method: 'DELETE' });
    assert.equal(gone.status, 404);
    assert.deepEqual(
      t.audit.map((a) => [a.who, a.operation, a.outcome]),
      [
        ['unix-socket', 'create', 'planned'],
        ['unix-socket', 'create', 'executed'],
        ['unix-socket', 'create', 'failed'],
        ['unix-socket', 'remove', 'executed'],
        ['unix-socket', 'remove', 'failed'],
      ],
    );
  });

  test('define, start, stop, undefine a vGPU', async () => {
    const gpu = '0000:3b:00.0';
    const uuid = '00000000-0000-4000-8000-000000000077';
    const defined = await get('/v1/definitions', jsonBody('POST', { type: 'nvidia-222', gpu, uuids: [uuid] }));
    assert.equal(defined.status, 200, JSON.stringify(defined.body));
    let entry = (await get('/v1/vgpus')).body.find((v: Json) => v.id === uuid);
    assert.equal(entry.state, 'stopped');
    assert.equal((await get(`/v1/vgpus/${uuid}/start`, jsonBody('POST', {}))).status, 200);
    entry = (await get('/v1/vgpus')).body.find((v: Json) => v.id === uuid);
    assert.equal(entry.state, 'running');
    assert.equal((await get(`/v1/vgpus/${uuid}/stop`, { method: 'POST' })).status, 200);
    assert.equal((await get(`/v1/definitions/${uuid}?gpu=${gpu}`, { method: 'DELETE' })).status, 200);
    assert.equal(
      (await get('/v1/vgpus')).body.find((v: Json) => v.id === uuid),
      undefined,
    );
  });

  test('sriov: set VFs with its plan; an impossible count is refused and nothing changes', async () => {
    const pf = (await get('/v1/sriov')).body.find((s: Json) => s.numVfs === 0);
    const planned = await get(`/v1/gpus/${pf.address}/sriov`, jsonBody('PUT', { numVfs: 2, dryRun: true }));
    assert.equal(planned.status, 200);
    assert.match(planned.body.shell, /sriov_numvfs/);
    const done = await get(`/v1/gpus/${pf.address}/sriov`, jsonBody('PUT', { numVfs: 2 }));
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.plan.steps.length > 0, true);
    assert.equal((await get('/v1/sriov')).body.find((s: Json) => s.address === pf.address).numVfs, 2);
    const tooMany = await get(`/v1/gpus/${pf.address}/sriov`, jsonBody('PUT', { numVfs: pf.totalVfs + 1 }));
    assert.ok(tooMany.status >= 400 && tooMany.status < 500, JSON.stringify(tooMany.body));
    assert.equal((await get('/v1/sriov')).body.find((s: Json) => s.address === pf.address).numVfs, 2);
    assert.equal((await get(`/v1/gpus/${pf.address}/sriov`, jsonBody('PUT', { numVfs: 0 }))).status, 200);
  });

  test('bind and unbind a GPU group with their plans', async () => {
    const target = '0000:01:00.0';
    const planned = await get(`/v1/gpus/${target}/bind`, jsonBody('POST', { dryRun: true }));
    assert.equal(planned.status, 200, JSON.stringify(planned.body));
    assert.match(planned.body.shell, /vfio-pci/);
    const bound = await get(`/v1/gpus/${target}/bind`, jsonBody('POST', {}));
    assert.equal(bound.status, 200, JSON.stringify(bound.body));
    assert.equal((await get('/v1/bindings')).body.find((b: Json) => b.address === target).vfio, true);
    const unbound = await get(`/v1/gpus/${target}/unbind`, jsonBody('POST', {}));
    assert.equal(unbound.status, 200, JSON.stringify(unbound.body));
    assert.equal((await get('/v1/bindings')).body.find((b: Json) => b.address === target).vfio, false);
    const bootVga = await get('/v1/gpus/0000:00:02.0/bind', jsonBody('POST', {}));
    assert.deepEqual([bootVga.status, bootVga.body.error.code], [409, 'BOOT_VGA_DEVICE']);
  });
});

describe('bad input', () => {
  const vgpusNow = async () => JSON.stringify((await get('/v1/vgpus')).body);

  test('malformed JSON, unknown fields, wrong types, oversized bodies: each a clear error, nothing changed', async () => {
    const start = await vgpusNow();
    const cases: [RequestInit, number, string][] = [
      [jsonBody('POST', '{"type": '), 400, 'INVALID_ARGUMENT'],
      [jsonBody('POST', { type: 'nvidia-222', gpu: '0000:3b:00.0', evil: true }), 400, 'INVALID_ARGUMENT'],
      [jsonBody('POST', { type: 'nvidia-222', count: 'two' }), 400, 'INVALID_ARGUMENT'],
      [jsonBody('POST', { type: 'nvidia-222', gpu: '../../etc' }), 400, 'INVALID_ARGUMENT'],
      [jsonBody('POST', { type: 'x'.repeat(100), pad: 'y'.repeat(70 * 1024) }), 413, 'PAYLOAD_TOO_LARGE'],
    ];
    for (const [init, status, code] of cases) {
      const { status: got, body } = await get('/v1/vgpus', init);
      assert.deepEqual([got, body.error.code], [status, code], JSON.stringify(body));
      assert.match(body.error.message, /^Cannot /);
    }
    const unknownType = await get('/v1/vgpus', jsonBody('POST', { type: 'GRID Z9-99Q' }));
    assert.deepEqual([unknownType.status, unknownType.body.error.code], [404, 'VGPU_TYPE_NOT_FOUND']);
    assert.equal(await vgpusNow(), start);
  });
});

describe('authentication and authorization over TCP', () => {
  const tcp = async (path: string, init: RequestInit = {}) => {
    const response = await t.tcp.request(path, init);
    return { status: response.status, headers: response.headers, body: await response.text() };
  };

  test('no token or a wrong token: 401 on every route, including metrics, events and the dashboard', async () => {
    for (const path of ['/v1/gpus', '/v1/inventory', '/metrics', '/v1/events', '/', '/openapi.json']) {
      const none = await tcp(path);
      assert.equal(none.status, 401, path);
      assert.equal(JSON.parse(none.body).error.code, 'UNAUTHORIZED');
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
      assert.equal((await tcp(path, { headers: bearer('wrong-token-0123456789abcdef') })).status, 401, path);
    }
  });

  test('a read token reads but may not mutate; an admin token may', async () => {
    assert.equal((await tcp('/v1/gpus', { headers: bearer(READ_TOKEN) })).status, 200);
    assert.equal((await tcp('/v1/inventory', { headers: bearer(READ_TOKEN) })).status, 200);
    const refused = await tcp('/v1/vgpus', jsonBody('POST', { type: 'nvidia-222', dryRun: true }, bearer(READ_TOKEN)));
    assert.equal(refused.status, 403);
    assert.equal(JSON.parse(refused.body).error.code, 'FORBIDDEN');
    assert.equal((await tcp('/v1/select', jsonBody('POST', {}, bearer(READ_TOKEN)))).status, 200);
    const allowed = await tcp(
      '/v1/vgpus',
      jsonBody('POST', { type: 'nvidia-222', gpu: '0000:3b:00.0', dryRun: true }, bearer(ADMIN_TOKEN)),
    );
    assert.equal(allowed.status, 200);
    assert.equal(t.audit.at(-1)?.who, 'ops');
  });

  test('the dashboard URL token becomes an HttpOnly SameSite=Strict cookie; cookie mutations need the CSRF token', async () => {
    const first = await tcp(`/?token=${ADMIN_TOKEN}`);
    assert.equal(first.status, 303);
    const cookie = first.headers.get('set-cookie') ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const session = cookie.split(';')[0] as string;
    const page = await tcp('/', { headers: { cookie: session } });
    assert.equal(page.status, 200);
    const csrf = /name="vgpuctl-csrf" content="([0-9a-f]+)"/.exec(page.body)?.[1];
    assert.ok(csrf);
    const body = { type: 'nvidia-222', gpu: '0000:3b:00.0', dryRun: true };
    const noCsrf = await tcp('/v1/vgpus', jsonBody('POST', body, { cookie: session }));
    assert.equal(noCsrf.status, 403);
    assert.equal(JSON.parse(noCsrf.body).error.code, 'CSRF_REJECTED');
    const crossSite = await tcp(
      '/v1/vgpus',
      jsonBody('POST', body, { cookie: session, 'x-vgpuctl-csrf': csrf, origin: 'http://evil.example', host: 'agent' }),
    );
    assert.equal(crossSite.status, 403);
    const ok = await tcp('/v1/vgpus', jsonBody('POST', body, { cookie: session, 'x-vgpuctl-csrf': csrf }));
    assert.equal(ok.status, 200, ok.body);
    // A token in the URL works only for the page itself.
    assert.equal((await tcp(`/v1/gpus?token=${ADMIN_TOKEN}`)).status, 401);
  });

  test('no CORS headers, even for a cross-origin preflight', async () => {
    const preflight = await tcp('/v1/vgpus', {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', ...bearer(ADMIN_TOKEN) },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const read = await tcp('/v1/gpus', { headers: { origin: 'http://evil.example', ...bearer(READ_TOKEN) } });
    assert.equal(read.headers.get('access-control-allow-origin'), null);
  });
});
