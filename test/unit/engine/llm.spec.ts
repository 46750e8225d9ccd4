import { BehaviorAbortedError } from '../../../src/engine/errors';
import { groupAssignment } from '../../../src/engine/grouping/group-assignment';
import { OpenAiChatClient } from '../../../src/engine/llm/chat-client';
import { providerEmbedder } from '../../../src/engine/vectors/embedder';
import { OpenAiEmbeddingProvider } from '../../../src/engine/vectors/providers';
import { CLASS } from '../../fixtures/class-answers';
import { fakeContext, groupConfig, runGrouping, runThemes } from '../../support/engine';
import { LlmStub } from '../../support/llm-stub';

describe('with an OpenAI-compatible model (stub server on loopback)', () => {
  const stub = new LlmStub();
  beforeAll(async () => stub.start());
  afterAll(async () => stub.stop());
  beforeEach(() => {
    stub.mode = 'ok';
    stub.embeddingsMode = 'ok';
    stub.maxConcurrent = 0;
    stub.chatRequests.length = 0;
    stub.embeddingRequests.length = 0;
  });

  const llm = (timeoutMs = 5000) =>
    new OpenAiChatClient({
      baseUrl: stub.baseUrl,
      model: 'stub-chat',
      apiKey: 'k',
      timeoutMs,
      parallelism: 2,
    });

  describe('group explanations', () => {
    it('uses the model\u2019s checked answers, at most `parallelism` calls at once', async () => {
      const r = await runGrouping(CLASS, { group_size: 4 }, { llm: llm() });
      expect(r.metadata.explanation_source).toBe('llm');
      expect(Object.values(r.explanations)).toEqual(
        Array(6).fill('These students both discuss stub topics. They would learn from each other.'),
      );
      expect(stub.chatRequests).toHaveLength(6);
      expect(stub.maxConcurrent).toBe(2);
      // The prompt carries the members' own answers.
      expect(stub.chatRequests[0].messages[1].content).toContain(
        CLASS.find((s) => stub.chatRequests[0].messages[1].content.includes(s.text))!.text,
      );
    });

    it('falls back to the answers-based explanation on bad JSON', async () => {
      stub.mode = 'bad-json';
      const withModel = await runGrouping(CLASS, { group_size: 4 }, { llm: llm() });
      const without = await runGrouping(CLASS, { group_size: 4 });
      expect(withModel.metadata.explanation_source).toBe('answers');
      expect(withModel.explanations).toEqual(without.explanations);
    });

    it('falls back per group when some calls fail', async () => {
      stub.mode = 'alternate';
      const r = await runGrouping(CLASS, { group_size: 4 }, { llm: llm() });
      expect(r.metadata.explanation_source).toBe('mixed');
    });

    it('falls back when the model times out, without waiting for it', async () => {
      stub.mode = 'timeout';
      const t0 = Date.now();
      const r = await runGrouping(CLASS, { group_size: 4 }, { llm: llm(200) });
      expect(r.metadata.explanation_source).toBe('answers');
      expect(Date.now() - t0).toBeLessThan(3000);
    });

    it('stops waiting for the model when the run is cancelled', async () => {
      stub.mode = 'timeout';
      const { ctx, controller } = fakeContext(CLASS, groupConfig(), { llm: llm(60_000) });
      const run = groupAssignment(ctx);
      setTimeout(() => controller.abort('cancelled'), 200);
      const t0 = Date.now();
      await expect(run).rejects.toBeInstanceOf(BehaviorAbortedError);
      expect(Date.now() - t0).toBeLessThan(2000);
    });
  });

  describe('theme titles', () => {
    it('polishes titles within the teacher\u2019s guidance', async () => {
      const r = await runThemes(
        CLASS,
        { num_themes: 4, llm_polish_prompt: 'Use words a 10-year-old knows' },
        { llm: llm() },
      );
      expect(r.themes.map((t) => t.title)).toEqual(Array(4).fill('Stub Theme Title'));
      expect(r.metadata).toMatchObject({ includes_llm_polish: true, title_source: 'llm' });
      expect(stub.chatRequests[0].messages[0].content).toContain('Use words a 10-year-old knows');
    });

    it('keeps the keyword titles when the answer is unusable or polishing is off', async () => {
      stub.mode = 'bad-json';
      const bad = await runThemes(CLASS, { num_themes: 4 }, { llm: llm() });
      const plain = await runThemes(CLASS, { num_themes: 4 });
      expect(bad.themes.map((t) => t.title)).toEqual(plain.themes.map((t) => t.title));
      expect(bad.metadata.title_source).toBe('keywords');
      stub.chatRequests.length = 0;
      const off = await runThemes(CLASS, { num_themes: 4, use_llm_polish: false }, { llm: llm() });
      expect(stub.chatRequests).toHaveLength(0);
      expect(off.metadata.includes_llm_polish).toBe(false);
    });
  });

  describe('embeddings endpoint', () => {
    const embedder = () =>
      providerEmbedder(
        new OpenAiEmbeddingProvider({
          baseUrl: stub.baseUrl,
          model: 'stub-embed',
          apiKey: 'secret',
          timeoutMs: 2000,
        }),
        null,
      );

    it('asks for float vectors with the key, in batches, and uses them', async () => {
      const r = await runGrouping(CLASS, { group_size: 4 }, { embed: embedder() });
      expect(r.metadata.embedding_provider).toBe('openai:stub-embed');
      expect(r.metadata.embedding_fallback).toBeNull();
      expect(stub.embeddingRequests[0].body).toMatchObject({
        model: 'stub-embed',
        encoding_format: 'float',
      });
      expect(stub.embeddingRequests[0].auth).toBe('Bearer secret');
      expect(stub.embeddingRequests.reduce((n, r) => n + r.body.input.length, 0)).toBe(24);
    });

    it('falls back to lexical vectors, and says why, when the endpoint fails or answers wrongly', async () => {
      stub.embeddingsMode = 'error';
      const failed = await runGrouping(CLASS, { group_size: 4 }, { embed: embedder() });
      expect(failed.metadata.embedding_provider).toBe('lexical-hash-512');
      expect(failed.metadata.embedding_fallback).toContain(
        'openai:stub-embed unavailable (embeddings endpoint answered 503)',
      );
      stub.embeddingsMode = 'short';
      const short = await runGrouping(CLASS, { group_size: 4 }, { embed: embedder() });
      expect(short.metadata.embedding_fallback).toContain('wrong number of vectors');
    });
  });
});
