/**
 * Listening: a unix socket (0660, so root and the socket's group may talk to the agent) and,
 * when asked, a TCP address. A socket left behind by an agent that died is replaced; one a
 * live agent answers on is not.
 */
import { chmod, chown, lstat, mkdir, unlink } from 'node:fs/promises';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { VgpuctlError } from '../core/errors.ts';

type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

export async function listenUnix(fetch: Fetch, path: string, options: { gid?: number } = {}): Promise<Server> {
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  await removeStaleSocket(path);
  const server = createAdaptorServer({ fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o660);
  if (options.gid !== undefined) await chown(path, process.getuid?.() ?? 0, options.gid);
  return server;
}

export async function listenTcp(fetch: Fetch, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createAdaptorServer({ fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new VgpuctlError('CONFLICT', `Cannot listen on ${host}:${port}: ${error.code ?? error.message}`, {
          hint: 'Choose another --listen address, or port 0 for a free one',
        }),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : port };
}

/** Closes a server: no new connections, open event streams ended by the caller, then idle ones closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Event streams end when the agent's closing signal fires; anything left after that goes.
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}

async function removeStaleSocket(path: string): Promise<void> {
  try {
    const stat = await lstat(path);
    if (!stat.isSocket()) {
      throw new VgpuctlError('CONFLICT', `Cannot listen on "${path}": a file that is not a socket is there`, {
        hint: 'Remove it, or give --socket another path',
      });
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const live = await new Promise<boolean>((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (live) {
    throw new VgpuctlError('CONFLICT', `Cannot listen on "${path}": another agent is running there`, {
      hint: 'Stop it first (systemctl stop vgpuctl-agent), or give --socket another path',
    });
  }
  await unlink(path);
}
