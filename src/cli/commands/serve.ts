/**
 * `vgpuctl serve`: runs the host agent until SIGINT/SIGTERM — the live model, the REST API and
 * events, metrics and the dashboard — on a unix socket and, when asked, on TCP with tokens.
 * With `--emulate`, `--mount DIR` also serves the same emulated host as a filesystem, so that
 * plain shell writes below DIR change the host the agent watches.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTokenFile, type TokenEntry } from '../../agent/auth.ts';
import { emulatedKernelChanges, storeWatchChanges } from '../../agent/change-sources.ts';
import { type RunningAgent, startAgent } from '../../agent/start-agent.ts';
import { VgpuctlError } from '../../core/errors.ts';
import { serveMount } from '../../emulator/sandbox/serve-mount.ts';
import { FsHost } from '../../host/fs-host.ts';
import { isHostError } from '../../host/host-port.ts';
import { HOST_FILE } from '../../ops/desired/host-file.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import type { CommandModule } from './index.ts';
import { listCommand } from './list.ts';

/** The agent's socket on a real host (below --root when given). */
export const AGENT_SOCKET = '/run/vgpuctl/agent.sock';

export interface ServeOptions {
  socket?: string | undefined;
  socketGroup?: string | undefined;
  listen?: string | undefined;
  tokenFile?: string | undefined;
  mount?: string | undefined;
  poll?: string | undefined;
  desired?: string | undefined;
}

/** Where the agent of `context` listens by default. */
export function defaultSocket(context: CommandContext): string {
  if (context.emulator !== undefined) return context.emulator.stateFile.replace(/\.json$/, '.agent.sock');
  return context.host instanceof FsHost ? join(context.host.root, AGENT_SOCKET) : AGENT_SOCKET;
}

/** Parses `--listen HOST:PORT` (IPv6 as [::1]:PORT); port 0 picks a free one. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || port > 65535) {
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot listen on "${text}": expected HOST:PORT`, {
      hint: 'For example --listen 127.0.0.1:8470, or 127.0.0.1:0 for a free port',
    });
  }
  return { host: match[1] ?? match[2] ?? '127.0.0.1', port };
}

/** Reads a token file, refusing one that others may read. */
export async function readTokenFile(path: string): Promise<TokenEntry[]> {
  let mode: number;
  let text: string;
  try {
    mode = (await stat(path)).mode & 0o777;
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot read token file "${path}": ${(error as NodeJS.ErrnoException).code}`,
      {
        hint: 'Create it with: (umask 077; echo "admin $(openssl rand -hex 32)" > FILE)',
      },
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot use token file "${path}": its mode is 0${mode.toString(8)}, others may read it`,
      { hint: `chmod 600 ${path}` },
    );
  }
  return parseTokenFile(text, path);
}

/** Runs the agent until `stop` fires. `ready` receives the banner once it listens. */
export async function serveCommand(
  context: CommandContext,
  options: ServeOptions,
  stop: AbortSignal,
  ready: (banner: CommandResult) => void,
): Promise<CommandResult> {
  const listen = options.listen === undefined ? undefined : parseListen(options.listen);
  let tokens: TokenEntry[] | undefined;
  let runToken: string | undefined;
  if (options.tokenFile !== undefined) {
    if (listen === undefined) {
      throw new VgpuctlError('USAGE', 'Cannot use --token-file without --listen: the unix socket needs no token', {
        hint: 'Add --listen HOST:PORT',
      });
    }
    tokens = await readTokenFile(options.tokenFile);
  } else if (listen !== undefined) {
    // As Jupyter does: a token for this run only, printed in the dashboard URL.
    runToken = randomBytes(24).toString('hex');
    tokens = [{ token: runToken, role: 'admin', name: 'this-run' }];
  }
  if (options.mount !== undefined && context.emulator === undefined) {
    throw new VgpuctlError('USAGE', 'Cannot use --mount without --emulate: only an emulated host can be mounted', {
      hint: 'vgpuctl serve --emulate kubevirt-t4 --mount /tmp/host',
    });
  }
  // The emulated kernel reports every accepted write, so its poll is only a safety net.
  const pollMs =
    options.poll === undefined ? (context.emulator === undefined ? undefined : 30_000) : Number(options.poll);
  if (pollMs !== undefined && !(Number.isInteger(pollMs) && pollMs >= 50)) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot poll every "${options.poll}" ms: give a whole number of 50 or more`,
      {
        hint: 'For example --poll 1000',
      },
    );
  }
  const socketGid = options.socketGroup === undefined ? undefined : await groupId(options.socketGroup);
  const socket = options.socket ?? defaultSocket(context);
  const changes =
    context.emulator !== undefined
      ? [emulatedKernelChanges(context.emulator.kernel)]
      : context.host instanceof FsHost
        ? [storeWatchChanges(context.host.root)]
        : [];

  const agent: RunningAgent = await startAgent({
    host: context.host,
    pciIds: context.pciIds,
    env: context.env,
    changes,
    socket,
    ...(socketGid === undefined ? {} : { socketGid }),
    ...(listen === undefined ? {} : { listen }),
    ...(tokens === undefined ? {} : { tokens }),
    ...(pollMs === undefined ? {} : { pollMs }),
    desired:
      options.desired === undefined
        ? { source: HOST_FILE, readFile: () => readIfPresent(() => context.host.readText(HOST_FILE)) }
        : { source: options.desired, readFile: () => readIfPresent(() => readFile(options.desired as string, 'utf8')) },
  });
  const unmount = new AbortController();
  let mounted: Promise<unknown> | undefined;
  try {
    if (options.mount !== undefined && context.emulator !== undefined) {
      // Ready once serveMount says it serves; a failure to mount fails the command.
      let ready: () => void = () => {};
      const serving = new Promise<void>((resolve) => (ready = resolve));
      mounted = serveMount(
        context.emulator,
        options.mount,
        (line) => line.startsWith('serving ') && ready(),
        unmount.signal,
      );
      await Promise.race([serving, mounted]);
    }
    const inventory = await listCommand(context);
    const dashboard =
      agent.url === undefined ? undefined : `${agent.url}/${runToken === undefined ? '' : `?token=${runToken}`}`;
    const lines = [
      inventory.text,
      '',
      `vgpuctl agent on ${context.host.description}`,
      `  API:       unix:${socket} (curl --unix-socket ${socket} http://agent/v1/gpus)`,
      ...(agent.url === undefined ? [] : [`  TCP:       ${agent.url}/v1 (Authorization: Bearer <token>)`]),
      ...(dashboard === undefined ? [] : [`  Dashboard: ${dashboard}`]),
      ...(options.mount === undefined ? [] : [`  Host tree: ${options.mount} (shell writes below it reach the agent)`]),
      'Press Ctrl-C to stop.',
    ];
    ready({ data: { socket, url: agent.url ?? null, dashboard: dashboard ?? null }, text: lines.join('\n') });
    await new Promise<void>((resolve) => {
      if (stop.aborted) resolve();
      stop.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await agent.close();
    unmount.abort();
    await mounted?.catch(() => {});
  }
  return { data: { stopped: true }, text: 'vgpuctl agent stopped' };
}

/** A file's text, or undefined when it does not exist (no desired state). */
async function readIfPresent(read: () => Promise<string>): Promise<string | undefined> {
  try {
    return await read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || isHostError(error, 'ENOENT')) return undefined;
    throw error;
  }
}

async function groupId(group: string): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const text = await readFile('/etc/group', 'utf8').catch(() => '');
  const line = text.split('\n').find((l) => l.split(':')[0] === group);
  const gid = line?.split(':')[2];
  if (gid === undefined) {
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot give the socket to group "${group}": no such group`, {
      hint: 'Give a group name from /etc/group or a numeric gid',
    });
  }
  return Number(gid);
}

/** Registers `vgpuctl serve`. */
export const serveModule: CommandModule = (program, cli) => {
  program
    .command('serve')
    .description('run the host agent: REST API, live events, metrics and dashboard (unix socket; TCP with --listen)')
    .option('--socket <path>', `unix socket (default ${AGENT_SOCKET}; with --emulate, beside the emulated state)`)
    .option('--socket-group <group>', 'group that may use the socket (mode 0660)')
    .option('--listen <host:port>', 'also listen on TCP (bearer tokens; without --token-file, one for this run)')
    .option('--token-file <file>', 'tokens accepted over TCP, mode 0600: lines "admin TOKEN" or "read TOKEN"')
    .option('--mount <dir>', 'with --emulate: also serve the emulated host as a filesystem at DIR')
    .option('--desired <file>', `desired state to reconcile continuously (default ${HOST_FILE} on the host)`)
    .option(
      '--poll <ms>',
      'longest time between two readings of sysfs (default 1000; 30000 with --emulate, whose writes are reported)',
    )
    .action((options) =>
      cli.withHost(async (context) => {
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          return await serveCommand(context, options, stop.signal, (banner) => cli.emit(banner));
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      }),
    );
};
