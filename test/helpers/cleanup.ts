// Preloaded before every test file (bunfig.toml): a hook that runs once, after the last test.
import { afterAll } from "bun:test";
import { removeTempDirs } from "./db.ts";

afterAll(removeTempDirs);
