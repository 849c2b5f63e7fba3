/**
 * Files a patch writes are regular files inside the configured repository, and nothing else
 * (SPEC §6 "Access", hardening): a committed symlink as the params file (or as a folder on
 * its path) would make an approved patch rewrite whatever it points at, outside the
 * repository. Every component of the path is checked with lstat, and the file is opened
 * with O_NOFOLLOW, so a link is refused rather than followed.
 *
 * @example
 * const text = await readRepositoryFile("/srv/kernel-config", "kernels/params.yaml"); // null when missing
 * await writeRepositoryFile("/srv/kernel-config", "kernels/params.yaml", next);
 */
import { constants, type Stats } from "node:fs";
import { lstat, mkdir, open, realpath } from "node:fs/promises";
import { isAbsolute, join, normalize, sep } from "node:path";
import { ParamsFileError } from "./git-patch-errors.js";

const NO_FOLLOW = constants.O_NOFOLLOW;

async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/**
 * The absolute path of `relative` inside `root`, after checking that no component is a
 * symbolic link and the file, if it exists, is a regular file; folders that do not exist yet
 * are listed in `missing`, outermost first.
 */
async function checkedPath(root: string, relative: string): Promise<{ path: string; missing: string[] }> {
  const parts = normalize(relative)
    .split(sep)
    .filter((p) => p !== "" && p !== ".");
  if (isAbsolute(relative) || parts.length === 0 || parts.includes(".."))
    throw new ParamsFileError(relative, "must be a path inside the repository");
  let current = await realpath(root);
  const missing: string[] = [];
  for (const [i, part] of parts.entries()) {
    current = join(current, part);
    const last = i === parts.length - 1;
    const stats = missing.length > 0 ? null : await lstatOrNull(current);
    const shown = parts.slice(0, i + 1).join("/");
    if (stats === null) {
      if (!last) missing.push(current);
      continue;
    }
    if (stats.isSymbolicLink())
      throw new ParamsFileError(
        relative,
        `${shown} is a symbolic link; params are written only as regular files inside the repository, never through a link`,
      );
    if (!last && !stats.isDirectory()) throw new ParamsFileError(relative, `${shown} is not a folder`);
    if (last && !stats.isFile()) throw new ParamsFileError(relative, "is not a regular file");
  }
  return { path: current, missing };
}

/** The file's text, or null when it does not exist. */
export async function readRepositoryFile(root: string, relative: string): Promise<string | null> {
  const { path, missing } = await checkedPath(root, relative);
  if (missing.length > 0) return null;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  try {
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

/** Writes `text` as a regular file inside `root`, creating missing folders (never through a link). */
export async function writeRepositoryFile(root: string, relative: string, text: string): Promise<void> {
  const { path, missing } = await checkedPath(root, relative);
  for (const dir of missing) await mkdir(dir);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | NO_FOLLOW, 0o644);
  } catch (err) {
    // ELOOP: a link appeared after the check; refused all the same.
    if ((err as NodeJS.ErrnoException).code === "ELOOP")
      throw new ParamsFileError(relative, "is a symbolic link; refusing to write through it");
    throw err;
  }
  try {
    await handle.writeFile(text, "utf8");
  } finally {
    await handle.close();
  }
}
