/**
 * Asks the agents of a fleet file for their hosts: `GET /v1/inventory` of `vgpuctl serve`,
 * over TCP with the first token of a token file, or over the agent's unix socket (whose
 * permissions stand for the token). Each failure names the fleet entry and what went wrong.
 */
import { request } from 'node:http';
import { VgpuctlError } from '../core/errors.ts';
import type { Inventory } from '../discovery/inventory.ts';
import { type FleetAgent, fleetInventory } from '../planner/index.ts';
import { readTokenFile } from './commands/serve.ts';

/** How long one agent may take to answer before the plan gives up on it. */
const AGENT_TIMEOUT_MS = 10_000;
/** An inventory of thousands of GPUs stays well under this; more is not an agent's answer. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

interface Answer {
  status: number;
  body: string;
}

/** The inventory agent `index` of fleet `file` serves; throws FLEET_INVALID naming what failed. */
export async function agentInventory(file: string, index: number, entry: FleetAgent): Promise<Inventory> {
  const what = `entry ${index} (agent ${entry.agent})`;
  const fail = (state: string, hint: string, cause?: unknown): never => {
    throw new VgpuctlError('FLEET_INVALID', `Cannot read fleet "${file}": ${what} ${state}`, {
      hint,
      ...(cause === undefined ? {} : { cause }),
    });
  };
  let token: string | undefined;
  if (entry.tokenFile !== undefined) {
    try {
      token = (await readTokenFile(entry.tokenFile))[0]?.token;
    } catch (error) {
      fail(
        `has no usable token: ${(error as Error).message}`,
        'Give the token file "vgpuctl serve --token-file" reads',
        error,
      );
    }
  }
  let answer: Answer;
  try {
    answer = await get(entry.agent, token);
  } catch (error) {
    const why =
      (error as Error).name === 'AbortError'
        ? `did not answer within ${AGENT_TIMEOUT_MS / 1000} s`
        : ((error as NodeJS.ErrnoException).code ?? (error as Error).message);
    return fail(`is unreachable: ${why}`, 'Check that "vgpuctl serve" runs there and listens on this address', error);
  }
  if (answer.status !== 200) {
    const hint =
      answer.status === 401
        ? 'Give a "tokenFile" holding a token the agent accepts'
        : 'Check that the address is a vgpuctl agent with GET /v1/inventory';
    fail(`answered HTTP ${answer.status}${errorCode(answer.body)}`, hint);
  }
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch (error) {
    fail('did not answer JSON', 'Check that the address is a vgpuctl agent', error);
  }
  return fleetInventory(json, `fleet "${file}"`, `the answer of ${what}`);
}

function errorCode(body: string): string {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? ` (${code})` : '';
  } catch {
    return '';
  }
}

/** GET /v1/inventory of an agent; rejects on network errors and the timeout. */
function get(agent: string, token: string | undefined): Promise<Answer> {
  const socketPath = agent.startsWith('unix:') ? agent.slice('unix:'.length) : undefined;
  const url = new URL('/v1/inventory', socketPath === undefined ? agent : 'http://agent');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ...(socketPath === undefined ? {} : { socketPath }),
        headers: { accept: 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        signal: AbortSignal.timeout(AGENT_TIMEOUT_MS),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) req.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
