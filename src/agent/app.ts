/**
 * The agent's HTTP application: routes, OpenAPI document, and the guards in front of them —
 * authentication (TCP), read-only tokens, CSRF for the dashboard's cookie sessions, body size
 * limit, strict validation — with every refusal returned as the same error data the CLI has.
 * No CORS headers are ever sent: browsers may call the API only from the dashboard's origin.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { bearerToken, CSRF_HEADER, type Principal, SESSION_COOKIE } from './auth.ts';
import { agentError, type ErrorBody, type ErrorStatus, errorResponse } from './http-errors.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { desiredRoutes } from './routes/desired-routes.ts';
import { eventsRoute } from './routes/events-route.ts';
import { mutationRoutes } from './routes/mutation-routes.ts';
import { readRoutes } from './routes/read-routes.ts';
import type { AgentServices, Transport } from './services.ts';

type Env = { Variables: { principal: Principal } };

/** Mutations a read-only token may still call: they plan but change nothing. */
const READ_ONLY_POSTS = new Set(['/v1/select']);

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'vgpuctl agent',
    version: '1',
    description:
      'One API over passthrough, SR-IOV, mdev and NVIDIA vendor-VFIO vGPUs on a host. Errors carry the stable code, message and hint of the vgpuctl CLI.',
  },
} as const;

export interface AgentAppOptions {
  transport: Transport;
  /** Aborted on shutdown: event streams end. */
  closing: AbortSignal;
}

export function createAgentApp(services: AgentServices, options: AgentAppOptions): OpenAPIHono<Env> {
  const app = new OpenAPIHono<Env>({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      const first = issues[0];
      const { status, body } = agentError(
        400,
        'INVALID_ARGUMENT',
        `Cannot accept the request: ${first === undefined ? 'it is invalid' : `${first.path || 'body'}: ${first.message}`}`,
        'GET /openapi.json describes every request',
      );
      return c.json({ error: { ...body.error, details: { issues } } }, status);
    },
  });

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const status = error.status === 413 ? 413 : 400;
      return send(
        c,
        agentError(
          status,
          status === 413 ? 'PAYLOAD_TOO_LARGE' : 'INVALID_ARGUMENT',
          `Cannot accept the request: ${error.message || 'it is malformed'}`,
          status === 413
            ? `Send at most ${services.bodyLimit} bytes`
            : 'Send a JSON body (Content-Type: application/json)',
        ),
      );
    }
    return send(c, errorResponse(error));
  });
  app.notFound((c) =>
    send(
      c,
      agentError(
        404,
        'INVALID_ARGUMENT',
        `Cannot find route "${c.req.method} ${c.req.path}"`,
        'GET /openapi.json lists the routes',
      ),
    ),
  );

  app.use('*', async (c, next) => {
    const principal = authenticate(c, services, options.transport);
    if ('error' in principal) return send(c, principal.error);
    c.set('principal', principal);
    // Security headers for every response: the dashboard loads only its own script.
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    return next();
  });

  app.use('*', async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const principal = c.get('principal');
    if (principal.role !== 'admin' && !READ_ONLY_POSTS.has(c.req.path)) {
      return send(
        c,
        agentError(
          403,
          'FORBIDDEN',
          `Cannot ${method} ${c.req.path}: the token "${principal.who}" may only read`,
          'Use an admin token',
        ),
      );
    }
    if (principal.cookie) {
      // A cookie rides along on cross-site requests; the CSRF header and the origin cannot.
      const token = getCookie(c, SESSION_COOKIE) ?? '';
      const origin = c.req.header('origin');
      const host = c.req.header('host');
      const sameOrigin = origin === undefined || origin === `http://${host}`;
      if (!sameOrigin || services.tokens?.checkCsrf(token, c.req.header(CSRF_HEADER)) !== true) {
        return send(
          c,
          agentError(
            403,
            'CSRF_REJECTED',
            `Cannot ${method} ${c.req.path}: the request does not come from the dashboard`,
            'Reload the dashboard, or send the token in an Authorization header',
          ),
        );
      }
    }
    return next();
  });

  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: services.bodyLimit,
      onError: (c) =>
        send(
          c,
          agentError(
            413,
            'PAYLOAD_TOO_LARGE',
            `Cannot accept the request: its body exceeds ${services.bodyLimit} bytes`,
            'Send a smaller body',
          ),
        ),
    }),
  );

  readRoutes(app as unknown as OpenAPIHono, services);
  mutationRoutes(app, services);
  eventsRoute(app as unknown as OpenAPIHono, services, options.closing);
  desiredRoutes(app as unknown as OpenAPIHono, services);
  dashboardRoutes(app, services);

  app.get('/metrics', async (c) => {
    c.header('Content-Type', services.metrics.registry.contentType);
    return c.body(await services.metrics.registry.metrics());
  });
  app.doc31('/openapi.json', OPENAPI_INFO);
  return app;
}

function send(c: Context, { status, body }: { status: ErrorStatus; body: ErrorBody }) {
  if (status === 401) c.header('WWW-Authenticate', 'Bearer realm="vgpuctl"');
  return c.json(body, status);
}

/** Who is asking, or why they may not. */
function authenticate(
  c: Context,
  services: AgentServices,
  transport: Transport,
): Principal | { error: { status: ErrorStatus; body: ErrorBody } } {
  if (transport === 'unix') return { role: 'admin', who: 'unix-socket', cookie: false };
  const tokens = services.tokens;
  const refuse = {
    error: agentError(
      401,
      'UNAUTHORIZED',
      'Cannot answer the request: it carries no valid token',
      'Send "Authorization: Bearer <token>" with a token from the agent\'s token file, or open the dashboard URL the agent printed',
    ),
  };
  if (tokens === undefined) return refuse;
  const header = bearerToken(c.req.header('authorization'));
  if (header !== undefined) {
    const entry = tokens.lookup(header);
    return entry === undefined ? refuse : { role: entry.role, who: entry.name, cookie: false };
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie !== undefined) {
    const entry = tokens.lookup(cookie);
    if (entry !== undefined) return { role: entry.role, who: entry.name, cookie: true };
  }
  // The dashboard's first visit carries the token in the URL; it becomes a session cookie.
  const query = c.req.method === 'GET' && c.req.path === '/' ? c.req.query('token') : undefined;
  if (query !== undefined) {
    const entry = tokens.lookup(query);
    if (entry !== undefined) return { role: entry.role, who: entry.name, cookie: true };
  }
  return refuse;
}
