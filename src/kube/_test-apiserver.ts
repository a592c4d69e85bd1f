/**
 * Test helper: an API-server double on 127.0.0.1 for the paths the DRA driver uses —
 * ResourceSlices (create, replace, list by label, delete) and ResourceClaims (read). Every
 * ResourceSlice written is checked against the committed OpenAPI fragment; invalid ones are
 * refused with 422 and a Status, as the API server does, and kept in `rejected`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateResourceSlice } from './_test-openapi.ts';

const SLICES = '/apis/resource.k8s.io/v1/resourceslices';
const CLAIM = /^\/apis\/resource\.k8s\.io\/v1\/namespaces\/([^/]+)\/resourceclaims\/([^/?]+)$/;

// biome-ignore lint/suspicious/noExplicitAny: API objects are JSON of many shapes.
type Json = any;

export class FakeApiServer {
  readonly slices = new Map<string, Json>();
  readonly claims = new Map<string, Json>();
  readonly rejected: { object: Json; problems: string[] }[] = [];
  /** Every write, in order: `create name`, `replace name`, `delete name`. */
  readonly writes: string[] = [];
  private server: Server | undefined;
  private resourceVersion = 1;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Stores an allocated ResourceClaim as the scheduler would leave it. */
  putClaim(claim: {
    namespace: string;
    name: string;
    uid: string;
    results: { request: string; driver: string; pool: string; device: string }[];
  }): void {
    this.claims.set(`${claim.namespace}/${claim.name}`, {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceClaim',
      metadata: { name: claim.name, namespace: claim.namespace, uid: claim.uid },
      spec: { devices: { requests: [] } },
      status: { allocation: { devices: { results: claim.results } } },
    });
  }

  /** Devices published for the node, by name. */
  deviceNames(): string[] {
    return [...this.slices.values()].flatMap((s) => (s.spec.devices ?? []).map((d: Json) => d.name as string));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = await readBody(req);
    const send = (status: number, object: Json) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(object));
    };
    const claim = CLAIM.exec(url.pathname);
    if (claim !== null && req.method === 'GET') {
      const found = this.claims.get(`${claim[1]}/${claim[2]}`);
      if (found === undefined) return send(404, status(404, 'NotFound', `resourceclaims "${claim[2]}" not found`));
      return send(200, found);
    }
    if (url.pathname === SLICES && req.method === 'GET') {
      const selector = url.searchParams.get('labelSelector');
      const items = [...this.slices.values()].filter((s) => matches(s, selector));
      return send(200, { apiVersion: 'resource.k8s.io/v1', kind: 'ResourceSliceList', metadata: {}, items });
    }
    if (url.pathname === SLICES && req.method === 'POST') {
      const object = JSON.parse(body);
      const problems = validateResourceSlice(object);
      if (problems.length > 0) return this.reject(send, object, problems);
      const name = object.metadata.name as string;
      if (this.slices.has(name))
        return send(409, status(409, 'AlreadyExists', `resourceslices "${name}" already exists`));
      object.metadata.resourceVersion = String(this.resourceVersion++);
      this.slices.set(name, object);
      this.writes.push(`create ${name}`);
      return send(201, object);
    }
    if (url.pathname.startsWith(`${SLICES}/`)) {
      const name = decodeURIComponent(url.pathname.slice(SLICES.length + 1));
      if (req.method === 'PUT') {
        const object = JSON.parse(body);
        const problems = validateResourceSlice(object);
        if (problems.length > 0) return this.reject(send, object, problems);
        if (!this.slices.has(name)) return send(404, status(404, 'NotFound', `resourceslices "${name}" not found`));
        object.metadata.resourceVersion = String(this.resourceVersion++);
        this.slices.set(name, object);
        this.writes.push(`replace ${name}`);
        return send(200, object);
      }
      if (req.method === 'DELETE') {
        const found = this.slices.get(name);
        if (found === undefined) return send(404, status(404, 'NotFound', `resourceslices "${name}" not found`));
        this.slices.delete(name);
        this.writes.push(`delete ${name}`);
        return send(200, found);
      }
    }
    send(404, status(404, 'NotFound', `no route for ${req.method} ${url.pathname}`));
  }

  private reject(send: (status: number, object: Json) => void, object: Json, problems: string[]): void {
    this.rejected.push({ object, problems });
    send(422, status(422, 'Invalid', `ResourceSlice is invalid: ${problems.join('; ')}`));
  }
}

function status(code: number, reason: string, message: string): Json {
  return { apiVersion: 'v1', kind: 'Status', status: 'Failure', code, reason, message };
}

function matches(object: Json, selector: string | null): boolean {
  if (selector === null || selector === '') return true;
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=');
    return object.metadata?.labels?.[key as string] === value;
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
