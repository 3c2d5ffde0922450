import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('10-dumb-proxy');
