// Validates every Kubernetes object in the given folders' YAML files against the Kubernetes schemas
// (kubernetes-models: the API's OpenAPI schemas, compiled for ajv): types, required fields, enums,
// formats; then, as `kubeconform -strict` does, refuses fields the schemas do not have (a typo such as
// `readinesProbe` would be dropped by the API server without a word): the objects are type-checked
// against kubernetes-models' TypeScript types with the repository's own TypeScript, whose excess
// property check finds them. Prints one line per object; exits 1 if one is wrong.
//   npm --prefix .ci/kubernetes ci && node .ci/kubernetes/validate.mjs deploy/kubernetes
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));

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

/**
 * Fields the schemas do not know, by object index: each object is assigned to its kubernetes-models
 * interface (`I<Kind>`) in one generated file, compiled without emitting.
 */
export function unknownFields(objects) {
  const ts = createRequire(join(here, '..', '..', 'package.json'))('typescript');
  const folder = join(here, 'node_modules', '.strict-check');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'objects.ts');
  const lines = objects.map(
    (o, i) => `import type { I${o.kind} as T${i} } from 'kubernetes-models/${o.apiVersion}/${o.kind}';\nexport const o${i}: T${i} = ${JSON.stringify(o)};`,
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, types: [] });
  const found = new Map();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const line = d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line : -1;
    const index = Math.floor(line / 2);
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/'\{[^']*\}'/g, 'the object');
    found.set(index, [...(found.get(index) ?? []), message]);
  }
  return found;
}

// The check must be able to fail: a wrong object is refused, or the validator itself is broken.
const wrong = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { replicas: 'two', selector: {}, template: { spec: { containers: [{ image: 'x' }] } } } };
const typo = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 80, targetPrt: 8080 }] } };
if (problems(wrong).length === 0) {
  console.error('kubernetes: the validator accepted a wrong object; it checks nothing');
  process.exit(1);
}

// Not Kubernetes API objects: read by kubectl itself.
const SKIP = new Set(['kustomize.config.k8s.io/v1beta1 Kustomization']);
let checked = 0;
let failed = 0;
const valid = [];
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
      if (found.length === 0) valid.push({ path, name, object });
      else {
        failed++;
        console.error(`FAIL  ${path} ${name}: ${found.join('; ')}`);
      }
    }
  }
}
// The typo goes last into the same compilation: found, or the strict check checks nothing.
const strict = unknownFields([...valid.map((v) => v.object), typo]);
if (!strict.has(valid.length)) {
  console.error('kubernetes: the strict check accepted an unknown field; it checks nothing');
  process.exit(1);
}
valid.forEach(({ path, name }, i) => {
  if (!strict.has(i)) return console.log(`ok    ${path} ${name}`);
  failed++;
  console.error(`FAIL  ${path} ${name}: ${strict.get(i).join('; ')}`);
});
console.log(`kubernetes: ${checked} objects checked, ${failed} wrong`);
process.exit(failed > 0 || checked === 0 ? 1 : 0);
