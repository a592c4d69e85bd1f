/**
 * Regenerates the TypeScript types of the kubelet .proto files (proto/) into
 * src/kube/generated with proto-loader-gen-types, then gives every relative import its `.ts`
 * extension, which this project's module resolution (nodenext) requires.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'src', 'kube', 'generated');
const PROTOS = ['pluginregistration/v1/api.proto', 'dra/v1/api.proto', 'deviceplugin/v1beta1/api.proto'];

rmSync(OUT, { recursive: true, force: true });
execFileSync(
  join(ROOT, 'node_modules', '.bin', 'proto-loader-gen-types'),
  [
    '--keepCase',
    '--longs=String',
    '--enums=String',
    '--defaults',
    '--oneofs',
    '--grpcLib=@grpc/grpc-js',
    `--outDir=${OUT}`,
    ...PROTOS.map((p) => join('proto', p)),
  ],
  { cwd: ROOT, stdio: 'inherit' },
);
for (const file of walk(OUT)) {
  const text = readFileSync(file, 'utf8');
  writeFileSync(
    file,
    text.replace(/from '(\.\.?\/[^']+)'/g, (_m, spec: string) => `from '${spec}.ts'`),
  );
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}
