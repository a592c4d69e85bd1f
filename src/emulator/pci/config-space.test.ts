import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigSpaceInput } from './config-space.ts';
import { buildConfigSpace, CAP_ID, EXT_CAP_ID } from './config-space.ts';

const GiB = 1024n * 1024n * 1024n;

const a10: ConfigSpaceInput = {
  vendor: 0x10de,
  device: 0x2236,
  classCode: 0x030200,
  revision: 0xa1,
  headerType: 0,
  multiFunction: true,
  subsystemVendor: 0x10de,
  subsystemDevice: 0x1482,
  bars: [
    { index: 0, kind: 'mem32', prefetchable: false, size: 16 << 20, address: 0x9400_0000n },
    { index: 1, kind: 'mem64', prefetchable: true, size: 64 * 2 ** 30, address: 0x3810n * 16n ** 8n },
  ],
  interruptPin: 1,
  interruptLine: 23,
  commandEnabled: true,
  pm: true,
  msi: { vectors: 1, is64: true },
  pcie: { portType: 'endpoint', maxGen: 4, maxWidth: 16, currentGen: 3, currentWidth: 8 },
  sriov: { totalVfs: 16, numVfs: 4, offset: 4, stride: 1, vfDevice: 0x2238, vfBars: [] },
  ari: { nextFunction: 0 },
  acs: false,
};

/** Walks the standard capability list: [id, offset] pairs. */
function capabilities(config: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let at = config[0x34] ?? 0; at !== 0; at = config[at + 1] ?? 0) out.push([config[at] ?? 0, at]);
  return out;
}

/** Walks the extended capability list from 0x100. */
function extCapabilities(config: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let at = 0x100; at !== 0; ) {
    const header = config.readUInt32LE(at);
    if (header === 0) break;
    out.push([header & 0xffff, at]);
    at = header >>> 20;
  }
  return out;
}

describe('buildConfigSpace', () => {
  const config = buildConfigSpace(a10);

  test('is 4096 bytes with ids, class, revision and subsystem in place', () => {
    assert.equal(config.length, 4096);
    assert.equal(config.readUInt16LE(0), 0x10de);
    assert.equal(config.readUInt16LE(2), 0x2236);
    assert.equal(config[8], 0xa1);
    assert.equal(config.readUIntLE(9, 3), 0x030200);
    assert.equal(config[0x0e], 0x80, 'multi-function endpoint');
    assert.equal(config.readUInt16LE(0x2c), 0x10de);
    assert.equal(config.readUInt16LE(0x2e), 0x1482);
    assert.equal(config[0x3d], 1);
    assert.equal(config.readUInt16LE(6) & 0x10, 0x10, 'capability list bit');
  });

  test('encodes BARs as 32-bit non-prefetchable and 64-bit prefetchable', () => {
    assert.equal(config.readUInt32LE(0x10), 0x9400_0000);
    const low = config.readUInt32LE(0x14);
    assert.equal(low & 0xf, 0xc);
    const address = (BigInt(config.readUInt32LE(0x18)) << 32n) | BigInt(low & ~0xf);
    assert.equal(address, 0x3810n * 16n ** 8n);
    assert.equal(address % (64n * GiB), 0n);
  });

  test('chains PM → MSI → PCI Express with link status matching the link attributes', () => {
    const caps = capabilities(config);
    assert.deepEqual(
      caps.map(([id]) => id),
      [CAP_ID.pm, CAP_ID.msi, CAP_ID.pcie],
    );
    const pcie = (caps[2] as [number, number])[1];
    assert.equal((config.readUInt16LE(pcie + 2) >> 4) & 0xf, 0, 'endpoint');
    const linkCap = config.readUInt32LE(pcie + 0x0c);
    assert.equal(linkCap & 0xf, 4);
    assert.equal((linkCap >> 4) & 0x3f, 16);
    const linkStatus = config.readUInt16LE(pcie + 0x12);
    assert.equal(linkStatus & 0xf, 3);
    assert.equal((linkStatus >> 4) & 0x3f, 8);
  });

  test('has ARI and SR-IOV extended capabilities with live NumVFs and the VF device id', () => {
    const ext = extCapabilities(config);
    assert.deepEqual(
      ext.map(([id]) => id),
      [EXT_CAP_ID.ari, EXT_CAP_ID.sriov],
    );
    const sriov = (ext[1] as [number, number])[1];
    assert.equal(config.readUInt16LE(sriov + 0x0e), 16);
    assert.equal(config.readUInt16LE(sriov + 0x10), 4);
    assert.equal(config.readUInt16LE(sriov + 0x08) & 1, 1, 'VF Enable');
    assert.equal(config.readUInt16LE(sriov + 0x14), 4);
    assert.equal(config.readUInt16LE(sriov + 0x16), 1);
    assert.equal(config.readUInt16LE(sriov + 0x1a), 0x2238);
  });

  test('a bridge gets a type 1 header with bus numbers and a root-port PCIe capability', () => {
    const bridge = buildConfigSpace({
      ...a10,
      headerType: 1,
      multiFunction: false,
      bars: [],
      classCode: 0x060400,
      pcie: { portType: 'root-port', maxGen: 4, maxWidth: 16, currentGen: 4, currentWidth: 16 },
      bridge: { primaryBus: 0x40, secondaryBus: 0x41, subordinateBus: 0x41 },
      acs: true,
    });
    assert.equal(bridge[0x0e], 1);
    assert.deepEqual([bridge[0x18], bridge[0x19], bridge[0x1a]], [0x40, 0x41, 0x41]);
    const pcie = capabilities(bridge).find(([id]) => id === CAP_ID.pcie)?.[1] ?? 0;
    assert.equal((bridge.readUInt16LE(pcie + 2) >> 4) & 0xf, 4);
    assert.equal(extCapabilities(bridge)[0]?.[0], EXT_CAP_ID.acs);
  });
});
