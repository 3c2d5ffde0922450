import { connlabProject } from '../../vitest.shared.js';

export default connlabProject('06-time-wait');
