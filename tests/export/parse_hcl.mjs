// Parses each HCL file with HashiCorp's HCL parser (npm @cdktf/hcl2json, Go compiled to
// WebAssembly; installed by scripts/install-test-tools.sh into $STACKVISOR_TEST_TOOLS) and
// prints one JSON line per file: {"file", "json"}; exits 1 on the first syntax error.
//   node parse_hcl.mjs FILE...
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const tools = process.env.STACKVISOR_TEST_TOOLS;
if (!tools) {
  console.error("parse_hcl: set STACKVISOR_TEST_TOOLS");
  process.exit(2);
}
const require = createRequire(path.join(tools, "package.json"));
const { parse } = require("@cdktf/hcl2json");

for (const file of process.argv.slice(2)) {
  try {
    const json = await parse(path.basename(file), fs.readFileSync(file, "utf8"));
    console.log(JSON.stringify({ file, json }));
  } catch (e) {
    console.error(`${file}: ${e.message ?? e}`);
    process.exit(1);
  }
}
