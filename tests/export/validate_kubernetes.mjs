// Validates every document of the given YAML files against the Kubernetes OpenAPI schema with
// the npm package kubernetes-models (installed by scripts/install-test-tools.sh into
// $STACKVISOR_TEST_TOOLS). Prints one JSON line per document: {"kind","name","doc"}; on the
// first invalid document prints why to stderr and exits 1.
//   node validate_kubernetes.mjs FILE...
import fs from "node:fs";
import path from "node:path";

const tools = process.env.STACKVISOR_TEST_TOOLS;
if (!tools) {
  console.error("validate_kubernetes: set STACKVISOR_TEST_TOOLS");
  process.exit(2);
}
const modules = path.join(tools, "node_modules");
const yaml = (await import(path.join(modules, "js-yaml/index.js"))).default;

let failed = false;
for (const file of process.argv.slice(2)) {
  const docs = yaml.loadAll(fs.readFileSync(file, "utf8")).filter((d) => d !== null);
  for (const doc of docs) {
    const { apiVersion, kind } = doc;
    const model = path.join(modules, "kubernetes-models", apiVersion, kind + ".js");
    if (!fs.existsSync(model)) {
      console.error(`${file}: ${kind} ${apiVersion}: no such Kubernetes kind`);
      failed = true;
      continue;
    }
    const Class = (await import(model))[kind];
    try {
      new Class(doc).validate();
    } catch (e) {
      console.error(`${file}: ${kind} ${doc.metadata?.name}: ${e.message}`);
      failed = true;
      continue;
    }
    console.log(JSON.stringify({ kind, name: doc.metadata?.name, doc }));
  }
}
process.exit(failed ? 1 : 0);
