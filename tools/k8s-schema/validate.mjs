// Validates Kubernetes objects (a JSON array, or one object, per file) against the Kubernetes
// OpenAPI schema as compiled by kubernetes-models; exits 1 listing every object that fails.
import { readFileSync } from "node:fs";

let failures = 0;
for (const file of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(file, "utf8"));
  for (const obj of Array.isArray(doc) ? doc : [doc]) {
    const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : [null, obj.apiVersion];
    const module = `kubernetes-models/${group ? group + "/" : ""}${version}/${obj.kind}`;
    let Model;
    try {
      Model = (await import(module))[obj.kind];
    } catch (e) {
      console.log(`${file}: ${obj.apiVersion} ${obj.kind}: no schema (${e.message})`);
      failures++;
      continue;
    }
    try {
      new Model(obj).validate();
      console.log(`${file}: ${obj.kind} ${obj.metadata?.name ?? obj.metadata?.generateName ?? ""}: valid`);
    } catch (e) {
      console.log(`${file}: ${obj.kind} ${obj.metadata?.name ?? obj.metadata?.generateName ?? ""}: ${e.message}`);
      failures++;
    }
  }
}
process.exit(failures ? 1 : 0);
