import {
  CLASS_ANSWERS,
  createDeployment,
  pollUntilDone,
  startTestApp,
  TestApp,
} from '../support/app';
import { LlmStub } from '../support/llm-stub';

// The settings travel from the environment through the config to the runner threads: a chat
// model and an embeddings endpoint configured by URL are really used by a queued run.
describe('Configured LLM and embeddings endpoint, through HTTP and a worker thread', () => {
  const stub = new LlmStub();
  let t: TestApp;
  beforeAll(async () => {
    await stub.start();
    t = await startTestApp({
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BASE_URL: stub.baseUrl,
      EMBEDDING_MODEL: 'stub-embed',
      EMBEDDING_API_KEY: 'embed-key',
      LLM_BASE_URL: stub.baseUrl,
      LLM_MODEL: 'stub-chat',
      LLM_API_KEY: 'chat-key',
    });
  });
  afterAll(async () => {
    await t.close();
    await stub.stop();
  });

  it('uses both for a group assignment and a theme run', async () => {
    const d = await createDeployment(t, {
      '1': { type: 'group_assignment', config: { group_size: 4 } },
      '2': {
        type: 'theme_creator',
        config: { num_themes: 2, llm_polish_prompt: 'Short and friendly' },
      },
    });
    const g = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '1' })
      .expect(202);
    const groups = (await pollUntilDone(t, d, g.body.task_id)).at(-1)!;
    expect(groups.state).toBe('SUCCESS');
    const meta = (groups.result as { metadata: Record<string, unknown> }).metadata;
    expect(meta).toMatchObject({
      embedding_provider: 'openai:stub-embed',
      embedding_fallback: null,
      explanation_source: 'llm',
    });
    expect(stub.embeddingRequests[0].auth).toBe('Bearer embed-key');
    expect(stub.embeddingRequests.reduce((n, r) => n + r.body.input.length, 0)).toBe(
      CLASS_ANSWERS.length,
    );

    const th = await t.http
      .post(`/api/page-deployments/${d}/behaviors/trigger`)
      .send({ behavior_number: '2' })
      .expect(202);
    const themes = (await pollUntilDone(t, d, th.body.task_id)).at(-1)!;
    const result = themes.result as {
      themes: { title: string }[];
      metadata: Record<string, unknown>;
    };
    expect(result.metadata).toMatchObject({ includes_llm_polish: true, title_source: 'llm' });
    expect(result.themes.map((x) => x.title)).toEqual(['Stub Theme Title', 'Stub Theme Title']);
    expect(
      stub.chatRequests.some((r) => r.messages[0].content.includes('Short and friendly')),
    ).toBe(true);
    // The answers were embedded once: the theme run found every vector in the Redis cache.
    expect(stub.embeddingRequests.reduce((n, r) => n + r.body.input.length, 0)).toBe(
      CLASS_ANSWERS.length,
    );
  });
});
