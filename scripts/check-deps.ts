/**
 * Enforces the layers of ARCHITECTURE.md: which source folders and packages each layer may
 * import. Fails (exit 1) listing every offending import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '..', 'src');

/** Layer → the layers and packages it may import. `node:` lists allowed Node built-ins ('*' = any). */
const RULES: Record<string, { layers: string[]; packages: string[]; node: string[] }> = {
  core: { layers: ['core'], packages: ['zod'], node: [] },
  // NVIDIA profile tables and vendor rules: pure data read by the emulator and the planner.
  catalog: { layers: ['core', 'catalog'], packages: [], node: [] },
  formats: { layers: ['core', 'formats'], packages: ['fast-xml-parser', 'smol-toml', 'zod'], node: [] },
  host: { layers: ['core', 'host'], packages: [], node: ['*'] },
  discovery: { layers: ['core', 'formats', 'host', 'discovery'], packages: ['zod'], node: [] },
  store: { layers: ['core', 'formats', 'host', 'store'], packages: ['zod'], node: [] },
  ops: {
    layers: ['core', 'catalog', 'formats', 'host', 'discovery', 'store', 'ops', 'planner'],
    packages: ['zod'],
    node: [],
  },
  // The capacity planner: pure (inventories, wants) → placement | reasons.
  planner: { layers: ['core', 'catalog', 'discovery', 'planner'], packages: ['zod'], node: [] },
  vmconfig: { layers: ['core', 'formats', 'discovery', 'vmconfig'], packages: ['yaml', 'zod'], node: [] },
  manager: {
    layers: ['core', 'catalog', 'formats', 'host', 'discovery', 'store', 'ops', 'planner', 'vmconfig', 'manager'],
    packages: ['zod'],
    node: [],
  },
  model: {
    layers: ['core', 'catalog', 'formats', 'host', 'discovery', 'store', 'ops', 'planner', 'model'],
    packages: ['zod'],
    node: [],
  },
  // The kubelet plugins: gRPC servers on the kubelet's unix sockets and the API-server client.
  // Sockets are real files the kubelet dials, so this layer manages them with node:fs; every
  // read and write of the host's devices and of the checkpoint still goes through the port.
  kube: {
    layers: ['core', 'catalog', 'formats', 'host', 'discovery', 'store', 'ops', 'planner', 'model', 'vmconfig', 'kube'],
    packages: ['@grpc/grpc-js', '@grpc/proto-loader', '@kubernetes/client-node', 'zod'],
    node: ['node:fs', 'node:fs/promises', 'node:path', 'node:crypto', 'node:url', 'node:events'],
  },
  emulator: { layers: ['core', 'catalog', 'formats', 'host', 'emulator'], packages: ['zod'], node: ['*'] },
  // The agent is an entry point beside cli/: it shares the CLI's use-case functions
  // (cli/commands/*, which return data and never print) and its context type.
  agent: {
    layers: [
      'core',
      'catalog',
      'formats',
      'host',
      'discovery',
      'store',
      'ops',
      'planner',
      'vmconfig',
      'manager',
      'model',
      'emulator',
      'cli',
      'agent',
    ],
    packages: ['@hono/node-server', '@hono/zod-openapi', 'hono', 'pino', 'prom-client', 'zod'],
    node: ['*'],
  },
  cli: {
    layers: [
      'core',
      'catalog',
      'formats',
      'host',
      'discovery',
      'store',
      'ops',
      'planner',
      'vmconfig',
      'manager',
      'model',
      'emulator',
      'agent',
      'kube',
      'cli',
    ],
    packages: ['@commander-js/extra-typings', 'commander', 'zod'],
    node: ['*'],
  },
  index: {
    layers: [
      'core',
      'catalog',
      'formats',
      'host',
      'discovery',
      'store',
      'ops',
      'planner',
      'vmconfig',
      'manager',
      'emulator',
    ],
    packages: [],
    node: [],
  },
};

// Discovery reads the host only through the port: host/ types and pure helpers, never fs-host.
const FORBIDDEN_FILES: Record<string, string[]> = {
  discovery: ['host/fs-host.ts'],
  ops: ['host/fs-host.ts'],
  store: ['host/fs-host.ts'],
  planner: ['host/fs-host.ts'],
  manager: ['host/fs-host.ts'],
  model: ['host/fs-host.ts'],
  kube: ['host/fs-host.ts'],
};

const problems: string[] = [];
for (const file of walk(SRC)) {
  if (!file.endsWith('.ts')) continue;
  const rel = relative(SRC, file);
  const layer = rel.includes('/') ? (rel.split('/')[0] as string) : rel.replace(/\.ts$/, '');
  const rule = RULES[layer];
  if (rule === undefined) {
    problems.push(`${rel}: folder "${layer}" has no rule in scripts/check-deps.ts`);
    continue;
  }
  const isTest = file.endsWith('.test.ts') || rel.includes('/_test');
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[1] as string;
    if (spec.startsWith('.')) {
      const target = relative(SRC, resolve(dirname(file), spec));
      const targetLayer = target.includes('/') ? (target.split('/')[0] as string) : target.replace(/\.ts$/, '');
      if (!rule.layers.includes(targetLayer) && !isTest)
        problems.push(`${rel}: imports ${target} (layer ${targetLayer})`);
      if ((FORBIDDEN_FILES[layer] ?? []).includes(target) && !isTest)
        problems.push(`${rel}: must not import ${target}`);
    } else if (spec.startsWith('node:')) {
      if (!rule.node.includes('*') && !rule.node.includes(spec) && !isTest) problems.push(`${rel}: imports ${spec}`);
    } else {
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
      if (!rule.packages.includes(pkg) && !isTest) problems.push(`${rel}: imports package ${pkg}`);
    }
  }
}

if (problems.length > 0) {
  process.stderr.write(`Layer violations (see ARCHITECTURE.md):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exitCode = 1;
} else {
  process.stdout.write('check-deps: layers ok\n');
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}
