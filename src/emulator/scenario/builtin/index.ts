/** The built-in scenarios by name. */
import type { ScenarioInput } from '../schema.ts';
import { bigScenario } from './big.ts';
import { KUBEVIRT_T4 } from './kubevirt-t4.ts';
import { LAB } from './lab.ts';
import { SAMPLES } from './samples.ts';

export type { BigParams } from './big.ts';
export { bigScenario } from './big.ts';

/** Built-in scenarios without parameters (big is built from its defaults). */
export const BUILTIN_SCENARIOS: ReadonlyMap<string, () => ScenarioInput> = new Map([
  ['lab', () => LAB],
  ['kubevirt-t4', () => KUBEVIRT_T4],
  ['samples', () => SAMPLES],
  ['big', () => bigScenario()],
]);
