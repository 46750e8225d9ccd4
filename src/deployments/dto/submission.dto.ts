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

export class SubmissionDto {
  @ApiProperty({
    example: 'ana@school.edu',
    description: "The student's e-mail; unique per deployment",
  })
  @IsString()
  @Length(1, 320)
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
