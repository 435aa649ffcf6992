import { setDefaultTimeout } from "bun:test";

// Tests start real servers, a browser and build the executable: more than bun's default 5 s.
setDefaultTimeout(60_000);
