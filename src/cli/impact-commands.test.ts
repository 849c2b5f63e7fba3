import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { registerImpactCommands } from "./impact-commands.js";

function helpOf(name: string): string {
  const program = new Command("autonomic");
  registerImpactCommands(program);
  const command = program.commands.find((c) => c.name() === name) as Command;
  let text = "";
  command.configureOutput({ writeOut: (s) => (text += s) });
  command.outputHelp();
  return text;
}

describe("calibrate and report --help", () => {
  it("lists calibrate's flags, says it only reads, and shows how to apply what it writes", () => {
    const help = helpOf("calibrate");
    for (const flag of ["--since <when>", "--until <when>", "--kernel <id>", "--write <file>", "--json"])
      expect(help).toContain(flag);
    expect(help).toContain('(default: "7d")');
    expect(help).toContain("only reads");
    expect(help).toContain("autonomic serve --config suggested.yaml");
  });

  it("lists report's flags and says the estimate of time saved needs report.minutesPerIncident", () => {
    const help = helpOf("report");
    for (const flag of ["--since <when>", "--until <when>", "--json"]) expect(help).toContain(flag);
    expect(help).toContain('(default: "30d")');
    expect(help).toContain("report.minutesPerIncident");
    expect(help).toContain("labelled an estimate");
  });
});
