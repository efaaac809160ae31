import * as v from 'valibot';
import { actionHandler, defineAction } from '../../../lib/action/handler';
import { AppError } from '../../../lib/basics/errors';
import { createMetrics, qoveryFailureKind } from '../../../lib/basics/metrics';
import { QoveryError } from '../../../lib/platform/qovery/client';
import { actionEvent, invoke, memoryLogger, TEST_SECRET } from '../../helpers/lambda';

/** The EMF lines Powertools writes on stdout during `fn`, parsed. */
async function emf(fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

type Emf = {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
};
const metricNames = (line: Record<string, unknown>) =>
  (line as Emf)._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name));
const dimensions = (line: Record<string, unknown>) => (line as Emf)._aws.CloudWatchMetrics[0]?.Dimensions[0];

function handler(run: () => Promise<unknown>) {
  const memory = memoryLogger([TEST_SECRET]);
  const action = defineAction({ name: 'Echo', access: 'public', input: v.object({}), run });
  return {
    memory,
    handler: actionHandler(action, () => ({
      actionsSecret: TEST_SECRET,
      log: memory.log,
      metrics: createMetrics('AppWriteCloud/test'),
      budgetMs: 5000,
      deps: {},
    })),
  };
}

const qoveryDown = new QoveryError('unavailable', 'deployEnvironment', 503, 'maintenance', 3);

describe('metrics', () => {
  it('counts each invocation per action and outcome, in the stage’s namespace', async () => {
    const { handler: h } = handler(async () => ({ ok: true }));
    const lines = await emf(() => invoke(h, actionEvent('Echo', {})));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      action: 'Echo',
      outcome: 'ok',
      service: 'appwrite-cloud',
      Invocations: 1,
    });
    expect((lines[0] as Emf)._aws.CloudWatchMetrics[0]?.Namespace).toBe('AppWriteCloud/test');
    expect(dimensions(lines[0] ?? {})).toEqual(expect.arrayContaining(['service', 'action', 'outcome']));
  });

  it('counts unexpected failures apart, with the service dimension only (what the alarm watches)', async () => {
    const { handler: h } = handler(async () => {
      throw new Error('bug');
    });
    const lines = await emf(() => invoke(h, actionEvent('Echo', {})));
    expect(lines.map(metricNames)).toEqual([['Invocations'], ['UnexpectedFailures']]);
    expect(lines[0]).toMatchObject({ outcome: 'internal-error' });
    expect(dimensions(lines[1] ?? {})).toEqual(['service']);
  });

  it('counts Qovery failures per kind, whether they surface as a catalogue error or not', async () => {
    const { handler: h } = handler(async () => {
      throw new AppError('infrastructure-unavailable', { cause: qoveryDown });
    });
    const lines = await emf(() => invoke(h, actionEvent('Echo', {})));
    expect(lines.map(metricNames)).toEqual([['Invocations'], ['QoveryFailures']]);
    expect(lines[1]).toMatchObject({ kind: 'unavailable', QoveryFailures: 1 });
    expect(dimensions(lines[1] ?? {})).toEqual(expect.arrayContaining(['service', 'kind']));
    expect(qoveryFailureKind(qoveryDown)).toBe('unavailable');
    expect(qoveryFailureKind(new Error('other'))).toBeUndefined();
  });

  it('writes nothing without a namespace (npm start, tests)', () => {
    expect(createMetrics(undefined)).toBeUndefined();
  });
});

describe('invocation logs', () => {
  const OLD = process.env._X_AMZN_TRACE_ID;
  afterEach(() => {
    process.env._X_AMZN_TRACE_ID = OLD;
  });

  it('carry the Lambda request id, the trace id and the cold-start flag on every line', async () => {
    const { handler: h, memory } = handler(async () => ({ ok: true }));
    process.env._X_AMZN_TRACE_ID =
      'Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1';
    await emf(() => invoke(h, actionEvent('Echo', {})));
    process.env._X_AMZN_TRACE_ID = 'Root=1-67891234-abcdef012345678912345678;Sampled=1';
    await emf(() => invoke(h, actionEvent('Echo', {})));
    expect(memory.lines).toEqual([
      expect.objectContaining({
        action: 'Echo',
        requestId: 'aws-req-1',
        traceId: '1-67891233-abcdef012345678912345678',
        coldStart: true,
      }),
      expect.objectContaining({ traceId: '1-67891234-abcdef012345678912345678', coldStart: false }),
    ]);
  });
});
