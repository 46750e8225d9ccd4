import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { NO_CONTROL_CHARACTERS } from '../../common/json-limits';
import { isName, MAX_NAME_LENGTH } from '../../common/params';
import { onlyKeys, quickCheck } from '../../common/validation';
import { isRecord } from '../../engine/types';

export class SubmissionDto {
  @ApiProperty({
    example: 'ana@school.edu',
    description: "The student's e-mail; unique per deployment",
  })
  @IsString()
  @Length(1, MAX_NAME_LENGTH)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'name must not contain control characters' })
  name!: string;

  @ApiProperty({ example: 'We should invest in solar panels and home batteries.' })
  @IsString()
  text!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'prompt-1': 'Solar panels', 'prompt-2': 'Because they get cheaper every year' },
    description: "Prompt id -> that prompt's answer",
  })
  @IsOptional()
  @IsObject()
  responses?: Record<string, string>;
}

export class PutSubmissionsDto {
  @ApiProperty({ type: [SubmissionDto] })
  @IsArray()
  @IsObject({ each: true, message: 'each entry of submissions must be an object {name, text}' })
  @ValidateNested({ each: true })
  @Type(() => SubmissionDto)
  submissions!: SubmissionDto[];
}

/**
 * Answers the quick check hands on as they are. class-transformer, copying `responses` into a
 * new object, leaves out a prompt id that names something every object inherits (`toString`,
 * `valueOf`, ...); such a body goes through it, so both paths store the same answers.
 */
function isPlainResponses(responses: unknown): boolean {
  if (responses === undefined) return true;
  if (!isRecord(responses)) return false;
  for (const prompt of Object.keys(responses)) if (prompt in Object.prototype) return false;
  return true;
}

// `isName` (1 to 320 UTF-16 units, no control character) implies the DTO's @Length(1, 320)
// and @Matches: class-validator counts a surrogate pair or a character and its variation
// selector as one, so its count is at most the string's length, and at least 1 when it is not
// empty (each unit it leaves out follows one it keeps).
const isPlainSubmission = (s: unknown): boolean =>
  onlyKeys(s, ['name', 'text', 'responses']) &&
  isName(s.name) &&
  typeof s.text === 'string' &&
  isPlainResponses(s.responses);

// A class of 2,000 students with 200 prompts each spent a third of its upload in
// class-transformer and class-validator, blocking every other request meanwhile. The usual body
// skips them (see HotPathValidationPipe); the service checks each answer either way.
quickCheck(
  PutSubmissionsDto,
  (body) =>
    onlyKeys(body, ['submissions']) &&
    Array.isArray(body.submissions) &&
    body.submissions.every(isPlainSubmission),
);

export class PutSubmissionsResponseDto {
  @ApiProperty({ type: 'integer', example: 24 }) upserted!: number;
  @ApiProperty({
    type: 'integer',
    example: 30,
    description: 'Students stored for the deployment now',
  })
  total!: number;
}

export class StoredSubmissionDto extends SubmissionDto {
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class SubmissionPageDto {
  @ApiProperty({ type: [StoredSubmissionDto] }) submissions!: StoredSubmissionDto[];
  @ApiProperty({ type: 'integer' }) page!: number;
  @ApiProperty({ type: 'integer' }) page_size!: number;
  @ApiProperty({ type: 'integer' }) total!: number;
}
