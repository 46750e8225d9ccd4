import { BehaviorInputError } from './errors';
import { StudentText, Submission } from './types';

/**
 * The text each student is judged on: everything they wrote, or only the answers to the
 * selected prompts. Students with nothing left to read are dropped rather than invented.
 */
export function studentTexts(
  submissions: readonly Submission[],
  selectedPrompts: readonly string[],
): StudentText[] {
  const out: StudentText[] = [];
  for (const s of submissions) {
    let text: string;
    if (selectedPrompts.length > 0) {
      const responses = s.responses ?? {};
      text = selectedPrompts
        .map((id) => responses[id] ?? '')
        .filter((t) => t.trim().length > 0)
        .join('\n');
    } else {
      text = s.text;
    }
    text = text.trim();
    if (text.length > 0) out.push({ name: s.name, text });
  }
  return out;
}

/** Fails with a message a teacher can act on when there are too few students to work with. */
export function requireStudents(
  students: readonly StudentText[],
  submitted: number,
  minimum: number,
  purpose: string,
  selectedPrompts: readonly string[],
): void {
  if (students.length >= minimum) return;
  const where =
    selectedPrompts.length > 0
      ? ` with a non-empty answer to the selected prompts (${selectedPrompts.join(', ')})`
      : ' with non-empty text';
  throw new BehaviorInputError(
    `Need at least ${minimum} students${where} to ${purpose}, but only ${students.length} ` +
      `of the ${submitted} submitted student(s) qualify. Collect more answers or change the ` +
      'selected prompts.',
  );
}

/**
 * The filtering step every heavy behavior starts with: the texts to work on, sorted by name so
 * that results depend on the answers and not on the order they were stored in, and at least
 * `minimum` of them.
 */
export function studentsToWorkOn(
  submissions: readonly Submission[],
  selectedPrompts: readonly string[],
  minimum: number,
  purpose: string,
): StudentText[] {
  const students = studentTexts(submissions, selectedPrompts).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  requireStudents(students, submissions.length, minimum, purpose, selectedPrompts);
  return students;
}
