import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('16-keep-alive-vs-close');
