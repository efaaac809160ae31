/**
 * `npm run bench`: measures, in one run, bundle size, cold start, warm overhead, end-to-end
 * throughput and upstream round trips of every function, and writes BENCHMARKS.md.
 *
 *   npm run bench                      everything (a few minutes on 2 cores), writes BENCHMARKS.md
 *   npm run bench -- --parts 1,2,3     only some parts (printed, BENCHMARKS.md left alone)
 *   npm run bench -- --runs 10         fewer cold-start runs (default 25)
 *   npm run bench -- --parts 6         the secrets read at cold start, per candidate library (printed)
 *   npm run bench -- --parts 7         the reconciler over 1,000 instances (printed)
 *   npm run bench -- --parts 8         one instance: CreateProject's Qovery calls, an upgrade, resources
 *   npm run bench -- --parts 9         a simulated launch day: the Qovery budget and the queue (printed)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { cliError, parseCli } from '../scripts/cli';
import { instanceSection } from './instance';
import { compile } from './lib/compile';
import { startDeployedSecrets } from './lib/deployed-secrets';
import { describeMachine, loadAverageNow } from './lib/machine';
import { createWorkDir, ROOT } from './lib/paths';
import { measureBundles } from './parts/bundles';
import { type ColdStart, measureColdStart, measureFirstUse } from './parts/cold-start';
import { type EndToEnd, measureEndToEnd } from './parts/end-to-end';
import { launchDaySection, measureLaunchDay } from './parts/launch-day';
import { measureReconcile, type ReconcileBench, reconcileSection } from './parts/reconcile';
import { measureSecrets, renderSecrets } from './parts/secrets';
import { measureWarm, type Warm } from './parts/warm';
import { renderReport } from './report';
import { PASSWORD, scenarios } from './upstream/scenarios';

const USAGE = `Usage: npm run bench [-- options]

Measures bundle size, cold start, warm overhead, end-to-end throughput and upstream round trips of
every function, and writes BENCHMARKS.md (all of parts 1 to 6; a few minutes on 2 cores).

Options:
  --parts <list>              parts to run, comma-separated (default 1,2,3,4,5,6,7,8,9): 1 bundles,
                              2 cold start, 3 warm overhead, 4 end to end, 5 upstream round trips,
                              6 secrets at cold start per library, 7 the reconciler over 1,000
                              instances, 8 one instance (CreateProject's Qovery calls, an upgrade),
                              9 a simulated launch day (the Qovery budget and the queue)
  --runs <n>                  cold-start runs per function (default 25)
  --iterations <n>            warm invocations per function (default 2000)
  --bcrypt-iterations <n>     bcrypt hashes timed (default 30)
  --connections <list>        end-to-end concurrent connections (default 1,4,16)
  --seconds <n>               end-to-end duration per load (default 5)
  --functions <list>          only these functions (comma-separated)
  --keep                      keep the work directory
  --help                      this help

Only some parts: printed, BENCHMARKS.md left alone.

Example:
  npm run bench -- --parts 1,2,3 --runs 10`;

const { values } = parseCli(
  USAGE,
  {
    parts: { type: 'string', default: '1,2,3,4,5,6,7,8,9' },
    runs: { type: 'string', default: '25' },
    iterations: { type: 'string', default: '2000' },
    'bcrypt-iterations': { type: 'string', default: '30' },
    connections: { type: 'string', default: '1,4,16' },
    seconds: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
    functions: { type: 'string' },
  },
  { command: 'npm run bench' },
);
for (const name of ['runs', 'iterations', 'bcrypt-iterations', 'seconds'] as const)
  if (!/^[1-9]\d*$/.test(values[name]))
    cliError(`--${name} must be a positive integer, not "${values[name]}"`);
const parts = new Set(values.parts.split(',').map((part) => part.trim()));
const unknownPart = [...parts].find((part) => !/^[1-9]$/.test(part));
if (unknownPart !== undefined) cliError(`--parts takes numbers from 1 to 9, not "${unknownPart}"`);
const all = ['1', '2', '3', '4', '5', '6'].every((part) => parts.has(part));
const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function main() {
  const started = performance.now();
  const machine = describeMachine();
  const work = createWorkDir();
  try {
    let secrets: string | undefined;
    if (parts.has('6')) {
      progress('part 6: secrets read at cold start, per candidate');
      secrets = renderSecrets(
        await measureSecrets({ work, runs: Number(values.runs), progress }),
        Number(values.runs),
      );
      if (parts.size === 1) {
        process.stdout.write(`${secrets}\n`);
        return;
      }
    }
    if (parts.size === 1 && parts.has('7')) {
      progress('part 7: the reconciler over 1,000 instances (stand-ins)');
      process.stdout.write(`${reconcileSection(await measureReconcile({ progress }))}\n`);
      return;
    }
    if (parts.size === 1 && parts.has('8')) {
      progress('part 8: one instance (Qovery stand-in)');
      process.stdout.write(await instanceSection());
      return;
    }
    if (parts.size === 1 && parts.has('9')) {
      progress('part 9: a simulated launch day (stand-ins)');
      process.stdout.write(launchDaySection(await measureLaunchDay({ progress })));
      return;
    }
    progress(`part 1: bundles (serverless package in ${work.dir})`);
    const bundles = await measureBundles(work);
    // --functions signup,createProject: parts 2 and 3 for these only.
    const only = values.functions?.split(',').map((name) => name.trim());
    const measured = bundles.functions.filter((b) => !only || only.includes(b.fn.name));

    const passwordHash = bcrypt.hashSync(PASSWORD, 10);
    const byAction = scenarios(passwordHash);
    const coldChild = await compile('bench/children/cold.ts', work.path('children', 'cold.js'));
    const warmChild = await compile('bench/children/warm.ts', work.path('children', 'warm.js'));
    const bareHandlers = await compile('bench/bare/handlers.ts', work.path('bare', 'handlers.js'), {
      deployed: true,
    });

    const cold: ColdStart[] = [];
    if (parts.has('2') || parts.has('5')) {
      progress('part 2: cold start');
      const deployed = await startDeployedSecrets();
      try {
        for (const bundle of measured) {
          const scenario = byAction[bundle.fn.action];
          if (!scenario) continue; // not a Hasura action (the reconciler: part 7)
          cold.push(
            await measureColdStart(bundle.fn, bundle.file, scenario, {
              runs: parts.has('2') ? Number(values.runs) : 1,
              warmupRuns: parts.has('2') ? 2 : 0,
              coldChild,
              constantBaseline: bundles.baseline.file,
              bareBundle: await compileBare(bundle.fn.action, work),
              passwordHash,
              deployed,
              progress,
            }),
          );
        }
      } finally {
        await deployed.extension.close();
      }
    }

    const firstUse = parts.has('2')
      ? await measureFirstUse(await compile('bench/children/anatomy.ts', work.path('children', 'anatomy.js')))
      : [];

    const warm: Warm[] = [];
    if (parts.has('3')) {
      progress('part 3: warm overhead');
      for (const bundle of measured) {
        const scenario = byAction[bundle.fn.action];
        if (!scenario) continue; // not a Hasura action (the reconciler: part 7)
        warm.push(
          await measureWarm(bundle.fn, bundle.file, scenario, {
            warmChild,
            bareHandlers,
            passwordHash,
            iterations: Number(values.iterations),
            bcryptIterations: Number(values['bcrypt-iterations']),
            out: work.path('warm', `${bundle.fn.name}.json`),
            progress,
          }),
        );
      }
    }

    let endToEnd: EndToEnd | undefined;
    if (parts.has('4')) {
      progress('part 4: end to end (serverless-offline and the stand-ins)');
      endToEnd = await measureEndToEnd({
        loadChild: await compile('bench/children/load.ts', work.path('children', 'load.js')),
        connections: values.connections.split(',').map(Number),
        seconds: Number(values.seconds),
        progress,
      });
    }

    let reconcile: ReconcileBench | undefined;
    if (parts.has('7')) {
      progress('part 7: the reconciler over 1,000 instances (stand-ins)');
      reconcile = await measureReconcile({ progress });
    }

    let instance: string | undefined;
    if (parts.has('8')) {
      progress('part 8: one instance (Qovery stand-in)');
      instance = await instanceSection();
    }

    let launchDay: string | undefined;
    if (parts.has('9')) {
      progress('part 9: a simulated launch day (stand-ins)');
      launchDay = launchDaySection(await measureLaunchDay({ progress }));
    }

    const report = renderReport({
      machine,
      bundles,
      cold: parts.has('2') ? cold : [],
      firstUse,
      warm,
      endToEnd,
      reconcile,
      instance,
      launchDay,
      roundTrips: parts.has('5') ? cold : [],
      secrets,
      options: {
        runs: Number(values.runs),
        iterations: Number(values.iterations),
        bcryptIterations: Number(values['bcrypt-iterations']),
      },
      seconds: (performance.now() - started) / 1000,
      loadAverageAtEnd: loadAverageNow(),
    });
    if (all) {
      writeFileSync(join(ROOT, 'BENCHMARKS.md'), report);
      // The targets and the round trips, on the terminal too.
      for (const title of ['## Targets', '## 5. Upstream round trips'])
        process.stdout.write(`${report.slice(report.indexOf(title)).split('\n## ')[0]}\n\n`);
      progress(`wrote BENCHMARKS.md in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    } else {
      process.stdout.write(report);
      progress('partial run: BENCHMARKS.md left as it was');
    }
  } finally {
    if (values.keep) progress(`kept ${work.dir}`);
    else work.remove();
  }
}

/** The bundle of one action's bare handler alone, built like the functions. */
async function compileBare(action: string, work: { path: (...parts: string[]) => string }): Promise<string> {
  const entry = work.path('bare', `${action}.ts`);
  writeFileSync(
    entry,
    `export { ${action} as handler } from '${join(ROOT, 'bench', 'bare', 'handlers')}';\n`,
  );
  return compile(entry, work.path('bare', `${action}.js`), { deployed: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
