import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ParamsFileError } from "./git-patch-errors.js";
import { readRepositoryFile, writeRepositoryFile } from "./repository-file.js";

describe("files a patch writes in the repository", () => {
  let root: string;
  let repo: string;
  let outside: string;
  beforeEach(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), "autonomic-repo-file-")));
    repo = join(root, "repo");
    outside = join(root, "outside.txt");
    mkdirSync(repo);
    writeFileSync(outside, "not the repository's\n");
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("writes and reads a regular file, creating the folders it lives in", async () => {
    await writeRepositoryFile(repo, "kernels/params.yaml", "apollo: {}\n");

    expect(readFileSync(join(repo, "kernels/params.yaml"), "utf8")).toBe("apollo: {}\n");
    expect(await readRepositoryFile(repo, "kernels/params.yaml")).toBe("apollo: {}\n");
    expect(await readRepositoryFile(repo, "missing/params.yaml")).toBeNull();
  });

  it("refuses a params file that is a symlink, to read or to write, and leaves its target alone", async () => {
    symlinkSync(outside, join(repo, "params.yaml"));

    await expect(writeRepositoryFile(repo, "params.yaml", "pwned\n")).rejects.toThrow(
      /params\.yaml is a symbolic link/,
    );
    await expect(readRepositoryFile(repo, "params.yaml")).rejects.toBeInstanceOf(ParamsFileError);
    expect(readFileSync(outside, "utf8")).toBe("not the repository's\n");
  });

  it("refuses a folder on the way that is a symlink out of the repository", async () => {
    const elsewhere = join(root, "elsewhere");
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(repo, "kernels"));

    await expect(writeRepositoryFile(repo, "kernels/params.yaml", "pwned\n")).rejects.toThrow(
      /kernels is a symbolic link/,
    );
    expect(() => readFileSync(join(elsewhere, "params.yaml"))).toThrow();
  });

  it("refuses paths that leave the repository and a params path that is a folder", async () => {
    mkdirSync(join(repo, "params.json"));

    await expect(writeRepositoryFile(repo, "../outside.txt", "x")).rejects.toThrow(/inside the repository/);
    await expect(writeRepositoryFile(repo, "params.json", "{}")).rejects.toThrow(/not a regular file/);
    expect(readFileSync(outside, "utf8")).toBe("not the repository's\n");
  });
});
