// Validates every Kubernetes object in the given folders' YAML files against the Kubernetes schemas
// (kubernetes-models: the API's OpenAPI schemas, compiled for ajv): types, required fields, enums,
// formats. Prints one line per object, and exits 1 on the first folder with a wrong one.
//   npm --prefix .ci/kubernetes ci && node .ci/kubernetes/validate.mjs deploy/kubernetes
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

const require = createRequire(import.meta.url);

/** The model class of `apiVersion`/`kind`, e.g. apps/v1 Deployment → kubernetes-models/apps/v1/Deployment. */
function modelOf(apiVersion, kind) {
  try {
    return require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
  } catch {
    return undefined;
  }
}

/** Problems with one object (none: valid). */
export function problems(object) {
  if (!object || typeof object !== 'object') return ['not an object'];
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return ['apiVersion and kind are required'];
  const Model = modelOf(apiVersion, kind);
  if (!Model) return [`unknown apiVersion/kind ${apiVersion} ${kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    return [String(error.message ?? error)];
  }
}

// The check must be able to fail: a wrong object is refused, or the validator itself is broken.
const wrong = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: { spec: { containers: [{ image: 'x' }] } } } };
if (problems(wrong).length === 0) {
  console.error('kubernetes: the validator accepted a wrong Deployment; it checks nothing');
  process.exit(1);
}

// Not Kubernetes API objects: read by kubectl itself.
const SKIP = new Set(['kustomize.config.k8s.io/v1beta1 Kustomization']);
let checked = 0;
let failed = 0;
for (const folder of process.argv.slice(2)) {
  for (const file of readdirSync(folder).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const path = join(folder, file);
    for (const doc of parseAllDocuments(readFileSync(path, 'utf8'))) {
      if (doc.errors.length > 0) {
        console.error(`${path}: ${doc.errors[0].message}`);
        failed++;
        continue;
      }
      const object = doc.toJS();
      if (object === null) continue;
      const name = `${object.kind ?? '?'}/${object.metadata?.name ?? '?'}`;
      if (SKIP.has(`${object.apiVersion} ${object.kind}`)) {
        console.log(`skip  ${path} ${name} (read by kubectl, not an API object)`);
        continue;
      }
      const found = problems(object);
      checked++;
      if (found.length === 0) console.log(`ok    ${path} ${name}`);
      else {
        failed++;
        console.error(`FAIL  ${path} ${name}: ${found.join('; ')}`);
      }
    }
  }
}
console.log(`kubernetes: ${checked} objects checked, ${failed} wrong`);
process.exit(failed > 0 || checked === 0 ? 1 : 0);
