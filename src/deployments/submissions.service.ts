import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InvalidInputError, NotFoundError, TooLargeError } from '../common/errors';
import { MAX_KEY_LENGTH, shownText } from '../common/json-limits';
import { deploymentNotFound, isName } from '../common/params';
import { appConfigOf, TypedConfigService } from '../config/config.module';
import { StoredSubmission } from './deployment.types';
import { DeploymentsRepository } from './deployments.repository';
import { DeploymentsService } from './deployments.service';
import {
  PutSubmissionsDto,
  PutSubmissionsResponseDto,
  SubmissionPageDto,
} from './dto/submission.dto';

/** Prompt ids are keys of `responses`; the same bound as every key of a body. */
const MAX_PROMPT_ID_LENGTH = MAX_KEY_LENGTH;

@Injectable()
export class SubmissionsService {
  private readonly limits: { perRequest: number; perDeployment: number; textLength: number };

  constructor(
    private readonly repo: DeploymentsRepository,
    private readonly deployments: DeploymentsService,
    @Inject(ConfigService) config: TypedConfigService,
  ) {
    const app = appConfigOf(config);
    this.limits = {
      perRequest: app.maxSubmissionsPerRequest,
      perDeployment: app.maxSubmissionsPerDeployment,
      textLength: app.maxTextLength,
    };
  }

  /** Upserts students by name; a later entry for the same name in one request wins. */
  async put(deploymentId: string, dto: PutSubmissionsDto): Promise<PutSubmissionsResponseDto> {
    await this.deployments.get(deploymentId);
    const { perRequest, perDeployment } = this.limits;
    if (dto.submissions.length > perRequest) {
      throw new TooLargeError(
        `submissions holds ${dto.submissions.length} entries; send at most ${perRequest} per request`,
      );
    }
    const now = new Date().toISOString();
    const byName = new Map<string, StoredSubmission>();
    dto.submissions.forEach((s, i) => {
      this.check(s.text, i);
      for (const [prompt, answer] of Object.entries(s.responses ?? {})) {
        if (!isName(prompt, MAX_PROMPT_ID_LENGTH)) {
          const field = `submissions.${i}.responses.${shownText(prompt)}`;
          throw new InvalidInputError(
            `${field}: prompt ids are 1 to ${MAX_PROMPT_ID_LENGTH} characters without control characters`,
            [field],
          );
        }
        if (typeof answer !== 'string') {
          throw new InvalidInputError(`submissions.${i}.responses.${prompt} must be a string`, [
            `submissions.${i}.responses.${prompt}`,
          ]);
        }
        this.check(answer, i, prompt);
      }
      byName.set(s.name, { name: s.name, text: s.text, responses: s.responses, updated_at: now });
    });
    if (byName.size === 0)
      return { upserted: 0, total: await this.repo.countSubmissions(deploymentId) };
    const outcome = await this.repo.upsertSubmissions(
      deploymentId,
      [...byName.values()],
      perDeployment,
    );
    if (outcome.kind === 'missing') throw deploymentNotFound(deploymentId);
    if (outcome.kind === 'over_limit') {
      throw new TooLargeError(
        `A deployment holds at most ${perDeployment} students; this request would make it ${outcome.total}`,
      );
    }
    return { upserted: byName.size, total: outcome.total };
  }

  async page(deploymentId: string, page: number, pageSize: number): Promise<SubmissionPageDto> {
    await this.deployments.get(deploymentId);
    const all = await this.repo.allSubmissions(deploymentId);
    const start = (page - 1) * pageSize;
    return {
      submissions: all.slice(start, start + pageSize),
      page,
      page_size: pageSize,
      total: all.length,
    };
  }

  async remove(deploymentId: string, name: string): Promise<void> {
    await this.deployments.get(deploymentId);
    if (!(await this.repo.removeSubmission(deploymentId, name))) {
      throw new NotFoundError(`No submission from ${name} in deployment ${deploymentId}`);
    }
  }

  /**
   * The text of entry `index`, or its answer to `prompt`. The field's name is built only for an
   * error: once per answer, it was a tenth of a large upload's time.
   */
  private check(text: string, index: number, prompt?: string): void {
    if (text.length > this.limits.textLength) {
      const field =
        prompt === undefined
          ? `submissions.${index}.text`
          : `submissions.${index}.responses.${prompt}`;
      throw new InvalidInputError(
        `${field} is ${text.length} characters long; the limit is ${this.limits.textLength}`,
        [field],
      );
    }
  }
}
