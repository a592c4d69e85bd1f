/**
 * Plans: every mutating operation is first written down as data — the exact sysfs writes
 * and file changes, each with its reason and how to undo it. `--dry-run` prints a plan;
 * the executor runs it and, when a step fails, undoes what already succeeded, in reverse.
 */

/** One change to the host. */
export type Step =
  | {
      kind: 'write';
      /** A sysfs attribute: one write(2) of `value`, exactly (no trailing newline added). */
      path: string;
      value: string;
      why: string;
      /** Steps that reverse this one, run if a later step fails. */
      undo?: Step[];
      /**
       * Errnos that mean the write has nothing to do, taken as success: ENODEV when undoing a
       * probe that attached nothing (drivers/base/bus.c unbind_store of an unbound device).
       */
      alreadyDone?: readonly string[];
    }
  | {
      kind: 'writeFile';
      /** A regular file, replaced atomically; the executor remembers the old content to undo. */
      path: string;
      content: string;
      mode?: number;
      why: string;
    }
  | { kind: 'removeFile'; path: string; why: string }
  | { kind: 'mkdir'; path: string; why: string }
  | {
      kind: 'waitFor';
      /** Polls until the path exists (or, with `gone`, no longer exists). */
      path: string;
      gone?: boolean;
      timeoutMs: number;
      why: string;
    };

/** A planned operation. */
export interface Plan {
  /** What the plan does, completing "Cannot …" in errors: `create 2 vGPUs of GRID T4-1B on 0000:3b:00.0`. */
  action: string;
  steps: Step[];
  /** What the user should know that no step shows (e.g. a definition that cannot start yet). */
  notes?: string[];
}

/** Quotes a word for a POSIX shell when it needs it. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Renders a plan as the shell commands a person could type to make the same changes,
 * each preceded by its reason as a comment.
 */
export function renderPlanAsShell(plan: Plan): string {
  const lines = [`# ${plan.action}`, ...(plan.notes ?? []).map((note) => `# note: ${note}`)];
  for (const step of plan.steps) {
    lines.push(`# ${step.why}`);
    switch (step.kind) {
      case 'write':
        lines.push(renderWrite(step.path, step.value));
        break;
      case 'writeFile': {
        const mode = step.mode === undefined ? '' : ` && chmod ${step.mode.toString(8)} ${shellQuote(step.path)}`;
        // A here-document always ends in a newline: as is when the content does too; else
        // through "$(cat)", which drops the trailing newline (and the content has none).
        const body = step.content.endsWith('\n') ? step.content.slice(0, -1) : step.content;
        if (body.split('\n').includes('EOF') || body.endsWith('\n')) {
          lines.push(`printf '%s' ${shellQuote(step.content)} > ${shellQuote(step.path)}${mode}`);
        } else if (step.content.endsWith('\n')) {
          lines.push(`cat > ${shellQuote(step.path)} <<'EOF'${mode}`, body, 'EOF');
        } else {
          lines.push(`printf '%s' "$(cat <<'EOF'`, body, 'EOF', `)" > ${shellQuote(step.path)}${mode}`);
        }
        break;
      }
      case 'removeFile':
        lines.push(`rm ${shellQuote(step.path)}`);
        break;
      case 'mkdir':
        lines.push(`mkdir -p ${shellQuote(step.path)}`);
        break;
      case 'waitFor':
        lines.push(
          `timeout ${Math.ceil(step.timeoutMs / 1000)} sh -c 'while ${step.gone ? '' : '! '}test -e ${shellQuote(step.path).replace(/'/g, `'\\''`)}; do sleep 0.1; done'`,
        );
        break;
    }
  }
  return lines.join('\n');
}

/**
 * One exact write as a shell command: `echo` when the value is one line ending in a newline
 * (echo adds exactly that newline), else `printf '%s'`, which adds nothing.
 */
function renderWrite(path: string, value: string): string {
  const body = value.slice(0, -1);
  if (value.endsWith('\n') && !body.includes('\n')) {
    return body === '' ? `echo > ${shellQuote(path)}` : `echo ${shellQuote(body)} > ${shellQuote(path)}`;
  }
  return `printf '%s' ${shellQuote(value)} > ${shellQuote(path)}`;
}
