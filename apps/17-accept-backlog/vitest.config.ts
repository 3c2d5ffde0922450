import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('17-accept-backlog');
