import { ApiProperty } from '@nestjs/swagger';

export class WorkerTaskDto {
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty({ format: 'uuid' }) deployment_id!: string;
  @ApiProperty({ example: 'group_assignment' }) behavior!: string;
  @ApiProperty({ example: 'group-assignment' }) queue!: string;
  @ApiProperty({ format: 'date-time', description: 'When this process started the task' })
  since!: string;
}

export class WorkerDto {
  @ApiProperty({ example: 'worker-7f9c:4242:1a2b3c4d' }) id!: string;
  @ApiProperty({ example: 'worker-7f9c' }) host!: string;
  @ApiProperty({ type: 'integer', example: 4242 }) pid!: number;
  @ApiProperty({ type: [String], example: ['group-assignment', 'theme-creation'] })
  queues!: string[];
  @ApiProperty({ type: [WorkerTaskDto], description: 'What it runs now (empty when idle)' })
  tasks!: WorkerTaskDto[];
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty({ format: 'date-time', description: 'Its last heartbeat' }) last_seen!: string;
}

export class WorkersDto {
  @ApiProperty({ type: [WorkerDto] }) workers!: WorkerDto[];
}
