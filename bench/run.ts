/**
 * `npm run bench`: runs every benchmark, or those named on the command line
 * (`npm run bench -- discovery`). Numbers vary by machine; compare ratios, not absolutes.
 */
import { benchAgent } from './agent.ts';
import { benchDiscovery } from './discovery.ts';
import { benchFuse } from './fuse.ts';
import { benchKube } from './kube.ts';
import { benchMdevctlOnEmulator } from './mdevctl-on-emulator.ts';
import { benchPlanner } from './planner.ts';
import { benchTargets } from './targets.ts';
import { benchVgpuVsMdevctl } from './vgpu-vs-mdevctl.ts';

const BENCHES: Record<string, () => Promise<void>> = {
  targets: benchTargets,
  agent: benchAgent,
  discovery: benchDiscovery,
  fuse: benchFuse,
  kube: benchKube,
  'mdevctl-on-emulator': benchMdevctlOnEmulator,
  planner: benchPlanner,
  'vgpu-vs-mdevctl': benchVgpuVsMdevctl,
};

const wanted = process.argv.slice(2);
for (const [name, run] of Object.entries(BENCHES)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
