import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { busIdToAddress, parseNvidiaSmiXml } from './nvidia-smi-xml.ts';

const SAMPLE = `<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">
<nvidia_smi_log>
  <driver_version>550.90.05</driver_version>
  <attached_gpus>1</attached_gpus>
  <gpu id="00000000:3B:00.0">
    <product_name>Tesla T4</product_name>
    <mig_mode><current_mig>N/A</current_mig><pending_mig>N/A</pending_mig></mig_mode>
    <gpu_virtualization_mode><virtualization_mode>Host VGPU</virtualization_mode><host_vgpu_mode>Non SR-IOV</host_vgpu_mode></gpu_virtualization_mode>
    <pci><pci_bus_id>00000000:3B:00.0</pci_bus_id></pci>
    <fb_memory_usage><total>15360 MiB</total><used>0 MiB</used><free>15360 MiB</free></fb_memory_usage>
  </gpu>
</nvidia_smi_log>`;

describe('parseNvidiaSmiXml()', () => {
  test('reads the fields vgpuctl reports', () => {
    assert.deepEqual(parseNvidiaSmiXml(SAMPLE), {
      driverVersion: '550.90.05',
      gpus: [
        {
          address: '0000:3b:00.0',
          productName: 'Tesla T4',
          fbTotalMiB: 15360,
          migCurrent: 'N/A',
          migPending: 'N/A',
          hostVgpuMode: 'Non SR-IOV',
          virtualizationMode: 'Host VGPU',
        },
      ],
    });
  });
  test('rejects a document that is not nvidia_smi_log', () => {
    assert.throws(() => parseNvidiaSmiXml('<other/>'), SyntaxError);
  });
  test('normalises 32-bit domains', () => {
    assert.equal(busIdToAddress('00000000:3B:00.0'), '0000:3b:00.0');
    assert.equal(busIdToAddress('0001:01:00.1'), '0001:01:00.1');
    assert.equal(busIdToAddress('garbage'), undefined);
  });
});
