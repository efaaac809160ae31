/** The stand-in's API: every resource's routes, and the one that answers a call. */
import { cloneRoutes } from './clone';
import { containerRoutes } from './containers';
import type { Context } from './context';
import { databaseRoutes } from './databases';
import { deploymentRoutes } from './deployments';
import { domainRoutes } from './domains';
import { environmentRoutes } from './environments';
import type { Route } from './handler';
import { jobRoutes } from './jobs';
import { HttpProblem, type Reply } from './reply';
import { stageRoutes } from './stages';
import { variableRoutes } from './variables';

const routes: Route[] = [
  ...environmentRoutes,
  ...deploymentRoutes,
  ...cloneRoutes,
  ...containerRoutes,
  ...databaseRoutes,
  ...variableRoutes,
  ...jobRoutes,
  ...stageRoutes,
  ...domainRoutes,
];

/** Answers a call, or throws 404 (no such path) or 405 (no such method on the path). */
export function route(context: Context, method: string, path: string, body: unknown): Reply {
  let pathMatched = false;
  for (const [m, pattern, handler] of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (m !== method) continue;
    return handler(context, match.slice(1).map(decodeURIComponent), body);
  }
  throw new HttpProblem(pathMatched ? 405 : 404, pathMatched ? 'Method not allowed' : 'Unknown route');
}
