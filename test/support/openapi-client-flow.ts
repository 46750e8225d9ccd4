/**
 * The program test/e2e/openapi-client.e2e-spec.ts type-checks (strict, no casts) against the
 * client generated from the live document, then runs against the live server. It is a string
 * because it imports `./api-schema`, which exists only once the test has generated it.
 *
 * It reads BASE_URL, TOKEN and SLEEP_DEPLOYMENT_ID (a deployment whose behavior 1 runs long
 * enough to be cancelled) and prints one JSON line saying what it saw, with every answer it got
 * (`observed`), which the test checks against the document.
 */
import { CLASS_ANSWERS } from './app';

export const CLIENT_FLOW_SOURCE = String.raw`
import createClient from 'openapi-fetch';
import type { components, paths } from './api-schema';

type TaskStatus = components['schemas']['TaskStatusDto'];

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(name + ' is not set');
  return value;
};

const client = createClient<paths>({
  baseUrl: env('BASE_URL'),
  headers: { Authorization: 'Bearer ' + env('TOKEN') },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every answer with a body, to be checked against the document by the test. */
const observed: { path: string; method: string; status: number; body: unknown }[] = [];
client.use({
  async onResponse({ request, response, schemaPath }) {
    if (response.status === 204) return;
    const body: unknown = await response.clone().json();
    observed.push({ path: schemaPath, method: request.method.toLowerCase(), status: response.status, body });
  },
});

// The test class of the other suites; one answer also has a response to a prompt.
const ANSWERS: components['schemas']['SubmissionDto'][] = ${JSON.stringify(
  CLASS_ANSWERS.map((a) =>
    a.name === 'hal@school.edu' ? { ...a, responses: { q1: 'bikes' } } : a,
  ),
)};

async function status(deploymentId: string, taskId: string): Promise<TaskStatus> {
  const res = await client.GET('/api/page-deployments/{deploymentId}/behaviors/tasks/{taskId}', {
    params: { path: { deploymentId, taskId } },
  });
  if (res.error) throw new Error('status: ' + res.error.message);
  return res.data;
}

/** Polls like the design note's frontend, bounded. */
async function waitUntil(
  deploymentId: string,
  taskId: string,
  done: (s: TaskStatus) => boolean,
): Promise<TaskStatus> {
  for (let i = 0; i < 600; i++) {
    const s = await status(deploymentId, taskId);
    if (done(s)) return s;
    await sleep(25);
  }
  throw new Error('task ' + taskId + ' did not get there in time');
}

const ended = (s: TaskStatus) => s.state === 'SUCCESS' || s.state === 'FAILURE';

async function queue(deploymentId: string, behaviorNumber: string): Promise<string> {
  const res = await client.POST('/api/page-deployments/{deploymentId}/behaviors/trigger', {
    params: { path: { deploymentId } },
    body: { behavior_number: behaviorNumber, async_execution: true },
  });
  if (res.error) throw new Error('trigger: ' + res.error.message);
  if (!('status' in res.data)) throw new Error('expected a queued run, got a result');
  return res.data.task_id;
}

async function main(): Promise<void> {
  const created = await client.POST('/api/page-deployments', {
    body: {
      title: 'Generated client',
      behaviors: {
        '1': { type: 'group_assignment', config: { group_size: 2, grouping_method: 'diverse' } },
        '2': { type: 'themeCreator', config: { num_themes: 2, use_llm_polish: false } },
        '3': { type: 'random_grouping', config: { group_size: 4, seed: 7 } },
      },
    },
  });
  if (created.error) throw new Error('create: ' + created.error.message);
  const deploymentId = created.data.id;
  const storedTypes: string[] = [];
  for (const b of Object.values(created.data.behaviors)) {
    // Stored behaviors have canonical names and every default: narrowing by type reaches them.
    if (b.type === 'theme_creator') storedTypes.push(b.type + ':' + b.config.llm_polish_prompt.length);
    else storedTypes.push(b.type + ':' + b.config.group_size);
  }

  const put = await client.PUT('/api/page-deployments/{deploymentId}/submissions', {
    params: { path: { deploymentId } },
    body: { submissions: ANSWERS },
  });
  if (put.error) throw new Error('submissions: ' + put.error.message);
  const listed = await client.GET('/api/page-deployments/{deploymentId}/submissions', {
    params: { path: { deploymentId }, query: { page: 1, page_size: 5 } },
  });
  if (listed.error) throw new Error('list submissions: ' + listed.error.message);

  const behaviors = await client.GET('/api/page-deployments/{deploymentId}/behaviors', {
    params: { path: { deploymentId } },
  });
  if (behaviors.error) throw new Error('behaviors: ' + behaviors.error.message);
  const defaults: string[] = [];
  for (const b of behaviors.data.behaviors) {
    switch (b.type) {
      case 'group_assignment':
        defaults.push(b.type + ':' + b.config.group_size_mode + ':' + b.config.include_explanations);
        break;
      case 'theme_creator':
        defaults.push(b.type + ':' + b.config.label);
        break;
      case 'random_grouping':
        defaults.push(b.type + ':' + b.config.seed + ':' + b.default_execution);
        break;
    }
  }

  // Group assignment, queued, polled to the end.
  const groupTask = await queue(deploymentId, '1');
  const seen: string[] = [];
  const groupEnd = await waitUntil(deploymentId, groupTask, (s) => {
    seen.push(s.state);
    return ended(s);
  });
  const groupResult = groupEnd.result;
  if (groupResult === null) throw new Error('group assignment ended without a result: ' + groupEnd.error);
  if (groupResult.behavior_type === 'theme_creator') throw new Error('a theme result for group assignment');
  const groups = groupResult.groups;

  // Theme creation, queued, polled to the end.
  const themeTask = await queue(deploymentId, '2');
  const themeEnd = await waitUntil(deploymentId, themeTask, ended);
  const themeResult = themeEnd.result;
  if (themeResult === null) throw new Error('theme creation ended without a result: ' + themeEnd.error);
  if (themeResult.behavior_type !== 'theme_creator') throw new Error('a group result for themes');
  const themes = themeResult.themes.map((t) => t.title);

  // A synchronous run answers 200 with the result, discriminated the same way.
  const sync = await client.POST('/api/page-deployments/{deploymentId}/behaviors/trigger', {
    params: { path: { deploymentId } },
    body: { behavior_number: '3' },
  });
  if (sync.error) throw new Error('sync trigger: ' + sync.error.message);
  if ('status' in sync.data) throw new Error('expected a synchronous run');
  if (sync.data.behavior_type === 'theme_creator') throw new Error('a theme result for random grouping');
  const syncGroups = Object.keys(sync.data.groups).length;

  // What the runs left: a student's group, the saved variables.
  const group = await client.GET('/api/page-deployments/{deploymentId}/groups/{studentName}', {
    params: { path: { deploymentId, studentName: 'ana@school.edu' } },
  });
  if (group.error) throw new Error('group: ' + group.error.message);
  const variable = await client.GET('/api/page-deployments/{deploymentId}/variables/{name}', {
    params: { path: { deploymentId, name: 'theme_2' } },
  });
  if (variable.error) throw new Error('variable: ' + variable.error.message);
  const savedThemes = Array.isArray(variable.data.value) ? variable.data.value.length : -1;

  // Cancel a running task.
  const sleepDeployment = env('SLEEP_DEPLOYMENT_ID');
  const slowTask = await queue(sleepDeployment, '1');
  await waitUntil(sleepDeployment, slowTask, (s) => s.state === 'PROGRESS' && s.progress >= 40);
  const cancel = await client.POST(
    '/api/page-deployments/{deploymentId}/behaviors/tasks/{taskId}/cancel',
    { params: { path: { deploymentId: sleepDeployment, taskId: slowTask } } },
  );
  if (cancel.error) throw new Error('cancel: ' + cancel.error.message);
  const cancelledStatus = await status(sleepDeployment, slowTask);

  // Typed error bodies: cancelling a finished task, an unknown task, a bad page.
  const late = await client.POST('/api/page-deployments/{deploymentId}/behaviors/tasks/{taskId}/cancel', {
    params: { path: { deploymentId, taskId: groupTask } },
  });
  if (!late.error) throw new Error('cancelling a finished task was accepted');
  const unknown = await client.GET('/api/page-deployments/{deploymentId}/behaviors/tasks/{taskId}', {
    params: { path: { deploymentId, taskId: '00000000-0000-4000-8000-000000000000' } },
  });
  if (!unknown.error) throw new Error('an unknown task was found');
  const badPage = await client.GET('/api/page-deployments', { params: { query: { page: 0 } } });
  if (!badPage.error) throw new Error('page 0 was accepted');

  const summary = {
    storedTypes,
    submissionsTotal: listed.data.total,
    submissionsOnPage: listed.data.submissions.length,
    defaults,
    groupStates: seen,
    resultTypes: [groupResult.behavior_type, themeResult.behavior_type, sync.data.behavior_type],
    groupCount: Object.keys(groups).length,
    groupMembers: Object.values(groups).flat().sort(),
    themes,
    syncGroups,
    studentGroup: { name: group.data.group_name, members: group.data.members },
    savedThemes,
    cancel: { cancelled: cancel.data.cancelled, state: cancelledStatus.state, stage: cancelledStatus.stage },
    late: { status: late.response.status, statusCode: late.error.statusCode, cancelled: late.error.cancelled, task: late.error.task_id },
    unknown: { status: unknown.response.status, error: unknown.error.error, message: unknown.error.message },
    badPage: { status: badPage.response.status, fields: badPage.error.fields ?? [] },
    observed,
  };
  console.log(JSON.stringify(summary));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
`;
