/** `stowage completion bash|zsh|fish`: prints the shell's completion script (src/cli/completion-script.ts). */
import { Argument, type Command } from 'commander';
import { completionScript, SHELLS, type Shell } from '../completion-script.js';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .addHelpText('after', `
Completes commands, their flags, the transport prefixes (docker://, docker-daemon:, docker-archive:, oci:,
oci-archive:) and local files, also after oci:, oci-archive: and docker-archive:.
Examples:
  source <(stowage completion bash)                  this bash session; add it to ~/.bashrc to keep it
  stowage completion bash > /etc/bash_completion.d/stowage
  source <(stowage completion zsh)                   after compinit, in ~/.zshrc
  stowage completion fish > ~/.config/fish/completions/stowage.fish`)
    .action((shell: string) => {
      let root = program;
      while (root.parent) root = root.parent;
      process.stdout.write(completionScript(shell as Shell, root));
    });
}
