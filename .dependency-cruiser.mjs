// The layering rules `npm test` enforces (issue 15), checked by dependency-cruiser
// over the TypeScript sources, type-only imports included:
//   apps and tools sit above packages; a package never imports an app or a tool;
//   @connlab/http's client and server never import each other;
//   no import cycles;
//   another workspace is imported by its name (@connlab/...), never by a relative path.
// docs/ARCHITECTURE.md draws the layers.

/** packages/http's client and server: src/client/ and src/server/ (the flat client*.ts / server*.ts names still match). */
const httpClient = ['^packages/http/src/client[-./]', '^packages/http/src/[^/]+/client[-./]'];
const httpServer = ['^packages/http/src/server[-./]', '^packages/http/src/[^/]+/server[-./]'];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'packages-never-import-apps',
      comment: 'Packages are the reusable layer; apps (lessons, the tour) and tools are built on them, not the other way round.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^(?:apps|tools)/' },
    },
    {
      name: 'http-client-not-server',
      comment: "@connlab/http's client and server share only the parser and the shared modules; neither imports the other.",
      severity: 'error',
      from: { path: httpClient },
      to: { path: httpServer },
    },
    {
      name: 'http-server-not-client',
      comment: "@connlab/http's client and server share only the parser and the shared modules; neither imports the other.",
      severity: 'error',
      from: { path: httpServer },
      to: { path: httpClient },
    },
    {
      name: 'no-cycles',
      comment: 'An import cycle (type-only imports count) means two modules are one concern, or a third module is missing.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-cross-workspace-relative-imports',
      comment: 'Import another workspace by its package name (@connlab/...), so its package.json exports are the contract.',
      severity: 'error',
      from: { path: '^((?:packages|apps|tools)/[^/]+)/' },
      to: { dependencyTypes: ['local'], path: '^(?:packages|apps|tools)/', pathNot: '^$1/' },
    },
  ],
  options: {
    // Type-only imports are dependencies too: a type cycle is still a cycle.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(?:^|/)(?:node_modules|dist|\\.turbo|\\.vitest|coverage|report)/' },
    // Workspace packages resolve through their package.json "exports" to TypeScript source.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
    moduleSystems: ['es6', 'cjs'],
    reporterOptions: { text: { highlightFocused: true } },
  },
};
