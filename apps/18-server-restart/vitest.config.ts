import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('18-server-restart');
