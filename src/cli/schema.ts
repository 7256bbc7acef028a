import { Command } from 'commander';

/** `highway schema`: the config's JSON Schema (what configs/highway.schema.json holds), for editors and tools. */
export function schemaCommand(): Command {
  return new Command('schema')
    .description("print the config files' JSON Schema (the same as configs/highway.schema.json)")
    .addHelpText(
      'after',
      `
Examples:
  $ highway schema > my-configs/highway.schema.json
  In a config file, "$schema": "../configs/highway.schema.json" lets VS Code and other editors
  complete and check every key, the sweep section included.`,
    )
    .action(async () => {
      const { configJsonSchema } = await import('../sweep/schema.js');
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
