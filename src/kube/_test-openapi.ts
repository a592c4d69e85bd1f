/**
 * Test helper: validates objects against the committed ResourceSlice fragment of the
 * resource.k8s.io/v1 OpenAPI document (test/fixtures/openapi), the way the API server with
 * strict field validation does: types, required fields, no unknown fields — plus the limits
 * the API states in its field descriptions (x-limits) and its name rules.
 */
import { readFileSync } from 'node:fs';

const FRAGMENT = new URL('../../test/fixtures/openapi/resource.k8s.io-v1-resourceslice.json', import.meta.url);

interface Schema {
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
}

interface Fragment {
  'x-limits': Record<string, number | string[]>;
  components: { schemas: Record<string, Schema> };
}

const fragment = JSON.parse(readFileSync(FRAGMENT, 'utf8')) as Fragment;
const schemas = fragment.components.schemas;
const limit = (name: string): number => fragment['x-limits'][name] as number;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Every problem with `value` as a ResourceSlice; empty when the API server would accept it. */
export function validateResourceSlice(value: unknown): string[] {
  const problems: string[] = [];
  check(value, { $ref: '#/components/schemas/io.k8s.api.resource.v1.ResourceSlice' }, '', problems);
  if (problems.length > 0) return problems;
  semantic(value as Slice, problems);
  return problems;
}

function resolve(schema: Schema): Schema {
  if (schema.$ref !== undefined) {
    const target = schemas[schema.$ref.replace('#/components/schemas/', '')];
    if (target === undefined) throw new Error(`the fragment has no schema ${schema.$ref}`);
    return resolve(target);
  }
  if (schema.allOf?.length === 1 && schema.properties === undefined) return resolve(schema.allOf[0] as Schema);
  return schema;
}

function check(value: unknown, raw: Schema, path: string, problems: string[]): void {
  const schema = resolve(raw);
  if (schema.oneOf !== undefined) {
    const fits = schema.oneOf.filter((s) => {
      const p: string[] = [];
      check(value, s, path, p);
      return p.length === 0;
    });
    if (fits.length !== 1) problems.push(`${path}: matches ${fits.length} of the oneOf schemas`);
    return;
  }
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') problems.push(`${path}: expected string`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path}: expected boolean`);
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) problems.push(`${path}: expected integer`);
      return;
    case 'number':
      if (typeof value !== 'number') problems.push(`${path}: expected number`);
      return;
    case 'array':
      if (!Array.isArray(value)) {
        problems.push(`${path}: expected array`);
        return;
      }
      value.forEach((item, i) => {
        check(item, schema.items ?? {}, `${path}[${i}]`, problems);
      });
      return;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(`${path}: expected object`);
        return;
      }
      const record = value as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in record)) problems.push(`${path}.${key}: required`);
      for (const [key, item] of Object.entries(record)) {
        const property = schema.properties?.[key] ?? schema.additionalProperties;
        if (property === undefined) {
          if (schema.properties !== undefined) problems.push(`${path}.${key}: unknown field`);
          continue;
        }
        check(item, property, `${path}.${key}`, problems);
      }
      return;
    }
    default:
      return;
  }
}

interface Slice {
  metadata?: { name?: string; generateName?: string };
  spec: {
    driver: string;
    nodeName?: string;
    nodeSelector?: unknown;
    allNodes?: boolean;
    perDeviceNodeSelection?: boolean;
    pool: { name: string; generation: number; resourceSliceCount: number };
    sharedCounters?: { name: string; counters: Record<string, { value: string | number }> }[];
    devices?: {
      name: string;
      attributes?: Record<string, Record<string, unknown>>;
      capacity?: Record<string, { value: string | number }>;
      consumesCounters?: { counterSet: string; counters: Record<string, { value: string | number }> }[];
    }[];
  };
}

/** The rules the descriptions of the fragment's fields state. */
function semantic(slice: Slice, problems: string[]): void {
  const { spec } = slice;
  const name = slice.metadata?.name ?? slice.metadata?.generateName ?? '';
  if (!DNS_SUBDOMAIN.test(name.replace(/-$/, '')) || name.length > 253)
    problems.push(`metadata.name: "${name}" is not a DNS subdomain`);
  if (!DNS_SUBDOMAIN.test(spec.driver)) problems.push(`spec.driver: "${spec.driver}" is not a DNS subdomain`);
  const selections = ['nodeName', 'nodeSelector', 'allNodes', 'perDeviceNodeSelection'].filter(
    (k) => (spec as unknown as Record<string, unknown>)[k] !== undefined,
  );
  if (selections.length !== 1)
    problems.push(
      `spec: exactly one of nodeName, nodeSelector, allNodes, perDeviceNodeSelection must be set (got ${selections.length})`,
    );
  if (
    spec.pool.name.length > limit('poolNameMaxLength') ||
    spec.pool.name.split('/').some((p) => !DNS_SUBDOMAIN.test(p))
  )
    problems.push(`spec.pool.name: "${spec.pool.name}" is not valid`);
  if (spec.pool.resourceSliceCount <= 0) problems.push('spec.pool.resourceSliceCount: must be greater than zero');
  if (spec.pool.generation < 0) problems.push('spec.pool.generation: must not be negative');
  const devices = spec.devices ?? [];
  if (devices.length > limit('devicesPerSlice'))
    problems.push(`spec.devices: ${devices.length} devices, at most ${limit('devicesPerSlice')}`);
  const sets = new Map<string, Set<string>>();
  let counterCount = 0;
  for (const [i, set] of (spec.sharedCounters ?? []).entries()) {
    if (!DNS_LABEL.test(set.name)) problems.push(`spec.sharedCounters[${i}].name: "${set.name}" is not a DNS label`);
    if (sets.has(set.name)) problems.push(`spec.sharedCounters[${i}].name: "${set.name}" is not unique`);
    sets.set(set.name, new Set(Object.keys(set.counters)));
    for (const [counter, { value }] of Object.entries(set.counters)) {
      counterCount++;
      if (!DNS_LABEL.test(counter)) problems.push(`spec.sharedCounters[${i}].counters.${counter}: not a DNS label`);
      if (!QUANTITY.test(String(value)))
        problems.push(`spec.sharedCounters[${i}].counters.${counter}: "${value}" is not a quantity`);
    }
  }
  if (counterCount > limit('countersPerSlice'))
    problems.push(`spec.sharedCounters: ${counterCount} counters, at most ${limit('countersPerSlice')}`);
  const seen = new Set<string>();
  let consumptions = 0;
  for (const [i, device] of devices.entries()) {
    const at = `spec.devices[${i}]`;
    if (!DNS_LABEL.test(device.name) || device.name.length > 63)
      problems.push(`${at}.name: "${device.name}" is not a DNS label`);
    if (seen.has(device.name)) problems.push(`${at}.name: "${device.name}" is not unique in the pool`);
    seen.add(device.name);
    const attributes = Object.entries(device.attributes ?? {});
    const capacities = Object.entries(device.capacity ?? {});
    if (attributes.length + capacities.length > limit('attributesAndCapacityPerDevice'))
      problems.push(
        `${at}: ${attributes.length + capacities.length} attributes and capacities, at most ${limit('attributesAndCapacityPerDevice')}`,
      );
    for (const [key, attribute] of attributes) {
      if (!QUALIFIED_NAME.test(key)) problems.push(`${at}.attributes.${key}: not a qualified name`);
      const set = Object.keys(attribute);
      if (set.length !== 1)
        problems.push(`${at}.attributes.${key}: exactly one value field must be set (got ${set.length})`);
      if (typeof attribute.string === 'string' && attribute.string.length > limit('stringAttributeMaxLength'))
        problems.push(`${at}.attributes.${key}: string longer than ${limit('stringAttributeMaxLength')}`);
    }
    for (const [key, { value }] of capacities)
      if (!QUANTITY.test(String(value))) problems.push(`${at}.capacity.${key}: "${value}" is not a quantity`);
    const uses = device.consumesCounters ?? [];
    consumptions += uses.reduce((n, u) => n + Object.keys(u.counters).length, 0);
    for (const use of uses) {
      const counters = sets.get(use.counterSet);
      if (counters === undefined)
        problems.push(`${at}.consumesCounters: no counter set "${use.counterSet}" in the slice`);
      for (const counter of Object.keys(use.counters))
        if (counters !== undefined && !counters.has(counter))
          problems.push(`${at}.consumesCounters: counter set "${use.counterSet}" has no counter "${counter}"`);
    }
  }
  if (consumptions > limit('counterConsumptionsPerSlice'))
    problems.push(
      `spec.devices: ${consumptions} counter consumptions, at most ${limit('counterConsumptionsPerSlice')}`,
    );
}
