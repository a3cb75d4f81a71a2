// YAML for CodeMirror (service definitions), its own chunk: only the custom service editor
// loads it. Indented by two spaces, as services/*.yaml are.
import { indentUnit } from '@codemirror/language';
import { yaml as yamlSupport } from '@codemirror/lang-yaml';

export const yaml = [yamlSupport(), indentUnit.of('  ')];
