/**
 * Fenced code blocks of a Markdown file, with the docs-test directive written just above each one.
 *
 * Convention (documented in README.md, "Commands in the docs are tested"): an HTML comment on the line right
 * before the opening fence,
 *
 *     <!-- docs-test: needs=secret.txt,es256.json -->    the test creates these files first (known fixtures)
 *     <!-- docs-test: cwd=repo -->                        run at the repository root, not in a temp folder
 *                                                         (the run must leave `git status` unchanged)
 *     <!-- docs-test: not-run: REASON -->                 not executed (syntax and npm scripts checked only)
 *     <!-- docs-test: output=exact -->                    (console blocks) each command's output must be
 *                                                         exactly what the block shows
 *
 * Directives combine with `;` (`needs=a.pem; cwd=repo`); `not-run:` comes last and takes the rest. An unknown directive is an error, so a typo
 * cannot silently switch a check off.
 */
export interface Block {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  body: string;
  directives: Directives;
}

export interface Directives {
  needs: string[];
  cwd: 'temp' | 'repo';
  notRun: string | undefined;
  exactOutput: boolean;
}

/** Languages whose blocks are shell commands. `console` blocks hold `$ ` commands and their output. */
export const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'zsh', 'console']);

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
const DIRECTIVE = /^\s*<!--\s*docs-test:\s*(.*?)\s*-->\s*$/;

export function parseDirectives(text: string, where: string): Directives {
  const d: Directives = { needs: [], cwd: 'temp', notRun: undefined, exactOutput: false };
  // `not-run: REASON` takes the rest of the comment (a reason may contain ';').
  const nr = /(?:^|;)\s*not-run:\s*(\S.*)$/.exec(text);
  if (nr) d.notRun = nr[1]!;
  const rest = nr ? text.slice(0, nr.index) : text;
  for (const part of rest
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const needs = /^needs=(.+)$/.exec(part);
    if (needs) {
      d.needs.push(
        ...needs[1]!
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
    } else if (part === 'cwd=repo') d.cwd = 'repo';
    else if (part === 'output=exact') d.exactOutput = true;
    else throw new Error(`${where}: unknown docs-test directive ${JSON.stringify(part)}`);
  }
  return d;
}

export function extractBlocks(file: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const lang = open[2]!.toLowerCase();
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
      if (close.test(lines[j]!)) break;
      body.push(lines[j]!);
    }
    const prev = i > 0 ? DIRECTIVE.exec(lines[i - 1]!) : null;
    const where = `${file}:${i + 1}`;
    blocks.push({
      file,
      line: i + 1,
      lang,
      body: body.join('\n'),
      directives: prev ? parseDirectives(prev[1]!, where) : parseDirectives('', where),
    });
    i = j;
  }
  return blocks;
}

export interface ConsoleCommand {
  command: string;
  /** The output the document shows after the command. */
  output: string[];
}

/** `$ cmd` lines (with `\` continuations) and the output lines under each. */
export function consoleCommands(body: string): ConsoleCommand[] {
  const out: ConsoleCommand[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('$ ')) {
      let command = line.slice(2);
      while (command.endsWith('\\') && i + 1 < lines.length) command = `${command}\n${lines[++i]!}`;
      out.push({ command, output: [] });
    } else if (out.length > 0) out.at(-1)!.output.push(line);
  }
  return out;
}

/** Variables a script assigns at the start of a command (`A=1`, `export A=1`, `x; B=$(...)`). */
export function assignedNames(script: string): string[] {
  const names = new Set<string>();
  for (const m of script.matchAll(/(?:^|[;&|(]\s*|\bexport\s+)([A-Za-z_][A-Za-z0-9_]*)=/gm)) names.add(m[1]!);
  return [...names];
}
