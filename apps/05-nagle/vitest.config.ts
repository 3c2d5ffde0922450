import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('05-nagle');
