import { GroupSizeMode } from './types';

/**
 * How many groups to make. In `students_per_group` mode `size` is the target group size; in
 * `number_of_groups` mode it is the number of groups, capped so that no group has one member
 * (the old system's rule for small classes: min(n, max(2, n / 2))).
 */
export function groupCount(students: number, size: number, mode: GroupSizeMode): number {
  if (mode === 'students_per_group') return Math.max(1, Math.ceil(students / size));
  if (students < size)
    return Math.max(1, Math.min(students, Math.max(2, Math.floor(students / 2))));
  return size;
}

/** Group names as the old platform used them: Group1, Group2, ... */
export function groupName(index: number): string {
  return `Group${index + 1}`;
}
