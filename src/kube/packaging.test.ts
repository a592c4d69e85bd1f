import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { loadAllYaml } from '@kubernetes/client-node';

const DIR = new URL('../../packaging/kubernetes/', import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: manifests are YAML of many shapes.
type Doc = any;

async function manifests(): Promise<Doc[]> {
  const docs: Doc[] = [];
  for (const file of (await readdir(DIR)).filter((f) => f.endsWith('.yaml')).sort())
    docs.push(...loadAllYaml(await readFile(new URL(file, DIR), 'utf8')));
  return docs;
}

describe('packaging/kubernetes', () => {
  test('every manifest parses, and each DeviceClass selects one mechanism the driver publishes', async () => {
    const docs = await manifests();
    for (const doc of docs) assert.ok(doc.apiVersion && doc.kind && doc.metadata?.name, JSON.stringify(doc));
    const classes = docs.filter((d) => d.kind === 'DeviceClass');
    const mechanisms = classes.map((c) => /mechanism == "([a-z-]+)"/.exec(c.spec.selectors[0].cel.expression)?.[1]);
    assert.deepEqual(mechanisms.sort(), ['mdev', 'passthrough', 'sriov', 'vendor-vfio']);
  });

  test('claim templates name existing classes, and the VM names its claim template', async () => {
    const docs = await manifests();
    const classes = new Set(docs.filter((d) => d.kind === 'DeviceClass').map((d) => d.metadata.name));
    const templates = docs.filter((d) => d.kind === 'ResourceClaimTemplate');
    for (const t of templates)
      for (const r of t.spec.spec.devices.requests)
        assert.ok(classes.has(r.exactly.deviceClassName), r.exactly.deviceClassName);
    const vm = docs.find((d) => d.kind === 'VirtualMachine' && d.metadata.name === 'vm-t4');
    const claim = vm.spec.template.spec.resourceClaims[0];
    assert.ok(templates.some((t) => t.metadata.name === claim.resourceClaimTemplateName));
    assert.equal(vm.spec.template.spec.domain.devices.gpus[0].claimName, claim.name);
  });

  test('the DRA DaemonSet mounts the kubelet plugin directories the driver defaults to', async () => {
    const docs = await manifests();
    const ds = docs.find((d) => d.kind === 'DaemonSet' && d.metadata.name === 'vgpuctl-dra');
    const paths = ds.spec.template.spec.volumes.map((v: Doc) => v.hostPath.path);
    for (const p of ['/sys', '/dev/vfio', '/var/lib/kubelet/plugins_registry', '/var/lib/kubelet/plugins'])
      assert.ok(paths.includes(p), p);
    assert.equal(ds.spec.template.spec.containers[0].securityContext.privileged, true);
  });
});
