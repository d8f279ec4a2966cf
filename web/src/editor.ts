// A read-only Monaco editor for the generated files: Python, Markdown and JSON highlighting only
// (the editor core and three small grammars keep the bundle small), one model per file.

import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/languages/definitions/python/register';
import 'monaco-editor/languages/definitions/markdown/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

// Monaco's JSON support is a whole language service with its own worker; colours are enough
monaco.languages.register({ id: 'json', extensions: ['.json'] });
monaco.languages.setMonarchTokensProvider('json', {
  tokenizer: {
    root: [
      [/"(?:[^"\\]|\\.)*"(?=\s*:)/, 'type'],
      [/"(?:[^"\\]|\\.)*"/, 'string'],
      [/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/, 'number'],
      [/\b(?:true|false|null)\b/, 'keyword'],
      [/[{}[\],:]/, 'delimiter'],
    ],
  },
});

function languageOf(path: string): string {
  if (path.endsWith('.py')) return 'python';
  if (path.endsWith('.md')) return 'markdown';
  if (path.endsWith('.json')) return 'json';
  return 'plaintext';
}

export class CodeView {
  private readonly editor: monaco.editor.IStandaloneCodeEditor;
  private readonly models = new Map<string, monaco.editor.ITextModel>();

  constructor(container: HTMLElement) {
    this.editor = monaco.editor.create(container, {
      readOnly: true,
      domReadOnly: true,
      automaticLayout: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      fontSize: 13,
      lineNumbersMinChars: 3,
      renderLineHighlight: 'none',
      wordWrap: 'off',
      theme: 'vs',
      ariaLabel: 'Generated file (read-only)',
    });
  }

  /** Shows path with content (its model is kept, so switching back keeps the scroll). */
  show(path: string, content: string): void {
    let model = this.models.get(path);
    if (!model) {
      model = monaco.editor.createModel(content, languageOf(path));
      this.models.set(path, model);
    } else if (model.getValue() !== content) {
      model.setValue(content);
    }
    this.editor.setModel(model);
  }

  dispose(): void {
    this.editor.dispose();
    this.models.forEach((m) => {
      m.dispose();
    });
    this.models.clear();
  }
}
