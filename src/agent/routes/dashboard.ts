/**
 * The dashboard: `/` (the page), `/dashboard/gpus` (the cards, fetched again on events),
 * `/dashboard.js` and `/dashboard.css`. Opening `/?token=…` once starts a cookie session
 * (HttpOnly, SameSite=Strict) and redirects to `/`, so the token leaves the address bar.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { getCookie, setCookie } from 'hono/cookie';
import type { CheckResult } from '../../ops/doctor/check.ts';
import { readDoctorFacts, runDoctor } from '../../ops/doctor/run-doctor.ts';
import { type Principal, SESSION_COOKIE } from '../auth.ts';
import { CLIENT_SCRIPT, STYLESHEET } from '../dashboard/client-script.ts';
import { type PageInput, renderGpus, renderPage } from '../dashboard/render-page.ts';
import type { AgentServices } from '../services.ts';

type Env = { Variables: { principal: Principal } };

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="1" y="4" width="14" height="8" rx="1" fill="#2f6fcf"/></svg>';

const CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function dashboardRoutes(app: OpenAPIHono<Env>, services: AgentServices): void {
  // The doctor's verdicts change with the host; read them at most once per model refresh.
  let doctorCache: { readAt: number; findings: CheckResult[] } | undefined;
  const findings = async (): Promise<CheckResult[]> => {
    const readAt = services.model.state.readAt;
    if (doctorCache?.readAt !== readAt) {
      const report = runDoctor(await readDoctorFacts(services.host, { pciIds: services.pciIds }));
      doctorCache = { readAt, findings: report.checks };
    }
    return doctorCache.findings;
  };

  const input = async (c: { get: (key: 'principal') => Principal }, token: string | undefined): Promise<PageInput> => {
    const principal = c.get('principal');
    return {
      state: services.model.state,
      findings: await findings(),
      csrf: principal.cookie && token !== undefined ? (services.tokens?.csrfFor(token) ?? null) : null,
      canWrite: principal.role === 'admin',
    };
  };

  app.get('/', async (c) => {
    const fromUrl = c.req.query('token');
    if (fromUrl !== undefined && c.get('principal').cookie) {
      setCookie(c, SESSION_COOKIE, fromUrl, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return c.redirect('/', 303);
    }
    c.header('Content-Security-Policy', CSP);
    c.header('Cache-Control', 'no-store');
    return c.html(renderPage(await input(c, getCookie(c, SESSION_COOKIE))));
  });

  app.get('/dashboard/gpus', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.html(renderGpus(await input(c, getCookie(c, SESSION_COOKIE))));
  });

  app.get('/dashboard.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(CLIENT_SCRIPT);
  });
  app.get('/favicon.svg', (c) => {
    c.header('Content-Type', 'image/svg+xml');
    return c.body(FAVICON);
  });
  app.get('/dashboard.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    return c.body(STYLESHEET);
  });
}
